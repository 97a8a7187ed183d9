"""Percentile (and median) stopping rule over the intermediate values of completed trials.

A decision at step ``s`` needs a percentile of the values that COMPLETE trials reported at
``s``. Those values come from the study's columnar :class:`TrialHistory`
(``intermediate_at(s)``): for each step we keep a sorted array of the completed trials'
non-NaN values and fold in, with numpy, only the column entries added since the last
decision at that step. A decision is then O(1) plus O(new entries), never a loop over
trial objects.
"""

from __future__ import annotations

import bisect
import math
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ferrotune.pruners._base import BasePruner
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

_COMPLETE = int(TrialState.COMPLETE)
_SCALAR_FOLD = 8  # folds of up to this many new column entries skip numpy's call overhead


# -- argument validation shared by the pruners ------------------------------------------------
def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an int, but got {name}={value!r}.")
    return int(value)


def _check_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a float, but got {name}={value!r}.")
    return float(value)


# -- helpers on the running trial's own values --------------------------------------------------
def _nan_best(values: Iterable[float], maximize: bool) -> float:
    """``np.nanmax``/``np.nanmin`` of a trial's values (NaN when all are NaN), warning-free."""
    vals = list(values)
    total = sum(vals)
    if total == total:  # no NaN (inf - inf also lands in the slow path, which is exact)
        return float(max(vals)) if maximize else float(min(vals))
    arr = np.asarray(vals, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return math.nan
    return float(arr.max()) if maximize else float(arr.min())


def _is_first_in_interval_step(
    step: int, steps: Iterable[int], n_warmup_steps: int, interval_steps: int
) -> bool:
    """Whether ``step`` is the first reported step of its pruning interval."""
    nearest_lower = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    if interval_steps == 1:
        return True  # nearest_lower == step, and every other reported step is smaller
    second_last = max((s for s in steps if s != step), default=-1)
    return second_last < nearest_lower


# -- numpy's "linear" percentile on a sorted array ----------------------------------------------
def _sorted_percentile(sorted_values: Sequence[float], percentile: float) -> float:
    """``np.percentile(values, percentile)`` of an ascending NaN-free array, bit for bit.

    Follows numpy's method 7 (Hyndman & Fan 1996): virtual index ``(n - 1) q`` and the
    two-sided ``lerp`` numpy uses (``b - (b - a)(1 - g)`` when ``g >= 0.5``).
    """
    n = len(sorted_values)
    if n == 0:
        return math.nan
    q = percentile / 100
    virtual = (n - 1) * q
    if virtual >= n - 1:
        lo = hi = n - 1
        gamma = virtual + 1.0  # numpy subtracts the clamped index (-1)
    else:
        lo = math.floor(virtual)
        hi = lo + 1
        gamma = virtual - lo
    a = sorted_values[lo]
    b = sorted_values[hi]
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1 - gamma)
    return a + diff * gamma


class _StepValues:
    """Completed trials' values at one step: how many (NaN included) and the sorted non-NaN."""

    __slots__ = ("consumed", "count", "sorted")

    def __init__(self) -> None:
        self.consumed = 0  # entries of the history column already folded in
        self.count = 0
        self.sorted: list[float] = []


