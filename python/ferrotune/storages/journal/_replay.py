"""Replay of a journal: the state of studies and trials rebuilt from the log records.

Each record is one storage operation (Optuna's op codes, fields and JSON); :class:`Replay`
applies the records appended since its last call, so replaying is incremental. Finished
trials feed the study's columnar history as their records are applied.
"""

from __future__ import annotations

import copy
import datetime
import enum
import threading
from collections.abc import Iterable
from typing import Any

from ferrotune.distributions import (
    BaseDistribution,
    _json_to_distribution,
    check_distribution_compatibility,
)
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.storages._base import updated_best_trial
from ferrotune.storages._history import TrialHistory
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

NOT_FOUND = "Record does not exist."
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


def iso_time(value: datetime.datetime) -> str:
    """A time as journal records write it (ISO 8601, UTC, microseconds)."""
    return value.astimezone(_UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime.datetime | None:
    """A journal record's time as a naive local datetime (``None`` stays ``None``)."""
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


class Replay:
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
            raise KeyError(NOT_FOUND)
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
        record.best = updated_best_trial(record.frozen.directions, record.best, trial)

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
            datetime_start=parse_time(log["datetime_start"]),
            datetime_complete=parse_time(log.get("datetime_complete")),
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
                raise KeyError(NOT_FOUND)
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
            changes["datetime_start"] = parse_time(log["datetime_start"])
            if self._mine(log):
                self.owned[self.worker_id] = trial_id
        if state.is_finished():
            changes["datetime_complete"] = parse_time(log["datetime_complete"])
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
