from __future__ import annotations

import pytest

import ferrotune
from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.samplers import RandomSampler
from ferrotune.search_space import IntersectionSearchSpace, intersection_search_space


def test_intersection_search_space_incremental() -> None:
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    space = IntersectionSearchSpace()
    assert space.calculate(study) == {}
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3), n_trials=3)
    assert space.calculate(study) == {"n": IntDistribution(0, 3), "x": FloatDistribution(0, 1)}
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert space.calculate(study) == {"x": FloatDistribution(0, 1)}
    study.optimize(lambda t: t.suggest_float("x", 0, 2), n_trials=1)  # changed range
    assert space.calculate(study) == {}
    assert intersection_search_space(study.trials[:3]) == {
        "n": IntDistribution(0, 3),
        "x": FloatDistribution(0, 1),
    }


def test_pruned_trials_only_with_include_pruned() -> None:
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)

    def pruned(trial: ferrotune.Trial) -> float:
        trial.suggest_int("n", 0, 1)
        raise ferrotune.TrialPruned()

    study.optimize(pruned, n_trials=1)
    assert IntersectionSearchSpace().calculate(study) == {"x": FloatDistribution(0, 1)}
    assert IntersectionSearchSpace(include_pruned=True).calculate(study) == {}


def test_intersection_search_space_rejects_another_study() -> None:
    storage = ferrotune.storages.InMemoryStorage()
    first = ferrotune.create_study(storage=storage, sampler=RandomSampler(seed=0))
    second = ferrotune.create_study(storage=storage, sampler=RandomSampler(seed=0))
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    space = IntersectionSearchSpace()
    assert space.calculate(first) == {"x": FloatDistribution(0, 1)}
    with pytest.raises(ValueError, match="multiple studies"):
        space.calculate(second)
    assert space.calculate(first) == {"x": FloatDistribution(0, 1)}


def test_samplers_can_be_reused_across_studies() -> None:
    storage = ferrotune.storages.InMemoryStorage()
    for sampler in (
        ferrotune.samplers.TPESampler(seed=0, n_startup_trials=2),
        ferrotune.samplers.CmaEsSampler(seed=0, n_startup_trials=2),
        ferrotune.samplers.NSGAIISampler(seed=0, population_size=2),
    ):
        for _ in range(2):
            study = ferrotune.create_study(storage=storage, sampler=sampler)
            study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), 5)
            assert len(study.trials) == 5
