"""Journal storage: every operation is a log record; state is the replay of the log.

The log records are Optuna's (same op codes, fields and JSON), so Optuna and ferrotune
processes can share one journal. Replaying is incremental: each operation reads only the
records appended since the previous one. Finished trials feed the columnar history as their
records are replayed.
"""

from __future__ import annotations

import copy
import datetime
import enum
import json
import threading
import uuid
from collections.abc import Callable, Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import logging as _logging
from ferrotune.distributions import (
    BaseDistribution,
    _json_to_distribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from ferrotune.storages._heartbeat import HeartbeatSettings
from ferrotune.storages._history import TrialHistory
from ferrotune.storages.journal._base import BaseJournalBackend
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

_logger = _logging.get_logger(__name__)
_NOT_FOUND = "Record does not exist."
# Fields of journal records: a KeyError for one of these while replaying a record means
# the record lacks it (corruption), not that a study or trial does not exist.
_LOG_FIELDS = frozenset(
    {
        "datetime_complete",
        "datetime_start",
        "directions",
        "distribution",
        "intermediate_value",
        "op_code",
        "param_name",
        "param_value_internal",
        "state",
        "step",
        "study_id",
        "study_name",
        "system_attr",
        "trial_id",
        "user_attr",
        "values",
        "worker_id",
    }
)
_UTC = datetime.UTC
# The system attribute of heartbeat records: ferrotune keeps it out of the trial's
# ``system_attrs`` (Optuna, which has no journal heartbeats, shows it there).
HEARTBEAT_KEY = "ferrotune:heartbeat"

if TYPE_CHECKING:
    from ferrotune.study import Study


class JournalOperation(enum.IntEnum):
    """Op codes of journal records (Optuna's numbering)."""

    CREATE_STUDY = 0
    DELETE_STUDY = 1
    SET_STUDY_USER_ATTR = 2
    SET_STUDY_SYSTEM_ATTR = 3
    CREATE_TRIAL = 4
    SET_TRIAL_PARAM = 5
    SET_TRIAL_STATE_VALUES = 6
    SET_TRIAL_INTERMEDIATE_VALUE = 7
    SET_TRIAL_USER_ATTR = 8
    SET_TRIAL_SYSTEM_ATTR = 9
    DISCARD_TRIALS = 10


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(_UTC).isoformat(timespec="microseconds")


def _parse_time(text: str | None) -> datetime.datetime | None:
    if text is None:
        return None
    return datetime.datetime.fromisoformat(text).astimezone().replace(tzinfo=None)


class _Study:
    __slots__ = ("best", "distributions", "frozen", "history", "running", "trial_ids", "waiting")

    def __init__(self, frozen: FrozenStudy) -> None:
        self.frozen = frozen
        self.trial_ids: list[int] = []
        self.history = TrialHistory(len(frozen.directions))
        self.distributions: dict[str, BaseDistribution] = {}
        self.best: FrozenTrial | None = None
        self.waiting: set[int] = set()
        self.running: set[int] = set()


def _corruption(line: int, log: dict[str, Any], error: Exception) -> ValueError | None:
    """The corruption error for ``error`` raised while replaying another writer's ``log``,
    if the record itself is at fault (a missing field, a field of the wrong type or value:
    valid records never raise these); ``None`` otherwise."""
    if isinstance(error, KeyError):
        missing = error.args[0] if len(error.args) == 1 else None
        if missing in _LOG_FIELDS and missing not in log:
            return ValueError(
                f"Journal is corrupt at line {line}: field {missing!r} is missing in "
                f"record {log!r}."
            )
        return None
    if isinstance(error, (TypeError, AttributeError, ValueError, OverflowError, IndexError)):
        return ValueError(
            f"Journal is corrupt at line {line}: record {log!r} is invalid ({error})."
        )
    return None


class _Replay:
    """State rebuilt from the log."""

    def __init__(self, worker_prefix: str) -> None:
        self.log_number_read = 0
        self.worker_prefix = worker_prefix
        self.studies: dict[int, _Study] = {}
        self.names: dict[str, int] = {}
        self.trials: dict[int, FrozenTrial] = {}
        self.trial_study: dict[int, int] = {}
        self.next_study_id = 0
        self.owned: dict[str, int] = {}
        self.last_created: dict[str, int] = {}
        self.dists: dict[str, BaseDistribution] = {}
        self.heartbeats: dict[int, datetime.datetime] = {}  # running trials' last beats (UTC)

    @property
    def worker_id(self) -> str:
        return self.worker_prefix + str(threading.get_ident())

    def _mine(self, log: dict[str, Any]) -> bool:
        return bool(log["worker_id"] == self.worker_id)

    def _dist(self, text: str) -> BaseDistribution:
        dist = self.dists.get(text)
        if dist is None:
            dist = self.dists[text] = _json_to_distribution(text)
        return dist

    def apply(self, logs: Iterable[dict[str, Any]]) -> None:
        handlers = {
            JournalOperation.CREATE_STUDY: self._create_study,
            JournalOperation.DELETE_STUDY: self._delete_study,
            JournalOperation.SET_STUDY_USER_ATTR: self._study_user_attr,
            JournalOperation.SET_STUDY_SYSTEM_ATTR: self._study_system_attr,
            JournalOperation.CREATE_TRIAL: self._create_trial,
            JournalOperation.SET_TRIAL_PARAM: self._trial_param,
            JournalOperation.SET_TRIAL_STATE_VALUES: self._trial_state,
            JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE: self._trial_intermediate,
            JournalOperation.SET_TRIAL_USER_ATTR: self._trial_user_attr,
            JournalOperation.SET_TRIAL_SYSTEM_ATTR: self._trial_system_attr,
        }
        for log in logs:
            self.log_number_read += 1
            line = self.log_number_read
            if not isinstance(log, dict) or "op_code" not in log:
                raise ValueError(
                    f"Journal is corrupt at line {line}: {log!r} is not a journal record."
                )
            op = log["op_code"]
            if op == JournalOperation.DISCARD_TRIALS:
                continue
            handler = handlers.get(op)
            if handler is None:
                raise ValueError(
                    f"Journal is corrupt at line {line}: unknown journal op code {op!r} in "
                    f"record {log!r}."
                )
            try:
                handler(log)
            except Exception as e:
                if log.get("worker_id") == self.worker_id:
                    raise  # this process's own write failed: reported to the writer as is
                corruption = _corruption(line, log, e)
                if corruption is None:
                    raise
                raise corruption from e

    # -- studies ---------------------------------------------------------------------------
    def study(self, study_id: int) -> _Study:
        record = self.studies.get(study_id)
        if record is None:
            raise KeyError(f"No study with study_id {study_id} exists.")
        return record

    def _study_exists(self, study_id: int, log: dict[str, Any]) -> bool:
        if study_id in self.studies:
            return True
        if self._mine(log):
            raise KeyError(_NOT_FOUND)
        return False

    def _create_study(self, log: dict[str, Any]) -> None:
        name = log["study_name"]
        if name in self.names:
            if self._mine(log):
                raise DuplicatedStudyError(
                    f"Another study with name '{name}' already exists. Please specify a "
                    "different name, or reuse the existing one by setting `load_if_exists` "
                    "(for Python API) or `--skip-if-exists` flag (for CLI)."
                )
            return
        study_id = self.next_study_id
        self.next_study_id += 1
        frozen = FrozenStudy(
            study_name=name,
            direction=None,
            directions=[StudyDirection(d) for d in log["directions"]],
            user_attrs={},
            system_attrs={},
            study_id=study_id,
        )
        self.studies[study_id] = _Study(frozen)
        self.names[name] = study_id

    def _delete_study(self, log: dict[str, Any]) -> None:
        study_id = log["study_id"]
        if self._study_exists(study_id, log):
            record = self.studies.pop(study_id)
            self.names.pop(record.frozen.study_name, None)

    def _study_user_attr(self, log: dict[str, Any]) -> None:
        if self._study_exists(log["study_id"], log):
            frozen = self.studies[log["study_id"]].frozen
            frozen.user_attrs = {**frozen.user_attrs, **log["user_attr"]}

    def _study_system_attr(self, log: dict[str, Any]) -> None:
        if self._study_exists(log["study_id"], log):
            frozen = self.studies[log["study_id"]].frozen
            frozen.system_attrs = {**frozen.system_attrs, **log["system_attr"]}

    # -- trials ----------------------------------------------------------------------------
    def _finished(self, record: _Study, trial: FrozenTrial) -> None:
        record.history.append(trial)
        if trial.state == TrialState.COMPLETE and len(record.frozen.directions) == 1:
            assert trial.values is not None
            best = record.best
            if best is None:
                record.best = trial
                return
            assert best.values is not None
            if record.frozen.directions[0] == StudyDirection.MAXIMIZE:
                if trial.values[0] > best.values[0]:
                    record.best = trial
            elif trial.values[0] < best.values[0]:
                record.best = trial

    def _create_trial(self, log: dict[str, Any]) -> None:
        study_id = log["study_id"]
        if not self._study_exists(study_id, log):
            return
        record = self.studies[study_id]
        trial_id = len(self.trials)
        distributions = {k: self._dist(v) for k, v in log.get("distributions", {}).items()}
        internal = dict(log.get("params", {}))
        params = {k: distributions[k].to_external_repr(v) for k, v in internal.items()}
        for name, dist in distributions.items():
            record.distributions.setdefault(name, dist)
        values = log.get("values")
        value = log.get("value")
        trial = FrozenTrial(
            number=len(record.trial_ids),
            state=TrialState(log.get("state", TrialState.RUNNING)),
            value=value if values is None else None,
            values=values,
            datetime_start=_parse_time(log["datetime_start"]),
            datetime_complete=_parse_time(log.get("datetime_complete")),
            params=params,
            distributions=distributions,
            user_attrs=dict(log.get("user_attrs", {})),
            system_attrs=dict(log.get("system_attrs", {})),
            intermediate_values={int(k): v for k, v in log.get("intermediate_values", {}).items()},
            trial_id=trial_id,
        )
        trial._internal_params = internal
        self.trials[trial_id] = trial
        self.trial_study[trial_id] = study_id
        record.trial_ids.append(trial_id)
        if trial.state == TrialState.WAITING:
            record.waiting.add(trial_id)
        elif trial.state == TrialState.RUNNING:
            record.running.add(trial_id)
        elif trial.state.is_finished():
            self._finished(record, trial)
        if self._mine(log):
            self.last_created[self.worker_id] = trial_id
            if trial.state == TrialState.RUNNING:
                self.owned[self.worker_id] = trial_id

    def _updatable(self, trial_id: int, log: dict[str, Any]) -> FrozenTrial | None:
        trial = self.trials.get(trial_id)
        if trial is None:
            if self._mine(log):
                raise KeyError(_NOT_FOUND)
            return None
        if trial.state.is_finished():
            if self._mine(log):
                raise UpdateFinishedTrialError(
                    f"Trial#{trial.number} has already finished and can not be updated."
                )
            return None
        return trial

    def _replace(self, trial_id: int, **changes: Any) -> FrozenTrial:
        new = copy.copy(self.trials[trial_id])
        for k, v in changes.items():
            setattr(new, k, v)
        self.trials[trial_id] = new
        return new

    def _trial_param(self, log: dict[str, Any]) -> None:
        trial_id = log["trial_id"]
        trial = self._updatable(trial_id, log)
        if trial is None:
            return
        name = log["param_name"]
        dist = self._dist(log["distribution"])
        record = self.studies.get(self.trial_study[trial_id])
        if record is not None:
            known = record.distributions.get(name)
            if known is not None and known is not dist:
                try:
                    check_distribution_compatibility(known, dist)
                except Exception:
                    if self._mine(log):
                        raise
                    return
            elif known is None:
                record.distributions[name] = dist
        value = log["param_value_internal"]
        self._replace(
            trial_id,
            params={**trial.params, name: dist.to_external_repr(value)},
            distributions={**trial.distributions, name: dist},
            _internal_params={**(trial._internal_params or {}), name: value},
        )

    def _trial_state(self, log: dict[str, Any]) -> None:
        trial_id = log["trial_id"]
        trial = self._updatable(trial_id, log)
        if trial is None:
            return
        state = TrialState(log["state"])
        if state == TrialState.RUNNING and trial.state == TrialState.RUNNING:
            return  # another worker popped this queued trial first
        changes: dict[str, Any] = {"state": state}
        if state == TrialState.RUNNING:
            changes["datetime_start"] = _parse_time(log["datetime_start"])
            if self._mine(log):
                self.owned[self.worker_id] = trial_id
        if state.is_finished():
            changes["datetime_complete"] = _parse_time(log["datetime_complete"])
            self.heartbeats.pop(trial_id, None)
        if log.get("values") is not None:
            changes["_values"] = list(log["values"])
        new = self._replace(trial_id, **changes)
        study_id = self.trial_study[trial_id]
        record = self.studies.get(study_id)
        if record is not None:
            record.waiting.discard(trial_id)
            record.running.discard(trial_id)
            if state == TrialState.WAITING:
                record.waiting.add(trial_id)
            elif state == TrialState.RUNNING:
                record.running.add(trial_id)
            if state.is_finished():
                self._finished(record, new)

    def _trial_intermediate(self, log: dict[str, Any]) -> None:
        trial = self._updatable(log["trial_id"], log)
        if trial is not None:
            self._replace(
                log["trial_id"],
                intermediate_values={
                    **trial.intermediate_values,
                    int(log["step"]): log["intermediate_value"],
                },
            )

    def _trial_user_attr(self, log: dict[str, Any]) -> None:
        trial = self._updatable(log["trial_id"], log)
        if trial is not None:
            self._replace(log["trial_id"], user_attrs={**trial.user_attrs, **log["user_attr"]})

    def _trial_system_attr(self, log: dict[str, Any]) -> None:
        attrs = log["system_attr"]
        if isinstance(attrs, dict) and len(attrs) == 1 and HEARTBEAT_KEY in attrs:
            trial = self.trials.get(log["trial_id"])
            if trial is not None and not trial.state.is_finished():  # late beats: ignored
                beat = datetime.datetime.fromisoformat(attrs[HEARTBEAT_KEY])
                if beat.tzinfo is None:
                    raise ValueError(f"heartbeat time {attrs[HEARTBEAT_KEY]!r} has no zone")
                self.heartbeats[log["trial_id"]] = beat
            return
        trial = self._updatable(log["trial_id"], log)
        if trial is not None:
            self._replace(
                log["trial_id"], system_attrs={**trial.system_attrs, **log["system_attr"]}
            )


def _snapshot(trial: FrozenTrial) -> FrozenTrial:
    new = copy.copy(trial)
    new.params = dict(trial.params)
    new.distributions = dict(trial.distributions)
    new.user_attrs = dict(trial.user_attrs)
    new.system_attrs = dict(trial.system_attrs)
    new.intermediate_values = dict(trial.intermediate_values)
    if trial._internal_params is not None:
        new._internal_params = dict(trial._internal_params)
    if trial._values is not None:
        new._values = list(trial._values)
    return new


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
        self._replay = _Replay(self._worker_prefix)
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
        fields: dict[str, Any] = {"study_id": study_id, "datetime_start": _iso(start)}
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
                _iso(t.datetime_start) if t.datetime_start is not None else None
            )
            if t.datetime_complete is not None:
                fields["datetime_complete"] = _iso(t.datetime_complete)
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
        now = _iso(datetime.datetime.now(tz=_UTC))
        if state == TrialState.RUNNING:
            fields["datetime_start"] = now
        elif state.is_finished():
            fields["datetime_complete"] = now
        with self._thread_lock:
            if state == TrialState.RUNNING:
                self._sync()
                existing = self._replay.trials.get(trial_id)
                if existing is None:
                    raise KeyError(_NOT_FOUND)
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
            return _snapshot(trial)

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
            if len(record.frozen.directions) > 1:
                raise RuntimeError(
                    "Best trial can be obtained only for single-objective optimization."
                )
            if record.best is None:
                raise ValueError("No trials are completed yet.")
            return record.best

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
        now = _iso(datetime.datetime.now(tz=_UTC))
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
