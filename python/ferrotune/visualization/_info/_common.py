"""Helpers every plot's data shares: argument checks, the complete trials, parameter kinds."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.logging import get_logger
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


FloatArray = npt.NDArray[np.float64]
Target = Callable[[FrozenTrial], float]
DEFAULT_TARGET_NAME = "Objective Value"


def check_plot_args(studies: Sequence[Study], target: Target | None, target_name: str) -> None:
    """Optuna's argument rules: multi-objective needs ``target``; warn on a default name."""
    if target is None and any(s._is_multi_objective() for s in studies):
        raise ValueError(
            "If the `study` is being used for multi-objective optimization, "
            "please specify the `target`."
        )
    if target is not None and target_name == DEFAULT_TARGET_NAME:
        warnings.warn(
            "`target` is specified, but `target_name` is the default value, 'Objective Value'.",
            UserWarning,
            stacklevel=4,
        )


@dataclass
class CompleteTrials:
    """COMPLETE trials with a finite target, ordered by trial number."""

    trials: list[FrozenTrial]
    numbers: npt.NDArray[np.int64]
    values: FloatArray  # target value per trial
    feasible: npt.NDArray[np.bool_]
    rows: npt.NDArray[np.int64]  # history rows
    study: Study

    def internal(self, name: str) -> FloatArray:
        """Internal values of parameter ``name`` (NaN where absent)."""
        return np.asarray(self.study._get_trial_history().param(name)[self.rows])

    def has(self, name: str) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.internal(name))


def complete_trials(study: Study, target: Target | None, *, warn: bool = True) -> CompleteTrials:
    """Read COMPLETE trials through the history; drop non-finite targets as Optuna."""
    history = study._get_trial_history()
    rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
    rows = rows[np.argsort(history.numbers[rows], kind="stable")]
    trials = history.trials
    if target is None:
        values = np.array(history.values[rows, 0], dtype=np.float64)
    else:
        values = np.array([float(target(trials[r])) for r in rows], dtype=np.float64)
    finite = np.isfinite(values)
    if warn and not finite.all():
        for r in rows[~finite]:
            _logger.warning(
                f"Trial {trials[r].number} is omitted in visualization "
                "because its objective value is inf or nan."
            )
    rows, values = rows[finite], values[finite]
    violation = history.constraint_violation[rows]
    feasible = ~(violation > 0)  # NaN (no constraint) counts as feasible
    return CompleteTrials(
        trials=[trials[r] for r in rows],
        numbers=np.array(history.numbers[rows], dtype=np.int64),
        values=values,
        feasible=np.asarray(feasible, dtype=bool),
        rows=rows,
        study=study,
    )


def first_distributions(data: CompleteTrials) -> dict[str, BaseDistribution]:
    """First distribution seen for each parameter among ``data`` trials (Optuna's choice)."""
    out: dict[str, BaseDistribution] = {}
    history = data.study._get_trial_history()
    for name in history.param_names:
        present = np.flatnonzero(data.has(name))
        if present.size:
            out[name] = data.trials[int(present[0])].distributions[name]
    return out


def is_log(dist: BaseDistribution) -> bool:
    return isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log


def is_numerical(dist: BaseDistribution) -> bool:
    """Numeric axis: numeric distributions and categoricals of plain numbers (Optuna's rule)."""
    if isinstance(dist, CategoricalDistribution):
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in dist.choices)
    return True


def resolve_params(all_params: Sequence[str], params: list[str] | None) -> list[str]:
    """Sorted parameters to plot; unknown names raise ``ValueError``."""
    if params is None:
        return sorted(all_params)
    for name in params:
        if name not in all_params:
            raise ValueError(f"Parameter {name} does not exist in your study.")
    return sorted(set(params))


def external_values(data: CompleteTrials, name: str, dist: BaseDistribution) -> list[Any]:
    """External parameter values of the trials that have ``name``."""
    column = data.internal(name)
    column = column[~np.isnan(column)]
    if isinstance(dist, CategoricalDistribution):
        choices = dist.choices
        return [choices[int(i)] for i in column]
    if isinstance(dist, IntDistribution):
        return [int(v) for v in column]
    return [float(v) for v in column]
