"""MedianPruner study, side by side: ferrotune vs Optuna 5.0.

RandomSampler, 3,000 trials, up to 100 reported steps per trial, a trivial objective whose
learning curves cross: trial ``i`` reports ``a_i / (step + 1) + b_i + noise`` with ``a_i, b_i``
fixed from a seeded numpy generator (the same in both libraries, so both make exactly the
same pruning decisions and the same number of reports; the sampler still draws one float
parameter per trial). Prints the median wall time of each library and the ratio.

Run: ``python benches/compare_pruning.py [--trials 3000] [--steps 100] [--repeat 3]``
(``--pruner sha|hyperband`` runs the same workload with Successive Halving / Hyperband).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from types import ModuleType
from typing import Any

import numpy as np


def _curves(n_trials: int, n_steps: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.0, 2.0, size=(n_trials, 1))
    b = rng.uniform(0.0, 1.0, size=(n_trials, 1))
    steps = np.arange(n_steps)[None, :]
    noise = rng.normal(0.0, 0.02, size=(n_trials, n_steps))
    curves: list[list[float]] = (a / (steps + 1.0) + b + noise).tolist()
    return curves


def _make_pruner(lib: ModuleType, name: str, n_steps: int) -> Any:
    if name == "median":
        return lib.pruners.MedianPruner()
    if name == "sha":
        return lib.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    return lib.pruners.HyperbandPruner(min_resource=1, max_resource=n_steps)


def _run(
    lib: ModuleType, curves: list[list[float]], seed: int, pruner: str = "median"
) -> tuple[float, int, int]:
    def objective(trial: Any) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        value = 0.0
        for step, value in enumerate(curves[trial.number]):
            trial.report(value, step)
            if trial.should_prune():
                raise lib.TrialPruned()
        return value

    study = lib.create_study(
        study_name="compare-pruning",
        sampler=lib.samplers.RandomSampler(seed=seed),
        pruner=_make_pruner(lib, pruner, len(curves[0])),
    )
    start = time.perf_counter()
    study.optimize(objective, n_trials=len(curves))
    elapsed = time.perf_counter() - start
    trials = study.get_trials(deepcopy=False)
    n_pruned = sum(t.state == lib.trial.TrialState.PRUNED for t in trials)
    n_reports = sum(len(t.intermediate_values) for t in trials)
    return elapsed, n_pruned, n_reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pruner", choices=["median", "sha", "hyperband"], default="median")
    args = parser.parse_args()

    import optuna

    import ferrotune

    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

    results: dict[str, list[float]] = {"ferrotune": [], "optuna": []}
    for rep in range(args.repeat):
        curves = _curves(args.trials, args.steps, seed=rep)
        for name, lib in (("ferrotune", ferrotune), ("optuna", optuna)):
            elapsed, n_pruned, n_reports = _run(lib, curves, seed=rep, pruner=args.pruner)
            results[name].append(elapsed)
            print(
                f"{name:9s} run {rep}: {elapsed:7.3f} s  pruned {n_pruned}/{args.trials}  "
                f"reports {n_reports}"
            )
    med_f = statistics.median(results["ferrotune"])
    med_o = statistics.median(results["optuna"])
    print(
        f"\n{args.pruner} pruner, RandomSampler, {args.trials} trials x {args.steps} steps "
        f"(median of {args.repeat}):"
    )
    print(f"  ferrotune {med_f:7.3f} s")
    print(f"  optuna    {med_o:7.3f} s")
    print(f"  ratio     {med_o / med_f:7.1f}x faster")


if __name__ == "__main__":
    main()
