"""Behaviour shared by all persistent storages (RDB on SQLite/PostgreSQL, journal file/Redis)."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ferrotune as ft
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.storages import BaseStorage
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState, create_trial

Factory = Callable[[], BaseStorage]
MIN = [StudyDirection.MINIMIZE]


def test_study_lifecycle(storage_factory: Factory) -> None:
    storage = storage_factory()
    sid = storage.create_new_study(MIN, "a")
    sid2 = storage.create_new_study([StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE], "b")
    with pytest.raises(DuplicatedStudyError):
        storage.create_new_study(MIN, "a")
    other = storage_factory()
    assert other.get_study_id_from_name("a") == sid
    assert other.get_study_name_from_id(sid2) == "b"
    assert other.get_study_directions(sid2) == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
    storage.set_study_user_attr(sid, "u", {"k": [1, 2.5]})
    storage.set_study_system_attr(sid, "s", "v")
    storage.set_study_user_attr(sid, "u", 3)
    assert other.get_study_user_attrs(sid) == {"u": 3}
    assert other.get_study_system_attrs(sid) == {"s": "v"}
    names = {s.study_name: s for s in other.get_all_studies()}
    assert set(names) == {"a", "b"}
    assert names["a"].user_attrs == {"u": 3}
    other.delete_study(sid)
    assert [s.study_name for s in storage.get_all_studies()] == ["b"]
    with pytest.raises(KeyError):
        storage.get_study_id_from_name("a")
    with pytest.raises(KeyError):
        other.get_study_name_from_id(10_000)
    unnamed = storage.create_new_study(MIN)
    assert storage.get_study_name_from_id(unnamed).startswith("no-name-")


def test_trial_lifecycle_seen_by_another_process(storage_factory: Factory) -> None:
    storage, other = storage_factory(), storage_factory()
    sid = storage.create_new_study(MIN, "s")
    tid = storage.create_new_trial(sid)
    dist = FloatDistribution(-1.0, 1.0)
    storage.set_trial_param(tid, "x", 0.25, dist)
    storage.set_trial_param(tid, "c", 1, CategoricalDistribution(["a", None, 2.5]))
    storage.set_trial_intermediate_value(tid, 0, 1.5)
    storage.set_trial_intermediate_value(tid, 1, float("nan"))
    storage.set_trial_intermediate_value(tid, 2, float("-inf"))
    storage.set_trial_user_attr(tid, "u", [1, "x"])
    storage.set_trial_system_attr(tid, "s", {"a": None})
    running = other.get_trial(tid)
    assert running.state == TrialState.RUNNING
    assert running.params == {"x": 0.25, "c": None}
    assert other.get_all_trials(sid, states=(TrialState.RUNNING,))[0].number == 0
    assert storage.set_trial_state_values(tid, TrialState.COMPLETE, [float("inf")])
    with pytest.raises(UpdateFinishedTrialError):
        storage.set_trial_param(tid, "y", 0.0, dist)
    with pytest.raises(UpdateFinishedTrialError):
        other.set_trial_user_attr(tid, "u", 1)
    with pytest.raises(UpdateFinishedTrialError):
        other.set_trial_state_values(tid, TrialState.FAIL)
    for s in (storage, other):
        t = s.get_trial(tid)
        assert t.state == TrialState.COMPLETE
        assert t.values == [float("inf")]
        assert t.params == {"x": 0.25, "c": None}
        assert t.distributions["x"] == dist
        assert t.intermediate_values[0] == 1.5
        assert math.isnan(t.intermediate_values[1])
        assert t.intermediate_values[2] == float("-inf")
        assert t.user_attrs == {"u": [1, "x"]}
        assert t.system_attrs == {"s": {"a": None}}
        assert t.datetime_start is not None and t.datetime_complete is not None
        assert t.datetime_complete >= t.datetime_start
        assert s.get_trial_id_from_study_id_trial_number(sid, 0) == tid
    with pytest.raises(KeyError):
        other.get_trial_id_from_study_id_trial_number(sid, 5)
    with pytest.raises(KeyError):
        other.get_trial(tid + 1000)


def test_incompatible_distribution_is_rejected(storage_factory: Factory) -> None:
    storage = storage_factory()
    sid = storage.create_new_study(MIN, "s")
    t0 = storage.create_new_trial(sid)
    storage.set_trial_param(t0, "x", 0.5, FloatDistribution(0.0, 1.0))
    t1 = storage_factory().create_new_trial(sid)
    with pytest.raises(ValueError):
        storage_factory().set_trial_param(t1, "x", 1, CategoricalDistribution(["a", "b"]))


def test_waiting_trial_is_popped_once(storage_factory: Factory) -> None:
    a, b = storage_factory(), storage_factory()
    sid = a.create_new_study(MIN, "s")
    template = create_trial(state=TrialState.WAITING, system_attrs={"fixed_params": {"x": 1}})
    tid = a.create_new_trial(sid, template_trial=template)
    assert b.get_all_trials(sid, states=(TrialState.WAITING,))[0]._trial_id == tid
    assert b.set_trial_state_values(tid, TrialState.RUNNING)
    assert not a.set_trial_state_values(tid, TrialState.RUNNING)
    assert a.get_trial(tid).state == TrialState.RUNNING
    assert b.get_trial(tid).system_attrs == {"fixed_params": {"x": 1}}
    assert a.get_all_trials(sid, states=(TrialState.WAITING,)) == []


def test_template_trials_and_history(storage_factory: Factory) -> None:
    storage = storage_factory()
    sid = storage.create_new_study(MIN, "s")
    dists = {"x": FloatDistribution(0, 10), "n": IntDistribution(1, 8, log=True)}
    for i in range(6):
        state = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL][i % 3]
        storage.create_new_trial(
            sid,
            template_trial=create_trial(
                state=state,
                params={"x": float(i), "n": i + 1},
                distributions=dists,
                value=float(10 - i) if state == TrialState.COMPLETE else None,
                intermediate_values={0: float(i), 3: 2.0 * i},
                user_attrs={"i": i},
            ),
        )
    other = storage_factory()
    history = other.get_trial_history(sid)
    assert history.n == 6
    assert sorted(history.numbers.tolist()) == list(range(6))
    order = np.argsort(history.numbers)
    np.testing.assert_array_equal(history.param("x")[order], np.arange(6.0))
    np.testing.assert_array_equal(history.param("n")[order], np.arange(1.0, 7.0))
    values = history.values[order, 0]
    assert values[0] == 10.0 and values[3] == 7.0 and np.isnan(values[1])
    rows, steps_values = history.intermediate_at(3)
    assert sorted(steps_values.tolist()) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert len(rows) == 6
    assert other.get_best_trial(sid).number == 3
    assert other.get_n_trials(sid) == 6
    assert other.get_n_trials(sid, TrialState.COMPLETE) == 2
    assert other.get_n_trials(sid, (TrialState.PRUNED, TrialState.FAIL)) == 4
    assert [t.number for t in other.get_all_trials(sid)] == list(range(6))
    # the history grows incrementally as new trials finish elsewhere
    tid = storage.create_new_trial(sid)
    assert other.get_trial_history(sid).n == 6
    storage.set_trial_param(tid, "x", 0.5, dists["x"])
    storage.set_trial_state_values(tid, TrialState.COMPLETE, [-1.0])
    history = other.get_trial_history(sid)
    assert history.n == 7
    assert other.get_best_trial(sid).number == 6


def test_study_api_round_trip(storage_factory: Factory) -> None:
    storage = storage_factory()
    study = ft.create_study(storage=storage, study_name="s", sampler=ft.samplers.RandomSampler(0))
    study.enqueue_trial({"x": 0.5})
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=12)
    again = ft.create_study(storage=storage_factory(), study_name="s", load_if_exists=True)
    assert len(again.trials) == 12
    assert again.trials[0].params == {"x": 0.5}
    assert again.best_value == min(t.value for t in study.trials if t.value is not None)
    again.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert [t.number for t in study.trials] == list(range(15))


def test_storage_pickles(storage_factory: Factory) -> None:
    storage = storage_factory()
    sid = storage.create_new_study(MIN, "s")
    storage.create_new_trial(sid)
    clone = pickle.loads(pickle.dumps(storage))
    assert clone.get_study_id_from_name("s") == sid
    assert len(clone.get_all_trials(sid)) == 1


def test_trials_dataframe_to_csv(storage_factory: Factory, tmp_path: Any) -> None:
    study = ft.create_study(storage=storage_factory(), sampler=ft.samplers.RandomSampler(2))
    study.optimize(lambda t: t.suggest_int("n", 0, 9) * 1.0, n_trials=6)
    path = tmp_path / "trials.csv"
    study.trials_dataframe().to_csv(path, index=False)
    import pandas as pd

    frame = pd.read_csv(path)
    assert frame["number"].tolist() == list(range(6))
    assert frame["params_n"].tolist() == [t.params["n"] for t in study.trials]
    assert (frame["state"] == "COMPLETE").all()


def _finish_or_touch_unfinished(storage: BaseStorage, trials: list[ft.trial.FrozenTrial]) -> None:
    """The writes of Optuna's ``test_get_all_trials_not_modified``."""
    for trial in trials:
        if not trial.state.is_finished():
            storage.set_trial_param(trial._trial_id, "paramX", 0, FloatDistribution(0, 1))
            storage.set_trial_user_attr(trial._trial_id, "usr_attrX", 0)
            storage.set_trial_system_attr(trial._trial_id, "sys_attrX", 0)
        if trial.state == TrialState.RUNNING:
            if trial.number % 3 == 0:
                storage.set_trial_state_values(trial._trial_id, TrialState.COMPLETE, [0])
            elif trial.number % 3 == 1:
                storage.set_trial_intermediate_value(trial._trial_id, 0, 0)
                storage.set_trial_state_values(trial._trial_id, TrialState.PRUNED, [0])
            else:
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        elif trial.state == TrialState.WAITING:
            storage.set_trial_state_values(trial._trial_id, TrialState.RUNNING)


