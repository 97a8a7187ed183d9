"""A third-party genetic sampler written against Optuna's ``BaseGASampler``, run on ferrotune.

OptunaHub's genetic samplers subclass ``optuna.samplers.BaseGASampler`` and use its
bookkeeping: ``get_trial_generation``, ``get_population``, ``get_parent_population`` (which
calls their ``select_parent`` once per generation and caches the result in the study). The
same sampler source runs here on ferrotune and on Optuna 5.0; being deterministic, it must
produce the same trials, generations and parent caches on both.
"""

from __future__ import annotations

import pickle
import warnings
from collections import Counter
from typing import Any

import numpy as np
import optuna
import pytest

import ferrotune
from ferrotune.samplers import BaseGASampler, NSGAIIISampler, NSGAIISampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
POP = 6


def _make_sampler_class(lib: Any) -> type:
    """``TruncationGA`` against ``lib`` (``optuna`` or ``ferrotune``), as a registry package
    would write it: keep the best ``population_size`` of the previous population and parents;
    a child is the midpoint of two parents chosen by the trial number plus a fixed offset."""
    base = lib.samplers.BaseGASampler

    class TruncationGA(base):  # type: ignore[misc, valid-type]
        select_calls = 0

        def __init__(self, population_size: int) -> None:
            super().__init__(population_size=population_size)

        def select_parent(self, study: Any, generation: int) -> list[Any]:
            type(self).select_calls += 1
            pool = self.get_population(study, generation - 1) + self.get_parent_population(
                study, generation - 1
            )
            pool.sort(key=lambda t: (t.value, t.number))
            return pool[: self.population_size]

        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            return {name: lib.distributions.FloatDistribution(-5.0, 5.0) for name in ("x", "y")}

        def sample_relative(self, study: Any, trial: Any, search_space: dict[str, Any]) -> Any:
            generation = self.get_trial_generation(study, trial)
            parents = self.get_parent_population(study, generation)
            if not parents:
                return {}
            a = parents[trial.number % len(parents)]
            b = parents[(trial.number * 7 + 3) % len(parents)]
            return {
                name: 0.5 * (a.params[name] + b.params[name]) + 0.01 * (trial.number % 3)
                for name in search_space
            }

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> float:
            # Generation 0: a fixed low-discrepancy layout by trial number.
            return float(-5.0 + 10.0 * ((trial.number * 0.618034 + (name == "y") * 0.3) % 1.0))

    return TruncationGA


# A module-level copy for pickling (workers receive the sampler pickled).
PicklableGA = _make_sampler_class(ferrotune)
PicklableGA.__qualname__ = "PicklableGA"


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    return (x - 1.0) ** 2 + (y + 2.0) ** 2


def _run(lib: Any, n_trials: int) -> tuple[Any, Any]:
    cls = _make_sampler_class(lib)
    sampler = cls(population_size=POP)
    study = lib.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=n_trials)
    return study, sampler


def test_subclass_keys_and_population_size() -> None:
    cls = _make_sampler_class(ferrotune)
    assert cls._get_generation_key() == "TruncationGA:generation"
    assert cls._get_parent_cache_key_prefix() == "TruncationGA:parent:"
    sampler = cls(population_size=4)
    assert sampler.population_size == 4
    sampler.population_size = 9
    assert sampler.population_size == 9
    assert issubclass(NSGAIISampler, BaseGASampler)
    assert issubclass(NSGAIIISampler, BaseGASampler)
    assert NSGAIISampler._GENERATION_KEY == "NSGAIISampler:generation"
    assert NSGAIIISampler._PARENT_CACHE_KEY_PREFIX == "NSGAIIISampler:parent:"
    with pytest.raises(TypeError):
        BaseGASampler(population_size=3)  # type: ignore[abstract]


def test_same_trials_generations_and_parent_cache_as_optuna() -> None:
    ours, _ = _run(ferrotune, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _ = _run(optuna, 40)
    key = "TruncationGA:generation"
    assert [t.params for t in ours.trials] == [t.params for t in theirs.trials]
    assert [t.system_attrs[key] for t in ours.trials] == [
        t.system_attrs[key] for t in theirs.trials
    ]
    ours_attrs = ours._storage.get_study_system_attrs(ours._study_id)
    theirs_attrs = theirs._storage.get_study_system_attrs(theirs._study_id)
    parent_keys = sorted(k for k in theirs_attrs if k.startswith("TruncationGA:parent:"))
    assert parent_keys == sorted(k for k in ours_attrs if k.startswith("TruncationGA:parent:"))
    assert len(parent_keys) == 40 // POP
    for k in parent_keys:
        assert sorted(ours_attrs[k]) == sorted(theirs_attrs[k])
    assert Counter(t.system_attrs[key] for t in ours.trials) == Counter(
        {g: POP for g in range(40 // POP)} | {40 // POP: 40 % POP}
    )
    first = min(t.value for t in ours.trials if t.system_attrs[key] == 0)
    assert ours.best_value < 0.5 * first  # selection and crossover improve on generation 0


def test_select_parent_runs_once_per_generation_and_workers_share_the_cache() -> None:
    cls = PicklableGA
    cls.select_calls = 0
    storage = ferrotune.storages.InMemoryStorage()
    first = cls(population_size=POP)
    study = ferrotune.create_study(storage=storage, sampler=first)
    study.optimize(_objective, n_trials=3 * POP)
    assert cls.select_calls == 2  # generations 1 and 2
    # A second worker (a fresh sampler, as after unpickling) reads the cached parents.
    second = pickle.loads(pickle.dumps(first))
    other = ferrotune.load_study(study_name=study.study_name, storage=storage, sampler=second)
    parents = second.get_parent_population(other, 2)
    assert cls.select_calls == 2
    cached = storage.get_study_system_attrs(study._study_id)["TruncationGA:parent:2"]
    assert sorted(t._trial_id for t in parents) == sorted(cached)
    assert [t.number for t in parents] == sorted(t.number for t in parents)
    population = second.get_population(other, 1)
    assert [t.number for t in population] == list(range(POP, 2 * POP))
    assert second.get_parent_population(other, 0) == []


def test_generation_of_a_running_trial_is_assigned_once() -> None:
    study, sampler = _run(ferrotune, POP)
    trial = study.ask()
    frozen = study._storage.get_trial(trial._trial_id)
    generation = sampler.get_trial_generation(study, frozen)
    assert generation == 1
    again = study._storage.get_trial(trial._trial_id)
    assert again.system_attrs["TruncationGA:generation"] == 1
    assert sampler.get_trial_generation(study, again) == 1


def test_missing_population_size_is_reported() -> None:
    cls = _make_sampler_class(ferrotune)
    sampler = cls(population_size=POP)
    sampler._population_size = None
    study = ferrotune.create_study(sampler=sampler)
    trial = study.ask()
    with pytest.raises(ValueError, match="population_size"):
        sampler.get_trial_generation(study, study._storage.get_trial(trial._trial_id))


def test_nsgaii_parents_are_cached_like_optuna() -> None:
    sampler = NSGAIISampler(population_size=4, seed=3)
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)), 16)
    attrs = study._storage.get_study_system_attrs(study._study_id)
    for generation in (1, 2, 3):
        ids = attrs[f"NSGAIISampler:parent:{generation}"]
        parents = sampler.get_parent_population(study, generation)
        assert sorted(t._trial_id for t in parents) == sorted(ids)
        assert len(ids) == 4
    population = sampler.get_population(study, 2)
    assert [t.system_attrs["NSGAIISampler:generation"] for t in population] == [2] * 4
    assert np.all(np.diff([t.number for t in population]) > 0)
