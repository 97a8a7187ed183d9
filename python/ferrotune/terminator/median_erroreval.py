"""The error evaluator of Ishibashi et al. 2023: a fraction of the initial median improvement."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from ferrotune._experimental import experimental_class
from ferrotune.terminator.erroreval import BaseErrorEvaluator
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import StudyDirection
    from ferrotune.terminator.improvement.evaluator import BaseImprovementEvaluator
    from ferrotune.trial import FrozenTrial


@experimental_class("4.0.0")
class MedianErrorEvaluator(BaseErrorEvaluator):
    """The median of the paired evaluator's early improvements, times ``threshold_ratio``.

    The heuristic threshold of Ishibashi et al., "A stopping criterion for Bayesian
    optimization by the gap of expected minimum simple regrets" (AISTATS 2023). After
    ``warm_up_trials + n_initial_trials`` COMPLETE trials, the paired evaluator is run on the
    first 1, 2, ..., ``n_initial_trials`` trials after the warm-up; the median of those
    values times ``threshold_ratio`` becomes the error, fixed from then on. Before that the
    error is ``-sys.float_info.min``, below any (non-negative) improvement.

    Parameters
    ----------
    paired_improvement_evaluator
        The improvement evaluator the terminator uses with this error evaluator.
    warm_up_trials
        Number of first COMPLETE trials left out (often random start-up trials).
    n_initial_trials
        Number of COMPLETE trials after the warm-up that the median is taken over.
    threshold_ratio
        Ratio of the threshold to the initial median; positive and finite.
    """

    def __init__(
        self,
        paired_improvement_evaluator: BaseImprovementEvaluator,
        warm_up_trials: int = 10,
        n_initial_trials: int = 20,
        threshold_ratio: float = 0.01,
    ) -> None:
        if warm_up_trials < 0:
            raise ValueError(
                f"`warm_up_trials` is expected to be a non-negative integer, got {warm_up_trials}."
            )
        if n_initial_trials <= 0:
            raise ValueError(
                f"`n_initial_trials` is expected to be a positive integer, got {n_initial_trials}."
            )
        if not (threshold_ratio > 0.0 and math.isfinite(threshold_ratio)):
            raise ValueError(
                f"`threshold_ratio` is expected to be positive and finite, got {threshold_ratio}."
            )
        self._paired_improvement_evaluator = paired_improvement_evaluator
        self._warm_up_trials = warm_up_trials
        self._n_initial_trials = n_initial_trials
        self._threshold_ratio = threshold_ratio
        self._threshold: float | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The threshold (computed once, when enough trials are COMPLETE).

        Parameters
        ----------
        trials
            Trials of the study.
        study_direction
            Direction of the study.

        Returns
        -------
        float
            The error; ``-sys.float_info.min`` while there are too few trials.
        """
        if self._threshold is not None:
            return self._threshold
        complete = sorted(
            (t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.number
        )
        start = self._warm_up_trials
        if len(complete) < start + self._n_initial_trials:
            return -sys.float_info.min  # improvements are non-negative: never terminates
        criteria = sorted(
            self._paired_improvement_evaluator.evaluate(
                complete[start : start + i], study_direction
            )
            for i in range(1, self._n_initial_trials + 1)
        )
        median = criteria[len(criteria) // 2]  # the upper median, as Optuna
        self._threshold = min(sys.float_info.max, median * self._threshold_ratio)
        return self._threshold
