"""RandomSampler, 10 float params, trivial objective, in-memory: ferrotune vs optuna vs rustuna.

Usage: python benches/compare_random.py [--trials 20000] [--repeats 3]
Prints wall time per run, medians, per-trial cost and ratios (markdown table).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FRAMEWORKS, import_framework, median, run_child, table

N_PARAMS = 10


def child(framework: str, n_trials: int) -> None:
    module = import_framework(framework)

    stamps: list[float] = []

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        stamps.append(time.perf_counter())
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS))

    study = module.create_study(sampler=module.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    wall = time.perf_counter() - start
    assert len(study.trials) == n_trials
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    window = max(1, min(1000, len(gaps) // 4))
    print(
        json.dumps(
            {
                "wall": wall,
                "first_us": median(gaps[:window]) * 1e6,
                "last_us": median(gaps[-window:]) * 1e6,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "N"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    results: dict[str, list[dict[str, float]]] = {f: [] for f in FRAMEWORKS}
    for _ in range(args.repeats):
        for framework in FRAMEWORKS:
            results[framework].append(
                run_child(Path(__file__), ["--child", framework, str(args.trials)])
            )
    med = {f: median([r["wall"] for r in v]) for f, v in results.items()}
    rows = [
        [
            "framework",
            "median wall (s)",
            "per trial (us)",
            "first 1k trials (us/trial)",
            "last 1k trials (us/trial)",
            "wall / ferrotune",
        ]
    ]
    for f in FRAMEWORKS:
        first = median([r["first_us"] for r in results[f]])
        last = median([r["last_us"] for r in results[f]])
        rows.append(
            [
                f,
                f"{med[f]:.3f}",
                f"{med[f] / args.trials * 1e6:.1f}",
                f"{first:.1f}",
                f"{last:.1f}",
                f"{med[f] / med['ferrotune']:.2f}x",
            ]
        )
    print(f"RandomSampler, {N_PARAMS} float params, {args.trials} trials, in-memory,")
    print(f"median of {args.repeats} interleaved runs (each in a fresh process):\n")
    print(table(rows))
    print(
        f"\nferrotune vs optuna: {med['optuna'] / med['ferrotune']:.1f}x faster; "
        f"ferrotune / rustuna per-trial cost: {med['ferrotune'] / med['rustuna']:.2f}"
    )


if __name__ == "__main__":
    main()
