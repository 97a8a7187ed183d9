"""Helpers of the terminator tests: the same trials in ferrotune and in Optuna."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

import ferrotune

optuna.logging.set_verbosity(optuna.logging.ERROR)

# Deprecation and experimental warnings are asserted in test_warnings.py; elsewhere they
# are expected noise (pyproject turns warnings into errors).
QUIET = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]


def complete(mod: Any, value: float, **attrs: Any) -> Any:
    """A COMPLETE frozen trial of ``mod`` (ferrotune or optuna) with a parameter ``x``."""
    x = float(attrs.pop("x", 0.5))
    return mod.trial.create_trial(
        value=value,
        params={"x": x},
        distributions={"x": mod.distributions.FloatDistribution(0.0, 1.0)},
        **attrs,
    )


def both_studies(values: list[float | None], direction: str = "minimize") -> tuple[Any, Any]:
    """The same trials (``None``: a FAIL trial) in a ferrotune and an Optuna study."""
    studies = []
    for mod in (ferrotune, optuna):
        study = mod.create_study(direction=direction)
        for i, v in enumerate(values):
            if v is None:
                study.add_trial(mod.trial.create_trial(state=mod.trial.TrialState.FAIL))
            else:
                study.add_trial(complete(mod, v, x=(i % 10) / 10))
        studies.append(study)
    return studies[0], studies[1]
