"""Build the same trials in a ferrotune study and an Optuna study."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pytest

import ferrotune

Params = dict[str, Any]


def _dists(mod: Any, spec: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    d = mod.distributions
    out: dict[str, Any] = {}
    for name, (kind, arg) in spec.items():
        if kind == "float":
            out[name] = d.FloatDistribution(*arg)
        elif kind == "log":
            out[name] = d.FloatDistribution(*arg, log=True)
        elif kind == "int":
            out[name] = d.IntDistribution(*arg)
        else:
            out[name] = d.CategoricalDistribution(arg)
    return out


def sample(spec: dict[str, tuple[str, Any]], rng: np.random.Generator) -> Params:
    params: Params = {}
    for name, (kind, arg) in spec.items():
        if kind == "float":
            params[name] = float(rng.uniform(*arg))
        elif kind == "log":
            params[name] = float(np.exp(rng.uniform(np.log(arg[0]), np.log(arg[1]))))
        elif kind == "int":
            params[name] = int(rng.integers(arg[0], arg[1] + 1))
        else:
            params[name] = arg[int(rng.integers(len(arg)))]
    return params


def twin_studies(
    n: int,
    spec: Callable[[np.random.Generator], dict[str, tuple[str, Any]]] | dict[str, tuple[str, Any]],
    objective: Callable[[Params], float | list[float]],
    *,
    seed: int = 0,
    directions: list[str] | None = None,
    extra_states: int = 0,
) -> tuple[ferrotune.Study, optuna.Study]:
    """``n`` COMPLETE trials (plus ``extra_states`` PRUNED and FAIL ones) in both libraries."""
    rng = np.random.default_rng(seed)
    ours = ferrotune.create_study(directions=directions)
    theirs = optuna.create_study(directions=directions)
    for i in range(n + 2 * extra_states):
        trial_spec = spec(rng) if callable(spec) else spec
        params = sample(trial_spec, rng)
        state = "COMPLETE" if i < n else ("PRUNED" if i % 2 else "FAIL")
        value = objective(params) if state == "COMPLETE" else None
        values = value if isinstance(value, list) else None
        for mod, study in ((ferrotune, ours), (optuna, theirs)):
            study.add_trial(
                mod.trial.create_trial(
                    params=params,
                    distributions=_dists(mod, trial_spec),
                    value=None if values is not None else value,
                    values=values,
                    state=getattr(mod.trial.TrialState, state),
                )
            )
    return ours, theirs


@pytest.fixture(scope="session")
def twin() -> Callable[..., tuple[ferrotune.Study, optuna.Study]]:
    """The :func:`twin_studies` builder."""
    return twin_studies
