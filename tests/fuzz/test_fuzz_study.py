"""Fuzz: ``create_study``, ``tell``, ``enqueue_trial`` and ``add_trial`` arguments."""

from __future__ import annotations

import math
from typing import Any

from _fuzz import (
    assert_usable,
    attempt,
    budget,
    fresh_storage,
    hostile,
    names_bad_value,
    new_name,
    sqlite_url,
    timed,
)
from hypothesis import given
from hypothesis import strategies as st

import ferrotune as optuna
from ferrotune.distributions import CategoricalDistribution, FloatDistribution
from ferrotune.trial import TrialState

CREATE_ARGS = ["sampler", "pruner", "study_name", "direction", "directions", "load_if_exists"]


@budget("create_study")
@given(arg=st.sampled_from(CREATE_ARGS), value=hostile(), twice=st.booleans())
def test_create_study_arguments(arg: str, value: object, twice: bool) -> None:
    with sqlite_url() as url:
        kwargs: dict[str, Any] = {"storage": url, "study_name": new_name(), arg: value}
        ok, result = attempt(lambda: optuna.create_study(**kwargs), value, [arg])
        if twice:  # the same call again: a duplicate name, or load_if_exists
            names = [arg, "study_name", "load_if_exists"]  # a duplicate is named by these
            ok2, result2 = attempt(lambda: optuna.create_study(**kwargs), value, names)
            if ok2:
                ok, result = ok2, result2
        if not ok:
            kwargs = {"storage": url, "study_name": new_name()}
            result = optuna.create_study(**kwargs)
        assert isinstance(result, optuna.Study)
        assert_usable(result, url)


TELL_ARGS = ["values", "state", "skip_if_finished", "trial"]


@budget("tell")
@given(
    arg=st.sampled_from(TELL_ARGS),
    value=hostile(),
    n_objectives=st.sampled_from([1, 2]),
    finished=st.booleans(),
)
def test_tell_arguments(arg: str, value: object, n_objectives: int, finished: bool) -> None:
    with sqlite_url() as url:
        study = optuna.create_study(storage=url, directions=["maximize"] * n_objectives)
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        if finished:
            study.tell(trial, [0.5] * n_objectives)
        kwargs: dict[str, Any] = {"trial": trial, "values": [0.5] * n_objectives, arg: value}
        # Telling a finished trial again is refused naming the trial, whatever the value.
        attempt(lambda: study.tell(**kwargs), value, [arg, "trial"] if finished else [arg])
        for t in study.trials:
            if t.state == TrialState.COMPLETE:
                assert t.values is not None and len(t.values) == n_objectives
                assert all(isinstance(v, float) and not math.isnan(v) for v in t.values)
        if study.trials[0].state == TrialState.RUNNING:  # refused: finish it validly
            timed(lambda: study.tell(trial, [0.25] * n_objectives))
        assert_usable(study, url)


@budget("enqueue_trial")
@given(
    arg=st.sampled_from(["params", "param value", "param name", "user_attrs"]),
    value=hostile(),
    skip_if_exists=st.booleans(),
    kind=st.sampled_from(["sqlite", "journal"]),
)
def test_enqueue_trial(arg: str, value: object, skip_if_exists: bool, kind: str) -> None:
    params: Any = {"x": 0.5, "c": "a"}
    user_attrs: Any = None
    names = [arg]
    if arg == "params":
        params = value
    elif arg == "param value":
        params = {"x": value, "c": "a"}
        names = ["x"]
    elif arg == "param name":
        try:
            params = {value: 0.5}
        except TypeError:  # unhashable: no dict to pass
            params = [(value, 0.5)]
        names = ["params"]
    else:
        user_attrs = value

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.suggest_categorical("c", ["a", "b"])
        return x

    with fresh_storage(kind) as (storage, reopen):
        study = optuna.create_study(storage=storage)
        study.optimize(objective, n_trials=1)
        enqueue = lambda: study.enqueue_trial(  # noqa: E731
            params, user_attrs=user_attrs, skip_if_exists=skip_if_exists
        )
        ok, _ = attempt(enqueue, value, names)
        if ok:
            attempt(enqueue, value, names)  # twice, exercising skip_if_exists
            # The queued trial runs: its value is used, or the trial fails naming it.
            try:
                timed(lambda: study.optimize(objective, n_trials=1), "enqueued trial")
            except (ValueError, TypeError) as e:
                assert names_bad_value(str(e), value, ["x", "c"]), e
        # Queued trials left WAITING are run by the usability check's trials.
        assert_usable(study, reopen)


CREATE_TRIAL_ARGS = [
    "state",
    "value",
    "values",
    "params",
    "distributions",
    "user_attrs",
    "system_attrs",
    "intermediate_values",
    "constraints",
    "params[x]",
    "intermediate_values[step]",
    "intermediate_values[value]",
]


@budget("add_trial")
@given(
    arg=st.sampled_from(CREATE_TRIAL_ARGS),
    value=hostile(),
    n_objectives=st.sampled_from([1, 2]),
    kind=st.sampled_from(["sqlite", "journal"]),
)
def test_add_trial(arg: str, value: object, n_objectives: int, kind: str) -> None:
    kwargs: dict[str, Any] = {
        "params": {"x": 0.5, "c": "b"},
        "distributions": {
            "x": FloatDistribution(0.0, 1.0),
            "c": CategoricalDistribution(("a", "b")),
        },
        "intermediate_values": {1: 0.25},
    }
    if n_objectives == 1:
        kwargs["value"] = 0.5
    else:
        kwargs["values"] = [0.5, 0.5]
    names = [arg]
    if arg == "params[x]":
        kwargs["params"] = {"x": value, "c": "b"}
        names = ["x", "params"]
    elif arg == "intermediate_values[step]":
        try:
            kwargs["intermediate_values"] = {value: 0.25}
        except TypeError:  # unhashable: no dict to pass
            kwargs["intermediate_values"] = [(value, 0.25)]
        names = ["step", "intermediate_values"]
    elif arg == "intermediate_values[value]":
        kwargs["intermediate_values"] = {1: value}
        names = ["intermediate_values"]
    else:
        kwargs[arg] = value
    with fresh_storage(kind) as (storage, reopen):
        study = optuna.create_study(storage=storage, directions=["minimize"] * n_objectives)
        ok, frozen = attempt(lambda: optuna.trial.create_trial(**kwargs), value, names)
        if ok:
            attempt(lambda: study.add_trial(frozen), value, names)  # type: ignore[arg-type]
        assert_usable(study, reopen)
