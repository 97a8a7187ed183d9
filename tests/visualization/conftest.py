"""Studies shared by the visualization tests, built identically in ferrotune and Optuna."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pytest

import ferrotune

optuna.logging.set_verbosity(optuna.logging.ERROR)

SPACE: dict[str, tuple[str, Any]] = {
    "x": ("float", (-5.0, 5.0)),
    "lr": ("log", (1e-4, 1.0)),
    "n": ("int", (1, 8)),
    "opt": ("cat", ["sgd", "adam", "rms"]),
}
OPT_COST = {"sgd": 0.0, "adam": 1.0, "rms": 2.0}


def _dists(mod: Any) -> dict[str, Any]:
    d = mod.distributions
    return {
        "x": d.FloatDistribution(-5.0, 5.0),
        "lr": d.FloatDistribution(1e-4, 1.0, log=True),
        "n": d.IntDistribution(1, 8),
        "opt": d.CategoricalDistribution(["sgd", "adam", "rms"]),
    }


def _params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "x": float(rng.uniform(-5, 5)),
        "lr": float(10 ** rng.uniform(-4, 0)),
        "n": int(rng.integers(1, 9)),
        "opt": ["sgd", "adam", "rms"][int(rng.integers(3))],
    }


def _value(p: dict[str, Any]) -> float:
    return p["x"] ** 2 + OPT_COST[p["opt"]] + abs(math.log10(p["lr"]) + 2)


def build_pair(
    n: int = 40,
    *,
    seed: int = 0,
    directions: list[str] | None = None,
    constrained: bool = False,
    extra_states: bool = True,
    conditional: bool = False,
) -> tuple[ferrotune.Study, optuna.Study]:
    """``n`` trials (a few PRUNED / FAIL / infeasible ones) in both libraries."""
    rng = np.random.default_rng(seed)
    n_obj = len(directions) if directions else 1
    pair = (
        ferrotune.create_study(directions=directions, study_name=f"s{seed}"),
        optuna.create_study(directions=directions, study_name=f"s{seed}"),
    )
    start = datetime.datetime(2026, 1, 1, 12, 0, 0)
    for i in range(n):
        params = _params(rng)
        if conditional and i % 2:
            params.pop("n")
        state = "COMPLETE"
        if extra_states and i % 10 == 7:
            state = "PRUNED"
        if extra_states and i % 10 == 9:
            state = "FAIL"
        base = _value(params)
        values = [
            base,
            float(np.sin(params["x"]) + params["n"] if "n" in params else 0.0),
            params["x"],
        ][:n_obj]
        if n_obj > 1:
            values = [
                base / 10,
                10 - params["x"] ** 2 + OPT_COST[params["opt"]],
                abs(params["x"] - 1),
            ][:n_obj]
        steps = {s: base / (s + 1) for s in range(4)} if state != "FAIL" else {}
        for mod, study in zip((ferrotune, optuna), pair):
            dists = {k: v for k, v in _dists(mod).items() if k in params}
            trial = mod.trial.create_trial(
                params=params,
                distributions=dists,
                values=values if state == "COMPLETE" else None,
                state=getattr(mod.trial.TrialState, state),
                intermediate_values=steps,
            )
            trial.datetime_start = start + datetime.timedelta(seconds=2 * i)
            trial.datetime_complete = start + datetime.timedelta(seconds=2 * i + 1.5)
            if constrained:
                trial.set_constraint("c0", params["x"] - 3.0)
            study.add_trial(trial)
    return pair


@pytest.fixture(scope="session")
def pair() -> tuple[ferrotune.Study, optuna.Study]:
    return build_pair(40, constrained=True)


@pytest.fixture(scope="session")
def pair_mo() -> tuple[ferrotune.Study, optuna.Study]:
    return build_pair(40, seed=1, directions=["minimize", "maximize"], constrained=True)


@pytest.fixture(scope="session")
def pair_mo3() -> tuple[ferrotune.Study, optuna.Study]:
    return build_pair(30, seed=2, directions=["minimize", "maximize", "minimize"])


@pytest.fixture(scope="session")
def builder() -> Callable[..., tuple[ferrotune.Study, optuna.Study]]:
    return build_pair
