"""PED-ANOVA importance (Watanabe et al., IJCAI 2023) with conditional parameters (KDD 2026).

For a parameter, the importance of reaching the top ``gamma'`` quantile inside the top
``gamma`` region is the Pearson divergence between the parameter's density in the top set and
in the region (PED-ANOVA, Theorem 1), each density a Parzen estimator with Scott's bandwidth on
a grid. Conditional parameters are split into regimes (one per distribution the parameter had,
plus "inactive"), each regime weighted by ``alpha_i^2 / beta_i`` (Conditional PED-ANOVA,
Theorem 4.2 / Algorithm 1); the sum is scaled by ``(gamma' / gamma)^2``.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ferrotune import _core
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.importance._base import (
    BaseImportanceEvaluator,
    FloatArray,
    IntArray,
    Target,
    _check_params_arg,
    _complete_rows,
    _sort_by_importance,
)
from ferrotune.importance._multi_objective import select_best
from ferrotune.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from ferrotune.study import Study


def _grid_counts(values: FloatArray, dist: BaseDistribution, n_steps: int) -> IntArray:
    """Histogram of parameter values on the evaluation grid of ``dist``."""
    if isinstance(dist, CategoricalDistribution):
        return np.bincount(values.astype(np.int64), minlength=len(dist.choices))
    if not isinstance(dist, (FloatDistribution, IntDistribution)):
        raise TypeError(f"Unsupported distribution {dist!r}.")
    if isinstance(dist, IntDistribution) and dist.log:
        n_steps = min(math.ceil(math.log(dist.high - dist.low + 1) / math.log(2)) + 1, n_steps)
    elif dist.step is not None:
        n_steps = min(round((dist.high - dist.low) / dist.step) + 1, n_steps)
    low, high = float(dist.low), float(dist.high)
    if dist.log:
        low, high, values = math.log(low), math.log(high), np.log(values)
    step_size = (high - low) / (n_steps - 1)
    # Midpoint ties go to the lower grid point.
    indices = np.ceil((values - low) / step_size - 0.5).astype(np.int64)
    return np.bincount(np.clip(indices, 0, n_steps - 1), minlength=n_steps)


def _scott_pdf(counts: IntArray, categorical: bool, prior_weight: float) -> FloatArray:
    """Density on grid points ``0..G-1`` of a Parzen estimator built from grid ``counts``."""
    grid_size = counts.size
    observations = np.flatnonzero(counts)
    weights = counts[observations].astype(np.float64)
    if observations.size == 0:
        return np.full(grid_size, 1.0 / grid_size)
    mixture = np.append(weights, prior_weight)
    mixture /= mixture.sum()
    if categorical:
        n_kernels = observations.size + 1
        table = np.full((n_kernels, grid_size), prior_weight / n_kernels)
        table[np.arange(observations.size), observations] += 1.0
        sums = table.sum(axis=1, keepdims=True)
        table /= np.where(sums == 0, 1.0, sums)
        return np.asarray(mixture @ table, dtype=np.float64)
    obs = observations.astype(np.float64)
    cum = np.cumsum(counts[observations])
    total = int(cum[-1])
    mean = float(obs @ weights) / total
    sigma = math.sqrt(float(((obs - mean) ** 2) @ weights) / max(1, total - 1))
    q1 = int(np.searchsorted(cum, total // 4, side="left"))
    q3 = int(np.searchsorted(cum, total * 3 // 4, side="right"))
    iqr = obs[min(obs.size - 1, q3)] - obs[q1]
    # Scott's rule (Scott 1992) with the robust spread min(IQR / 1.34, sigma).
    sigma = 1.059 * min(iqr / 1.34, sigma) * total**-0.2
    sigma = max(sigma, 0.5 / 1.64)  # 1.64 sigma (90%) fits in one grid cell at least
    low, high = 0.0, float(grid_size - 1)
    mus = np.append(obs, (low + high) / 2.0)
    sigmas = np.append(np.full(obs.size, sigma), high - low + 1.0)
    grid = np.arange(grid_size, dtype=np.float64)
    # Discretised truncated normals: mass of [x - 1/2, x + 1/2] over [low - 1/2, high + 1/2].
    a = ((grid[:, None] - 0.5) - mus) / sigmas
    b = ((grid[:, None] + 0.5) - mus) / sigmas
    log_mass = _core.log_gauss_mass(a.ravel(), b.ravel()).reshape(a.shape)
    log_norm = _core.log_gauss_mass((low - 0.5 - mus) / sigmas, (high + 0.5 - mus) / sigmas)
    return np.asarray(np.exp(log_mass - log_norm) @ mixture, dtype=np.float64)


def _partition_by_distribution(
    objects: list[BaseDistribution | None],
) -> dict[BaseDistribution | None, IntArray]:
    """Positions grouped by equal distribution (``None``: parameter inactive), in order of
    first appearance. Trials usually share distribution objects, so rows are grouped by
    object identity first and only the distinct objects are compared (hashing a distribution
    per trial would dominate the cost at 10^4 trials)."""
    ids = np.array([id(o) for o in objects], dtype=np.uint64)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    groups: dict[BaseDistribution | None, list[IntArray]] = {}
    for u in np.argsort(first, kind="stable"):
        groups.setdefault(objects[int(first[u])], []).append(np.flatnonzero(inverse == u))
    return {k: np.sort(np.concatenate(v)) for k, v in groups.items()}


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA importance evaluator (the default of :func:`get_param_importances`).

    Parameters
    ----------
    target_quantile
        ``gamma'``: importance of reaching the top ``target_quantile`` of trials.
    region_quantile
        ``gamma``: the region (top ``region_quantile`` of trials) in which importance is
        measured; ``1.0`` is the whole search space.
    evaluate_on_local
        Measure against the density of the region trials (``True``) or against the uniform
        density of the search space (``False``).

    Notes
    -----
    Lower ``target`` values are taken as better. For a multi-objective study without
    ``target``, the top trials are chosen by non-domination rank with a greedy hypervolume
    subset selection breaking ties, as multi-objective TPE does.
    """

    def __init__(
        self,
        *,
        target_quantile: float = 0.1,
        region_quantile: float = 1.0,
        evaluate_on_local: bool = True,
    ) -> None:
        if not 0.0 < target_quantile < region_quantile <= 1.0:
            raise ValueError(
                "condition 0.0 < `target_quantile` < `region_quantile` <= 1.0 must be "
                f"satisfied, but got {target_quantile=} and {region_quantile=}."
            )
        if region_quantile != 1.0 and not evaluate_on_local:
            warnings.warn(
                "If `evaluate_on_local` is False, `region_quantile` has no effect.",
                UserWarning,
                stacklevel=2,
            )
        self._target_quantile = target_quantile
        self._region_quantile = region_quantile
        self._evaluate_on_local = evaluate_on_local
        self._n_steps = 50
        self._prior_weight = 1.0
        self._min_n_trials_in_regime = 2

    def _top_rows(
        self,
        study: Study,
        loss: FloatArray,
        quantile: float,
        target: Target | None,
    ) -> IntArray:
        """Positions (into ``loss``) of the top ``quantile`` trials."""
        n = loss.shape[0]
        if quantile == 1.0:
            return np.arange(n)
        if study._is_multi_objective() and target is None:
            return select_best(loss, math.ceil(quantile * n))
        if target is not None:
            warnings.warn(
                f"{type(self).__name__} computes the importances of params to achieve low "
                "`target` values. If this is not what you want, please modify target, e.g., "
                "by multiplying the output by -1.",
                UserWarning,
                stacklevel=4,
            )
        flat = loss[:, 0]
        cutoff_index = math.ceil(quantile * n) - 1
        cutoff = float(np.partition(flat, cutoff_index)[cutoff_index])
        return np.flatnonzero(flat <= cutoff)

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        _check_params_arg(params)
        history = study._get_trial_history()
        rows = _complete_rows(study)
        present = [n for n in history.param_names if np.any(~np.isnan(history.param(n)[rows]))]
        if params is not None:
            missing = [p for p in params if p not in present]
            if missing:
                raise ValueError(
                    "Study must contain at least one completed trial for each specified "
                    f"parameter. Missing parameters: {missing}."
                )
            names = list(params)
        else:
            names = present
        # Loss values (lower is better) of trials with finite values.
        if target is None:
            loss = np.array(history.values[rows], dtype=np.float64)
            keep = np.all(np.isfinite(loss), axis=1)
            signs = [-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions]
            loss = loss * np.asarray(signs)
            if not study._is_multi_objective():
                loss = loss[:, :1]
        else:
            trials = history.trials
            loss = np.array([[target(trials[r])] for r in rows], dtype=np.float64).reshape(-1, 1)
            keep = np.isfinite(loss[:, 0])
        rows, loss = rows[keep], loss[keep]
        if rows.size <= 1:
            warnings.warn(
                "The number of trials is too small to compute importances. "
                "Parameter importances will be equal.",
                UserWarning,
                stacklevel=2,
            )
            return {n: 0.0 for n in names}
        target_pos = self._top_rows(study, loss, self._target_quantile, target)
        region_pos = self._top_rows(study, loss, self._region_quantile, target)
        if target_pos.size == region_pos.size:
            warnings.warn(
                "Target and region quantiles select the same set of trials. "
                "Parameter importances will be equal.",
                UserWarning,
                stacklevel=2,
            )
        if target_pos.size == 0:
            return {n: 0.0 for n in names}
        region_rows = rows[region_pos]
        in_target = np.isin(region_pos, target_pos)
        n_target, n_region = int(target_pos.size), int(region_rows.size)
        trials = history.trials
        region_dists = [trials[r].distributions for r in region_rows]
        importances = {n: 0.0 for n in names}
        for name in names:
            column = history.param(name)[region_rows]
            regimes = _partition_by_distribution([d.get(name) for d in region_dists])
            if any(len(v) < self._min_n_trials_in_regime for v in regimes.values()):
                warnings.warn(
                    f"Some regimes for parameter `{name}` have less than "
                    f"{self._min_n_trials_in_regime} trials. "
                    "The importance of the parameter may be inaccurate.",
                    UserWarning,
                    stacklevel=2,
                )
            for dist, idx in regimes.items():
                if idx.size < self._min_n_trials_in_regime or dist is None or dist.single():
                    continue
                top = idx[in_target[idx]]
                if top.size == 0:
                    continue
                alpha = top.size / n_target
                beta = idx.size / n_region
                importances[name] += (
                    alpha**2 / beta * self._divergence(dist, column[top], column[idx])
                )
        scale = (n_target / n_region) ** 2
        return _sort_by_importance({k: v * scale for k, v in importances.items()})

    def _divergence(self, dist: BaseDistribution, top: FloatArray, region: FloatArray) -> float:
        """Pearson divergence of the top density from the region (or uniform) density."""
        categorical = isinstance(dist, CategoricalDistribution)
        top_counts = _grid_counts(top, dist, self._n_steps)
        pdf_top = _scott_pdf(top_counts, categorical, self._prior_weight) + 1e-12
        if self._evaluate_on_local:
            region_counts = _grid_counts(region, dist, self._n_steps)
            pdf_local = _scott_pdf(region_counts, categorical, self._prior_weight) + 1e-12
        else:
            pdf_local = np.full(top_counts.size, 1.0 / top_counts.size)
        return float(pdf_local @ ((pdf_top / pdf_local - 1.0) ** 2))
