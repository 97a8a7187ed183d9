"""Error evaluators: the statistical error a terminator compares the room for improvement with."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ferrotune._experimental import experimental_class
from ferrotune.study._study_direction import StudyDirection
from ferrotune.terminator._warnings import warn_deprecated_module
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.trial import FrozenTrial, Trial

# The trial system attribute that holds the reported scores (Optuna's key, so that studies
# written by either library read the same).
_CROSS_VALIDATION_SCORES_KEY = "terminator:cv_scores"


class BaseErrorEvaluator(metaclass=abc.ABCMeta):
    """Base class for error evaluators."""

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The statistical error of the objective given ``trials``."""


def _best_complete_trial(trials: Sequence[FrozenTrial], direction: StudyDirection) -> FrozenTrial:
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if not complete:
        raise ValueError(
            "No trial has been completed yet, so the cross-validation error cannot be evaluated."
        )
    values = np.array([t.value for t in complete], dtype=np.float64)
    # first best on ties, as max()/min() over the list
    best = np.argmax(values) if direction == StudyDirection.MAXIMIZE else np.argmin(values)
    return complete[int(best)]


@experimental_class("3.2.0")
class CrossValidationErrorEvaluator(BaseErrorEvaluator):
    """The error of an objective that is a cross-validation mean.

    The error is the standard deviation of the best trial's fold scores scaled by
    ``1/k + 1/(k-1)`` for ``k`` folds (the corrected resampled variance of Nadeau and
    Bengio, as used by Makarova et al. 2022). The scores come from
    :func:`report_cross_validation_scores`.
    """

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The scaled standard deviation of the best COMPLETE trial's reported scores.

        Parameters
        ----------
        trials
            Trials to consider; the best COMPLETE one is used.
        study_direction
            Direction of the study.

        Returns
        -------
        float
            The statistical error.
        """
        best = _best_complete_trial(trials, study_direction)
        scores = best.system_attrs.get(_CROSS_VALIDATION_SCORES_KEY)
        if scores is None:
            raise ValueError(
                "Cross-validation scores have not been reported. Please call "
                "`report_cross_validation_scores(trial, scores)` during a trial and pass the "
                "list of scores as `scores`."
            )
        k = len(scores)
        if k <= 1:
            raise ValueError(
                f"Trial {best.number} has {k} cross-validation score(s); at least two are needed."
            )
        scale = 1.0 / k + 1.0 / (k - 1)
        return math.sqrt(scale * float(np.var(np.asarray(scores, dtype=np.float64))))


def report_cross_validation_scores(trial: Trial, scores: list[float]) -> None:
    """Store the fold scores of ``trial`` for :class:`CrossValidationErrorEvaluator`.

    Call it in the objective with the scores whose mean the objective returns.

    Parameters
    ----------
    trial
        The running trial.
    scores
        The cross-validation scores, at least two (stored as a list of floats).
    """
    warn_deprecated_module()
    if len(scores) <= 1:
        raise ValueError(
            f"The length of `scores` is expected to be greater than one, got {len(scores)}."
        )
    # plain floats: a numpy array (what cross_val_score returns) would not serialise to the
    # RDB and journal storages
    values = [float(s) for s in scores]
    trial.storage.set_trial_system_attr(trial._trial_id, _CROSS_VALIDATION_SCORES_KEY, values)


@experimental_class("3.2.0")
class StaticErrorEvaluator(BaseErrorEvaluator):
    """An error evaluator that always returns ``constant``.

    With it a terminator stops once the improvement falls below a fixed threshold.

    Parameters
    ----------
    constant
        The error to return.
    """

    def __init__(self, constant: float) -> None:
        self._constant = constant

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the constant.

        Parameters
        ----------
        trials
            Ignored.
        study_direction
            Ignored.

        Returns
        -------
        float
            ``constant``.
        """
        return self._constant
