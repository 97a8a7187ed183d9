"""Improvement evaluators: the regret bound of Makarova et al. 2022 and best-value stagnation."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

from ferrotune._experimental import experimental_class
from ferrotune.samplers._lazy_random_state import LazyRandomState
from ferrotune.search_space import intersection_search_space
from ferrotune.study._study_direction import StudyDirection
from ferrotune.terminator import _gp
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.distributions import BaseDistribution
    from ferrotune.trial import FrozenTrial

DEFAULT_TOP_TRIALS_RATIO = 0.5
DEFAULT_MIN_N_TRIALS = 20


@experimental_class("3.2.0")
class BaseImprovementEvaluator(metaclass=abc.ABCMeta):
    """Base class for improvement evaluators."""

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The room left for improvement given ``trials``."""


def _complete_values(trials: list[FrozenTrial], direction: StudyDirection) -> np.ndarray:
    """Values of the COMPLETE trials, sign-flipped so that larger is better."""
    values = np.array(
        [t.value for t in trials if t.state == TrialState.COMPLETE], dtype=np.float64
    )
    return -values if direction == StudyDirection.MINIMIZE else values


@experimental_class("3.2.0")
class RegretBoundEvaluator(BaseImprovementEvaluator):
    """An upper bound on the regret of the best trial, from a Gaussian process.

    Makarova et al., "Automatic termination for hyperparameter optimization" (AutoML 2022),
    Eq. (4): with the GP fitted to the top trials, the bound is the maximum upper confidence
    bound over the search space minus the maximum lower confidence bound over the top
    trials, with the confidence parameter beta of Srinivas et al. (2010) scaled down by 5.

    Parameters
    ----------
    top_trials_ratio
        Fraction of the best COMPLETE trials the GP is fitted to.
    min_n_trials
        Least number of top trials used (all of them if fewer are COMPLETE).
    seed
        Seed of the random points where the upper confidence bound is maximised.
    """

    def __init__(
        self,
        top_trials_ratio: float = DEFAULT_TOP_TRIALS_RATIO,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
        seed: int | None = None,
    ) -> None:
        self._top_trials_ratio = top_trials_ratio
        self._min_n_trials = min_n_trials
        self._optimize_n_samples = 2048
        self._rng = LazyRandomState(seed)

    def _top_n_mask(self, values: np.ndarray) -> np.ndarray:
        n = len(values)
        top_n = int(np.clip(int(n * self._top_trials_ratio), self._min_n_trials, n))
        # ties with the top_n-th value are all kept, as Optuna
        mask: np.ndarray = values >= np.partition(values, n - top_n)[n - top_n]
        return mask

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The regret bound of the best trial among ``trials``.

        Parameters
        ----------
        trials
            Trials of the study (at least one COMPLETE, with a common parameter).
        study_direction
            Direction of the study.

        Returns
        -------
        float
            The regret bound, in the objective's units.
        """
        space = intersection_search_space(trials)
        self._validate_input(trials, space)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        # infinities clipped with a warning (Optuna's RegretBoundEvaluator fails on them)
        values = _gp.finite_values(_complete_values(complete, study_direction))
        gp_space = _gp.SearchSpace(space)
        x = gp_space.normalized_params(complete)
        mask = self._top_n_mask(values)
        top_x, top_y = x[mask], values[mask]
        std = max(1e-10, float(top_y.std()))
        standardized = (top_y - top_y.mean()) / std
        model = _gp.fit(top_x, standardized, gp_space.is_categorical, deterministic=False)
        bound = _gp.standardized_regret_bound(
            model, gp_space, top_x, rng=self._rng.rng, n_samples=self._optimize_n_samples
        )
        return bound * std

    @classmethod
    def _validate_input(
        cls, trials: list[FrozenTrial], search_space: dict[str, BaseDistribution]
    ) -> None:
        if not any(t.state == TrialState.COMPLETE for t in trials):
            raise ValueError(
                "Because no trial has been completed yet, the regret bound cannot be evaluated."
            )
        if not search_space:
            raise ValueError(
                "The intersection search space is empty. This condition is not supported by "
                f"{cls.__name__}."
            )


@experimental_class("3.4.0")
class BestValueStagnationEvaluator(BaseImprovementEvaluator):
    """Trials left before the best value has stagnated for ``max_stagnation_trials`` trials.

    The value is ``max_stagnation_trials`` minus the number of COMPLETE trials since the
    (first) best one; paired by default with ``StaticErrorEvaluator(0)``, the study stops
    once it turns negative.

    Parameters
    ----------
    max_stagnation_trials
        Trials allowed without improvement; non-negative.
    """

    def __init__(self, max_stagnation_trials: int = 30) -> None:
        if max_stagnation_trials < 0:
            raise ValueError(
                "The maximum number of stagnant trials must not be negative, got "
                f"{max_stagnation_trials}."
            )
        self._max_stagnation_trials = max_stagnation_trials

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """``max_stagnation_trials - (trials since the best one)``.

        Parameters
        ----------
        trials
            Trials of the study, in order (at least one COMPLETE).
        study_direction
            Direction of the study.

        Returns
        -------
        float
            The trials left before stagnation (an int).
        """
        self._validate_input(trials)
        values = _complete_values(trials, study_direction)
        best_step = int(np.argmax(values))  # first occurrence: only strict improvements count
        return self._max_stagnation_trials - (len(values) - 1 - best_step)

    @classmethod
    def _validate_input(cls, trials: list[FrozenTrial]) -> None:
        if not any(t.state == TrialState.COMPLETE for t in trials):
            raise ValueError(
                "Because no trial has been completed yet, the improvement cannot be evaluated."
            )
