"""What an RDB storage's process knows about trials, and how it catches up with the database.

Finished trials never change, so each process keeps them, per study, in a
:class:`StudyCache` that also feeds the study's columnar
:class:`~ferrotune.storages.TrialHistory`. A sync asks only for the state of trials that
are new or were unfinished at the previous sync, and fetches the full records of the ones
that finished meanwhile; trials this process writes are kept up to date in memory
(``local``) and move to the cache when they finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from ferrotune.distributions import BaseDistribution
from ferrotune.storages._base import updated_best_trial
from ferrotune.storages._history import TrialHistory
from ferrotune.storages._rdb._sql import EXPANDING_LIMIT
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial

UNFINISHED_NAMES = ("RUNNING", "WAITING")
# A sync repeated within this many seconds, with no write by this process in between, reuses
# the previous result (samplers ask for the history several times per trial).
_SYNC_REUSE_SECONDS = 0.005
# Number of write transactions this process has committed (all RDB storages).
_write_epoch = [0]


def bump_epoch() -> None:
    """Note a committed write: the next sync reads the database again."""
    _write_epoch[0] += 1


class StudyCache:
    """What this process knows about one study's trials."""

    __slots__ = (
        "best",
        "directions",
        "distributions",
        "finished",
        "history",
        "max_id",
        "pending",
        "synced_at",
        "synced_epoch",
    )

    def __init__(self, directions: list[StudyDirection]) -> None:
        self.directions = directions
        self.history = TrialHistory(len(directions))
        self.max_id = -1  # largest trial_id whose state has been read
        # trial id -> state name, for trials <= max_id that were unfinished at the last sync
        self.pending: dict[int, str] = {}
        self.synced_at = -1.0
        self.synced_epoch = -1
        self.finished: dict[int, FrozenTrial] = {}
        self.distributions: dict[str, BaseDistribution] = {}
        self.best: FrozenTrial | None = None

    def add_finished(self, trial: FrozenTrial) -> None:
        """Keep a trial that has finished (it never changes again)."""
        self.finished[trial._trial_id] = trial
        self.history.append(trial)
        for name, dist in trial.distributions.items():
            self.distributions.setdefault(name, dist)
        self.best = updated_best_trial(self.directions, self.best, trial)

    def ids_in_state(self, state: str) -> list[int]:
        """Ids of the trials that were in an unfinished ``state`` at the last sync."""
        return sorted(t for t, st in self.pending.items() if st == state)


class TrialCache:
    """The trials one storage object knows: finished ones per study, and its own.

    Parameters
    ----------
    read_directions
        ``read_directions(study_id)``: the study's directions (``KeyError`` if absent).
    read_changes
        ``read_changes(study_id, ids, after_id)``: ``(trial_id, state)`` of the trials in
        ``ids`` and of the study's trials with an id above ``after_id``, by id.
    read_trials
        ``read_trials(ids)``: the full records of the given trials.
    """

    def __init__(
        self,
        read_directions: Callable[[int], list[StudyDirection]],
        read_changes: Callable[[int, Sequence[int], int], list[tuple[int, str]]],
        read_trials: Callable[[list[int]], list[FrozenTrial]],
    ) -> None:
        self._read_directions = read_directions
        self._read_changes = read_changes
        self._read_trials = read_trials
        self.lock = threading.RLock()
        self.studies: dict[int, StudyCache] = {}
        #: Unfinished trials this process writes, kept up to date with its writes.
        self.local: dict[int, FrozenTrial] = {}
        #: trial id -> study id, for the trials seen.
        self.trial_study: dict[int, int] = {}

    def study(self, study_id: int) -> StudyCache:
        """The study's cache (created empty on first use); ``KeyError`` if no such study."""
        cache = self.studies.get(study_id)
        if cache is None:
            directions = self._read_directions(study_id)
            with self.lock:
                cache = self.studies.get(study_id)
                if cache is None:
                    cache = self.studies[study_id] = StudyCache(directions)
        return cache

    def forget_study(self, study_id: int) -> None:
        """Drop everything known about a (deleted) study."""
        with self.lock:
            cache = self.studies.pop(study_id, None)
            if cache is not None:
                for trial_id in cache.finished:
                    self.trial_study.pop(trial_id, None)
            for trial_id in [t for t, s in self.trial_study.items() if s == study_id]:
                self.trial_study.pop(trial_id, None)
                self.local.pop(trial_id, None)

    def copy_of(self, trial_id: int) -> FrozenTrial | None:
        """A copy of the trial if this process has it (its own or finished), else ``None``."""
        with self.lock:
            local = self.local.get(trial_id)
            if local is not None:
                return local._copy_mutable()
            study_id = self.trial_study.get(trial_id)
            if study_id is not None:
                cache = self.studies.get(study_id)
                if cache is not None and trial_id in cache.finished:
                    return cache.finished[trial_id]._copy_mutable()
        return None

    def sync(self, study_id: int, reuse: bool = True) -> StudyCache:
        """Bring the study's cache of finished trials up to date (incrementally).

        ``reuse=False`` always reads the database (a caller that has just read unfinished
        trials from it needs finished ones at least as recent).
        """
        cache = self.study(study_id)
        epoch = _write_epoch[0]
        if (
            reuse
            and cache.synced_epoch == epoch
            and time.monotonic() - cache.synced_at < _SYNC_REUSE_SECONDS
        ):
            return cache
        started = time.monotonic()
        with self.lock:
            max_id = cache.max_id
            pending = sorted(cache.pending)
        if pending and len(pending) <= EXPANDING_LIMIT:
            rows = self._read_changes(study_id, pending, max_id)
        else:
            rows = self._read_changes(study_id, (), pending[0] - 1 if pending else max_id)
        need = []
        with self.lock:
            for trial_id, state in rows:
                if state in UNFINISHED_NAMES or trial_id in cache.finished:
                    continue
                local = self.local.get(trial_id)
                if local is None or local.state.name != state:
                    need.append(trial_id)
        fetched = self._read_trials(need) if need else []
        by_id = {f._trial_id: f for f in fetched}
        with self.lock:
            for trial_id, state in rows:
                if trial_id in cache.finished:
                    continue
                if state in UNFINISHED_NAMES:
                    cache.pending[trial_id] = state
                    continue
                cache.pending.pop(trial_id, None)
                trial = by_id.get(trial_id)
                if trial is None:
                    trial = self.local.pop(trial_id, None)
                    if trial is None:
                        continue
                else:
                    self.local.pop(trial_id, None)
                self.trial_study[trial_id] = study_id
                cache.add_finished(trial)
            if rows:
                cache.max_id = max(cache.max_id, int(rows[-1][0]))
            cache.synced_epoch = epoch
            cache.synced_at = started
        return cache
