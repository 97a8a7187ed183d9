"""Default TPE, 10 float params, trivial objective, in-memory: ferrotune vs rustuna vs optuna.

Usage: python benches/compare_tpe.py [--trials 1000 10000] [--optuna-max 2000] [--repeats 1]

Each (framework, n_trials) run is a fresh child process; frameworks are interleaved. Prints
total wall and process CPU time per run (CPU time is robust when the machine is shared),
ratios, and the median per-trial latency in windows ending at 1k / 10k
(the 100k window comes from ``benches/scale_tpe.py``). Optuna runs only up to
``--optuna-max`` trials (its TPE is quadratic: ~600 s for 10k here).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, median, run_child, table

N_PARAMS = 10
ORDER = ("ferrotune", "rustuna", "optuna")


def _tpe(module, framework: str):  # type: ignore[no-untyped-def]
    # Each framework's default TPE (Optuna 5.0 defaults: multivariate, constant liar).
    return module.samplers.TPESampler(seed=0)


def child(framework: str, n_trials: int) -> None:
    module = import_framework(framework)
    stamps: list[float] = []

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        stamps.append(time.perf_counter())
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS))

    study = module.create_study(sampler=_tpe(module, framework))
    cpu0 = time.process_time()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    stamps.append(time.perf_counter())
    wall = stamps[-1] - start
    cpu = time.process_time() - cpu0
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    best = min(t.value for t in study.trials if t.value is not None)
    out = {"wall": wall, "cpu": cpu, "best": float(best)}
    for n in (1000, 10000, 100000):
        if len(gaps) >= n:
            out[f"lat_{n}_ms"] = median(gaps[n - 100 : n]) * 1e3
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--optuna-max", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "N"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    sizes = sorted(set(args.trials) | {min(args.optuna_max, max(args.trials))})
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    for _ in range(args.repeats):
        for n in sizes:
            for fw in ORDER:
                if fw == "optuna" and n > args.optuna_max:
                    continue
                if fw != "optuna" and n not in args.trials:
                    continue
                res = run_child(Path(__file__), ["--child", fw, str(n)], timeout=7200)
                print(f"{fw:9s} n={n:6d}: {res}", flush=True)
                results.setdefault((fw, n), []).append(res)
    rows = [
        [
            "trials",
            "framework",
            "median wall (s)",
            "wall / ferrotune",
            "CPU (s)",
            "CPU / ferrotune",
            "best value",
        ]
    ]
    for n in sizes:
        ref = results.get(("ferrotune", n))
        for fw in ORDER:
            runs = results.get((fw, n))
            if not runs:
                continue
            wall = median([r["wall"] for r in runs])
            cpu = median([r["cpu"] for r in runs])
            ratio = f"{wall / median([r['wall'] for r in ref]):.1f}x" if ref else "-"
            cratio = f"{cpu / median([r['cpu'] for r in ref]):.1f}x" if ref else "-"
            best = median([r["best"] for r in runs])
            rows.append([str(n), fw, f"{wall:.2f}", ratio, f"{cpu:.2f}", cratio, f"{best:.3f}"])
    print()
    print(table(rows))
    lat_rows = [["framework", "trials run", "median ms/trial @1k", "@10k", "@100k"]]
    for (fw, n), runs in sorted(results.items()):
        cells = []
        for w in (1000, 10000, 100000):
            vals = [r[f"lat_{w}_ms"] for r in runs if f"lat_{w}_ms" in r]
            cells.append(f"{median(vals):.2f}" if vals else "-")
        lat_rows.append([fw, str(n), *cells])
    print()
    print(table(lat_rows))


if __name__ == "__main__":
    main()
