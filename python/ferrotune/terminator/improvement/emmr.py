"""The Expected Minimum Model Regret evaluator of Ishibashi et al. 2023."""

from __future__ import annotations

import math
import sys
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ferrotune._experimental import experimental_class
from ferrotune.samplers._lazy_random_state import LazyRandomState
from ferrotune.search_space import intersection_search_space
from ferrotune.terminator import _gp
from ferrotune.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    _complete_values,
)
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import StudyDirection
    from ferrotune.trial import FrozenTrial

MARGIN_FOR_NUMARICAL_STABILITY = 0.1  # Optuna's name, spelling included
_DO_NOT_TERMINATE = sys.float_info.max * MARGIN_FOR_NUMARICAL_STABILITY


def _normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@experimental_class("4.0.0")
class EMMREvaluator(BaseImprovementEvaluator):
    """An upper bound of the change of the expected minimum simple regret (EMMR).

    Ishibashi et al., "A stopping criterion for Bayesian optimization by the gap of expected
    minimum simple regrets" (AISTATS 2023), Algorithm 1: from GPs fitted to the first t-1 and
    all t COMPLETE trials, the bound on |EMMR_t - EMMR_{t-1}| (Theorem 1 plus the KL term of
    Eq. 4 scaled by the regret bound of the t-1 model). Pair it with
    :class:`MedianErrorEvaluator`.

    Parameters
    ----------
    deterministic_objective
        Whether the objective is noise-free (fixes the GP's noise at its minimum).
    delta
        Confidence parameter of the regret bound.
    min_n_trials
        Least number of COMPLETE trials before a finite value is returned; at least 2.
    seed
        Seed of the random points where the upper confidence bound is maximised.
    """

    def __init__(
        self,
        deterministic_objective: bool = False,
        delta: float = 0.1,
        min_n_trials: int = 2,
        seed: int | None = None,
    ) -> None:
        if not (min_n_trials > 1 and np.isfinite(min_n_trials)):
            raise ValueError(
                "`min_n_trials` is expected to be a finite integer more than one, got "
                f"{min_n_trials}."
            )
        self._deterministic = deterministic_objective
        self._delta = delta
        self.min_n_trials = min_n_trials
        self._rng = LazyRandomState(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The EMMR bound after the last COMPLETE trial.

        Parameters
        ----------
        trials
            Trials of the study, in order.
        study_direction
            Direction of the study.

        Returns
        -------
        float
            The bound; ``sys.float_info.max * 0.1`` (never terminates) with fewer than
            ``min_n_trials`` COMPLETE trials or no common parameter.
        """
        space = intersection_search_space(trials)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if len(complete) < self.min_n_trials:
            return _DO_NOT_TERMINATE
        if not space:
            warnings.warn(
                f"{self.__class__.__name__} cannot consider any search space. "
                "Termination will never occur in this study.",
                stacklevel=2,
            )
            return _DO_NOT_TERMINATE

        gp_space = _gp.SearchSpace(space)
        x = gp_space.normalized_params(complete)
        y = _gp.finite_values(_complete_values(complete, study_direction))
        y = (y - y.mean()) / max(sys.float_info.min, float(y.std()))

        fit_prev = _gp.fit(
            x[:-1], y[:-1], gp_space.is_categorical, deterministic=self._deterministic
        )
        fit_now = _gp.fit(
            x,
            y,
            gp_space.is_categorical,
            deterministic=self._deterministic,
            initial=fit_prev.params,
        )
        star_now = int(np.argmax(y))
        star_prev = int(np.argmax(y[:-1]))

        # Both posteriors under the t-model: the KL divergence needs one prior (Sec. 4.4).
        mean_last, var_last = (float(v[0]) for v in _gp.posterior(fit_now, x[-1]))
        means, variances = _gp.posterior(fit_now, x[[star_now, star_prev]])
        mu_star, var_star = float(means[0]), float(variances[0])
        var_prev_star = float(variances[1])
        cov = (
            var_star
            if star_now == star_prev
            else _gp.posterior_covariance(fit_now, x, x[star_now], x[star_prev])
        )
        mu_prev_star = float(_gp.posterior(fit_prev, x[star_prev])[0][0])
        kappa_prev = _gp.standardized_regret_bound(
            fit_prev, gp_space, x[:-1], rng=self._rng.rng, delta=self._delta
        )

        # Theorem 1: Delta mu, v and g of the two incumbents.
        delta_mu = mu_prev_star - mu_star
        v = math.sqrt(max(1e-10, var_star - 2.0 * cov + var_prev_star))
        g = (mu_star - mu_prev_star) / v
        # Eq. (4): KL divergence of the posteriors before and after the last observation,
        # with noise precision lambda = 1 / minimum noise.
        inv_lambda = _gp.MINIMUM_NOISE_VAR
        lam = 1.0 / inv_lambda
        residual = y[-1] - mean_last
        kl = (
            0.5 * math.log(1.0 + lam * var_last)
            - 0.5 * var_last / (var_last + inv_lambda)
            + 0.5 * var_last * residual**2 / (var_last + inv_lambda) ** 2
        )
        bound = (
            delta_mu
            + v * _normal_pdf(g)
            + v * g * _normal_cdf(g)
            + kappa_prev * math.sqrt(0.5 * kl)
        )
        return min(sys.float_info.max * 0.5, bound)
