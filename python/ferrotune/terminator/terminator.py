"""Terminators: decide whether a study should stop (Makarova et al. 2022)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ferrotune.terminator._warnings import warn_deprecated_module
from ferrotune.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
)
from ferrotune.terminator.improvement.evaluator import (
    DEFAULT_MIN_N_TRIALS,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


class BaseTerminator(metaclass=abc.ABCMeta):
    """Base class for terminators."""

    @abc.abstractmethod
    def should_terminate(self, study: Study) -> bool:
        """Whether ``study`` should stop."""


def default_error_evaluator(improvement: BaseImprovementEvaluator) -> BaseErrorEvaluator:
    """The error evaluator Optuna pairs with ``improvement`` when none is given."""
    if isinstance(improvement, BestValueStagnationEvaluator):
        return StaticErrorEvaluator(constant=0)
    return CrossValidationErrorEvaluator()


class Terminator(BaseTerminator):
    """Stop a study when the room left for improvement falls below the statistical error.

    The mechanism of Makarova et al., "Automatic termination for hyperparameter
    optimization" (AutoML 2022): the study should stop once the improvement evaluator's
    value (by default an upper bound on the regret of the best trial) is less than the error
    evaluator's (by default the cross-validation error of the best trial).

    Parameters
    ----------
    improvement_evaluator
        Evaluates the room left for optimization; default :class:`RegretBoundEvaluator`.
    error_evaluator
        Evaluates the statistical error; default :class:`StaticErrorEvaluator` ``(0)`` with
        a :class:`BestValueStagnationEvaluator`, :class:`CrossValidationErrorEvaluator`
        otherwise.
    min_n_trials
        Number of COMPLETE trials before termination is considered; positive.
    """

    def __init__(
        self,
        improvement_evaluator: BaseImprovementEvaluator | None = None,
        error_evaluator: BaseErrorEvaluator | None = None,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
    ) -> None:
        warn_deprecated_module()
        if min_n_trials <= 0:
            raise ValueError(
                f"`min_n_trials` is expected to be a positive integer, got {min_n_trials}."
            )
        self._improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
        self._error_evaluator = error_evaluator or default_error_evaluator(
            self._improvement_evaluator
        )
        self._min_n_trials = min_n_trials

    def should_terminate(self, study: Study) -> bool:
        """Whether the improvement is below the error (never before ``min_n_trials``).

        Parameters
        ----------
        study
            A single-objective study.

        Returns
        -------
        bool
            ``True`` if the study should stop.
        """
        n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        if n_complete < self._min_n_trials:
            return False
        trials = study.get_trials(deepcopy=False)
        direction = study.direction
        improvement = self._improvement_evaluator.evaluate(
            trials=trials, study_direction=direction
        )
        error = self._error_evaluator.evaluate(trials=trials, study_direction=direction)
        return bool(improvement < error)
