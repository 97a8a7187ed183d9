"""Trials handed out by storages are copies: the caller and the storage do not share state.

``get_trial`` and ``get_all_trials(deepcopy=True)`` return trials whose values, parameters
and attributes the caller may change without changing the storage. With
``deepcopy=False`` (Optuna's semantics) the returned trials may be the stored records, which
the caller must not change, but later writes to the storage do not change them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from ferrotune.distributions import FloatDistribution
from ferrotune.storages import BaseStorage, InMemoryStorage, JournalStorage, RDBStorage
from ferrotune.storages.journal import JournalFileBackend
from ferrotune.study import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState

DIST = FloatDistribution(0.0, 1.0)


@pytest.fixture(params=["in_memory", "sqlite", "journal_file"])
def storage(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> BaseStorage:
    path = os.fspath(tmp_path)
    factories: dict[str, Callable[[], BaseStorage]] = {
        "in_memory": InMemoryStorage,
        "sqlite": lambda: RDBStorage(f"sqlite:///{os.path.join(path, 'study.db')}"),
        "journal_file": lambda: JournalStorage(
            JournalFileBackend(os.path.join(path, "journal.log"))
        ),
    }
    return factories[request.param]()


def _trial(storage: BaseStorage, finish: bool) -> tuple[int, int]:
    """A study and one trial with a value of every kind (finished or still running)."""
    study_id = storage.create_new_study([StudyDirection.MINIMIZE], "s")
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_param(trial_id, "x", 0.5, DIST)
    storage.set_trial_intermediate_value(trial_id, 0, 2.0)
    storage.set_trial_user_attr(trial_id, "u", 1)
    storage.set_trial_system_attr(trial_id, "s", 2)
    if finish:
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    return study_id, trial_id


def _mutate(trial: FrozenTrial) -> None:
    if trial.values is not None:
        trial.values[0] = 99.0
        trial.values.append(98.0)
    trial.params["x"] = 0.9
    trial.params["y"] = 0.1
    trial.distributions["y"] = DIST
    trial.user_attrs["u"] = -1
    trial.system_attrs["s"] = -2
    trial.intermediate_values[0] = -3.0
    trial.intermediate_values[1] = -4.0
    if trial._internal_params is not None:
        trial._internal_params["x"] = 0.9


def _assert_unchanged(trial: FrozenTrial, finished: bool) -> None:
    assert trial.values == ([1.0] if finished else None)
    assert trial.params == {"x": 0.5}
    assert trial.distributions == {"x": DIST}
    assert trial.user_attrs == {"u": 1}
    assert trial.system_attrs == {"s": 2}
    assert trial.intermediate_values == {0: 2.0}


@pytest.mark.parametrize("finish", [False, True], ids=["running", "finished"])
def test_changing_a_returned_trial_leaves_the_storage_as_it_was(
    storage: BaseStorage, finish: bool
) -> None:
    study_id, trial_id = _trial(storage, finish)
    _mutate(storage.get_trial(trial_id))
    _assert_unchanged(storage.get_trial(trial_id), finish)
    _mutate(storage.get_all_trials(study_id, deepcopy=True)[0])
    _assert_unchanged(storage.get_trial(trial_id), finish)
    _assert_unchanged(storage.get_all_trials(study_id, deepcopy=False)[0], finish)
    if finish:
        _assert_unchanged(storage.get_best_trial(study_id), finish)
        assert storage.get_trial_history(study_id).values.tolist() == [[1.0]]


def test_later_writes_leave_returned_trials_as_they_were(storage: BaseStorage) -> None:
    study_id, trial_id = _trial(storage, finish=False)
    returned = [
        storage.get_trial(trial_id),
        storage.get_all_trials(study_id, deepcopy=True)[0],
        storage.get_all_trials(study_id, deepcopy=False)[0],
        storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))[0],
    ]
    storage.set_trial_param(trial_id, "y", 0.25, DIST)
    storage.set_trial_intermediate_value(trial_id, 1, 3.0)
    storage.set_trial_user_attr(trial_id, "u", 10)
    storage.set_trial_system_attr(trial_id, "s", 20)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    for trial in returned:
        assert trial.state == TrialState.RUNNING
        _assert_unchanged(trial, finished=False)
    stored = storage.get_trial(trial_id)
    assert stored.values == [1.0] and stored.params == {"x": 0.5, "y": 0.25}
    assert stored.user_attrs == {"u": 10} and stored.intermediate_values == {0: 2.0, 1: 3.0}
