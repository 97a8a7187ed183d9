"""Prune by a Wilcoxon signed-rank test against the best trial, step by step.

Meant for objectives that are averages over many instances (folds, problems, seeds) where
each "step" is one instance: the current trial's per-step values are paired with the best
trial's values at the same steps and the one-sided signed-rank test (``zsplit`` zero
handling) asks whether the current trial is worse (Wilcoxon, "Individual Comparisons by
Ranking Methods", Biometrics Bulletin 1(6), 1945). The test itself is ``scipy.stats``'s.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ferrotune.exceptions import ExperimentalWarning
from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._percentile import _check_float, _check_int
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


def _best_trial(study: Study) -> FrozenTrial | None:
    try:
        return study._get_best_trial()
    except ValueError:
        return None


class WilcoxonPruner(BasePruner):
    """Prune when a Wilcoxon signed-rank test says the trial is worse than the best trial.

    Report one value per instance with ``trial.report(value, step=instance_id)`` (steps
    identify instances, in any order). Needs :mod:`scipy`.

    Parameters
    ----------
    p_threshold
        Prune when the one-sided p-value is below this (in ``[0, 1]``).
    n_startup_steps
        No pruning until this many steps are paired with the best trial (at least 2 are
        always needed).

    Raises
    ------
    ValueError
        If ``p_threshold`` is outside ``[0, 1]`` or ``n_startup_steps`` is negative.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        warnings.warn(
            "WilcoxonPruner is experimental (supported from v3.6.0). "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        p_threshold = _check_float("p_threshold", p_threshold)
        n_startup_steps = _check_int("n_startup_steps", n_startup_steps)
        if n_startup_steps < 0:
            raise ValueError(f"n_startup_steps must be nonnegative but got {n_startup_steps}.")
        if not 0.0 <= p_threshold <= 1.0:
            raise ValueError(f"p_threshold must be between 0 and 1 but got {p_threshold}.")
        self._n_startup_steps = n_startup_steps
        self._p_threshold = p_threshold

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if the trial is significantly worse than the best trial."""
        if not trial.intermediate_values:
            return False
        steps = np.fromiter(trial.intermediate_values.keys(), dtype=np.float64)
        values = np.fromiter(trial.intermediate_values.values(), dtype=np.float64)
        if not np.isfinite(values).all():
            warnings.warn(
                f"The intermediate values of the current trial (trial {trial.number}) "
                "contain infinity/NaNs. WilcoxonPruner will not prune this trial.",
                UserWarning,
                stacklevel=2,
            )
            return False
        best = _best_trial(study)
        if best is None:
            return False
        if not best.intermediate_values:
            warnings.warn(
                "The best trial has no intermediate values so WilcoxonPruner cannot prune "
                "trials. If you have added the best trial with Study.add_trial, please "
                "consider setting intermediate_values argument.",
                UserWarning,
                stacklevel=2,
            )
            return False
        best_steps = np.fromiter(best.intermediate_values.keys(), dtype=np.float64)
        best_values = np.fromiter(best.intermediate_values.values(), dtype=np.float64)
        if not np.isfinite(best_values).all():
            warnings.warn(
                f"The intermediate values of the best trial (trial {best.number}) "
                "contain infinity/NaNs. WilcoxonPruner will not prune the current trial.",
                UserWarning,
                stacklevel=2,
            )
            return False
        _, idx, best_idx = np.intersect1d(steps, best_steps, return_indices=True)
        if idx.shape[0] < values.shape[0]:
            warnings.warn(
                "WilcoxonPruner finds steps existing in the current trial "
                "but does not exist in the best trial. Those values are ignored.",
                UserWarning,
                stacklevel=2,
            )
        diff = values[idx] - best_values[best_idx]
        if diff.shape[0] < max(2, self._n_startup_steps):
            return False

        # Running means summed in report order, as Optuna does (sequential, not pairwise).
        best_mean = _seq_mean(best.intermediate_values.values())
        mean = _seq_mean(trial.intermediate_values.values())
        if study.direction == StudyDirection.MAXIMIZE:
            alternative = "less"
            average_is_best = best_mean <= mean
        else:
            alternative = "greater"
            average_is_best = best_mean >= mean

        from scipy import stats  # optional dependency, as in Optuna

        p = float(stats.wilcoxon(diff, alternative=alternative, zero_method="zsplit").pvalue)
        if p < self._p_threshold and average_is_best:
            # The test says worse, but the best trial's mean is not better than this
            # trial's: do not prune for now.
            return False
        return p < self._p_threshold


def _seq_mean(values: Iterable[float]) -> float:
    vals = list(values)
    total = 0.0
    for v in vals:
        total += v
    return total / len(vals)
