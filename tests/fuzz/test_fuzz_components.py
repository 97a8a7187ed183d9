"""Fuzz: sampler and pruner constructor arguments.

An accepted value must leave a working sampler (pruner): the study runs trials on a mixed
search space (reporting intermediate values for the pruners) and stays usable.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

from _fuzz import assert_usable, attempt, budget, hostile, sqlite_url
from hypothesis import given
from hypothesis import strategies as st

import ferrotune as optuna

S = optuna.samplers
P = optuna.pruners

GRID = {"x": [0.0, 0.5, 1.0], "n": [1, 2], "c": ["a", "b"]}
# Valid values of the required arguments.
REQUIRED: dict[str, dict[str, Any]] = {
    "GridSampler": {"search_space": GRID},
    "PartialFixedSampler": {"fixed_params": {"x": 0.5}, "base_sampler": S.RandomSampler(seed=0)},
    "PatientPruner": {"wrapped_pruner": P.MedianPruner(), "patience": 1},
    "ThresholdPruner": {"upper": 10.0},
    "PercentilePruner": {"percentile": 25.0},
}
SAMPLERS: list[type] = [
    S.TPESampler,
    S.RandomSampler,
    S.CmaEsSampler,
    S.NSGAIISampler,
    S.QMCSampler,
    S.GridSampler,
    S.BruteForceSampler,
    S.PartialFixedSampler,
]
PRUNERS: list[type] = [
    P.MedianPruner,
    P.PercentilePruner,
    P.SuccessiveHalvingPruner,
    P.HyperbandPruner,
    P.ThresholdPruner,
    P.PatientPruner,
    P.WilcoxonPruner,
    P.NopPruner,
]


def _plain(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0, step=0.25)  # finite for BruteForceSampler
    n = trial.suggest_int("n", 1, 100, log=True)
    c = trial.suggest_categorical("c", ["a", "b"])
    return x + n / 100 + (c == "b")


def _objective(trial: optuna.Trial) -> float:
    value = _plain(trial)
    for step in range(3):
        trial.report(value * (3 - step), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


def _arguments(cls: type) -> list[str]:
    return [p for p in inspect.signature(cls).parameters if p not in ("self", "kwargs")]


def _construct(cls: type, arg: str, value: object) -> tuple[bool, Any]:
    kwargs = dict(REQUIRED.get(cls.__name__, {}))
    kwargs[arg] = value
    make: Callable[[], Any] = lambda: cls(**kwargs)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return attempt(make, value, [arg])


def _run(arg: str, value: object, objective: Any = None, **components: Any) -> None:
    """Five trials with the component. An accepted value that does not fit the objective
    (a grid without its parameters, an ``x0`` missing one) may fail a trial with an error
    naming the argument or the parameter; the study then goes on with a valid sampler."""
    with sqlite_url() as url:
        study = optuna.create_study(storage=url, **components)
        ok, _ = attempt(lambda: study.optimize(_objective, n_trials=5), value, [arg, "x", "n"])
        if not ok:
            study = optuna.load_study(
                study_name=study.study_name, storage=url, sampler=S.RandomSampler(seed=1)
            )
        assert_usable(study, url, objective)


@budget("sampler")
@given(cls=st.sampled_from(SAMPLERS), data=st.data())
def test_sampler_constructor_arguments(cls: type, data: st.DataObject) -> None:
    arg = data.draw(st.sampled_from(_arguments(cls)), label="argument")
    value = data.draw(hostile(), label="value")
    ok, sampler = _construct(cls, arg, value)
    if ok:
        # The same search space afterwards: BruteForceSampler and GridSampler need a fixed one.
        _run(arg, value, _plain, sampler=sampler, pruner=P.NopPruner())


@budget("pruner")
@given(cls=st.sampled_from([c for c in PRUNERS if _arguments(c)]), data=st.data())
def test_pruner_constructor_arguments(cls: type, data: st.DataObject) -> None:
    arg = data.draw(st.sampled_from(_arguments(cls)), label="argument")
    value = data.draw(hostile(), label="value")
    ok, pruner = _construct(cls, arg, value)
    if ok:
        _run(arg, value, pruner=pruner, sampler=S.RandomSampler(seed=0))
