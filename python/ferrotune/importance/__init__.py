"""Hyperparameter importance: which parameters explain the objective.

``get_param_importances(study)`` uses :class:`PedAnovaImportanceEvaluator` (Optuna 5.0's
default); :class:`FanovaImportanceEvaluator` and
:class:`MeanDecreaseImpurityImportanceEvaluator` fit a random forest in Rust.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ferrotune.exceptions import ExperimentalWarning
from ferrotune.importance._base import BaseImportanceEvaluator, Target
from ferrotune.importance._forest import (
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
)
from ferrotune.importance._ped_anova import PedAnovaImportanceEvaluator

if TYPE_CHECKING:
    from ferrotune.study import Study

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]


def get_param_importances(
    study: Study,
    *,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    target: Target | None = None,
    normalize: bool = True,
) -> dict[str, float]:
    """Evaluate parameter importances from the completed trials of ``study``.

    Parameters
    ----------
    study
        An optimized study.
    evaluator
        Importance algorithm; :class:`PedAnovaImportanceEvaluator` by default.
    params
        Parameters to assess. ``None``: with PED-ANOVA every parameter that appears in a
        completed trial (conditional ones included); with the forest evaluators the
        parameters present in all completed trials. ``[]`` returns ``{}``.
    target
        Value to explain per trial (e.g. ``lambda t: t.values[0]``); defaults to the
        objective value. Required for multi-objective studies except with PED-ANOVA.
    normalize
        Scale the importances to sum to one (equal shares if they are all zero).

    Returns
    -------
    dict[str, float]
        Importance per parameter, ordered from most to least important.

    Raises
    ------
    TypeError
        If ``evaluator`` is not a :class:`BaseImportanceEvaluator` or ``params`` is not a list
        of names.
    ValueError
        If a requested parameter never appears in a completed trial, or ``target`` is missing
        on a multi-objective study for the forest evaluators.
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError(
            f"Evaluator must be a subclass of BaseImportanceEvaluator, got {evaluator!r}."
        )
    result = evaluator.evaluate(study, params=params, target=target)
    if not normalize:
        warnings.warn(
            "Argument ``normalize`` is an experimental feature. "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        return result
    total = sum(result.values())
    if total == 0.0:
        return {name: 1.0 / len(result) for name in result}
    return {name: value / total for name, value in result.items()}
