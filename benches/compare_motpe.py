"""Multi-objective TPE speed: ferrotune vs rustuna 0.2.0 (vs Optuna 5.0 with --optuna).

Workload (rustuna's chart): ``TPESampler(seed=s)`` with default options in a study with two
minimised objectives, 40 float params in [-5, 5], 1k trials, in memory. Objectives:
f1 = sum x_i^2, f2 = sum (x_i - 2)^2. Each run is a fresh child process, frameworks
interleaved; prints median wall and CPU time over the repeats, the ratio to ferrotune, the
median per-trial latency over the last 100 trials, and the 2-D hypervolume of the final
front (reference point (1000, 1000)).

Usage: python benches/compare_motpe.py [--trials 1000] [--repeats 3] [--optuna]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, median, run_child, table

N_PARAMS = 40
REFERENCE = (1000.0, 1000.0)


def hypervolume_2d(points: list[tuple[float, float]]) -> float:
    """Exact 2-D hypervolume (minimisation) by a sweep over the first objective."""
    inside = sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1])
    volume, best_b = 0.0, REFERENCE[1]
    for a, b in inside:
        if b < best_b:
            volume += (REFERENCE[0] - a) * (best_b - b)
            best_b = b
    return volume


def child(framework: str, n_trials: int, seed: int) -> None:
    warnings.simplefilter("ignore")
    module = import_framework(framework)
    stamps: list[float] = []

    def objective(trial) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        stamps.append(time.perf_counter())
        xs = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS)]
        return sum(x * x for x in xs), sum((x - 2.0) ** 2 for x in xs)

    sampler = module.samplers.TPESampler(seed=seed)
    study = module.create_study(directions=["minimize", "minimize"], sampler=sampler)
    cpu0 = time.process_time()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    stamps.append(time.perf_counter())
    wall = stamps[-1] - start
    cpu = time.process_time() - cpu0
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    points = [tuple(t.values) for t in study.trials if t.values is not None]
    out = {
        "wall": wall,
        "cpu": cpu,
        "lat_ms": median(gaps[-100:]) * 1e3,
        "hv": hypervolume_2d(points),  # type: ignore[arg-type]
    }
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optuna", action="store_true", help="also run Optuna 5.0 (slow)")
    parser.add_argument("--child", nargs=3, metavar=("FRAMEWORK", "N", "SEED"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    order = ["ferrotune", "rustuna"] + (["optuna"] if args.optuna else [])
    results: dict[str, list[dict[str, float]]] = {fw: [] for fw in order}
    for rep in range(args.repeats):
        for fw in order:
            res = run_child(Path(__file__), ["--child", fw, str(args.trials), str(rep)])
            print(f"{fw:9s} seed={rep}: {res}", flush=True)
            results[fw].append(res)
    ref_wall = median([r["wall"] for r in results["ferrotune"]])
    ref_cpu = median([r["cpu"] for r in results["ferrotune"]])
    rows = [
        [
            "framework",
            "median wall (s)",
            "wall / ferrotune",
            "CPU (s)",
            "CPU / ferrotune",
            "ms/trial (last 100)",
            "hypervolume",
        ]
    ]
    for fw in order:
        runs = results[fw]
        wall = median([r["wall"] for r in runs])
        cpu = median([r["cpu"] for r in runs])
        rows.append(
            [
                fw,
                f"{wall:.2f}",
                f"{wall / ref_wall:.2f}x",
                f"{cpu:.2f}",
                f"{cpu / ref_cpu:.2f}x",
                f"{median([r['lat_ms'] for r in runs]):.2f}",
                f"{median([r['hv'] for r in runs]):.4g}",
            ]
        )
    print(f"\nMO-TPE, 2 objectives, {N_PARAMS} float params, {args.trials} trials, in memory")
    print(table(rows))


if __name__ == "__main__":
    main()
