"""Every sampler keeps proposing valid trials on degenerate histories (issue 15).

Histories: all-equal values; infinite values (the objective returns inf and -inf; NaN
marks the trial FAIL); hundreds of FAIL trials; thousands of categories; single-point
ranges (low == high for float, int, log float, log int and stepped float); 200
dimensions. Each new trial must finish (COMPLETE, or FAIL for a NaN value) with every
parameter inside its distribution. GridSampler and BruteForceSampler run where the space
is finite and small (not on 200 dimensions).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import ferrotune as optuna
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.trial import TrialState

S = optuna.samplers
INF = math.inf

SCENARIOS = [
    "all-equal",
    "non-finite",
    "many-fails",
    "many-categories",
    "single-point",
    "200-dims",
]


def _space(scenario: str, finite: bool) -> dict[str, BaseDistribution]:
    """The search space of a scenario; ``finite``: stepped floats only (grid, brute force)."""
    x = FloatDistribution(-5.0, 5.0, step=2.5 if finite else None)
    if scenario == "many-categories":
        return {"x": x, "c": CategoricalDistribution(list(range(3000)))}
    if scenario == "single-point":
        return {
            "x": x,
            "f": FloatDistribution(1.5, 1.5),
            "i": IntDistribution(3, 3),
            "fl": FloatDistribution(1e-3, 1e-3, log=True),
            "il": IntDistribution(8, 8, log=True),
            "fs": FloatDistribution(2.0, 2.0, step=0.5),
            "c": CategoricalDistribution(["only"]),
        }
    if scenario == "200-dims":
        return {"x": x, **{f"d{i:03d}": FloatDistribution(0.0, 1.0) for i in range(199)}}
    space: dict[str, BaseDistribution] = {
        "x": x,
        "n": IntDistribution(1, 64, log=True),
        "c": CategoricalDistribution(["a", "b", None]),
    }
    if not finite:
        space["lr"] = FloatDistribution(1e-4, 1.0, log=True)
    return space


def _grid(space: dict[str, BaseDistribution]) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for name, d in space.items():
        if isinstance(d, CategoricalDistribution):
            grid[name] = list(d.choices)
        else:
            assert isinstance(d, FloatDistribution | IntDistribution)
            grid[name] = sorted({d.low, d.high})
    return grid


# name -> (make sampler from the space, number of objectives, needs a finite space)
Maker = Callable[[dict[str, BaseDistribution]], S.BaseSampler]
SAMPLERS: dict[str, tuple[Maker, int, bool]] = {
    "random": (lambda sp: S.RandomSampler(seed=0), 1, False),
    "tpe": (lambda sp: S.TPESampler(n_startup_trials=5, seed=0), 1, False),
    "tpe-univariate": (
        lambda sp: S.TPESampler(n_startup_trials=5, multivariate=False, seed=0),
        1,
        False,
    ),
    "tpe-multiobjective": (lambda sp: S.TPESampler(n_startup_trials=5, seed=0), 2, False),
    "cmaes": (lambda sp: S.CmaEsSampler(n_startup_trials=5, seed=0), 1, False),
    "cmaes-sep": (
        lambda sp: S.CmaEsSampler(n_startup_trials=5, use_separable_cma=True, seed=0),
        1,
        False,
    ),
    "cmaes-margin": (
        lambda sp: S.CmaEsSampler(n_startup_trials=5, with_margin=True, seed=0),
        1,
        False,
    ),
    "nsgaii": (lambda sp: S.NSGAIISampler(population_size=6, seed=0), 2, False),
    "qmc": (lambda sp: S.QMCSampler(seed=0), 1, False),
    "grid": (lambda sp: S.GridSampler(_grid(sp), seed=0), 1, True),
    "bruteforce": (lambda sp: S.BruteForceSampler(seed=0), 1, True),
    "partial-fixed": (
        lambda sp: S.PartialFixedSampler({"x": 2.5}, S.TPESampler(n_startup_trials=5, seed=0)),
        1,
        False,
    ),
}

N_TRIALS = {"all-equal": 40, "non-finite": 40, "many-fails": 20, "200-dims": 20}
NON_FINITE = [INF, -INF, math.nan, 1.0, INF, -INF, 0.0]


def _value(scenario: str, number: int, params: dict[str, Any]) -> float:
    if scenario == "all-equal":
        return 1.0
    if scenario == "non-finite":
        return NON_FINITE[number % len(NON_FINITE)]
    return float(params["x"]) ** 2 + number % 3


def _add_failures(study: optuna.Study, space: dict[str, BaseDistribution]) -> None:
    """300 FAIL trials, with and without parameters."""
    trials = []
    for i in range(300):
        params = {"x": -5.0 + (i % 5) * 2.5, "n": 1 + i % 64, "c": ["a", "b", None][i % 3]}
        if "lr" in space:
            params["lr"] = 1e-3
        with_params = i % 2 == 0
        trials.append(
            optuna.trial.create_trial(
                state=TrialState.FAIL,
                params=params if with_params else None,
                distributions={k: space[k] for k in params} if with_params else None,
            )
        )
    study.add_trials(trials)


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("name", "scenario"),
    [
        (name, scenario)
        for name in SAMPLERS
        for scenario in SCENARIOS
        # Grid and brute force enumerate the space: 200 dimensions have no small grid.
        if not (SAMPLERS[name][2] and scenario == "200-dims")
    ],
)
def test_sampler_on_degenerate_history(name: str, scenario: str) -> None:
    make, n_objectives, finite = SAMPLERS[name]
    space = _space(scenario, finite)
    study = optuna.create_study(
        sampler=make(space), directions=["minimize"] * n_objectives, pruner=None
    )
    if scenario == "many-fails":
        _add_failures(study, space)
    before = len(study.trials)

    def objective(trial: optuna.Trial) -> Any:
        params = {n: trial._suggest(n, d) for n, d in space.items()}
        v = _value(scenario, trial.number, params)
        return v if n_objectives == 1 else (v, -v if math.isfinite(v) else 1.0)

    n_trials = N_TRIALS.get(scenario, 25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n_trials):  # one call per trial: grid/brute force stop when exhausted
            study.optimize(objective, n_trials=1)

    new = study.trials[before:]
    assert len(new) == n_trials
    for t in new:
        v = _value(scenario, t.number, t.params) if t.params.keys() == space.keys() else 0.0
        expected = TrialState.FAIL if math.isnan(v) else TrialState.COMPLETE
        assert t.state == expected, (t.number, t.state, t.system_attrs.get("fail_reason"))
        assert t.params.keys() == space.keys()
        for param, d in space.items():
            value = t.params[param]
            assert d._contains(d.to_internal_repr(value)), (param, value, d)
        if scenario == "single-point":
            assert (t.params["f"], t.params["i"], t.params["il"]) == (1.5, 3, 8)
            assert (t.params["fl"], t.params["fs"], t.params["c"]) == (1e-3, 2.0, "only")
        if name == "partial-fixed":
            assert t.params["x"] == 2.5
