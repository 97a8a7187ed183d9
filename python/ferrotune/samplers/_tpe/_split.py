"""Split the finished trials into TPE's "below" (good) and "above" (bad) sets.

Same ordering rules as Optuna 5.0's ``_split_trials``, on the columnar history with O(n)
numpy work (partial selection instead of full sorts):

1. feasible COMPLETE trials by objective value (multi-objective: non-domination rank,
   ties at the boundary broken by greedy hypervolume subset selection, in Rust:
   ``_core.select_below``);
2. then feasible PRUNED trials by (-last step, last intermediate value);
3. then infeasible trials by total constraint violation.

Ties are broken by trial number (Optuna's stable sort over trials in number order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Plain ints: comparing an int8 array with an IntEnum member is ~10x slower.
_COMPLETE = int(TrialState.COMPLETE)
_PRUNED = int(TrialState.PRUNED)


def smallest_k(keys: FloatArray, numbers: IntArray, k: int) -> IntArray:
    """Positions of the ``k`` smallest ``keys``, ties broken by smaller ``numbers``."""
    n = keys.shape[0]
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    threshold = np.partition(keys, k - 1)[k - 1]
    candidates = np.flatnonzero(keys <= threshold)
    if candidates.shape[0] > k:
        order = np.lexsort((numbers[candidates], keys[candidates]))
        candidates = candidates[order[:k]]
    return candidates.astype(np.int64)


def _lexsmallest_k(
    primary: FloatArray, secondary: FloatArray, numbers: IntArray, k: int
) -> IntArray:
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    order: IntArray = np.lexsort((numbers, secondary, primary)).astype(np.int64)
    return order[:k]


def split_multi_objective(loss: FloatArray, n_below: int) -> IntArray:
    """Positions of the ``n_below`` best rows of ``loss`` (minimised, in trial order).

    Whole fronts by non-domination rank, the first front that does not fit broken by
    greedy hypervolume subset selection (Optuna 5.0's MOTPE split, in Rust).
    """
    return _core.select_below(np.ascontiguousarray(loss, dtype=np.float64), max(n_below, 0))


def split_history(
    history: TrialHistory, n_below: int, minimize: list[bool]
) -> tuple[IntArray, BoolArray]:
    """Return ``(below_rows, above_mask)`` over the history rows.

    ``above_mask`` marks COMPLETE/PRUNED rows that are not below; FAIL rows are in neither.
    """
    states = history.states
    numbers = history.numbers
    complete = states == _COMPLETE
    pruned = states == _PRUNED
    considered = complete | pruned
    violation = history.constraint_violation
    if len(minimize) == 1 and not pruned.any() and np.isnan(violation).all():
        # The common case (one objective, no pruned or constrained trials): the k best
        # complete trials, without the bookkeeping of the general path below.
        rows = np.flatnonzero(complete)
        loss = history.values[rows, 0]
        picked = smallest_k(loss if minimize[0] else -loss, numbers[rows], min(n_below, len(rows)))
        below_rows = rows[picked]
        mask = complete.copy()
        mask[below_rows] = False
        return below_rows, mask
    with np.errstate(invalid="ignore"):
        infeasible = considered & (violation > 0)
    below_parts: list[IntArray] = []

    rows_c = np.flatnonzero(complete & ~infeasible)
    if len(minimize) > 1:
        # Trial order: HSSP's duplicate fill and first-occurrence picks follow it.
        rows_c = rows_c[np.argsort(numbers[rows_c], kind="stable")]
    k = min(n_below, rows_c.shape[0])
    if k > 0:
        loss = np.array(history.values[rows_c], dtype=np.float64)
        sign = np.where(np.asarray(minimize), 1.0, -1.0)
        loss *= sign
        if loss.shape[1] == 1:
            picked = smallest_k(loss[:, 0], numbers[rows_c], k)
        else:
            picked = split_multi_objective(loss, k)
        below_parts.append(rows_c[picked])
    n_below -= k

    if n_below > 0:
        rows_p = np.flatnonzero(pruned & ~infeasible)
        if rows_p.size:
            step = history.last_step[rows_p]
            inter = history.last_intermediate[rows_p].astype(np.float64)
            has = step >= 0
            key1 = np.where(has, -step, 1).astype(np.float64)
            signed = inter if minimize[0] else -inter
            key2 = np.where(has, np.where(np.isnan(inter), np.inf, signed), 0.0)
            picked = _lexsmallest_k(key1, key2, numbers[rows_p], min(n_below, rows_p.shape[0]))
            below_parts.append(rows_p[picked])
            n_below -= picked.shape[0]

    if n_below > 0:
        rows_i = np.flatnonzero(infeasible)
        if rows_i.size:
            v = violation[rows_i]
            picked = smallest_k(v, numbers[rows_i], min(n_below, rows_i.shape[0]))
            below_parts.append(rows_i[picked])

    below = (
        np.concatenate(below_parts).astype(np.int64)
        if below_parts
        else np.empty(0, dtype=np.int64)
    )
    above_mask = considered.copy()
    above_mask[below] = False
    return below, above_mask