class _CompletedIndex:
    """Per-history cache of :class:`_StepValues`, filled lazily step by step."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps: dict[int, _StepValues] = {}

    def at(self, history: TrialHistory, step: int) -> _StepValues:
        rows, values = history.intermediate_at(step)
        with self.lock:
            entry = self.steps.get(step)
            if entry is None:
                entry = self.steps[step] = _StepValues()
            n_rows = rows.shape[0]
            start = entry.consumed
            if start < n_rows:
                states = history.states
                if n_rows - start <= _SCALAR_FOLD:
                    # Typically the one or two trials that finished since the last decision.
                    new_values = [
                        v
                        for r, v in zip(rows[start:].tolist(), values[start:].tolist())
                        if states[r] == _COMPLETE
                    ]
                else:
                    # Vectorised over the column entries added since the last fold.
                    picked = states[rows[start:]] == _COMPLETE
                    new_values = values[start:][picked].tolist()
                if new_values:
                    entry.count += len(new_values)
                    ordered = entry.sorted
                    for v in new_values:
                        if v == v:  # NaN values count for n_min_trials but not the percentile
                            bisect.insort(ordered, v)
                entry.consumed = n_rows
            return entry


_INDEXES: weakref.WeakKeyDictionary[TrialHistory, _CompletedIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


# The last history used and its index: a study's decisions skip the weak-dict lookup.
_LAST: tuple[weakref.ref[TrialHistory], _CompletedIndex] | None = None


def _completed_index(history: TrialHistory) -> _CompletedIndex:
    global _LAST
    history = history.root  # one index per live history, shared by its snapshots
    last = _LAST
    if last is not None and last[0]() is history:
        return last[1]
    index = _INDEXES.get(history)
    if index is None:
        with _INDEXES_LOCK:
            index = _INDEXES.get(history)
            if index is None:
                index = _INDEXES[history] = _CompletedIndex()
    _LAST = (weakref.ref(history), index)
    return index


def _percentile_over_completed(
    history: TrialHistory, step: int, percentile: float, n_min_trials: int
) -> float:
    """Percentile of the COMPLETE trials' values at ``step`` (NaN if fewer than the minimum)."""
    entry = _completed_index(history).at(history, step)
    if entry.count < n_min_trials:
        return math.nan
    return _sorted_percentile(entry.sorted, percentile)


class PercentilePruner(BasePruner):
    """Prune a trial whose best value so far is outside the given percentile of the others.

    At a pruning step, the trial's best intermediate value over all its steps is compared
    with the ``percentile``-th percentile of the values that COMPLETE trials reported at the
    same step (the top ``percentile`` percent are kept).

    Parameters
    ----------
    percentile
        Percentile in ``[0, 100]``; e.g. 25.0 keeps the top 25 % of trials.
    n_startup_trials
        No pruning until this many trials have completed.
    n_warmup_steps
        No pruning before this step (steps start at 0).
    interval_steps
        Steps between pruning checks, counted from ``n_warmup_steps``; a check without a
        value reported at its step is postponed to the next reported step.
    n_min_trials
        Minimum number of completed trials that reported the current step.

    Raises
    ------
    ValueError
        If a value is out of range.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        percentile = _check_float("percentile", percentile)
        n_startup_trials = _check_int("n_startup_trials", n_startup_trials)
        n_warmup_steps = _check_int("n_warmup_steps", n_warmup_steps)
        interval_steps = _check_int("interval_steps", interval_steps)
        n_min_trials = _check_int("n_min_trials", n_min_trials)
        if not 0.0 <= percentile <= 100:
            raise ValueError(
                f"Percentile must be between 0 and 100 inclusive, but got {percentile=}."
            )
        if n_startup_trials < 0:
            raise ValueError(
                f"Number of startup trials cannot be negative, but got {n_startup_trials=}."
            )
        if n_warmup_steps < 0:
            raise ValueError(
                f"Number of warmup steps cannot be negative, but got {n_warmup_steps=}."
            )
        if interval_steps < 1:
            raise ValueError(
                f"Pruning interval steps must be at least 1, but got {interval_steps=}."
            )
        if n_min_trials < 1:
            raise ValueError(
                f"Number of trials for pruning must be at least 1, but got {n_min_trials=}."
            )
        self._percentile = percentile
        self._n_startup_trials = n_startup_trials
        self._n_warmup_steps = n_warmup_steps
        self._interval_steps = interval_steps
        self._n_min_trials = n_min_trials

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if ``trial`` should be pruned at its last reported step."""
        history = study._get_trial_history()
        n_complete = history.count(TrialState.COMPLETE)
        if n_complete == 0 or n_complete < self._n_startup_trials:
            return False
        intermediate = trial.intermediate_values
        if not intermediate:
            return False
        step = max(intermediate)
        n_warmup_steps = self._n_warmup_steps
        if step < n_warmup_steps:
            return False
        if self._interval_steps != 1 and not _is_first_in_interval_step(
            step, intermediate.keys(), n_warmup_steps, self._interval_steps
        ):
            return False
        maximize = study.direction == StudyDirection.MAXIMIZE
        best = _nan_best(intermediate.values(), maximize)
        if math.isnan(best):
            return True
        percentile = 100 - self._percentile if maximize else self._percentile
        p = _percentile_over_completed(history, step, percentile, self._n_min_trials)
        if math.isnan(p):
            return False
        return best < p if maximize else best > p
