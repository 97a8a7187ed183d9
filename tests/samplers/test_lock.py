"""PicklableLocksMixin: pickling leaves locks and per-process caches out and recreates them."""

from __future__ import annotations

import pickle
import threading
import warnings
from typing import Any, ClassVar

import pytest

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import BaseSampler
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _TwoLocks(PicklableLocksMixin):
    _LOCKS: ClassVar[Factories] = {"_lock": threading.Lock, "_other_lock": threading.RLock}
    _PROCESS_CACHES: ClassVar[Factories] = {"_cache": dict, "_last": reset_to_none}

    def __init__(self) -> None:
        self._create_locks()
        self._cache: dict[str, int] = {"a": 1}
        self._last: str | None = "a"
        self.kept = [1, 2, 3]


def _holds_no_lock(state: Any) -> bool:
    return not any(isinstance(value, _LOCK_TYPES) for value in state.values())


def test_round_trip_recreates_working_locks_and_resets_caches() -> None:
    original = _TwoLocks()
    state = original.__getstate__()
    assert _holds_no_lock(state)
    assert set(state) == {"kept"}

    clone = pickle.loads(pickle.dumps(original))
    assert clone.kept == [1, 2, 3]
    assert clone._cache == {}
    assert clone._last is None
    assert isinstance(clone._lock, type(threading.Lock()))
    assert isinstance(clone._other_lock, type(threading.RLock()))
    assert clone._lock is not original._lock
    with clone._lock, clone._other_lock, clone._other_lock:  # the RLock stays re-entrant
        assert clone._lock.locked()
    assert not clone._lock.locked()
    # The original keeps its own locks and caches.
    assert original._cache == {"a": 1}
    assert original._last == "a"


def _samplers() -> list[BaseSampler]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return [
            ferrotune.samplers.BruteForceSampler(seed=0),
            ferrotune.samplers.CmaEsSampler(seed=0),
            ferrotune.samplers.NSGAIISampler(seed=0),
            ferrotune.samplers.QMCSampler(seed=0),
        ]


@pytest.mark.parametrize("sampler", _samplers(), ids=lambda s: type(s).__name__)
def test_samplers_with_locks_pickle_and_sample_after_unpickling(sampler: BaseSampler) -> None:
    assert isinstance(sampler, PicklableLocksMixin)
    assert _holds_no_lock(sampler.__getstate__())
    n_objectives = 2 if isinstance(sampler, ferrotune.samplers.NSGAIISampler) else 1
    directions = ["minimize"] * n_objectives

    def objective(trial: ferrotune.Trial) -> Any:
        x = trial.suggest_int("x", 0, 4)
        y = trial.suggest_float("y", 0.0, 1.0, step=0.25)
        return (x + y,) * n_objectives if n_objectives > 1 else x + y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        study = ferrotune.create_study(directions=directions, sampler=sampler)
        study.optimize(objective, n_trials=4)
        clone = pickle.loads(pickle.dumps(sampler))
        study.sampler = clone
        study.optimize(objective, n_trials=4)
    assert len(study.trials) == 8
    assert _holds_no_lock(clone.__getstate__())
