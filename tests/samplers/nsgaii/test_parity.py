"""The Rust NSGA-II pieces against Optuna 5.0 on fixed inputs.

Ranks are compared exactly with ``optuna.study._multi_objective._fast_non_domination_rank``;
children of each built-in crossover (tournaments, crossover, the retry loop until the
child lies in the space) are compared in distribution with Optuna's ``perform_crossover``
run on the same parents: per parameter, the mean, the standard deviation and a two-sample
Kolmogorov-Smirnov test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from optuna.samplers.nsgaii._crossover import perform_crossover
from optuna.study._multi_objective import _dominates, _fast_non_domination_rank
from scipy import stats

from ferrotune import _core
from ferrotune.distributions import FloatDistribution
from ferrotune.samplers.nsgaii._population import NumericalTransform, select_elite

N_DRAWS = 3000


@pytest.mark.parametrize("n_objectives", [2, 3, 4])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("constrained", [False, True])
def test_ranks_match_optuna(n_objectives: int, seed: int, constrained: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 30 + 17 * seed
    loss = rng.integers(0, 5, size=(n, n_objectives)).astype(float)  # ties and duplicates
    loss[rng.random(n) < 0.05, 0] = np.inf
    loss[rng.random(n) < 0.05, -1] = -np.inf
    penalty = None
    if constrained:
        penalty = np.where(rng.random(n) < 0.6, 0.0, rng.integers(1, 4, size=n).astype(float))
    theirs = _fast_non_domination_rank(loss, penalty=penalty)
    ours = _core.nsga_nondomination_ranks(loss=loss, penalty=penalty)
    assert ours.tolist() == theirs.tolist()


def test_two_objective_sweep_matches_optuna_at_scale() -> None:
    rng = np.random.default_rng(0)
    loss = rng.random((3000, 2))
    loss[:, 1] = 1.0 - loss[:, 0] + 0.3 * rng.random(3000)  # many fronts
    theirs = _fast_non_domination_rank(loss)
    assert _core.nsga_nondomination_ranks(loss=loss).tolist() == theirs.tolist()


@pytest.mark.parametrize("seed", range(4))
def test_elite_selection_matches_optuna_three_objectives(seed: int) -> None:
    from optuna.samplers.nsgaii._elite_population_selection_strategy import (
        NSGAIIElitePopulationSelectionStrategy,
    )

    rng = np.random.default_rng(seed)
    n, size = 60, 25
    values = rng.integers(0, 5, size=(n, 3)).astype(float)
    trials = []
    for i, row in enumerate(values):
        t = optuna.trial.create_trial(values=row.tolist())
        t.number = i
        t._trial_id = i
        trials.append(t)
    study = optuna.create_study(directions=["minimize", "maximize", "minimize"])
    strategy = NSGAIIElitePopulationSelectionStrategy(population_size=size)
    theirs = [t.number for t in strategy(study, trials)]
    ours = select_elite(values, np.array([1.0, -1.0, 1.0]), None, size).tolist()
    assert sorted(ours) == sorted(theirs)


# -- crossovers --------------------------------------------------------------------------
SPACE = {
    "a": FloatDistribution(0.0, 1.0),
    "b": FloatDistribution(-2.0, 3.0),
    "c": FloatDistribution(1e-2, 10.0, log=True),
}
PARENT_PARAMS = [
    {"a": 0.1, "b": -1.5, "c": 0.02},
    {"a": 0.8, "b": 2.5, "c": 5.0},
    {"a": 0.45, "b": 0.0, "c": 0.3},
    {"a": 0.95, "b": -0.5, "c": 1.5},
    {"a": 0.3, "b": 1.0, "c": 8.0},
]
PARENT_VALUES = [(0.0, 4.0), (1.0, 3.0), (2.0, 2.0), (3.0, 3.0), (1.0, 4.0)]


def _optuna_children(crossover: Any, n: int) -> np.ndarray:
    dists = {
        "a": optuna.distributions.FloatDistribution(0.0, 1.0),
        "b": optuna.distributions.FloatDistribution(-2.0, 3.0),
        "c": optuna.distributions.FloatDistribution(1e-2, 10.0, log=True),
    }
    population = []
    for i, (params, values) in enumerate(zip(PARENT_PARAMS, PARENT_VALUES)):
        t = optuna.trial.create_trial(params=params, distributions=dists, values=list(values))
        t.number = i
        t._trial_id = i
        population.append(t)
    study = optuna.create_study(directions=["minimize", "minimize"])
    rng = np.random.RandomState(0)
    rows = []
    for _ in range(n):
        child = perform_crossover(crossover, study, population, dists, rng, 0.5, _dominates)
        rows.append([child[k] for k in ("a", "b", "c")])
    return np.array(rows)


def _our_children(crossover: _core.NSGACrossover, n: int) -> np.ndarray:
    transform = NumericalTransform(dict(SPACE))
    internal = np.array([[p[k] for k in ("a", "b", "c")] for p in PARENT_PARAMS])
    ops = _core.NSGAOperators(
        crossover=crossover, crossover_prob=1.0, swapping_prob=0.5, mutation_prob=0.0
    )
    space = _core.NSGASpace(
        bounds=np.ascontiguousarray(transform.bounds),
        lower_limit=np.ascontiguousarray(transform._plain_low),
        n_choices=np.empty(0, dtype=np.int64),
    )
    parents = _core.NSGAPopulation(
        numeric=np.ascontiguousarray(transform.transform(internal)),
        categorical=np.empty((len(PARENT_PARAMS), 0), dtype=np.int64),
        loss=np.array(PARENT_VALUES),
    )
    numeric, _, source, mutated = _core.nsga_children(
        operators=ops, space=space, parents=parents, n_children=n, seed=1
    )
    assert (source == -1).all() and not mutated.any()
    return np.array(transform.untransform_rows(numeric))


_O = optuna.samplers.nsgaii
_F = _core.NSGACrossover
# (id, Optuna's crossover, ours): factories, as Optuna warns when building some of them.
CROSSOVERS: list[tuple[str, Any, Any]] = [
    ("uniform", lambda: _O.UniformCrossover(0.5), lambda: _F.uniform(swapping_prob=0.5)),
    ("uniform-0.2", lambda: _O.UniformCrossover(0.2), lambda: _F.uniform(swapping_prob=0.2)),
    ("blx", lambda: _O.BLXAlphaCrossover(0.5), lambda: _F.blx_alpha(alpha=0.5)),
    ("spx", lambda: _O.SPXCrossover(), lambda: _F.spx()),
    ("spx-1.5", lambda: _O.SPXCrossover(1.5), lambda: _F.spx(epsilon=1.5)),
    (
        "sbx",  # eta 20: the study is multi-objective
        lambda: _O.SBXCrossover(),
        lambda: _F.sbx(eta=20.0, uniform_crossover_prob=0.5, use_child_gene_prob=0.5),
    ),
    (
        "sbx-2",
        lambda: _O.SBXCrossover(eta=2.0, use_child_gene_prob=0.9),
        lambda: _F.sbx(eta=2.0, uniform_crossover_prob=0.5, use_child_gene_prob=0.9),
    ),
    (
        "vsbx",
        lambda: _O.VSBXCrossover(),
        lambda: _F.vsbx(eta=20.0, uniform_crossover_prob=0.5, use_child_gene_prob=0.5),
    ),
    (
        "vsbx-5",
        lambda: _O.VSBXCrossover(eta=5.0, uniform_crossover_prob=0.3),
        lambda: _F.vsbx(eta=5.0, uniform_crossover_prob=0.3, use_child_gene_prob=0.5),
    ),
    ("undx", lambda: _O.UNDXCrossover(), lambda: _F.undx(sigma_xi=0.5)),
    (
        "undx-0.8",
        lambda: _O.UNDXCrossover(sigma_xi=0.8, sigma_eta=0.5),
        lambda: _F.undx(sigma_xi=0.8, sigma_eta=0.5),
    ),
]


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(("name", "theirs", "ours"), CROSSOVERS, ids=[c[0] for c in CROSSOVERS])
def test_crossover_distribution_matches_optuna(name: str, theirs: Any, ours: Any) -> None:
    reference = _optuna_children(theirs(), N_DRAWS)
    children = _our_children(ours(), N_DRAWS)
    assert children.shape == reference.shape
    for j in range(3):
        x, y = children[:, j], reference[:, j]
        scale = max(float(np.std(y)), 1e-12)
        se = scale / np.sqrt(N_DRAWS)
        assert abs(np.mean(x) - np.mean(y)) < 6 * se, f"param {j}: means differ"
        assert abs(np.std(x) / scale - 1.0) < 0.1, f"param {j}: spreads differ"
        # Fixed seeds: deterministic; the threshold tolerates the KS test's own noise.
        assert stats.ks_2samp(x, y).pvalue > 1e-4, f"param {j}: distributions differ"
