"""Columnar, append-only history of a study's finished trials.

Finished trials never change, so everything a sampler or pruner needs from them is kept
as growing numpy arrays: one row per finished trial (COMPLETE, PRUNED or FAIL), in the
order the trials finished. Storages hand finished trials to :meth:`TrialHistory.append`
(O(1)); :meth:`TrialHistory.sync` appends them to the row list (O(1) per trial), and the
arrays are written, row by row, the first time a reader asks for a column
(:meth:`TrialHistory.materialize`). Keeping the history is O(1) amortised per trial,
samplers never rebuild per-trial Python structures, and samplers that only look at the
trials themselves (CMA-ES reads one population at a time) never pay for the columns.
"""

from __future__ import annotations

import itertools
import math
import operator
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import SupportsIndex, overload

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import BaseDistribution
from ferrotune.trial._constraints import constraint_violation
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MIN_CAPACITY = 64
# Bound once: ``TrialState.X`` goes through the enum metaclass's ``__getattr__`` hook.
_COMPLETE = TrialState.COMPLETE


def _grow(array: np.ndarray, capacity: int, fill: float | int) -> np.ndarray:
    grown = np.full((capacity, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown


def _readonly(view: np.ndarray) -> np.ndarray:
    view.flags.writeable = False
    return view


class _StepColumn:
    """Rows and values reported at one step, growing by appends."""

    __slots__ = ("n", "rows", "values")

    def __init__(self) -> None:
        self.n = 0
        self.rows = np.empty(8, dtype=np.int64)
        self.values = np.empty(8, dtype=np.float64)

    def append(self, row: int, value: float) -> None:
        if self.n == self.rows.shape[0]:
            self.rows = _grow(self.rows, 2 * self.n, 0)
            self.values = _grow(self.values, 2 * self.n, 0.0)
        self.rows[self.n] = row
        self.values[self.n] = value
        self.n += 1


class TrialRows(Sequence[FrozenTrial]):
    """The first ``n`` items of a list that may keep growing."""

    __slots__ = ("_items", "_n")

    def __init__(self, items: list[FrozenTrial], n: int) -> None:
        self._items = items
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: SupportsIndex) -> FrozenTrial: ...

    @overload
    def __getitem__(self, index: slice) -> list[FrozenTrial]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> FrozenTrial | list[FrozenTrial]:
        if isinstance(index, slice):
            return [self._items[i] for i in range(*index.indices(self._n))]
        index = operator.index(index)
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError(f"row {index} out of range for {self._n} rows")
        return self._items[index]

    def __iter__(self) -> Iterator[FrozenTrial]:
        return itertools.islice(self._items, self._n)


class TrialHistory:
    """Append-only columnar record of finished trials.

    Attributes are read-only numpy views valid until the next :meth:`sync`; arrays only grow.

    Parameters
    ----------
    n_objectives
        Number of objective values per trial.
    """

    def __init__(self, n_objectives: int) -> None:
        self.n_objectives = n_objectives
        self._lock = threading.Lock()
        self._pending: list[FrozenTrial] = []
        self._trials: list[FrozenTrial] = []
        self._n = 0
        self._capacity = 0
        self._numbers = np.empty(0, dtype=np.int64)
        self._states = np.empty(0, dtype=np.int8)
        self._values = np.empty((0, n_objectives), dtype=np.float64)
        self._last_step = np.empty(0, dtype=np.int64)
        self._last_intermediate = np.empty(0, dtype=np.float64)
        self._violation = np.empty(0, dtype=np.float64)
        self._params: dict[str, FloatArray] = {}
        # First row of each parameter column, and the rows where its distribution changed.
        self._first_row: dict[str, int] = {}
        # Row of the newest column, and the columns as snapshots at or after that row see
        # them (shared by those snapshots; ``None`` once a column is added or grown).
        self._newest_column_row = -1
        self._params_shared: dict[str, FloatArray] | None = None
        self._dist_changes: dict[str, list[tuple[int, BaseDistribution]]] = {}
        self._last_dists: dict[str, BaseDistribution] | None = None
        self._steps: dict[int, _StepColumn] = {}
        # Rows written into the column arrays (``<= _n``; the rest are written on first read).
        self._n_cols = 0
        self._state_counts = [0] * len(TrialState)
        self._frozen = False
        # The last snapshot, handed out again until a trial is appended.
        self._snap: TrialHistory | None = None

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_snap"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._snap = None
        self._params_shared = None
        if "_newest_column_row" not in state:  # pickled before the shared columns
            self._newest_column_row = max(self._first_row.values(), default=-1)

    # -- writing ---------------------------------------------------------------------------
    def append(self, trial: FrozenTrial) -> None:
        """Queue a finished trial; it becomes a row at the next :meth:`sync`."""
        if self._frozen:
            raise RuntimeError("A TrialHistory snapshot is read-only: append to the storage's.")
        lock = self._lock
        lock.acquire()  # explicit: cheaper than ``with`` once per finished trial
        try:
            self._pending.append(trial)
            self._state_counts[trial.state] += 1
            self._snap = None
        finally:
            lock.release()

    def extend(self, trials: Iterable[FrozenTrial]) -> None:
        """Queue several finished trials."""
        for trial in trials:
            self.append(trial)

    def sync(self) -> TrialHistory:
        """Fold queued trials into the rows and return a consistent snapshot.

        The snapshot is a read-only ``TrialHistory`` whose rows stay fixed even if other
        threads finish trials meanwhile (all its arrays have the same ``n`` rows). It shares
        the arrays: taking it costs O(1), not O(n), and its columns are written on first read.
        """
        if self._frozen:
            return self
        if self._pending:
            self._fold()
        return self._snapshot()

    def _snapshot(self) -> TrialHistory:
        with self._lock:
            snap = self._snap
            if snap is not None and not self._pending:
                return snap
            snap = TrialHistory.__new__(TrialHistory)
            # Rows only: the column arrays are taken from the live history on first read
            # (:meth:`materialize`), so a sampler that never reads them never pays for them.
            snap.__dict__.update(
                n_objectives=self.n_objectives,
                _lock=self._lock,
                _pending=[],
                _trials=self._trials,
                _n=self._n,
                _n_cols=-1,  # no columns taken yet (even for zero rows)
                _params={},
                _state_counts=list(self._state_counts),
                _frozen=True,
                _snap=None,
                _origin=self,
            )
            if not self._pending:
                self._snap = snap
        return snap

    @property
    def root(self) -> TrialHistory:
        """The live history a snapshot was taken from (the history itself when live).

        Caches that fold rows in incrementally key on this: every snapshot of one history
        shares its rows, so the cache survives new snapshots.
        """
        origin: TrialHistory | None = self.__dict__.get("_origin") if self._frozen else None
        return origin if origin is not None else self

    def _fold(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            self._trials.extend(pending)
            self._n += len(pending)

    def materialize(self) -> TrialHistory:
        """Write every row of this history into the column arrays; return ``self``.

        Column readers call this; code that reads the private arrays directly (the TPE
        fast path) calls it first.
        """
        if self._n_cols >= self._n:
            return self
        if not self._frozen:
            self._write_columns(self._n)
            return self
        origin: TrialHistory = self.__dict__["_origin"]
        origin._write_columns(self._n)
        n = self._n
        with origin._lock:
            first_row = origin._first_row
            shared = origin._params_shared
            if shared is not None and origin._newest_column_row < n:
                # Every column started before row n and none grew since: the same mapping
                # as the last snapshot's (read-only), not a new one per trial.
                self._params = shared
            else:
                self._params = {
                    name: column for name, column in origin._params.items() if first_row[name] < n
                }
                if origin._newest_column_row < n:
                    origin._params_shared = self._params
            self._numbers = origin._numbers
            self._states = origin._states
            self._values = origin._values
            self._last_step = origin._last_step
            self._last_intermediate = origin._last_intermediate
            self._violation = origin._violation
            self._capacity = origin._capacity
            self._first_row = first_row
            self._dist_changes = origin._dist_changes
            self._steps = origin._steps
            self._n_cols = n  # last: other readers of this snapshot wait for the arrays
        return self

    def _write_columns(self, upto: int) -> None:
        """Write rows ``[_n_cols, upto)`` of the live history into the arrays."""
        with self._lock:
            start = self._n_cols
            if start >= upto:
                return
            if upto > self._capacity:
                self._reserve(max(upto, 2 * self._capacity, _MIN_CAPACITY))
            trials = self._trials
            for row in range(start, upto):
                self._write_row(row, trials[row])
            self._n_cols = upto

    def _reserve(self, capacity: int) -> None:
        self._numbers = _grow(self._numbers, capacity, -1)
        self._states = _grow(self._states, capacity, -1)
        self._values = _grow(self._values, capacity, math.nan)
        self._last_step = _grow(self._last_step, capacity, -1)
        self._last_intermediate = _grow(self._last_intermediate, capacity, math.nan)
        self._violation = _grow(self._violation, capacity, math.nan)
        for name, column in self._params.items():
            self._params[name] = _grow(column, capacity, math.nan)
        self._capacity = capacity
        self._params_shared = None  # its arrays are the old ones

    def _write_row(self, row: int, trial: FrozenTrial) -> None:
        self._numbers[row] = trial.number
        self._states[row] = trial.state
        values = trial.values
        if trial.state == _COMPLETE and values is not None:
            self._values[row] = values
        internal = trial._internal_params
        if internal is None:
            internal = {
                name: dist.to_internal_repr(trial.params[name])
                for name, dist in trial.distributions.items()
            }
        params = self._params
        for name, value in internal.items():
            column = params.get(name)
            if column is None:
                column = np.full(self._capacity, math.nan)
                params[name] = column
                self._first_row[name] = row
                self._newest_column_row = row
                self._params_shared = None
            column[row] = value
        dists = trial.distributions
        if dists != self._last_dists:  # C-level compare; identical objects in the usual case
            changes = self._dist_changes
            for name, dist in dists.items():
                seen = changes.get(name)
                if seen is None:
                    changes[name] = [(row, dist)]
                elif seen[-1][1] != dist:
                    seen.append((row, dist))
            self._last_dists = dists
        intermediate = trial.intermediate_values
        if intermediate:
            last = max(intermediate)
            self._last_step[row] = last
            self._last_intermediate[row] = intermediate[last]
            steps = self._steps
            for step, value in intermediate.items():
                column_s = steps.get(step)
                if column_s is None:
                    column_s = steps[step] = _StepColumn()
                column_s.append(row, value)
        if trial.system_attrs:
            self._violation[row] = constraint_violation(trial.system_attrs)

    # -- reading ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of synced rows."""
        return self._n

    def trials_from(self, start: int) -> list[FrozenTrial]:
        """Finished trials of rows ``[start, n)`` (shared references: do not mutate)."""
        return self._trials[start : self._n]

    def trials_at(self, rows: Sequence[int]) -> list[FrozenTrial]:
        """Finished trials of the given rows (shared references: do not mutate)."""
        if rows and not (min(rows) >= 0 and max(rows) < self._n):
            raise IndexError(f"rows {list(rows)} out of range for {self._n} rows")
        items = self._trials
        return [items[row] for row in rows]

    def count(self, state: TrialState) -> int:
        """Number of finished trials in ``state`` (including not yet synced ones)."""
        return self._state_counts[state]

    @property
    def numbers(self) -> IntArray:
        """Trial numbers, shape ``(n,)``."""
        return _readonly(self.materialize()._numbers[: self._n])

    @property
    def states(self) -> npt.NDArray[np.int8]:
        """Trial states as ``TrialState`` ints, shape ``(n,)``."""
        return _readonly(self.materialize()._states[: self._n])

    @property
    def values(self) -> FloatArray:
        """Objective values, shape ``(n, n_objectives)``; NaN unless COMPLETE."""
        return _readonly(self.materialize()._values[: self._n])

    @property
    def last_step(self) -> IntArray:
        """Last reported step per row, -1 when none."""
        return _readonly(self.materialize()._last_step[: self._n])

    @property
    def last_intermediate(self) -> FloatArray:
        """Intermediate value at the last step, NaN when none."""
        return _readonly(self.materialize()._last_intermediate[: self._n])

    @property
    def constraint_violation(self) -> FloatArray:
        """Sum of positive constraint values; NaN when the trial set no constraint."""
        return _readonly(self.materialize()._violation[: self._n])

    @property
    def param_names(self) -> list[str]:
        """Names of all parameters seen in finished trials."""
        return list(self.materialize()._params)

    def param(self, name: str) -> FloatArray:
        """Internal values of parameter ``name``, NaN where a trial lacks it."""
        column = self.materialize()._params.get(name)
        if column is None:
            return np.full(self._n, math.nan)
        return _readonly(column[: self._n])

    def distribution(self, name: str) -> BaseDistribution | None:
        """Last distribution seen for ``name``, or ``None``."""
        changes = self.materialize()._dist_changes.get(name)
        if changes is None:
            return None
        n = self._n
        for row, dist in reversed(changes):
            if row < n:
                return dist
        return None

    @property
    def trials(self) -> TrialRows:
        """Row-aligned finished trials (shared references: do not mutate)."""
        return TrialRows(self._trials, self._n)

    @property
    def steps(self) -> list[int]:
        """All steps at which some finished trial reported a value."""
        return list(self.materialize()._steps)

    def intermediate_at(self, step: int) -> tuple[IntArray, FloatArray]:
        """Rows that reported ``step`` and their values."""
        column = self.materialize()._steps.get(step)
        if column is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        rows, values, count = column.rows, column.values, column.n
        if count and rows[count - 1] >= self._n:  # rows synced after this snapshot
            count = int(np.searchsorted(rows[:count], self._n))
        return _readonly(rows[:count]), _readonly(values[:count])
