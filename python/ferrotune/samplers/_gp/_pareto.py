"""Pareto front and the box decomposition of the non-dominated region for logEHVI.

Optuna's LogEHVI (Daulton et al. 2020, eq. 1) sums, over boxes that partition the region
no observed point dominates (bounded by a reference point), the volume of each box the
candidate dominates. Here the region is cut along the sorted coordinates of the first
``M - 1`` objectives; in each cell it extends along the last objective from ``-inf`` to
the lowest last coordinate among the points that dominate the cell (the exact 2-D
staircase for two objectives, ``(k + 1)^(M-1)`` boxes in general). The axes are taken in
reverse order so that for two objectives the boxes are exactly Optuna's: with the
``EPS`` floor of each box term, logEHVI far from any improvement depends on the partition.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
EPS = 1e-12


def pareto_mask(loss: FloatArray) -> BoolArray:
    """Rows of ``loss`` (minimised) that no other row dominates (duplicates all kept)."""
    n = len(loss)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        dominated = np.all(loss[i] <= loss, axis=1) & np.any(loss[i] < loss, axis=1)
        mask &= ~dominated
    return mask


def reference_point(loss: FloatArray) -> FloatArray:
    """Optuna's reference point: 10% beyond the worst value of each objective."""
    worst = np.max(loss, axis=0)
    ref: FloatArray = np.nextafter(np.maximum(1.1 * worst, 0.9 * worst), np.inf)
    return ref


def box_bounds(y: FloatArray, ref: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Lower bounds and widths (floored at EPS) of the boxes, in the maximised convention.

    Parameters
    ----------
    y
        ``(n, M)`` standardised values to be maximised.
    ref
        Reference point in loss space (``-y``); default :func:`reference_point` of ``-y``.
    """
    loss = -np.asarray(y, dtype=np.float64)
    ref = reference_point(loss) if ref is None else ref
    loss = loss[np.all(loss < ref, axis=1)][:, ::-1]
    ref = ref[::-1]
    front = loss[pareto_mask(loss)]
    n_obj = loss.shape[1]
    grids = [np.concatenate([[-np.inf], np.unique(front[:, k])]) for k in range(n_obj - 1)]
    uppers = [np.concatenate([g[1:], [ref[k]]]) for k, g in enumerate(grids)]
    lbs: list[list[float]] = []
    ubs: list[list[float]] = []
    for idx in itertools.product(*(range(len(g)) for g in grids)):
        lower = np.array([grids[k][i] for k, i in enumerate(idx)])
        upper = np.array([uppers[k][i] for k, i in enumerate(idx)])
        dominating = np.all(front[:, : n_obj - 1] <= lower, axis=1)
        top = float(np.min(front[dominating, -1])) if dominating.any() else float(ref[-1])
        lbs.append([*lower, -np.inf])
        ubs.append([*upper, top])
    lb, ub = np.array(lbs)[:, ::-1], np.array(ubs)[:, ::-1]
    lower_max = -ub
    intervals = np.maximum(ub - lb, EPS)
    return np.ascontiguousarray(lower_max), np.ascontiguousarray(intervals)


def per_sample_box_bounds(y: FloatArray, fantasies: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Boxes of ``y`` plus each sample's fantasies (``(S, r, M)``), padded to ``(S, B, M)``
    with inert boxes (lower 0, width EPS) as Optuna's qLogEHVI pads them; the reference
    point comes from ``y`` alone."""
    ref = reference_point(-np.asarray(y, dtype=np.float64))
    boxes = [box_bounds(np.vstack([y, f]), ref) for f in fantasies]
    n_boxes = max(len(lb) for lb, _ in boxes)
    n_obj = y.shape[1]
    lower = np.zeros((len(boxes), n_boxes, n_obj))
    widths = np.full((len(boxes), n_boxes, n_obj), EPS)
    for s, (lb, iv) in enumerate(boxes):
        lower[s, : len(lb)] = lb
        widths[s, : len(iv)] = iv
    return lower, widths
