"""A sampler written the way OptunaHub registry packages are written, run on ferrotune.

Registry samplers subclass ``BaseSampler`` and lean on a few of Optuna's private helpers:
``LazyRandomState`` for their generator, ``BaseSampler._raise_error_if_multi_objective``,
the ``RandomSampler`` they wrap (and its ``_rng.rng``), ``study._get_trials(use_cache=...)``,
``_CONSTRAINTS_KEY`` / ``_get_feasible_trials`` for constraints, and the ``_experimental``
and ``_imports`` decorators. ``LocalSearchSampler`` below uses all of them; the tests check
that it runs, is reproducible and sees what Optuna would show it.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import ferrotune as optuna
from ferrotune._experimental import experimental_class
from ferrotune._imports import try_import
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import BaseSampler, RandomSampler
from ferrotune.samplers._lazy_random_state import LazyRandomState
from ferrotune.study import Study, StudyDirection
from ferrotune.study._constrained_optimization import _CONSTRAINTS_KEY, _get_feasible_trials
from ferrotune.trial import FrozenTrial, TrialState

with try_import() as _optional_imports:
    import a_package_that_is_not_installed  # type: ignore[import-not-found]  # noqa: F401


@experimental_class("0.1.0")
class LocalSearchSampler(BaseSampler):
    """Perturb the best feasible trial; random sampling until ``n_startup_trials`` finish."""

    def __init__(
        self,
        seed: int | None = None,
        n_startup_trials: int = 5,
        scale: float = 0.1,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        self._rng = LazyRandomState(seed)
        self._random_sampler = RandomSampler(seed=seed)
        self._n_startup_trials = n_startup_trials
        self._scale = scale
        self._constraints_func = constraints_func
        self.seen_trial_counts: list[int] = []

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return optuna.search_space.intersection_search_space(
            study.get_trials(deepcopy=False), include_pruned=False
        )

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._raise_error_if_multi_objective(study)
        if not search_space:
            return {}
        complete = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
        self.seen_trial_counts.append(len(complete))
        feasible = _get_feasible_trials(complete)
        if len(feasible) < self._n_startup_trials:
            return {}
        sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
        best = min(feasible, key=lambda t: sign * float(t.value))  # type: ignore[arg-type]
        rng = self._rng.rng
        params: dict[str, Any] = {}
        for name, dist in search_space.items():
            if isinstance(dist, FloatDistribution):
                width = (dist.high - dist.low) * self._scale
                value = float(best.params[name]) + rng.normal(0.0, width)
                params[name] = float(np.clip(value, dist.low, dist.high))
            elif isinstance(dist, IntDistribution):
                step = int(rng.choice([-dist.step, 0, dist.step]))
                params[name] = int(np.clip(best.params[name] + step, dist.low, dist.high))
            else:
                assert isinstance(dist, CategoricalDistribution)
                params[name] = dist.choices[rng.randint(len(dist.choices))]
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._raise_error_if_multi_objective(study)
        return self._random_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._constraints_func is not None and state == TrialState.COMPLETE:
            constraints = [float(c) for c in self._constraints_func(trial)]
            study._storage.set_trial_system_attr(trial._trial_id, _CONSTRAINTS_KEY, constraints)

    def reseed_rng(self) -> None:
        self._rng.rng.seed()
        self._random_sampler.reseed_rng()


def _new_sampler(**kwargs: Any) -> LocalSearchSampler:
    with pytest.warns(ExperimentalWarning, match="LocalSearchSampler is experimental"):
        return LocalSearchSampler(**kwargs)


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    n = trial.suggest_int("n", 0, 10)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return (x - 1.0) ** 2 + (n - 3) ** 2 + (0.0 if kind == "a" else 1.0)


def _params(seed: int) -> list[dict[str, Any]]:
    study = optuna.create_study(sampler=_new_sampler(seed=seed))
    study.optimize(_objective, n_trials=25)
    return [t.params for t in study.trials]


def test_third_party_sampler_runs_and_improves() -> None:
    sampler = _new_sampler(seed=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=40)
    assert len(study.trials) == 40
    assert study.best_value < _objective(optuna.trial.FixedTrial(study.trials[0].params))
    # sample_relative saw only finished trials, one more each time after the startup phase
    assert sampler.seen_trial_counts == list(range(1, 40))


def test_third_party_sampler_is_reproducible_per_seed() -> None:
    assert _params(7) == _params(7)
    assert _params(7) != _params(8)


def test_third_party_sampler_rejects_multi_objective_studies() -> None:
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=_new_sampler())
    with pytest.raises(ValueError, match="LocalSearchSampler cannot be used"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=1)


def test_third_party_sampler_perturbs_only_feasible_trials() -> None:
    def constraints(trial: FrozenTrial) -> Sequence[float]:
        return [trial.params["x"] - 0.0]  # feasible when x <= 0

    sampler = _new_sampler(seed=1, n_startup_trials=3, scale=0.01, constraints_func=constraints)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", -5.0, 5.0) - 2.0) ** 2, n_trials=30)
    assert all(t.constraints == {"0": t.params["x"]} for t in study.trials)
    feasible = _get_feasible_trials(study.trials)
    assert {t.number for t in feasible} == {t.number for t in study.trials if t.params["x"] <= 0}
    # the local search climbs towards the best feasible point, x = 0
    assert max(t.params["x"] for t in feasible) > -0.5


def test_reseed_rng_changes_both_streams() -> None:
    sampler = _new_sampler(seed=0)
    before = (sampler._rng.rng.get_state()[1].copy(), sampler._random_sampler._rng.rng.bytes(8))
    sampler.reseed_rng()
    after = (sampler._rng.rng.get_state()[1], sampler._random_sampler._rng.rng.bytes(8))
    assert not np.array_equal(before[0], after[0])
    assert before[1] != after[1]


def _first_float(sampler: RandomSampler) -> float:
    study = optuna.create_study(sampler=sampler)
    trial = study.ask()
    return trial.suggest_float("u", 0.0, 1.0)


def test_random_sampler_rng_is_the_sampler_stream() -> None:
    # what is drawn from ``_rng.rng`` is not drawn again by the sampler, and the reverse
    drawing, reference = RandomSampler(seed=11), RandomSampler(seed=11)
    drawn = drawing._rng.rng.random_sample(2)
    assert drawn[0] == _first_float(reference)
    assert drawn[1] == _first_float(reference)
    assert _first_float(drawing) == _first_float(reference)
    assert drawing._rng.rng.random_sample() == _first_float(reference)


def test_random_sampler_reseeded_through_rng_repeats_itself() -> None:
    sampler = RandomSampler()
    sampler._rng.rng.seed(2024)
    first = [_first_float(sampler) for _ in range(3)]
    sampler._rng.rng.seed(2024)
    assert [_first_float(sampler) for _ in range(3)] == first


def test_random_sampler_rng_survives_pickling() -> None:
    sampler = RandomSampler(seed=5)
    _first_float(sampler)
    restored = pickle.loads(pickle.dumps(sampler))
    assert sampler._rng.rng.bytes(10) == restored._rng.rng.bytes(10)
    assert _first_float(sampler) == _first_float(restored)


def test_lazy_random_state_is_created_on_first_use() -> None:
    state = LazyRandomState()
    assert state._rng is None
    state.rng.seed(1)
    assert state._rng is not None
    assert LazyRandomState(3).rng.randint(1000) == np.random.RandomState(3).randint(1000)


def test_optional_import_failure_is_deferred() -> None:
    assert not _optional_imports.is_successful()
    with pytest.raises(ImportError, match="a_package_that_is_not_installed"):
        _optional_imports.check()
