"""Asynchronous Successive Halving (Li et al., "A System for Massively Parallel
Hyperparameter Tuning", MLSys 2020, arXiv 1810.05934).

A trial reaching rung ``r`` (step ``min_resource * reduction_factor ** (s + r)``, with ``s``
the minimum early-stopping rate) records its value in the system attribute
``completed_rung_<r>`` and continues only if it is within the top ``1 / reduction_factor`` of
the values recorded at that rung so far.

The rung values of finished trials never change: they are folded, once per finished trial,
into sorted lists kept per study history, so a decision is a binary search plus a look at
the few running trials rather than a pass over all trials.
"""

from __future__ import annotations

import bisect
import math
import numbers
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._percentile import _check_int
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

_RUNNING = (TrialState.RUNNING,)
_RUNG_KEYS: list[str] = []


def _completed_rung_key(rung: int) -> str:
    while len(_RUNG_KEYS) <= rung:
        _RUNG_KEYS.append(f"completed_rung_{len(_RUNG_KEYS)}")
    return _RUNG_KEYS[rung]


def _rung_of_key(key: str) -> int | None:
    """``r`` for the key ``completed_rung_<r>`` (exactly as written by the pruner), else None."""
    if not key.startswith("completed_rung_"):
        return None
    suffix = key[15:]
    if not (suffix.isascii() and suffix.isdigit()) or str(int(suffix)) != suffix:
        return None
    return int(suffix)


def _current_rung(system_attrs: Mapping[str, Any]) -> int:
    rung = 0
    while _completed_rung_key(rung) in system_attrs:
        rung += 1
    return rung


