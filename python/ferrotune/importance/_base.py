"""Base evaluator and the shared data preparation of importance evaluators.

Trials are read through the study's columnar :class:`~ferrotune.storages._history.TrialHistory`:
parameter columns come out as float arrays in internal representation, so encoding thousands of
trials for a forest is a few numpy operations rather than a loop over trial objects.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.search_space import intersection_search_space
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Target = Callable[[FrozenTrial], float]


class BaseImportanceEvaluator(abc.ABC):
    """Abstract parameter importance evaluator."""

    @abc.abstractmethod
    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """Evaluate parameter importances from the completed trials of ``study``.

        Parameters
        ----------
        study
            An optimized study.
        params
            Names of the parameters to assess; ``None`` for the default set of the evaluator.
        target
            Value to explain, computed from each trial; defaults to the objective value
            (required for multi-objective studies except with PED-ANOVA).

        Returns
        -------
        dict[str, float]
            Importance per parameter, ordered from most to least important.
        """
        raise NotImplementedError


def _check_params_arg(params: Sequence[str] | None) -> None:
    if params is None:
        return
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"Parameters must be specified as a list. Actual parameters: {params}.")
    if any(not isinstance(p, str) for p in params):
        raise TypeError(
            "Parameters must be specified by their names with strings. "
            f"Actual parameters: {params}."
        )


def _complete_rows(study: Study) -> IntArray:
    """History rows of COMPLETE trials, ordered by trial number (Optuna's trial order)."""
    history = study._get_trial_history()
    rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
    return rows[np.argsort(history.numbers[rows], kind="stable")]


def _get_distributions(study: Study, params: list[str] | None) -> dict[str, BaseDistribution]:
    """Search space of forest-based evaluators (Optuna's ``_get_distributions``)."""
    _check_params_arg(params)
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if params is None:
        return intersection_search_space(completed)
    if len(params) == 0:
        return {}
    distributions: dict[str, BaseDistribution] | None = None
    for trial in completed:
        trial_dists = trial.distributions
        if not all(name in trial_dists for name in params):
            continue
        if distributions is None:
            distributions = {n: d for n, d in trial_dists.items() if n in params}
        elif any(trial_dists[n] != d for n, d in distributions.items()):
            raise ValueError(
                "Parameters importances cannot be assessed with dynamic search spaces if "
                f"parameters are specified. Specified parameters: {params}."
            )
    if distributions is None:
        raise ValueError(
            "Study must contain completed trials with all specified parameters. "
            f"Specified parameters: {params}."
        )
    return dict(sorted(distributions.items()))


def _target_values(study: Study, rows: IntArray, target: Target | None) -> FloatArray:
    history = study._get_trial_history()
    if target is None:
        return np.array(history.values[rows, 0], dtype=np.float64)
    trials = history.trials
    return np.array([target(trials[r]) for r in rows], dtype=np.float64)


def _require_target_for_multi_objective(study: Study, target: Target | None) -> None:
    if target is None and study._is_multi_objective():
        raise ValueError(
            "If the `study` is being used for multi-objective optimization, "
            "please specify the `target`. For example, use "
            "`target=lambda t: t.values[0]` for the first objective value."
        )


# Beyond these magnitudes the forests' variances (squares of sums of targets) overflow
# to inf, or underflow to 0, and the importances come out NaN.
_TARGET_SCALE_RANGE = (2.0**-400, 2.0**400)


def _rescaled(y: FloatArray) -> FloatArray:
    """``y`` scaled by a power of two so its largest magnitude is near 1 when it is huge
    (values near +-1e308) or tiny; importances are ratios of variances, so they do not
    change, and a power of two keeps every value exact. Ordinary ranges are untouched."""
    if y.size == 0:
        return y
    peak = float(np.max(np.abs(y)))
    low, high = _TARGET_SCALE_RANGE
    if peak == 0.0 or low <= peak <= high:
        return y
    return np.ldexp(y, -math.frexp(peak)[1])


def _encoded_matrix(
    study: Study, distributions: dict[str, BaseDistribution], target: Target | None
) -> tuple[FloatArray, FloatArray, FloatArray, list[list[int]]]:
    """Encode the completed trials that have every parameter and a finite target.

    Returns ``(x, y, bounds, groups)``: numeric parameters keep their raw value (no log
    transform, as Optuna's forests), categoricals are one-hot encoded with bounds ``(0, 1)``;
    ``groups[i]`` lists the encoded columns of the ``i``-th parameter.
    """
    history = study._get_trial_history()
    rows = _complete_rows(study)
    columns = {name: history.param(name)[rows] for name in distributions}
    keep = np.ones(rows.size, dtype=bool)
    for column in columns.values():
        keep &= ~np.isnan(column)
    rows = rows[keep]
    y = _target_values(study, rows, target)
    finite = np.isfinite(y)
    rows, y = rows[finite], _rescaled(y[finite])
    blocks: list[FloatArray] = []
    bounds: list[tuple[float, float]] = []
    groups: list[list[int]] = []
    for name, dist in distributions.items():
        values = columns[name][keep][finite]
        start = len(bounds)
        if isinstance(dist, CategoricalDistribution):
            n_choices = len(dist.choices)
            blocks.append(np.eye(n_choices)[values.astype(np.int64)])
            bounds.extend([(0.0, 1.0)] * n_choices)
        else:
            blocks.append(values[:, None])
            bounds.append((float(dist.low), float(dist.high)))  # type: ignore[attr-defined]
        groups.append(list(range(start, len(bounds))))
    x = np.hstack(blocks) if blocks else np.empty((rows.size, 0))
    return np.ascontiguousarray(x, dtype=np.float64), y, np.array(bounds, dtype=np.float64), groups


def _resolve_seed(seed: int | None) -> int:
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int or None, but got {seed!r}.")
    return int(seed) % (2**64)


def _check_positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, but got {value!r}.")
    return int(value)


def _sort_by_importance(importances: dict[str, float]) -> dict[str, float]:
    """Descending order; ties keep the reverse of the insertion order, as Optuna."""
    return dict(reversed(sorted(importances.items(), key=lambda item: item[1])))
