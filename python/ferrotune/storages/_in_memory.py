"""Thread-safe in-memory storage."""

from __future__ import annotations

import copy
import datetime
import operator
import threading
import time
import uuid
from collections.abc import Container, Sequence
from typing import Any

from ferrotune import logging as _logging
from ferrotune.distributions import BaseDistribution, check_distribution_compatibility
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    BaseStorage,
    checked_best_trial,
    updated_best_trial,
)
from ferrotune.storages._history import TrialHistory
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

_logger = _logging.get_logger(__name__)

_RUNNING = TrialState.RUNNING
_RUNNING_ONLY = (TrialState.RUNNING,)
_WAITING_ONLY = (TrialState.WAITING,)


def _plain_writes(storage: InMemoryStorage) -> bool:
    """Whether ``storage`` creates and finishes trials with InMemoryStorage's own methods."""
    kind = type(storage)
    return (
        kind.create_new_trial is InMemoryStorage.create_new_trial
        and kind.set_trial_state_values is InMemoryStorage.set_trial_state_values
    )


def _share_internal(trial: FrozenTrial) -> None:
    """Let a finished record's internal parameters be its ``params`` dict when both hold
    the very same objects in the same order (floats stored by ``suggest_float``: the usual
    case), so each finished trial keeps one dict of values instead of two. Finished records
    are not written to again. Identity, not ``==``: choices may compare in any way.
    """
    internal = trial._internal_params
    params = trial.params
    if (
        internal is not None
        and internal is not params
        and len(internal) == len(params)
        and all(map(operator.is_, internal, params))
        and all(map(operator.is_, internal.values(), params.values()))
    ):
        trial._internal_params = params


class _StudyRecord:
    __slots__ = (
        "best",
        "directions",
        "history",
        "name",
        "param_distribution",
        "running",
        "system_attrs",
        "trials",
        "uniform_names",
        "user_attrs",
        "waiting",
    )

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.trials: list[FrozenTrial] = []
        self.param_distribution: dict[str, BaseDistribution] = {}
        self.best: FrozenTrial | None = None
        self.running: dict[int, FrozenTrial] = {}
        self.waiting: dict[int, FrozenTrial] = {}
        self.history = TrialHistory(len(directions))
        # ``Trial.suggest_float``'s cache over ``param_distribution``: parameter name ->
        # ``(low, high, distribution, float(low), float(high))`` for a continuous uniform
        # range registered under that name (registry entries never change once set).
        self.uniform_names: dict[str, tuple[Any, Any, BaseDistribution, float, float]] = {}


