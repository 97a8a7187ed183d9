"""NSGA-III survivor selection per generation: ferrotune (core association) vs Optuna 5.0.

Usage: python benches/compare_nsga3_selection.py [--repeats 20]

For populations of 100, 200 and 300 (2 x population candidates, all mutually non-dominated,
on the unit simplex) with 4 objectives (20 default reference points) and 6 objectives
(``dividing_parameter=4``, 126 points), times one selection of ``population`` survivors:
ferrotune's ``select_elite_nsga3`` on arrays, and Optuna's
``NSGAIIIElitePopulationSelectionStrategy`` on frozen trials; also the association step
alone, ferrotune's core kernel vs the same maths as an (n, p, m) numpy expression. Prints
medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, table


def _median_ms(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def _numpy_associate(x: np.ndarray, refs: np.ndarray) -> np.ndarray:
    coef = (x @ refs.T) / np.einsum("pm,pm->p", refs, refs)
    residual = x[:, np.newaxis, :] - coef[:, :, np.newaxis] * refs[np.newaxis, :, :]
    return np.linalg.norm(residual, axis=2).argmin(axis=1)


def _row(pop: int, m: int, h: int, repeats: int, rng: np.random.Generator) -> list[str]:
    optuna = import_framework("optuna")
    from optuna.samplers._lazy_random_state import LazyRandomState
    from optuna.samplers._nsgaiii._elite_population_selection_strategy import (
        NSGAIIIElitePopulationSelectionStrategy,
    )

    from ferrotune.samplers._nsgaiii import _elite_population_selection_strategy as ours

    refs = ours._generate_default_reference_point(m, h)
    loss = rng.random((2 * pop, m))
    loss /= loss.sum(axis=1, keepdims=True)
    trials = [optuna.trial.create_trial(values=list(v)) for v in loss]
    study = optuna.create_study(directions=["minimize"] * m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = NSGAIIIElitePopulationSelectionStrategy(
            population_size=pop, dividing_parameter=h, rng=LazyRandomState(0)
        )
    state = np.random.RandomState(0)
    mine = _median_ms(lambda: ours.select_elite_nsga3(loss, None, pop, refs, state), repeats)
    theirs = _median_ms(lambda: strategy(study, trials), repeats)
    core = _median_ms(
        lambda: ours._associate_individuals_with_reference_points(loss, refs), repeats
    )
    dense = _median_ms(lambda: _numpy_associate(loss, refs), repeats)
    return [
        str(pop),
        str(m),
        str(len(refs)),
        f"{mine:.2f}",
        f"{theirs:.2f}",
        f"{theirs / mine:.1f}x",
        f"{core:.3f}",
        f"{dense:.2f}",
        f"{dense / core:.1f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import_framework("ferrotune")
    rng = np.random.default_rng(0)
    rows = [
        [
            "population",
            "objectives",
            "ref points",
            "ferrotune select ms",
            "Optuna select ms",
            "ratio",
            "associate: core ms",
            "numpy ms",
            "ratio",
        ]
    ]
    for pop in (100, 200, 300):
        for m, h in ((4, 3), (6, 4)):
            rows.append(_row(pop, m, h, args.repeats, rng))
    print(table(rows))


if __name__ == "__main__":
    main()
