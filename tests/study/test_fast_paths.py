"""The per-trial fast paths (in-memory ask/tell, uniform ``suggest_float``, RandomSampler's
inlined draw) behave exactly as the generic paths they shortcut."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest

import ferrotune as ft
from ferrotune.distributions import FloatDistribution
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage
from ferrotune.trial import TrialState

ft.logging.set_verbosity(ft.logging.WARNING)


def _objective(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", 1e-3, 1.0, log=True)
    z = trial.suggest_float("z", 0.0, 1.0, step=0.25)
    w = trial.suggest_float("w", -1, 2)  # ints as bounds: the same key as -1.0, 2.0
    return x + y + z + w


def _params(study: ft.Study) -> list[dict[str, Any]]:
    return [t.params for t in study.trials]


class _SlowRandom(RandomSampler):
    """A RandomSampler subclass that overrides sample_independent (no inlining)."""

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        return super().sample_independent(study, trial, name, dist)


def _fast_and_slow(objective: Any, seed: int, n_trials: int) -> tuple[ft.Study, ft.Study]:
    """The same study run with RandomSampler (fast paths) and _SlowRandom (generic)."""
    studies = []
    for cls in (RandomSampler, _SlowRandom):
        study = ft.create_study(sampler=cls(seed=seed))
        study.optimize(objective, n_trials=n_trials)
        studies.append(study)
    return studies[0], studies[1]


def test_inlined_uniform_draw_matches_sample_independent() -> None:
    fast, slow = _fast_and_slow(_objective, seed=7, n_trials=30)
    assert _params(fast) == _params(slow)
    assert [t.values for t in fast.trials] == [t.values for t in slow.trials]


def test_patched_sample_independent_is_called_for_every_parameter() -> None:
    sampler = RandomSampler(seed=1)
    study = ft.create_study(sampler=sampler)
    with mock.patch.object(
        sampler, "sample_independent", wraps=sampler.sample_independent
    ) as patched:
        study.optimize(_objective, n_trials=3)
    assert patched.call_count == 12
    reference = ft.create_study(sampler=RandomSampler(seed=1))
    reference.optimize(_objective, n_trials=3)
    assert _params(study) == _params(reference)


def test_numpy_view_read_mid_trial_keeps_one_stream() -> None:
    """Reading ``sampler._rng.rng`` between two suggestions moves the stream as the
    generic path does: the inlined draw must not run while the numpy view is ahead."""

    def objective(trial: ft.Trial, sampler: RandomSampler) -> float:
        a = trial.suggest_float("a", 0.0, 1.0)
        extra = float(sampler._rng.rng.random_sample())
        b = trial.suggest_float("b", 0.0, 1.0)
        return a + b + extra

    results = []
    for cls in (RandomSampler, _SlowRandom):
        sampler = cls(seed=3)
        study = ft.create_study(sampler=sampler)
        study.optimize(functools.partial(objective, sampler=sampler), n_trials=5)
        results.append([(t.params, t.value) for t in study.trials])
    assert results[0] == results[1]


class _CountingStorage(InMemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.created = 0
        self.states: list[TrialState] = []

    def create_new_trial(self, study_id: int, template_trial: Any = None) -> int:
        self.created += 1
        return super().create_new_trial(study_id, template_trial)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        self.states.append(state)
        return super().set_trial_state_values(trial_id, state, values)


def test_storage_subclass_overrides_see_every_trial() -> None:
    storage = _CountingStorage()
    study = ft.create_study(storage=storage, sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=4)
    assert storage.created == 4
    assert storage.states == [TrialState.COMPLETE] * 4


def test_fast_and_generic_records_are_equal() -> None:
    """Trials made through the in-memory fast paths equal those the generic storage
    calls make (a subclass overriding the writes takes the generic path)."""
    fast = ft.create_study(sampler=RandomSampler(seed=5))
    fast.optimize(_objective, n_trials=10)
    generic = ft.create_study(storage=_CountingStorage(), sampler=_SlowRandom(seed=5))
    generic.optimize(_objective, n_trials=10)
    for a, b in zip(fast.trials, generic.trials, strict=True):
        assert (a.number, a.state, a.values, a.params, a.distributions) == (
            b.number,
            b.state,
            b.values,
            b.params,
            b.distributions,
        )
        assert a._internal_params == b._internal_params
        assert a.datetime_start is not None and a.datetime_complete is not None
        assert a.datetime_start <= a.datetime_complete
    assert fast.best_trial.number == generic.best_trial.number
    history = fast._storage.get_trial_history(fast._study_id)
    assert history.n == 10
    assert list(history.param("x")) == [t.params["x"] for t in fast.trials]


def test_returned_trials_are_isolated_from_the_records() -> None:
    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)
    trial = study.ask()
    trial.suggest_float("x", -5.0, 5.0)
    told = study.tell(trial, 1.0)
    told.params["x"] = 123.0
    assert told.values is not None
    told.values.append(2.0)
    stored = study.trials[-1]
    assert stored.params["x"] != 123.0
    assert stored.values == [1.0]


def test_fast_path_keeps_the_checks() -> None:
    study = ft.create_study(sampler=RandomSampler(seed=0))
    trial = study.ask()
    first = trial.suggest_float("x", 0.0, 1.0)
    assert trial.suggest_float("x", 0.0, 1.0) == first  # repeated name: first value
    with pytest.warns(RuntimeWarning, match="Inconsistent parameter values"):
        assert trial.suggest_float("x", 0.0, 2.0) == first
    study.tell(trial, 0.0)
    with pytest.raises(ft.exceptions.UpdateFinishedTrialError):
        trial.suggest_float("y", 0.0, 1.0)
    trial = study.ask()
    with pytest.raises(ValueError, match="CategoricalDistribution"):
        trial.suggest_categorical("x", ["a", "b"])  # the study registered x as a float
    with pytest.raises(TypeError, match="Parameter names must be str"):
        trial.suggest_float(3, 0.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low <= high"):
        trial.suggest_float("z", 1.0, 0.0)
    assert isinstance(study.trials[0].distributions["x"], FloatDistribution)


def test_enqueued_trials_run_first_and_keep_their_params() -> None:
    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)
    study.enqueue_trial({"x": 1.5})
    study.optimize(_objective, n_trials=2)
    assert study.trials[2].params["x"] == 1.5
    assert study.trials[3].params["x"] != 1.5
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_lazy_timestamps_read_as_datetimes() -> None:
    """The in-memory storage stamps trials with ``time.time()`` floats; every way of reading
    a record (attribute, copy, deepcopy, pickle, equality, duration) sees datetimes."""
    import copy
    import datetime
    import pickle

    before = datetime.datetime.now()
    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=3)
    after = datetime.datetime.now()
    record = study._storage.get_all_trials(study._study_id, deepcopy=False)[0]
    raw = (record._datetime_start, record._datetime_complete)
    assert all(isinstance(t, float) for t in raw)  # not read yet
    for copied in (copy.copy(record), copy.deepcopy(record), pickle.loads(pickle.dumps(record))):
        assert copied == record
        assert isinstance(copied.datetime_start, datetime.datetime)
    start, complete = record.datetime_start, record.datetime_complete
    assert isinstance(start, datetime.datetime) and isinstance(complete, datetime.datetime)
    assert before <= start <= complete <= after
    assert record.duration == complete - start
    assert record._datetime_start is start  # converted once
    record.datetime_complete = None
    assert record.datetime_complete is None
    assert all(isinstance(t.datetime_start, datetime.datetime) for t in study.trials)
    assert study.trials_dataframe()["datetime_start"].notna().all()


def test_finished_records_keep_one_values_dict_when_internal_equals_external() -> None:
    study = ft.create_study(sampler=RandomSampler(seed=0))

    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", -1.0, 1.0)
        if trial.number == 1:
            trial.suggest_float("lr", 1e-3, 1.0, log=True)  # internal == external too
            trial.suggest_categorical("c", ["a", "b"])  # internal: the index
        return x

    study.optimize(objective, n_trials=2)
    plain, mixed = study._storage.get_all_trials(study._study_id, deepcopy=False)
    assert plain._internal_params is plain.params
    assert mixed._internal_params is not mixed.params
    assert mixed._internal_params["c"] == ["a", "b"].index(mixed.params["c"])
    copied = study.trials[0]  # copies keep separate dicts
    assert copied._internal_params == copied.params
    assert copied._internal_params is not copied.params
    history = study._storage.get_trial_history(study._study_id)
    assert list(history.param("x")) == [plain.params["x"], mixed.params["x"]]


def test_class_level_patch_of_sample_independent_is_honoured() -> None:
    calls = []
    original = RandomSampler.sample_independent

    def spy(self: RandomSampler, *args: Any) -> Any:
        calls.append(args[2])
        return original(self, *args)

    with mock.patch.object(RandomSampler, "sample_independent", spy):
        study = ft.create_study(sampler=RandomSampler(seed=2))
        study.optimize(_objective, n_trials=2)
    assert calls == ["x", "y", "z", "w"] * 2
    reference = ft.create_study(sampler=RandomSampler(seed=2))
    reference.optimize(_objective, n_trials=2)
    assert _params(study) == _params(reference)


def test_asked_trials_pickle() -> None:
    import pickle

    study = ft.create_study(sampler=RandomSampler(seed=0))
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    restored = pickle.loads(pickle.dumps(trial))
    assert restored.params == trial.params


def test_running_record_splits_internal_values_when_they_differ() -> None:
    """A live record starts with one dict for external and internal values; the first
    value whose internal form differs (a categorical index, an int) gives it its own."""
    study = ft.create_study(sampler=RandomSampler(seed=4))
    trial = study.ask()
    x = trial.suggest_float("x", 0.0, 1.0)
    record = trial._cached_frozen_trial
    assert record._internal_params is record.params
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    n = trial.suggest_int("n", 1, 9)
    y = trial.suggest_float("y", 0.0, 1.0)
    assert record._internal_params is not record.params
    assert record.params == {"x": x, "c": c, "n": n, "y": y}
    assert record._internal_params == {"x": x, "c": ["a", "b", "c"].index(c), "n": n, "y": y}
    assert type(record.params["n"]) is int and type(record.params["c"]) is str
    study.tell(trial, x + y)
    stored = study.trials[0]
    assert stored.params == {"x": x, "c": c, "n": n, "y": y}
    history = study._storage.get_trial_history(study._study_id)
    assert history.param("c")[0] == ["a", "b", "c"].index(c)
    assert history.param("y")[0] == y


def test_storage_set_trial_param_splits_internal_values() -> None:
    storage = InMemoryStorage()
    study = ft.create_study(storage=storage, sampler=RandomSampler(seed=4))
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    storage.set_trial_param(
        trial._trial_id, "c", 1.0, ft.distributions.CategoricalDistribution(["a", "b"])
    )
    stored = storage.get_trial(trial._trial_id)
    assert stored.params["c"] == "b"
    assert stored._internal_params is not None and stored._internal_params["c"] == 1.0
    assert trial._cached_frozen_trial._internal_params["c"] == 1.0


def test_uniform_name_cache_matches_generic_path_for_any_bounds() -> None:
    """The per-study name cache is keyed by the bounds' identity: computed bounds, a new
    range under a known name and ints as bounds all give the generic path's trials."""

    def objective(trial: ft.Trial) -> float:
        scale = 1.0 + trial.number % 3  # bounds computed afresh on every call
        a = trial.suggest_float("a", -scale, scale)
        b = trial.suggest_float("b", 0.0, 1.0 if trial.number < 4 else 2.0)
        c = trial.suggest_float("c", 0, 3)
        return a + b + c

    fast, slow = _fast_and_slow(objective, seed=9, n_trials=8)
    assert _params(fast) == _params(slow)
    assert [t.distributions for t in fast.trials] == [t.distributions for t in slow.trials]
    assert fast.trials[5].distributions["b"] == FloatDistribution(0.0, 2.0)
    assert fast.trials[5].distributions["a"] == FloatDistribution(-3.0, 3.0)
    for t in fast.trials:
        assert t.distributions["b"].low <= t.params["b"] <= t.distributions["b"].high


def test_storage_pickled_without_uniform_name_cache_loads() -> None:
    import pickle

    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)
    storage = study._storage
    record = storage._studies[study._study_id]
    del record.uniform_names  # as pickled by a version without the cache
    restored = pickle.loads(pickle.dumps(storage))
    again = ft.load_study(study_name=study.study_name, storage=restored)
    again.sampler = RandomSampler(seed=1)
    again.optimize(_objective, n_trials=2)
    assert len(again.trials) == 4
    assert all(t.state == TrialState.COMPLETE for t in again.trials)