def _check_get_all_trials_not_modified(storage: BaseStorage) -> None:
    import copy

    study_id = storage.create_new_study(MIN)
    states = [TrialState.RUNNING, TrialState.WAITING, TrialState.COMPLETE, TrialState.PRUNED]
    for i in range(12):
        state = states[i % 4]
        template = create_trial(
            state=state,
            value=float(i) if state == TrialState.COMPLETE else None,
            params={"paramA": 0.5},
            distributions={"paramA": FloatDistribution(0, 1)},
            user_attrs={"u": i},
            intermediate_values={0: 1.0} if state == TrialState.PRUNED else None,
        )
        storage.create_new_trial(study_id, template)
    for selection in (None, (TrialState.RUNNING,), (TrialState.WAITING,), tuple(states)):
        trials = storage.get_all_trials(study_id, deepcopy=False, states=selection)
        before = copy.deepcopy(trials)
        _finish_or_touch_unfinished(storage, trials)
        assert trials == before
        for trial, snapshot in zip(trials, before):
            assert trial.params == snapshot.params and trial.state == snapshot.state

    # A trial run by this process through Trial (the storages' fast paths for it).
    study = ft.load_study(study_name=storage.get_study_name_from_id(study_id), storage=storage)
    trial = study.ask()
    listed = storage.get_all_trials(study_id, deepcopy=False)
    running = storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
    before = copy.deepcopy((listed, running))
    trial.suggest_float("x", 0, 1)
    trial.report(1.0, 0)
    trial.set_user_attr("a", 1)
    study.tell(trial, 1.0)
    assert (listed, running) == before
    assert storage.get_all_trials(study_id, deepcopy=False)[-1].params.keys() == {"x"}


