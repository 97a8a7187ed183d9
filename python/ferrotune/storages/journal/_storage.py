"""Journal storage: every operation is a log record; state is the replay of the log.

The log records are Optuna's (same op codes, fields and JSON), so Optuna and ferrotune
processes can share one journal. Writing appends a record to the backend; reading first
applies the records appended since the previous read (``_replay.py``).
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
import uuid
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import logging as _logging
from ferrotune.distributions import BaseDistribution, distribution_to_json
from ferrotune.exceptions import UpdateFinishedTrialError
from ferrotune.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    BaseStorage,
    checked_best_trial,
)
from ferrotune.storages._heartbeat import HeartbeatSettings
from ferrotune.storages._history import TrialHistory
from ferrotune.storages.journal._base import BaseJournalBackend
from ferrotune.storages.journal._replay import (
    HEARTBEAT_KEY,
    NOT_FOUND,
    JournalOperation,
    Replay,
    iso_time,
)
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = _logging.get_logger(__name__)
_UTC = datetime.UTC


def _unserializable(fields: dict[str, Any], where: str = "") -> str | None:
    """The innermost field (``key 'name' = value``) JSON cannot encode, if any."""
    for key, value in fields.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                inner = _unserializable(value, f"{where}{key}.")
                if inner is not None:
                    return inner
            return f"The value {value!r:.200} of '{where}{key}'"
    return None


class JournalStorage(HeartbeatSettings, BaseStorage):
    """Storage that appends every operation to a journal (Optuna's journal format).

    Heartbeats (a ferrotune extension: Optuna's journal storage has none) work as in
    :class:`~ferrotune.storages.RDBStorage`: each running trial appends a heartbeat record
    every ``heartbeat_interval`` seconds, and before each new trial a worker fails the
    trials silent for ``grace_period`` seconds (writers' clocks are compared, so they must
    agree to well within the grace period).

    Parameters
    ----------
    log_storage
        The backend: :class:`~ferrotune.storages.journal.JournalFileBackend`,
        :class:`~ferrotune.storages.journal.JournalRedisBackend` or any
        :class:`~ferrotune.storages.journal.BaseJournalBackend`.
    heartbeat_interval
        Seconds between heartbeats of running trials (``None``: no heartbeat).
    grace_period
        Seconds without heartbeat after which a running trial is failed (default
        ``2 * heartbeat_interval``).
    failed_trial_callback, heartbeat_stale_trial_callback
        Called as ``callback(study, trial)`` for every trial failed for lack of heartbeat,
        e.g. :class:`~ferrotune.storages.RetryFailedTrialCallback` (two names of one
        argument; give at most one).

    Examples
    --------
    >>> from ferrotune.storages import JournalStorage
    >>> from ferrotune.storages.journal import JournalFileBackend
    >>> storage = JournalStorage(JournalFileBackend("./journal.log"))  # doctest: +SKIP
    """

    def __init__(
        self,
        log_storage: BaseJournalBackend,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
    ) -> None:
        if not hasattr(log_storage, "read_logs") or not hasattr(log_storage, "append_logs"):
            raise TypeError(
                f"`log_storage` must be a journal backend (read_logs/append_logs), got "
                f"{log_storage!r}."
            )
        self._init_heartbeat(
            heartbeat_interval, grace_period, failed_trial_callback, heartbeat_stale_trial_callback
        )
        self._backend = log_storage
        self._setup()

    def _setup(self) -> None:
        from ferrotune.storages._heartbeat import HeartbeatRunner

        self._worker_prefix = str(uuid.uuid4()) + "-"
        self._thread_lock = threading.RLock()
        self._replay = Replay(self._worker_prefix)
        self._run_heartbeat: HeartbeatRunner | None = (
            HeartbeatRunner(self) if self.heartbeat_interval is not None else None
        )
        with self._thread_lock:
            self._sync()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "_backend": self._backend,
            "heartbeat_interval": self.heartbeat_interval,
            "grace_period": self.grace_period,
            "heartbeat_stale_trial_callback": self.heartbeat_stale_trial_callback,
            "failed_trial_callback": self.failed_trial_callback,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("heartbeat_interval", None)  # pickled before heartbeats
        state.setdefault("grace_period", None)
        state.setdefault("heartbeat_stale_trial_callback", None)
        state.setdefault("failed_trial_callback", None)
        self.__dict__.update(state)
        self._setup()

    def _sync(self) -> None:
        self._replay.apply(self._backend.read_logs(self._replay.log_number_read))

    def _write(self, op: JournalOperation, fields: dict[str, Any]) -> None:
        record = {"op_code": int(op), "worker_id": self._replay.worker_id, **fields}
        try:
            self._backend.append_logs([record])
        except (TypeError, ValueError) as e:
            culprit = _unserializable(fields)
            if culprit is None:
                raise
            raise TypeError(
                f"{culprit} cannot be written to the journal: it must be JSON serializable ({e})."
            ) from None
        self._sync()

    # -- studies ---------------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        with self._thread_lock:
            self._write(
                JournalOperation.CREATE_STUDY,
                {"study_name": study_name, "directions": [int(d) for d in directions]},
            )
            study_id = self._replay.names[study_name]
        _logger.info(f"A new study created in Journal with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._thread_lock:
            self._write(JournalOperation.DELETE_STUDY, {"study_id": study_id})

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_STUDY_USER_ATTR,
                {"study_id": study_id, "user_attr": {key: value}},
            )

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_STUDY_SYSTEM_ATTR,
                {"study_id": study_id, "system_attr": {key: value}},
            )

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._thread_lock:
            self._sync()
            if study_name not in self._replay.names:
                raise KeyError(f"No such study {study_name}.")
            return self._replay.names[study_name]

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._thread_lock:
            self._sync()
            return self._replay.study(study_id).frozen.study_name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._thread_lock:
            record = self._replay.studies.get(study_id)
            if record is None:
                self._sync()
                record = self._replay.study(study_id)
            return list(record.frozen.directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._thread_lock:
            self._sync()
            return dict(self._replay.study(study_id).frozen.user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._thread_lock:
            self._sync()
            return dict(self._replay.study(study_id).frozen.system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._thread_lock:
            self._sync()
            return [copy.deepcopy(r.frozen) for r in self._replay.studies.values()]

    # -- trials ----------------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        start = datetime.datetime.now(tz=_UTC)
        fields: dict[str, Any] = {"study_id": study_id, "datetime_start": iso_time(start)}
        if template_trial is not None:
            t = template_trial
            fields["state"] = int(t.state)
            if t.values is not None and len(t.values) > 1:
                fields["value"] = None
                fields["values"] = list(t.values)
            else:
                fields["value"] = t.value
                fields["values"] = None
            fields["datetime_start"] = (
                iso_time(t.datetime_start) if t.datetime_start is not None else None
            )
            if t.datetime_complete is not None:
                fields["datetime_complete"] = iso_time(t.datetime_complete)
            fields["distributions"] = {
                k: distribution_to_json(d) for k, d in t.distributions.items()
            }
            fields["params"] = {
                k: t.distributions[k].to_internal_repr(v) for k, v in t.params.items()
            }
            fields["user_attrs"] = t.user_attrs
            fields["system_attrs"] = t.system_attrs
            fields["intermediate_values"] = t.intermediate_values
        with self._thread_lock:
            self._write(JournalOperation.CREATE_TRIAL, fields)
            return self._replay.last_created[self._replay.worker_id]

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_TRIAL_PARAM,
                {
                    "trial_id": trial_id,
                    "param_name": param_name,
                    "param_value_internal": param_value_internal,
                    "distribution": distribution_to_json(distribution),
                },
            )

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._thread_lock:
            self._sync()
            ids = self._replay.study(study_id).trial_ids
            if not 0 <= trial_number < len(ids):
                raise KeyError(
                    f"No trial with trial number {trial_number} exists in study with study_id "
                    f"{study_id}."
                )
            return ids[trial_number]

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        fields: dict[str, Any] = {
            "trial_id": trial_id,
            "state": int(state),
            "values": None if values is None else [float(v) for v in values],
        }
        now = iso_time(datetime.datetime.now(tz=_UTC))
        if state == TrialState.RUNNING:
            fields["datetime_start"] = now
        elif state.is_finished():
            fields["datetime_complete"] = now
        with self._thread_lock:
            if state == TrialState.RUNNING:
                self._sync()
                existing = self._replay.trials.get(trial_id)
                if existing is None:
                    raise KeyError(NOT_FOUND)
                if existing.state.is_finished():
                    raise UpdateFinishedTrialError(
                        f"Trial#{existing.number} has already finished and can not be updated."
                    )
                if existing.state != TrialState.WAITING:
                    return False
            self._write(JournalOperation.SET_TRIAL_STATE_VALUES, fields)
            if state != TrialState.RUNNING:
                return True
            return self._replay.owned.get(self._replay.worker_id) == trial_id

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE,
                {"trial_id": trial_id, "step": step, "intermediate_value": intermediate_value},
            )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_TRIAL_USER_ATTR,
                {"trial_id": trial_id, "user_attr": {key: value}},
            )

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._write(
                JournalOperation.SET_TRIAL_SYSTEM_ATTR,
                {"trial_id": trial_id, "system_attr": {key: value}},
            )

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._thread_lock:
            self._sync()
            trial = self._replay.trials.get(trial_id)
            if trial is None:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            return trial._copy_mutable()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._thread_lock:
            self._sync()
            record = self._replay.study(study_id)
            trials = self._replay.trials
            if states == (TrialState.WAITING,) or states == [TrialState.WAITING]:
                selected = [trials[i] for i in sorted(record.waiting)]
            elif states == (TrialState.RUNNING,) or states == [TrialState.RUNNING]:
                selected = [trials[i] for i in sorted(record.running)]
            elif states is None:
                selected = [trials[i] for i in record.trial_ids]
            else:
                selected = [trials[i] for i in record.trial_ids if trials[i].state in states]
        return copy.deepcopy(selected) if deepcopy else selected

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        states = (state,) if isinstance(state, TrialState) else state
        with self._thread_lock:
            self._sync()
            record = self._replay.study(study_id)
            if states is None:
                return len(record.trial_ids)
            if all(s.is_finished() for s in states):
                return sum(record.history.count(s) for s in states)
        return len(self.get_all_trials(study_id, deepcopy=False, states=states))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        with self._thread_lock:
            self._sync()
            record = self._replay.study(study_id)
            return checked_best_trial(record.frozen.directions, record.best)

    def _has_waiting(self, study_id: int) -> bool:
        with self._thread_lock:
            self._sync()
            return bool(self._replay.study(study_id).waiting)

    def get_trial_history(self, study_id: int) -> TrialHistory:
        with self._thread_lock:
            self._sync()
            history = self._replay.study(study_id).history
        return history.sync()

    # -- heartbeat -------------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the trial's worker is alive (a journal record with this clock)."""
        now = iso_time(datetime.datetime.now(tz=_UTC))
        with self._thread_lock:
            self._write(
                JournalOperation.SET_TRIAL_SYSTEM_ATTR,
                {"trial_id": trial_id, "system_attr": {HEARTBEAT_KEY: now}},
            )

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """RUNNING trials whose last heartbeat is older than the grace period."""
        grace = self._grace_seconds()
        limit = datetime.timedelta(seconds=grace)
        with self._thread_lock:
            self._sync()
            now = datetime.datetime.now(tz=_UTC)
            beats = self._replay.heartbeats
            return [
                trial_id
                for trial_id in sorted(self._replay.study(study_id).running)
                if trial_id in beats and now - beats[trial_id] > limit
            ]
