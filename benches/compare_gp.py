"""GPSampler speed, side by side: ferrotune vs Optuna 5.0 (torch on CPU).

Workload: in-memory study, 10 float params in [-5, 5], sphere objective, ``GPSampler(seed=0)``
with defaults (10 random startup trials), 300 trials for both frameworks, then ferrotune alone
at 1,000 trials. ``--ferrotune-startup 990`` makes the first 990 of those random, so that the
run measures the per-trial latency at 1,000 trials without running 990 GP trials first.

Each study runs in a fresh child process (frameworks interleaved); Optuna's child runs with
``--optuna-python`` (a venv with optuna 5.0.0, torch and scipy; greenlet installed, so Optuna
uses its batched L-BFGS-B), both with ``OMP_NUM_THREADS=1`` as Optuna's docs recommend for
GPSampler. Prints wall and process CPU time (robust on a shared machine), ratios, and the
per-trial latency in wall and CPU time (median of the 10 trials ending at trial 100 / 200 /
300 / 500 / 1,000).

Usage (``$TORCH_VENV``: a venv with ``optuna==5.0.0 torch scipy greenlet``)::

    python benches/compare_gp.py --optuna-python $TORCH_VENV/bin/python [--repeats 1]
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


def child(framework: str, n_trials: int, n_startup: int) -> None:
    warnings.simplefilter("ignore")
    if os.environ.get("COMPARE_GP_NO_GREENLET"):
        sys.modules["greenlet"] = None  # type: ignore[assignment]  # Optuna's sequential path
    module = import_framework(framework)
    stamps: list[float] = []
    cpu_stamps: list[float] = []

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        stamps.append(time.perf_counter())
        cpu_stamps.append(time.process_time())
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(N_PARAMS))

    sampler = module.samplers.GPSampler(seed=0, n_startup_trials=n_startup)
    study = module.create_study(sampler=sampler)
    cpu0 = time.process_time()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    stamps.append(time.perf_counter())
    cpu_stamps.append(time.process_time())
    wall = stamps[-1] - start
    cpu = time.process_time() - cpu0
    # gaps[k] = time from the start of trial k to the start of trial k+1 (sampling + objective).
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    cpu_gaps = [b - a for a, b in itertools.pairwise(cpu_stamps)]
    out = {"wall": wall, "cpu": cpu, "best": float(study.best_value)}
    for n in WINDOWS:
        if len(gaps) >= n:
            out[f"lat_{n}_ms"] = median(gaps[n - 10 : n]) * 1e3
            out[f"cpu_lat_{n}_ms"] = median(cpu_gaps[n - 10 : n]) * 1e3
    print(json.dumps(out))


def run(
    python: str, framework: str, n_trials: int, n_startup: int, greenlet: bool = True
) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if not greenlet:
        env["COMPARE_GP_NO_GREENLET"] = "1"
    out = subprocess.run(
        [python, str(Path(__file__)), "--child", framework, str(n_trials), str(n_startup)],
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
    parser.add_argument(
        "--ferrotune-startup",
        type=int,
        default=10,
        help="n_startup_trials of the ferrotune-alone run (e.g. 990: random history, then "
        "the per-trial latency of the last 10 GP trials at 1,000 trials, without the "
        "cost of running 1,000 GP trials on a busy machine)",
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--optuna-large",
        action="store_true",
        help="also run Optuna at --ferrotune-trials with --ferrotune-startup",
    )
    parser.add_argument(
        "--optuna-no-greenlet",
        action="store_true",
        help="also run Optuna at --trials without greenlet (its sequential L-BFGS-B)",
    )
    parser.add_argument("--child", nargs=3, metavar=("FRAMEWORK", "N", "STARTUP"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    pythons = {"ferrotune": sys.executable, "optuna": args.optuna_python}
    results: dict[tuple[str, int, int], list[dict[str, float]]] = {}
    plan = [("ferrotune", args.trials, 10), ("optuna", args.trials, 10)] * args.repeats
    if args.optuna_no_greenlet:
        plan += [("optuna-no-greenlet", args.trials, 10)] * args.repeats
    plan += [("ferrotune", args.ferrotune_trials, args.ferrotune_startup)] * args.repeats
    if args.optuna_large:
        plan += [("optuna", args.ferrotune_trials, args.ferrotune_startup)] * args.repeats
    for fw, n, n_startup in plan:
        greenlet = fw != "optuna-no-greenlet"
        res = run(pythons[fw.split("-")[0]], fw.split("-")[0], n, n_startup, greenlet)
        print(f"{fw:9s} n={n:5d}: {json.dumps(res)}", flush=True)
        results.setdefault((fw, n, n_startup), []).append(res)

    rows = [["trials (random startup)", "framework", "wall (s)", "wall / ferrotune", "CPU (s)"]]
    rows[0] += ["CPU / ferrotune", "best value"]
    for (fw, n, n_startup), runs in results.items():
        ref = results.get(("ferrotune", n, n_startup))
        wall = median([r["wall"] for r in runs])
        cpu = median([r["cpu"] for r in runs])
        ratio = f"{wall / median([r['wall'] for r in ref]):.1f}x" if ref else "-"
        cratio = f"{cpu / median([r['cpu'] for r in ref]):.1f}x" if ref else "-"
        best = median([r["best"] for r in runs])
        label = f"{n} ({n_startup})"
        rows.append([label, fw, f"{wall:.2f}", ratio, f"{cpu:.2f}", cratio, f"{best:.4g}"])
    print()
    print(table(rows))
    lat = [["framework", "trials (random startup)", *(f"@{w}" for w in WINDOWS)]]
    for (fw, n, n_startup), runs in results.items():
        for kind in ("lat", "cpu_lat"):
            cells = []
            for w in WINDOWS:
                vals = [r[f"{kind}_{w}_ms"] for r in runs if f"{kind}_{w}_ms" in r]
                cells.append(f"{median(vals):.1f}" if vals else "-")
            what = "wall" if kind == "lat" else "CPU"
            lat.append([f"{fw} ({what} ms/trial)", f"{n} ({n_startup})", *cells])
    print()
    print(table(lat))
    ft = results.get(("ferrotune", args.trials, 10))
    op = results.get(("optuna", args.trials, 10))
    if ft and op:
        speedup = median([r["wall"] for r in op]) / median([r["wall"] for r in ft])
        cpu_speedup = median([r["cpu"] for r in op]) / median([r["cpu"] for r in ft])
        verdict = "meets" if speedup >= 20 else "MISSES"
        print(
            f"\n{args.trials} trials: ferrotune is {speedup:.1f}x faster in wall time "
            f"({verdict} the 20x target), {cpu_speedup:.1f}x in CPU time"
        )


if __name__ == "__main__":
    main()
