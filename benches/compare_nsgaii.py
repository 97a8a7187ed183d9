"""NSGAIISampler speed and quality, side by side: ferrotune vs Optuna 5.0 vs rustuna 0.2.0.

Workload: ZDT1 with 40 float params in [0, 1] by default (rustuna's chart workload),
2 objectives (both minimised), ``NSGAIISampler(seed=s)`` with default settings
(population 50), in-memory storage, 10,000 and 100,000 trials by default. Each study runs
in a fresh child process, frameworks interleaved; prints median wall time, per-trial time,
the wall ratio to ferrotune, the median peak RSS of the child and the median hypervolume
of the final Pareto front (reference point (1.1, 11)).

Usage: python benches/compare_nsgaii.py [--repeats 3] [--trials 10000,100000] [--params 40]
[--frameworks ferrotune,rustuna] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FRAMEWORKS, import_framework, median, run_child, table

REFERENCE = (1.1, 11.0)


def zdt1(xs: list[float]) -> tuple[float, float]:
    f1 = xs[0]
    g = 1.0 + 9.0 * sum(xs[1:]) / (len(xs) - 1)
    return f1, g * (1.0 - math.sqrt(f1 / g))


def hypervolume_2d(points: list[tuple[float, float]]) -> float:
    """Exact 2-D hypervolume (minimisation) by a sweep over the first objective."""
    inside = sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1])
    front: list[tuple[float, float]] = []
    for a, b in inside:
        if not front or b < front[-1][1]:
            front.append((a, b))
    volume = 0.0
    for k, (a, b) in enumerate(front):
        right = front[k + 1][0] if k + 1 < len(front) else REFERENCE[0]
        volume += (right - a) * (REFERENCE[1] - b)
    return volume


def child_study(framework: str, n_trials: int, seed: int, n_params: int) -> None:
    warnings.simplefilter("ignore")
    module = import_framework(framework)

    def objective(trial) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        return zdt1([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(n_params)])

    sampler = module.samplers.NSGAIISampler(seed=seed)
    study = module.create_study(directions=["minimize", "minimize"], sampler=sampler)
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    wall = time.perf_counter() - start
    trials = study.trials
    assert len(trials) == n_trials
    points = [tuple(t.values) for t in trials if t.values is not None]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    hv = hypervolume_2d(points)  # type: ignore[arg-type]
    print(json.dumps({"wall": wall, "hv": hv, "rss": rss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", default="10000,100000", help="comma-separated counts")
    parser.add_argument("--params", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="1/10 of the trials")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        framework, trials, seed, params = args.child
        child_study(framework, int(trials), int(seed), int(params))
        return
    frameworks = [f for f in args.frameworks.split(",") if f]
    for trials in args.trials.split(","):
        n_trials = int(trials) // (10 if args.quick else 1)
        run_workload(frameworks, n_trials, args.params, args.repeats)


def run_workload(frameworks: list[str], n_trials: int, n_params: int, repeats: int) -> None:
    walls: dict[str, list[float]] = {f: [] for f in frameworks}
    hvs: dict[str, list[float]] = {f: [] for f in frameworks}
    rss: dict[str, list[float]] = {f: [] for f in frameworks}
    for seed in range(repeats):
        for framework in frameworks:
            child_args = ["--child", framework, str(n_trials), str(seed), str(n_params)]
            res = run_child(Path(__file__), child_args)
            walls[framework].append(res["wall"])
            hvs[framework].append(res["hv"])
            rss[framework].append(res["rss"])
            print(
                f"  {framework} {n_trials} trials seed {seed}: {res['wall']:.2f} s, "
                f"hv {res['hv']:.4f}, peak RSS {res['rss']:.0f} MiB",
                flush=True,
            )
    med = {f: median(v) for f, v in walls.items()}
    base = med.get("ferrotune", next(iter(med.values())))
    rows = [
        [
            "framework",
            "median wall (s)",
            "per trial (ms)",
            "wall / ferrotune",
            "peak RSS (MiB)",
            "median HV",
        ]
    ]
    for f in frameworks:
        rows.append(
            [
                f,
                f"{med[f]:.2f}",
                f"{med[f] / n_trials * 1e3:.2f}",
                f"{med[f] / base:.2f}x",
                f"{median(rss[f]):.0f}",
                f"{median(hvs[f]):.4f}",
            ]
        )
    print(
        f"\nNSGAIISampler (population 50), ZDT1, {n_trials} trials x {n_params} float params, "
        f"2 objectives, in-memory, median of {repeats} interleaved runs (seeds "
        f"0..{repeats - 1}):\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