class InMemoryStorage(BaseStorage):
    """Storage that keeps studies in the process's memory (the default for ``storage=None``).

    Finished trials are appended to each study's columnar :class:`TrialHistory` as they
    finish, so samplers read them without any per-trial Python work.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _StudyRecord] = {}
        self._name_to_id: dict[str, int] = {}
        self._trial_index: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._next_study_id = 0
        self._next_trial_id = 0
        self._plain_writes = _plain_writes(self)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._plain_writes = _plain_writes(self)
        for record in self._studies.values():
            if not hasattr(record, "uniform_names"):  # pickled before the cache existed
                record.uniform_names = {}

    # -- studies ---------------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        with self._lock:
            if study_name is None:
                study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
            if study_name in self._name_to_id:
                raise DuplicatedStudyError(
                    f"Another study with name '{study_name}' already exists. Please specify a "
                    "different name, or reuse the existing one by setting `load_if_exists` "
                    "(for Python API) or `--skip-if-exists` flag (for CLI)."
                )
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _StudyRecord(study_name, list(directions))
            self._name_to_id[study_name] = study_id
            _logger.info(f"A new study created in memory with name: {study_name}")
            return study_id

    def _study(self, study_id: int) -> _StudyRecord:
        try:
            return self._studies[study_id]
        except KeyError:
            raise KeyError(f"No study with study_id {study_id} exists.") from None

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            record = self._study(study_id)
            for trial in record.trials:
                del self._trial_index[trial._trial_id]
            del self._name_to_id[record.name]
            del self._studies[study_id]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).user_attrs[key] = value

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).system_attrs[key] = value

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            if study_name not in self._name_to_id:
                raise KeyError(f"No such study {study_name}.")
            return self._name_to_id[study_name]

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            return [
                FrozenStudy(
                    study_name=r.name,
                    direction=None,
                    directions=r.directions,
                    user_attrs=dict(r.user_attrs),
                    system_attrs=dict(r.system_attrs),
                    study_id=sid,
                )
                for sid, r in self._studies.items()
            ]

    # -- trials ----------------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            trial_id = self._next_trial_id
            self._next_trial_id += 1
            number = len(record.trials)
            if template_trial is None:
                trial = FrozenTrial._empty(
                    number, TrialState.RUNNING, datetime.datetime.now(), None, trial_id
                )
            else:
                trial = copy.deepcopy(template_trial)
                trial.number = number
                trial._trial_id = trial_id
                trial._internal_params = {
                    name: dist.to_internal_repr(trial.params[name])
                    for name, dist in trial.distributions.items()
                }
                for name, dist in trial.distributions.items():
                    self._register_distribution(record, name, dist)
            record.trials.append(trial)
            self._trial_index[trial_id] = (study_id, number)
            if trial.state is TrialState.RUNNING:
                record.running[trial_id] = trial
            else:
                self._on_state(record, trial)
            return trial_id

    def _new_live_trial(
        self, study_id: int
    ) -> tuple[int, FrozenTrial, dict[str, BaseDistribution], _StudyRecord] | None:
        """Create a RUNNING trial; return its id, live record, the study's parameter
        registry and the study's record (for :meth:`_finish_live`).

        ``None`` when the study has WAITING trials (they run first) or when a subclass
        overrides :meth:`create_new_trial` or :meth:`set_trial_state_values` (its override
        must see every trial). One lock round for :meth:`Study.ask` instead of three.
        """
        if not self._plain_writes:
            return None
        lock = self._lock
        lock.acquire()  # explicit: cheaper than ``with`` on the per-trial path
        try:
            record = self._studies.get(study_id)
            if record is None:
                record = self._study(study_id)  # raises Optuna's KeyError
            if record.waiting:
                return None
            trial_id = self._next_trial_id
            self._next_trial_id = trial_id + 1
            trials = record.trials
            number = len(trials)
            # ``time.time()``: the record turns it into ``datetime.now()``'s value when read
            trial = FrozenTrial._empty(number, _RUNNING, time.time(), None, trial_id)
            # One dict for the external and internal values while they are the very same
            # objects (floats from ``suggest_float``: the usual case); writers of a value
            # whose internal form differs give the record its own internal dict first.
            trial._internal_params = trial.params
            trials.append(trial)
            self._trial_index[trial_id] = (study_id, number)
            record.running[trial_id] = trial
            return trial_id, trial, record.param_distribution, record
        finally:
            lock.release()

    def _finish_live(
        self, record: _StudyRecord, trial: FrozenTrial, state: TrialState, values: list[float]
    ) -> bool:
        """Finish ``trial``, a RUNNING record from :meth:`_new_live_trial` of the study
        ``record``, with the finished ``state`` and ``values`` (owned by the record from
        now on): :meth:`set_trial_state_values` without the id lookup. ``False`` when
        the trial is not RUNNING or its study was deleted: the caller then goes through
        :meth:`set_trial_state_values` for its checks and errors.
        """
        lock = self._lock
        lock.acquire()
        try:
            trial_id = trial._trial_id
            if trial.state is not _RUNNING or trial_id not in self._trial_index:
                return False
            trial._datetime_complete = time.time()  # a datetime when read
            trial.state = state
            trial._values = values
            del record.running[trial_id]
            if record.waiting:
                record.waiting.pop(trial_id, None)
            if trial._internal_params is not trial.params:
                _share_internal(trial)
            record.history.append(trial)
            record.best = updated_best_trial(record.directions, record.best, trial)
            return True
        finally:
            lock.release()

    def _on_state(self, record: _StudyRecord, trial: FrozenTrial) -> None:
        """Keep the running/waiting indexes, the best trial and the history up to date."""
        state = trial.state
        trial_id = trial._trial_id
        record.running.pop(trial_id, None)
        if record.waiting:
            record.waiting.pop(trial_id, None)
        if state == TrialState.RUNNING:
            record.running[trial_id] = trial
        elif state == TrialState.WAITING:
            record.waiting[trial_id] = trial
        else:
            _share_internal(trial)
            record.history.append(trial)
            record.best = updated_best_trial(record.directions, record.best, trial)

    def _register_distribution(
        self, record: _StudyRecord, name: str, distribution: BaseDistribution
    ) -> None:
        known = record.param_distribution.get(name)
        if known is None:
            record.param_distribution[name] = distribution
        elif known is not distribution:
            check_distribution_compatibility(known, distribution)

    def _trial(self, trial_id: int) -> tuple[_StudyRecord, FrozenTrial]:
        try:
            study_id, number = self._trial_index[trial_id]
        except KeyError:
            raise KeyError(f"No trial with trial_id {trial_id} exists.") from None
        record = self._studies[study_id]
        return record, record.trials[number]

    def _updatable(self, trial_id: int) -> tuple[_StudyRecord, FrozenTrial]:
        record, trial = self._trial(trial_id)
        state = trial.state
        if state is not TrialState.RUNNING and state is not TrialState.WAITING:
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished and can not be updated."
            )
        return record, trial

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._lock:
            record, trial = self._updatable(trial_id)
            self._register_distribution(record, param_name, distribution)
            external = distribution.to_external_repr(param_value_internal)
            params = trial.params
            if trial._internal_params is None:
                trial._internal_params = {}
            elif trial._internal_params is params and external is not param_value_internal:
                trial._internal_params = dict(params)  # see _new_live_trial
            params[param_name] = external
            trial.distributions[param_name] = distribution
            trial._internal_params[param_name] = param_value_internal

    def _has_waiting(self, study_id: int) -> bool:
        """Whether the study has enqueued (WAITING) trials."""
        return bool(self._studies[study_id].waiting)

    def _live_record(self, trial_id: int) -> tuple[FrozenTrial, dict[str, BaseDistribution]]:
        """The stored record of a trial and its study's parameter-distribution registry.

        :class:`Trial` writes suggested parameters straight into the record, doing the
        checks of :meth:`set_trial_param` itself (state, registry compatibility).
        """
        with self._lock:
            record, trial = self._trial(trial_id)
            return trial, record.param_distribution

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if not 0 <= trial_number < len(trials):
                raise KeyError(
                    f"No trial with trial number {trial_number} exists in study with study_id "
                    f"{study_id}."
                )
            return trials[trial_number]._trial_id

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            return self._trial(trial_id)[1].number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        with self._lock:
            trial = self._trial(trial_id)[1]
            return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        with self._lock:
            record, trial = self._updatable(trial_id)
            if state == TrialState.RUNNING:
                if trial.state != TrialState.WAITING:
                    return False
                trial.datetime_start = datetime.datetime.now()
            if state.is_finished():
                trial.datetime_complete = datetime.datetime.now()
                if trial.datetime_start is None:
                    trial.datetime_start = trial.datetime_complete
            trial.state = state
            if values is not None:
                trial.values = values
            self._on_state(record, trial)
            return True

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._lock:
            self._updatable(trial_id)[1].intermediate_values[step] = intermediate_value

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._updatable(trial_id)[1].user_attrs[key] = value

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._updatable(trial_id)[1].system_attrs[key] = value

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            return self._trial(trial_id)[1]._copy_mutable()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            trials = self._select(study_id, states)
            if deepcopy:
                return copy.deepcopy(trials)
            # The records of finished trials never change; unfinished ones are updated in
            # place, so the list gets copies of them: later writes leave it as it was, as in
            # Optuna. O(running + waiting) copies, not O(trials).
            record = self._studies[study_id]
            if not record.running and not record.waiting:
                return trials
            if states is None:
                for trial in (*record.running.values(), *record.waiting.values()):
                    trials[trial.number] = trial._copy_mutable()
                return trials
            if TrialState.RUNNING not in states and TrialState.WAITING not in states:
                return trials  # finished trials only
            return [t if t.state.is_finished() else t._copy_mutable() for t in trials]

    def _select(self, study_id: int, states: Container[TrialState] | None) -> list[FrozenTrial]:
        """The stored records of a study's trials in ``states`` (a new list)."""
        record = self._study(study_id)
        if not record.waiting and states == _WAITING_ONLY:
            return []
        if states == _RUNNING_ONLY or states == [TrialState.RUNNING]:
            return sorted(record.running.values(), key=lambda t: t.number)
        if states == _WAITING_ONLY or states == [TrialState.WAITING]:
            return sorted(record.waiting.values(), key=lambda t: t.number)
        if states is None:
            return list(record.trials)
        return [t for t in record.trials if t.state in states]

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        with self._lock:
            record = self._study(study_id)
            if state is None:
                return len(record.trials)
            states = (state,) if isinstance(state, TrialState) else tuple(state)
            total = 0
            for s in states:
                if s == TrialState.RUNNING:
                    total += len(record.running)
                elif s == TrialState.WAITING:
                    total += len(record.waiting)
                else:
                    total += record.history.count(s)
            return total

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        with self._lock:
            record = self._study(study_id)
            return checked_best_trial(record.directions, record.best)

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._trial(trial_id)[1].system_attrs)

    # -- ferrotune additions ---------------------------------------------------------------
    def get_trial_history(self, study_id: int) -> TrialHistory:
        with self._lock:
            history = self._study(study_id).history
        return history.sync()

    def _waiting_records(self, study_id: int) -> list[FrozenTrial]:
        """The live records of the WAITING trials, by number (no copies: for popping)."""
        with self._lock:
            return self._select(study_id, _WAITING_ONLY)

    def get_running_trials(self, study_id: int) -> list[FrozenTrial]:
        # The live records, for samplers that read them at once (no copies).
        with self._lock:
            return self._select(study_id, _RUNNING_ONLY)
