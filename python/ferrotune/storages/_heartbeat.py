"""Heartbeats of running trials: detect dead workers and fail their trials."""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ferrotune import logging as _logging
from ferrotune.exceptions import UpdateFinishedTrialError
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = _logging.get_logger(__name__)


class HeartbeatStorage(Protocol):
    """What a storage provides to take part in heartbeats (Optuna's ``BaseHeartbeat``)."""

    def record_heartbeat(self, trial_id: int) -> None: ...

    def _get_stale_trial_ids(self, study_id: int) -> list[int]: ...

    def get_heartbeat_interval(self) -> int | None: ...

    def get_heartbeat_stale_trial_callback(
        self,
    ) -> Callable[[Study, FrozenTrial], None] | None: ...


class HeartbeatSettings:
    """Heartbeat arguments and getters shared by the RDB and journal storages."""

    heartbeat_interval: int | None
    grace_period: int | None
    heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None
    failed_trial_callback: Callable[[Study, FrozenTrial], None] | None

    def _init_heartbeat(
        self,
        heartbeat_interval: int | None,
        grace_period: int | None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None,
        heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None,
    ) -> None:
        """Check the heartbeat arguments (as Optuna's ``RDBStorage``) and keep them."""
        for name, value in (
            ("heartbeat_interval", heartbeat_interval),
            ("grace_period", grace_period),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
            ):
                raise ValueError(
                    f"The value of `{name}` should be a positive integer, but got {value!r}."
                )
        if failed_trial_callback is not None and heartbeat_stale_trial_callback is not None:
            raise ValueError(
                "Specify only one of `heartbeat_stale_trial_callback` and `failed_trial_callback`."
            )
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = (
            heartbeat_stale_trial_callback or failed_trial_callback
        )
        self.failed_trial_callback = self.heartbeat_stale_trial_callback

    def _grace_seconds(self) -> float:
        """Seconds without a heartbeat after which a running trial is stale."""
        assert self.heartbeat_interval is not None  # only called with heartbeats on
        if self.grace_period is not None:
            return self.grace_period
        return 2 * self.heartbeat_interval

    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or ``None`` when heartbeats are off."""
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        """The callback run on trials failed for lack of heartbeat."""
        return self.heartbeat_stale_trial_callback

    get_failed_trial_callback = get_heartbeat_stale_trial_callback


def is_heartbeat_enabled(storage: Any) -> bool:
    """Whether ``storage`` supports heartbeats and has an interval set."""
    getter = getattr(storage, "get_heartbeat_interval", None)
    return getter is not None and getter() is not None


def fail_stale_trials(study: Study) -> None:
    """Fail the study's RUNNING trials whose heartbeat is older than the grace period.

    Each trial failed here is passed to the storage's ``failed_trial_callback`` (e.g.
    :class:`~ferrotune.storages.RetryFailedTrialCallback`). Trials another worker failed
    first are skipped, so several workers may call this at once.

    Parameters
    ----------
    study
        Study whose trials are checked.
    """
    storage: Any = study._storage
    if not is_heartbeat_enabled(storage):
        return
    failed = []
    for trial_id in storage._get_stale_trial_ids(study._study_id):
        try:
            if storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                failed.append(trial_id)
        except UpdateFinishedTrialError:
            pass
    callback = storage.get_heartbeat_stale_trial_callback()
    for trial_id in failed:
        trial = storage.get_trial(trial_id)
        _logger.warning(f"Trial {trial.number} failed: its heartbeat stopped (stale worker).")
        if callback is not None:
            callback(study, copy.deepcopy(trial))


class _HeartbeatThread:
    def __init__(self, storage: HeartbeatStorage, trial_id: int, interval: float) -> None:
        self._storage = storage
        self._trial_id = trial_id
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="ferrotune-heartbeat")

    def _beat(self) -> None:
        while True:
            try:
                self._storage.record_heartbeat(self._trial_id)
            except Exception as e:  # a missed beat is not fatal; the next one may succeed
                _logger.warning(f"Could not record the heartbeat of trial {self._trial_id}: {e}")
            if self._stop.wait(self._interval):
                return

    def start(self) -> None:
        self._storage.record_heartbeat(self._trial_id)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class HeartbeatRunner:
    """The ``storage._run_heartbeat`` hook used by ``Study.optimize``."""

    def __init__(self, storage: HeartbeatStorage) -> None:
        self._storage = storage
        self._last_check: dict[int, float] = {}

    def fail_stale_trials(self, study: Study) -> None:
        """Fail stale trials of ``study`` (called before each new trial).

        Checks at most twice per heartbeat interval: staleness is measured in intervals.
        """
        interval = self._storage.get_heartbeat_interval()
        now = time.monotonic()
        last = self._last_check.get(study._study_id)
        if interval is not None and last is not None and now - last < interval / 2:
            return
        self._last_check[study._study_id] = now
        fail_stale_trials(study)

    @contextlib.contextmanager
    def trial_context(self, trial_id: int) -> Iterator[None]:
        """Beat for ``trial_id`` in a background thread while the objective runs."""
        interval = self._storage.get_heartbeat_interval()
        if interval is None:
            yield
            return
        thread = _HeartbeatThread(self._storage, trial_id, float(interval))
        thread.start()
        try:
            yield
        finally:
            thread.stop()
