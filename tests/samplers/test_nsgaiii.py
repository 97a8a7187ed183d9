"""NSGAIIISampler: Optuna 5.0's interface, its selection maths, and behaviour on DTLZ2."""

from __future__ import annotations

import inspect
import math
import pickle
import warnings
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.samplers._nsgaiii import _elite_population_selection_strategy as theirs

import ferrotune
from ferrotune import _core
from ferrotune.samplers import NSGAIIISampler, NSGAIISampler
from ferrotune.samplers._nsgaiii import _elite_population_selection_strategy as ours

optuna.logging.set_verbosity(optuna.logging.WARNING)
GEN_KEY = "NSGAIIISampler:generation"


def _sampler(**kwargs: Any) -> NSGAIIISampler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NSGAIIISampler(**kwargs)


def _dtlz2(trial: Any, m: int = 4, k: int = 5) -> list[float]:
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(m - 1 + k)])
    g = float(((x[m - 1 :] - 0.5) ** 2).sum())
    values = []
    for i in range(m):
        f = (1.0 + g) * float(np.prod(np.cos(x[: m - 1 - i] * math.pi / 2)))
        if i > 0:
            f *= math.sin(x[m - 1 - i] * math.pi / 2)
        values.append(f)
    return values


# -- interface --------------------------------------------------------------------------------
def test_signature_matches_optuna() -> None:
    mine = inspect.signature(NSGAIIISampler.__init__).parameters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = inspect.signature(optuna.samplers.NSGAIIISampler.__init__).parameters
    assert list(mine) == list(reference)
    for name, param in reference.items():
        assert mine[name].default == param.default, name
        assert mine[name].kind == param.kind, name


def test_experimental_warning_and_keys() -> None:
    with pytest.warns(ferrotune.exceptions.ExperimentalWarning, match="NSGAIIISampler"):
        NSGAIIISampler()
    assert NSGAIIISampler._GENERATION_KEY == GEN_KEY
    assert NSGAIISampler._GENERATION_KEY == "NSGAIISampler:generation"


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"population_size": 1}, ValueError, "1"),
        ({"dividing_parameter": 0}, ValueError, "0"),
        ({"dividing_parameter": 2.5}, TypeError, "2.5"),
        ({"reference_points": np.ones(3)}, ValueError, "(3,)"),
        ({"reference_points": np.zeros((2, 3))}, ValueError, "origin"),
        ({"reference_points": np.array([[1.0, np.nan]])}, ValueError, "finite"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict[str, Any], error: type, needle: str) -> None:
    with pytest.raises(error, match=__import__("re").escape(needle)):
        _sampler(**kwargs)


def test_reference_points_must_match_the_objectives() -> None:
    sampler = _sampler(population_size=4, reference_points=np.eye(3), seed=0)
    study = ferrotune.create_study(directions=["minimize"] * 2, sampler=sampler)
    with pytest.raises(ValueError, match="3 columns"):
        study.optimize(lambda t: [t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)], 12)


# -- the selection maths against Optuna's --------------------------------------------------------
@pytest.mark.parametrize(("m", "h"), [(1, 3), (2, 4), (3, 3), (4, 3), (5, 2)])
def test_das_dennis_points_are_optunas(m: int, h: int) -> None:
    points = ours._generate_default_reference_point(m, h)
    np.testing.assert_array_equal(points, theirs._generate_default_reference_point(m, h))
    assert points.shape[0] == math.comb(h + m - 1, m - 1)
    np.testing.assert_array_equal(points.sum(axis=1), h)


