"""Multi-objective helpers shared by importance and visualization, on the Rust core.

Non-domination ranks, exact hypervolume (O(n log n) in 2-D and 3-D, WFG above) and the
greedy hypervolume subset selection (Guerreiro et al. 2016, "Greedy Hypervolume Subset
Selection in Low Dimensions") used to break ties inside a non-domination rank, as Optuna's
TPE does (``rust/core/src/multiobjective/``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ferrotune import _core

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EPS = 1e-12


def _matrix(loss: FloatArray) -> FloatArray:
    return np.ascontiguousarray(loss, dtype=np.float64)


def non_domination_ranks(loss: FloatArray, n_below: int | None = None) -> IntArray:
    """Rank of each row (0 = Pareto front) for minimised ``loss`` (n, m).

    Ranks are exact up to the front that brings the ranked rows to at least ``n_below``
    (all of them with ``None``); the rest get a larger rank (enough to select the best
    ``n_below``), as Optuna's ``_fast_non_domination_rank``.
    """
    if loss.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    return _core.nondomination_rank(_matrix(loss), n_below or 0)


def hypervolume(points: FloatArray, reference: FloatArray) -> float:
    """Hypervolume dominated by ``points`` (n, m) and bounded by ``reference`` (minimisation).

    Points not strictly better than ``reference`` in every objective add nothing.
    """
    ref = np.ascontiguousarray(reference, dtype=np.float64)
    return _core.hypervolume(_matrix(points).reshape(-1, ref.shape[0]), ref)


def reference_point(loss: FloatArray) -> FloatArray:
    """Optuna's reference point: the worst point pushed outwards by 10%."""
    worst = np.max(loss, axis=0)
    ref: FloatArray = np.maximum(1.1 * worst, 0.9 * worst)
    ref[ref == 0] = _EPS
    return ref


def greedy_hssp(loss: FloatArray, subset_size: int, reference: FloatArray) -> IntArray:
    """Indices of ``subset_size`` rows chosen greedily by hypervolume contribution.

    Among duplicates the first row counts; when fewer rows are unique than asked, every
    unique row and then the first duplicates are taken (Optuna's ``_solve_hssp``).
    """
    n = loss.shape[0]
    if subset_size >= n:
        return np.arange(n, dtype=np.int64)
    unique_loss, first = np.unique(loss, axis=0, return_index=True)
    if first.size < subset_size:
        chosen = np.zeros(n, dtype=bool)
        chosen[first] = True
        chosen[np.flatnonzero(~chosen)[: subset_size - first.size]] = True
        return np.flatnonzero(chosen).astype(np.int64)
    ref = np.ascontiguousarray(reference, dtype=np.float64)
    picked = _core.solve_hssp(_matrix(unique_loss), subset_size, ref)
    return first[picked].astype(np.int64)


def select_best(loss: FloatArray, n_below: int) -> IntArray:
    """Rows of the best ``n_below`` by non-domination rank, HSSP breaking the last rank."""
    return _core.select_below(_matrix(loss), max(n_below, 0))