class _RungIndex:
    """Sorted rung values of a history's finished trials, folded in as trials finish."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.consumed = 0
        self.rungs: list[list[float]] = []

    def sync(self, history: TrialHistory) -> list[list[float]]:
        with self.lock:
            n = history.n
            if self.consumed < n:
                trials = history.trials
                rungs = self.rungs
                for row in range(self.consumed, n):
                    for key, value in trials[row].system_attrs.items():
                        rung = _rung_of_key(key)
                        if rung is None:
                            continue
                        while len(rungs) <= rung:
                            rungs.append([])
                        bisect.insort(rungs[rung], float(value))
                self.consumed = n
            return self.rungs


_INDEXES: weakref.WeakKeyDictionary[TrialHistory, _RungIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def _rung_index(history: TrialHistory) -> _RungIndex:
    history = history.root  # one index per live history, shared by its snapshots
    index = _INDEXES.get(history)
    if index is None:
        with _INDEXES_LOCK:
            index = _INDEXES.get(history)
            if index is None:
                index = _INDEXES[history] = _RungIndex()
    return index


def _estimate_min_resource(history: TrialHistory) -> int | None:
    """``max(last step of completed trials) // 100`` (at least 1), ``None`` if no such trial."""
    last = history.last_step[history.states == int(TrialState.COMPLETE)]
    last = last[last >= 0]
    if last.size == 0:
        return None
    return max(int(last.max()) // 100, 1)


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous Successive Halving (ASHA).

    Parameters
    ----------
    min_resource
        Steps before the first rung (``r`` in the paper), or ``"auto"``: the largest last
        step of the completed trials divided by 100 (at least 1), estimated once the first
        trial completes.
    reduction_factor
        ``eta``: only the top ``1 / reduction_factor`` of a rung are promoted; rungs sit at
        ``min_resource * reduction_factor ** (min_early_stopping_rate + rung)``.
    min_early_stopping_rate
        ``s`` in the paper: shifts every rung up by ``reduction_factor ** s``.
    bootstrap_count
        Trials needed at a rung before any trial is promoted from it (needs an integer
        ``min_resource``).

    Raises
    ------
    ValueError
        If a value is out of range or ``bootstrap_count > 0`` with ``min_resource="auto"``.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        if isinstance(min_resource, str):
            if min_resource != "auto":
                raise ValueError(
                    f"The value of `min_resource` is {min_resource}, "
                    "but must be either `min_resource` >= 1 or 'auto'"
                )
        else:
            min_resource = _check_int("min_resource", min_resource)
            if min_resource < 1:
                raise ValueError(
                    f"The value of `min_resource` is {min_resource}, "
                    "but must be either `min_resource >= 1` or 'auto'"
                )
        reduction_factor = _check_int("reduction_factor", reduction_factor)
        min_early_stopping_rate = _check_int("min_early_stopping_rate", min_early_stopping_rate)
        bootstrap_count = _check_int("bootstrap_count", bootstrap_count)
        if reduction_factor < 2:
            raise ValueError(
                f"The value of `reduction_factor` is {reduction_factor}, "
                "but must be `reduction_factor >= 2`"
            )
        if min_early_stopping_rate < 0:
            raise ValueError(
                f"The value of `min_early_stopping_rate` is {min_early_stopping_rate}, "
                "but must be `min_early_stopping_rate >= 0`"
            )
        if bootstrap_count < 0:
            raise ValueError(
                f"The value of `bootstrap_count` is {bootstrap_count}, "
                "but must be `bootstrap_count >= 0`"
            )
        if bootstrap_count > 0 and min_resource == "auto":
            raise ValueError(
                "bootstrap_count > 0 and min_resource == 'auto' "
                f"are mutually incompatible, bootstrap_count is {bootstrap_count}"
            )
        self._min_resource: int | None = (
            int(min_resource) if isinstance(min_resource, (int, numbers.Integral)) else None
        )
        self._reduction_factor = reduction_factor
        self._min_early_stopping_rate = min_early_stopping_rate
        self._bootstrap_count = bootstrap_count

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Record the trial's value at each rung it reached and prune it if not promotable."""
        intermediate = trial.intermediate_values
        if not intermediate:
            return False
        step = max(intermediate)
        rung = _current_rung(trial.system_attrs)
        value = intermediate[step]
        history: TrialHistory | None = None
        finished: list[list[float]] | None = None
        running: list[Mapping[str, Any]] | None = None
        maximize = study.direction == StudyDirection.MAXIMIZE

        while True:
            if self._min_resource is None:
                history = study._get_trial_history()
                self._min_resource = _estimate_min_resource(history)
                if self._min_resource is None:
                    return False
            exponent = self._min_early_stopping_rate + rung
            if exponent > 64 and (
                step <= 0
                or math.log(step)
                < math.log(self._min_resource) + exponent * math.log(self._reduction_factor)
            ):
                # The rung's step is beyond this one: compare logarithms rather than build
                # the power (a huge min_early_stopping_rate would take minutes as an int).
                return False
            promotion_step = self._min_resource * self._reduction_factor**exponent
            if step < promotion_step:
                return False
            if math.isnan(value):
                return True
            if finished is None or running is None:
                # One snapshot of the competitors per call: the current trial's own rung
                # values are never among them (as in Optuna, which reads them beforehand).
                if history is None:
                    history = study._get_trial_history()
                finished = _rung_index(history).sync(history)
                running = [
                    t.system_attrs
                    for t in study._storage.get_all_trials(
                        study._study_id, deepcopy=False, states=_RUNNING
                    )
                    if t._trial_id != trial._trial_id
                ]
            key = _completed_rung_key(rung)
            study._storage.set_trial_system_attr(trial._trial_id, key, value)
            if not self._promotable(value, rung, key, finished, running, maximize):
                return True
            rung += 1

    def _promotable(
        self,
        value: float,
        rung: int,
        key: str,
        finished: list[list[float]],
        running: list[Mapping[str, Any]],
        maximize: bool,
    ) -> bool:
        at_rung = finished[rung] if rung < len(finished) else []
        others = [float(attrs[key]) for attrs in running if key in attrs]
        n_competing = len(at_rung) + len(others) + 1  # the trial itself competes
        if n_competing <= self._bootstrap_count:
            return False
        k = max(n_competing // self._reduction_factor - 1, 0)
        # value is within the k+1 best of the competing values <=> at most k are better.
        if maximize:
            better = len(at_rung) - bisect.bisect_right(at_rung, value)
            better += sum(1 for v in others if v > value)
        else:
            better = bisect.bisect_left(at_rung, value)
            better += sum(1 for v in others if v < value)
        return better <= k