@pytest.mark.parametrize("seed", range(5))
def test_normalisation_and_association_match_optuna(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.exponential(size=(40, 4))
    values[rng.integers(40, size=3), rng.integers(4, size=3)] = np.inf
    values[rng.integers(40), rng.integers(4)] = -np.inf
    trials = [optuna.trial.create_trial(values=list(v)) for v in values]
    clipped = ours.clip_infinite(values)
    np.testing.assert_allclose(clipped, theirs._filter_inf(trials))
    normalized = ours._normalize_objective_values(clipped)
    np.testing.assert_allclose(normalized, theirs._normalize_objective_values(clipped.copy()))
    refs = ours._generate_default_reference_point(4, 3)
    closest, distance = ours._associate_individuals_with_reference_points(normalized, refs)
    want_closest, want_distance = theirs._associate_individuals_with_reference_points(
        normalized, refs
    )
    np.testing.assert_array_equal(closest, want_closest)
    np.testing.assert_allclose(distance, want_distance, rtol=1e-12, atol=1e-12)


def test_core_association_checks_its_arguments_by_name() -> None:
    refs = ours._generate_default_reference_point(3, 2)
    with pytest.raises(ValueError, match="reference_points"):
        _core.nsga3_associate(np.ones((4, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="`points` must be a contiguous"):
        _core.nsga3_associate(np.ones((4, 6))[:, ::2], refs)
    with pytest.raises(ValueError, match="nonzero"):
        _core.nsga3_associate(np.ones((4, 3)), np.zeros((1, 3)))
    closest, distance = _core.nsga3_associate(np.empty((0, 3)), refs)
    assert closest.shape == (0,) and distance.shape == (0,)


def test_degenerate_extreme_points_fall_back_to_the_maximum() -> None:
    values = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # every extreme point is row 0
    normalized = ours._normalize_objective_values(values)
    np.testing.assert_allclose(normalized, [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]])


@pytest.mark.parametrize("seed", range(8))
def test_niching_matches_optuna_for_the_same_random_state(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_elite, n_front = int(rng.integers(0, 12)), int(rng.integers(2, 20))
    closest = rng.integers(0, 6, size=n_elite + n_front)
    distance = rng.random(n_elite + n_front)
    target = int(rng.integers(1, n_front + 1))
    front = list(range(n_front))
    mine = ours._preserve_niche_individuals(
        target, n_elite, front, closest, distance, np.random.RandomState(seed)
    )
    reference = theirs._preserve_niche_individuals(
        target, n_elite, front, closest, distance, np.random.RandomState(seed)
    )
    assert mine == reference
    assert len(set(mine)) == target


def test_niching_serves_an_empty_niche_with_its_nearest_member_first() -> None:
    # Survivors so far sit on reference point 0; the front has two members on point 0 and
    # two on point 1 (the nearer of those at distance 0.1): one place left.
    closest = np.array([0, 0, 0, 1, 1])
    distance = np.array([0.0, 0.5, 0.6, 0.3, 0.1])
    chosen = ours._preserve_niche_individuals(
        1, 1, ["a", "b", "c", "d"], closest, distance, np.random.RandomState(0)
    )
    assert chosen == ["d"]


def test_select_keeps_whole_fronts_then_niches() -> None:
    # Front 0: 3 points; front 1: 4 points spread over the simplex; keep 5.
    loss = np.array(
        [
            *([0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
            *([2.0, 2.0, 0.1], [2.0, 0.1, 2.0], [0.1, 2.0, 2.0], [1.1, 1.1, 1.1]),
        ]
    )
    refs = ours._generate_default_reference_point(3, 2)
    chosen = ours.select_elite_nsga3(loss, None, 5, refs, np.random.RandomState(0))
    assert sorted(chosen[:3].tolist()) == [0, 1, 2]
    assert set(chosen[3:].tolist()) <= {3, 4, 5, 6} and len(set(chosen.tolist())) == 5


def test_infeasible_trials_come_last() -> None:
    loss = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [2.0, 2.0]])
    penalty = np.array([0.0, 3.0, 1.0, 0.0])
    refs = ours._generate_default_reference_point(2, 3)
    chosen = ours.select_elite_nsga3(loss, penalty, 3, refs, np.random.RandomState(0))
    assert chosen.tolist()[:2] == [0, 3] and chosen.tolist()[2] == 2


# -- behaviour ---------------------------------------------------------------------------------
def test_generations_and_determinism() -> None:
    def run(seed: int) -> tuple[list[dict[str, float]], Any]:
        study = ferrotune.create_study(
            directions=["minimize"] * 4, sampler=_sampler(population_size=12, seed=seed)
        )
        study.optimize(_dtlz2, n_trials=60)
        return [t.params for t in study.trials], study

    first, study = run(7)
    again, _ = run(7)
    other, _ = run(8)
    assert first == again
    assert first != other
    generations = [t.system_attrs[GEN_KEY] for t in study.trials]
    assert generations == [i // 12 for i in range(60)]
    attrs = study._storage.get_study_system_attrs(study._study_id)
    assert all(len(attrs[f"NSGAIIISampler:parent:{g}"]) == 12 for g in range(1, 5))


def test_improves_on_random_search_on_dtlz2() -> None:
    def hypervolume(sampler: Any) -> float:
        study = ferrotune.create_study(directions=["minimize"] * 4, sampler=sampler)
        study.optimize(_dtlz2, n_trials=600)
        values = np.array([t.values for t in study.trials])
        ref = np.full(4, 1.5)
        return float(_core.hypervolume(values[np.all(values < ref, axis=1)], ref))

    nsga3 = [hypervolume(_sampler(population_size=40, seed=s)) for s in range(3)]
    rand = [hypervolume(ferrotune.samplers.RandomSampler(seed=s)) for s in range(3)]
    assert min(nsga3) > max(rand)


def test_maximisation_is_minimisation_of_the_negated_objectives() -> None:
    def run(sign: float) -> list[dict[str, float]]:
        direction = "maximize" if sign < 0 else "minimize"
        study = ferrotune.create_study(
            directions=[direction] * 3, sampler=_sampler(population_size=10, seed=3)
        )
        study.optimize(lambda t: [sign * v for v in _dtlz2(t, m=3)], n_trials=60)
        return [t.params for t in study.trials]

    assert run(1.0) == run(-1.0)


def test_pickled_sampler_continues_the_same_stream() -> None:
    sampler = _sampler(population_size=8, seed=5)
    study = ferrotune.create_study(directions=["minimize"] * 3, sampler=sampler)
    study.optimize(lambda t: _dtlz2(t, m=3), n_trials=20)
    clone = pickle.loads(pickle.dumps(sampler))
    assert clone._rng.rng is clone._rng
    assert clone._rng.randint(1 << 30) == sampler._rng.randint(1 << 30)
    clone.reseed_rng()
    assert isinstance(clone._rng, np.random.RandomState)
