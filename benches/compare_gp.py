"""GPSampler speed, side by side: ferrotune vs Optuna 5.0 (torch on CPU).

Workload: in-memory study, 10 float params in [-5, 5], sphere objective, ``GPSampler(seed=0)``
with defaults (10 random startup trials), 300 trials for both frameworks, then ferrotune alone
at 1,000 trials. Each study runs in a fresh child process (frameworks interleaved); Optuna's
child runs with ``--optuna-python`` (a venv with optuna 5.0.0, torch and scipy; greenlet
installed, so Optuna uses its batched L-BFGS-B), both with ``OMP_NUM_THREADS=1`` as Optuna's
docs recommend for GPSampler. Prints wall and process CPU time, ratios, and the per-trial
latency (median of the 10 trials ending at trial 100 / 200 / 300 / 1,000).

Usage::

    python benches/compare_gp.py --optuna-python /work/venv-gp/bin/python [--repeats 1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, median, table

N_PARAMS = 10
WINDOWS = (100, 200, 300, 500, 1000)


def child(framework: str, n_trials: int) -> None:
    warnings.simplefilter("ignore")
    module = import_framework(framework)
    stamps: list[float] = []

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        stamps.append(time.perf_counter())
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(N_PARAMS))

    study = module.create_study(sampler=module.samplers.GPSampler(seed=0))
    cpu0 = time.process_time()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    stamps.append(time.perf_counter())
    wall = stamps[-1] - start
    cpu = time.process_time() - cpu0
    # gaps[k] = time from the start of trial k to the start of trial k+1 (sampling + objective).
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    out = {"wall": wall, "cpu": cpu, "best": float(study.best_value)}
    for n in WINDOWS:
        if len(gaps) >= n:
            out[f"lat_{n}_ms"] = median(gaps[n - 10 : n]) * 1e3
    print(json.dumps(out))


def run(python: str, framework: str, n_trials: int) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(
        [python, str(Path(__file__)), "--child", framework, str(n_trials)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=7200,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--optuna-python", default=sys.executable)
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--ferrotune-trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "N"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    pythons = {"ferrotune": sys.executable, "optuna": args.optuna_python}
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    plan = [("ferrotune", args.trials), ("optuna", args.trials)] * args.repeats
    plan += [("ferrotune", args.ferrotune_trials)] * args.repeats
    for fw, n in plan:
        res = run(pythons[fw], fw, n)
        print(f"{fw:9s} n={n:5d}: {json.dumps(res)}", flush=True)
        results.setdefault((fw, n), []).append(res)

    rows = [["trials", "framework", "wall (s)", "wall / ferrotune", "CPU (s)", "best value"]]
    for (fw, n), runs in results.items():
        ref = results.get(("ferrotune", n))
        wall = median([r["wall"] for r in runs])
        ratio = f"{wall / median([r['wall'] for r in ref]):.1f}x" if ref else "-"
        cpu = median([r["cpu"] for r in runs])
        best = median([r["best"] for r in runs])
        rows.append([str(n), fw, f"{wall:.2f}", ratio, f"{cpu:.2f}", f"{best:.4g}"])
    print()
    print(table(rows))
    lat = [["framework", "trials run", *(f"ms/trial @{w}" for w in WINDOWS)]]
    for (fw, n), runs in results.items():
        cells = []
        for w in WINDOWS:
            vals = [r[f"lat_{w}_ms"] for r in runs if f"lat_{w}_ms" in r]
            cells.append(f"{median(vals):.1f}" if vals else "-")
        lat.append([fw, str(n), *cells])
    print()
    print(table(lat))
    ft, op = results.get(("ferrotune", args.trials)), results.get(("optuna", args.trials))
    if ft and op:
        speedup = median([r["wall"] for r in op]) / median([r["wall"] for r in ft])
        verdict = "meets" if speedup >= 20 else "MISSES"
        print(f"\n{args.trials} trials: ferrotune is {speedup:.1f}x faster ({verdict} 20x)")


if __name__ == "__main__":
    main()
