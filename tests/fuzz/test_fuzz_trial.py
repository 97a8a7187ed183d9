"""Fuzz: ``suggest_*`` arguments, ``report`` values and steps, objective return values."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from _fuzz import assert_usable, attempt, budget, hostile, names_bad_value, sqlite_url, timed
from hypothesis import given
from hypothesis import strategies as st

import ferrotune as optuna
from ferrotune.trial import TrialState

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    SAMPLERS: dict[str, Callable[[], optuna.samplers.BaseSampler]] = {
        "tpe": lambda: optuna.samplers.TPESampler(n_startup_trials=2, seed=0),
        "random": lambda: optuna.samplers.RandomSampler(seed=0),
        "cmaes": lambda: optuna.samplers.CmaEsSampler(n_startup_trials=1, seed=0),
        "nsgaii": lambda: optuna.samplers.NSGAIISampler(population_size=2, seed=0),
        "qmc": lambda: optuna.samplers.QMCSampler(seed=0),
    }

VALID: dict[str, dict[str, Any]] = {
    "suggest_float": {"name": "x", "low": 0.0, "high": 1.0, "step": None, "log": False},
    "suggest_int": {"name": "n", "low": 0, "high": 10, "step": 1, "log": False},
    "suggest_categorical": {"name": "c", "choices": ["a", 2.5], "choices[1]": None},
    "suggest_uniform": {"name": "u", "low": 0.0, "high": 1.0},
    "suggest_loguniform": {"name": "l", "low": 1e-3, "high": 1.0},
    "suggest_discrete_uniform": {"name": "d", "low": 0.0, "high": 1.0, "q": 0.1},
}


def _quiet(make: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make()


@budget("suggest")
@given(
    sampler=st.sampled_from(sorted(SAMPLERS)),
    method=st.sampled_from(sorted(VALID)),
    data=st.data(),
)
def test_suggest_arguments(sampler: str, method: str, data: st.DataObject) -> None:
    arg = data.draw(st.sampled_from(sorted(VALID[method])), label="argument")
    value = data.draw(hostile(), label="value")
    kwargs = {k: v for k, v in VALID[method].items() if k != "choices[1]"}
    names = [arg]
    if arg == "choices[1]":
        kwargs["choices"] = ["a", value]
        names = ["choices", "choice"]
    else:
        kwargs[arg] = value
    with sqlite_url() as url:
        study = optuna.create_study(storage=url, sampler=_quiet(SAMPLERS[sampler]))
        for _ in range(3):  # TPE leaves its startup trials at the third
            trial = study.ask()
            ok, result = attempt(partial(getattr(trial, method), **kwargs), value, names)
            if ok and method != "suggest_categorical":
                assert isinstance(result, float | int) and math.isfinite(result), result
            if ok:
                timed(partial(study.tell, trial, 0.5))
            else:
                timed(partial(study.tell, trial, state=TrialState.FAIL))
        assert_usable(study, url)


PRUNERS: dict[str, Callable[[], optuna.pruners.BasePruner]] = {
    "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0),
    "percentile": lambda: optuna.pruners.PercentilePruner(25.0, n_startup_trials=1),
    "halving": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(max_resource=10),
    "threshold": lambda: optuna.pruners.ThresholdPruner(upper=1.0),
    "patient": lambda: optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(), 1),
    "wilcoxon": lambda: optuna.pruners.WilcoxonPruner(),
}


@budget("report")
@given(
    pruner=st.sampled_from(sorted(PRUNERS)),
    arg=st.sampled_from(["value", "step"]),
    value=hostile(),
)
def test_report_values_and_steps(pruner: str, arg: str, value: object) -> None:
    with sqlite_url() as url:
        study = optuna.create_study(storage=url, pruner=_quiet(PRUNERS[pruner]))
        for i in range(3):
            trial = study.ask()
            x = trial.suggest_float("x", 0.0, 1.0)
            timed(partial(trial.report, x, 0))
            kwargs: dict[str, Any] = {"value": float(i), "step": 1}
            kwargs[arg] = value
            attempt(partial(trial.report, **kwargs), value, [arg])
            timed(trial.should_prune)
            timed(partial(study.tell, trial, x))
        assert_usable(study, url)


@budget("objective")
@given(value=hostile(), n_objectives=st.sampled_from([1, 2]), position=st.sampled_from([0, 1]))
def test_objective_return_values(value: object, n_objectives: int, position: int) -> None:
    def objective(trial: optuna.Trial) -> Any:
        trial.suggest_float("x", 0.0, 1.0)
        if n_objectives == 1:
            return value
        returned = [0.5, 0.5]
        returned[position] = value  # type: ignore[call-overload]
        return returned

    with sqlite_url() as url:
        study = optuna.create_study(storage=url, directions=["minimize"] * n_objectives)
        ok, _ = attempt(lambda: study.optimize(objective, n_trials=2), value, [])
        assert ok, "a bad return value fails the trial, optimize goes on"
        for trial in study.trials:
            assert trial.state in (TrialState.COMPLETE, TrialState.FAIL), trial.state
            if trial.state == TrialState.FAIL:
                reason = trial.system_attrs["fail_reason"]
                assert names_bad_value(reason, value, []), reason
            else:
                assert trial.values is not None and len(trial.values) == n_objectives
                assert all(isinstance(v, float) and not math.isnan(v) for v in trial.values)
        assert_usable(study, url)


class _Weird(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str() of this exception fails")


@pytest.mark.parametrize(
    "error",
    [ValueError("bad"), ZeroDivisionError(), KeyError("k"), RecursionError(), _Weird()],
    ids=lambda e: type(e).__name__,
)
def test_failing_objective_fails_the_trial_and_the_study_goes_on(error: Exception) -> None:
    def objective(trial: optuna.Trial) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        raise error

    with sqlite_url() as url:
        study = optuna.create_study(storage=url)
        with pytest.raises(type(error)):
            timed(lambda: study.optimize(objective, n_trials=3))
        timed(lambda: study.optimize(objective, n_trials=3, catch=(type(error),)))
        assert [t.state for t in study.trials] == [TrialState.FAIL] * 4
        assert_usable(study, url)