def test_get_all_trials_not_modified(storage_factory: Factory) -> None:
    _check_get_all_trials_not_modified(storage_factory())


def test_get_all_trials_not_modified_in_memory() -> None:
    _check_get_all_trials_not_modified(ft.storages.InMemoryStorage())


def test_single_value_infinite_float_params_round_trip(storage_factory: Factory) -> None:
    # Optuna stores FloatDistribution(inf, inf) and its value (suggest_float("x", inf, inf)
    # returns inf without sampling), and reads both back from every storage.
    storage = storage_factory()
    study = ft.create_study(storage=storage, study_name="inf")
    suggested: list[float] = []

    def objective(t: ft.Trial) -> float:
        suggested.append(t.suggest_float("p", math.inf, math.inf))
        suggested.append(t.suggest_float("n", -math.inf, -math.inf))
        return 0.0

    study.optimize(objective, n_trials=1)
    assert suggested == [math.inf, -math.inf]
    sid = storage.get_study_id_from_name("inf")
    tid = storage.create_new_trial(sid)
    storage.set_trial_param(tid, "q", math.inf, FloatDistribution(math.inf, math.inf))
    for trial in storage_factory().get_all_trials(sid):
        assert trial.distributions.pop("q", None) in (None, FloatDistribution(math.inf, math.inf))
        assert trial.params.pop("q", math.inf) == math.inf
        assert trial.params == ({"p": math.inf, "n": -math.inf} if trial.number == 0 else {})
    first = storage_factory().get_all_trials(sid)[0]
    assert first.state == TrialState.COMPLETE
    assert first.distributions == {
        "p": FloatDistribution(math.inf, math.inf),
        "n": FloatDistribution(-math.inf, -math.inf),
    }
