"""Elite selection and crowding order of NSGA-II against Optuna's."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna.samplers.nsgaii._elite_population_selection_strategy import (
    NSGAIIElitePopulationSelectionStrategy,
    _crowding_distance_sort,
)

from ferrotune.samplers.nsgaii._population import crowding_order, select_elite


def _optuna_population(
    values: np.ndarray, violation: np.ndarray | None
) -> list[optuna.trial.FrozenTrial]:
    trials = []
    for i, row in enumerate(values):
        attrs = {} if violation is None else {"constraints": (float(violation[i]), -1.0)}
        t = optuna.trial.create_trial(values=row.tolist(), system_attrs=attrs)
        t.number = i
        t._trial_id = i
        trials.append(t)
    return trials


@pytest.mark.parametrize("constrained", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_elite_selection_matches_optuna(constrained: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = 40 + seed * 7, 20 + seed
    values = rng.integers(0, 6, size=(n, 2)).astype(float)  # many ties and duplicates
    values[rng.random(n) < 0.05, 0] = np.inf
    violation = None
    if constrained:
        violation = np.where(rng.random(n) < 0.5, 0.0, rng.integers(1, 4, size=n).astype(float))
    study = optuna.create_study(directions=["minimize", "maximize"])
    strategy = NSGAIIElitePopulationSelectionStrategy(population_size=size)
    theirs = {t.number for t in strategy(study, _optuna_population(values, violation))}
    ours = set(select_elite(values, np.array([1.0, -1.0]), violation, size).tolist())
    assert ours == theirs


@pytest.mark.parametrize("seed", range(8))
def test_crowding_order_matches_optuna(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3 + seed * 4
    values = rng.integers(0, 4, size=(n, 3)).astype(float)
    if seed % 2:
        values[0, 1] = -np.inf
        values[-1, 2] = np.inf
    population = _optuna_population(values, None)
    _crowding_distance_sort(population)
    assert crowding_order(values).tolist() == [t.number for t in population]
