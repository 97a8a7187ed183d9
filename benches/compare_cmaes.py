"""CmaEsSampler speed, side by side: ferrotune vs Optuna 5.0 vs rustuna 0.2.0.

Workloads (in-memory, trivial objective, seed 0; ``--objective sphere`` (default) is the sum
of squares, ``--objective sum`` the plain sum, whose optimum is a corner of the box so that
most CMA-ES draws fall outside the bounds and get resampled, in every implementation):
  * 10,000 trials x 10 float params;
  * 2,000 trials x 100 float params;
  * one CMA-ES generation (ask popsize + tell, which includes the eigendecomposition)
    at d = 200: ``ferrotune._core.CmaEsOptimizer`` vs ``cmaes.CMA``, both in one child
    process with their generations alternating, so that a slow spell of this noisy machine
    hits both (the ratio is taken per generation pair).

Each study runs in a fresh child process, frameworks interleaved; prints medians and ratios.

Usage: python benches/compare_cmaes.py [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FRAMEWORKS, import_framework, median, run_child, table


def child_study(framework: str, n_trials: int, n_params: int, kind: str) -> None:
    warnings.simplefilter("ignore")
    module = import_framework(framework)

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        xs = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(n_params)]
        return sum(xs) if kind == "sum" else sum(x * x for x in xs)

    study = module.create_study(sampler=module.samplers.CmaEsSampler(seed=0))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    wall = time.perf_counter() - start
    assert len(study.trials) == n_trials
    print(json.dumps({"wall": wall}))


def child_update(dim: int, n_gen: int) -> None:
    """Both optimizers in this one process, their generations alternating (the order flips
    every generation), so that both see the same machine state; per-generation times."""
    import cmaes
    import numpy as np

    from ferrotune._core import CmaEsOptimizer

    rng = np.random.default_rng(0)
    scale = 10.0 ** (3 * np.arange(dim) / (dim - 1))
    mean = rng.uniform(-1, 1, dim)

    def f(x: np.ndarray) -> np.ndarray:
        return np.asarray(((scale * x) ** 2).sum(axis=1))

    opt = CmaEsOptimizer(mean, 0.5, seed=0)
    ref = cmaes.CMA(mean=mean.copy(), sigma=0.5, seed=0)

    def ferrotune_generation() -> float:
        t0 = time.perf_counter()
        xs = opt.ask(opt.population_size)
        opt.tell(xs, f(xs))
        return time.perf_counter() - t0

    def cmaes_generation() -> float:
        t0 = time.perf_counter()
        xs = np.array([ref.ask() for _ in range(ref.population_size)])
        ref.tell(list(zip(xs, f(xs))))
        return time.perf_counter() - t0

    ours: list[float] = []
    theirs: list[float] = []
    for g in range(n_gen):
        if g % 2 == 0:
            ours.append(ferrotune_generation())
            theirs.append(cmaes_generation())
        else:
            theirs.append(cmaes_generation())
            ours.append(ferrotune_generation())
    ours, theirs = ours[2:], theirs[2:]  # the first generations warm caches up
    print(
        json.dumps(
            {
                "ferrotune": median(ours),
                "cmaes": median(theirs),
                "ratio": median([c / o for c, o in zip(theirs, ours)]),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1/10 of the trials")
    parser.add_argument("--objective", choices=["sphere", "sum"], default="sphere")
    parser.add_argument("--child", nargs=4)
    parser.add_argument("--update", nargs=2)
    args = parser.parse_args()
    if args.child:
        child_study(args.child[0], int(args.child[1]), int(args.child[2]), args.child[3])
        return
    if args.update:
        child_update(int(args.update[0]), int(args.update[1]))
        return

    div = 10 if args.quick else 1
    workloads = [(10_000 // div, 10), (2_000 // div, 100)]
    for n_trials, n_params in workloads:
        walls: dict[str, list[float]] = {f: [] for f in FRAMEWORKS}
        for _ in range(args.repeats):
            for framework in FRAMEWORKS:
                res = run_child(
                    Path(__file__),
                    ["--child", framework, str(n_trials), str(n_params), args.objective],
                )
                walls[framework].append(res["wall"])
                print(f"  {framework} {n_trials}x{n_params}: {res['wall']:.3f}s", file=sys.stderr)
        med = {f: median(v) for f, v in walls.items()}
        rows = [["framework", "median wall (s)", "per trial (us)", "wall / ferrotune"]]
        for f in FRAMEWORKS:
            rows.append(
                [
                    f,
                    f"{med[f]:.3f}",
                    f"{med[f] / n_trials * 1e6:.0f}",
                    f"{med[f] / med['ferrotune']:.1f}x",
                ]
            )
        print(
            f"\nCmaEsSampler, {n_trials} trials x {n_params} float params, in-memory, "
            f"objective {args.objective}, "
            f"median of {args.repeats} interleaved runs:\n"
        )
        print(table(rows))

    dim = 200
    runs = [run_child(Path(__file__), ["--update", str(dim), "60"]) for _ in range(args.repeats)]
    fm = median([r["ferrotune"] for r in runs])
    cm = median([r["cmaes"] for r in runs])
    ratios = [r["ratio"] for r in runs]
    print(
        f"\nOne CMA-ES generation at d = {dim} (ask popsize + tell incl. eigendecomposition; "
        f"both in one process, generations alternating; {args.repeats} processes of 60 "
        "generations):\n"
    )
    print(
        table(
            [
                ["implementation", "median per generation (ms)", "time / ferrotune"],
                ["ferrotune (Rust)", f"{fm * 1e3:.2f}", "1.0x"],
                ["cmaes 0.13 (NumPy)", f"{cm * 1e3:.2f}", f"{median(ratios):.1f}x"],
            ]
        )
    )
    print(
        "\n(time / ferrotune: median over processes of the median per-generation ratio; "
        f"per process: {', '.join(f'{r:.1f}x' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
