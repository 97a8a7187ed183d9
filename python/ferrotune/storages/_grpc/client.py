"""The proxy client: a ferrotune storage that talks to a gRPC storage proxy server.

It keeps, per study, every trial it has seen and a columnar history of the finished ones.
A sync asks the server only for trials above the largest finished trial id seen plus the
ones that were unfinished at the last sync (the protocol's ``GetTrials``), so the cost of a
sync grows with the changes, not with the study, and samplers read the columnar history as
they do on a local storage.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Container, Sequence
from typing import Any, TypeVar

import grpc

from ferrotune.distributions import BaseDistribution, distribution_to_json
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.logging import get_logger
from ferrotune.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from ferrotune.storages._grpc import _codec, api_pb2, api_pb2_grpc
from ferrotune.storages._history import TrialHistory
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

_logger = get_logger(__name__)
_T = TypeVar("_T")

# A sync repeated within this many seconds, with no write through any proxy of this process
# in between, reuses the previous answer (samplers read the history several times a trial).
# When the server is slow to answer, an answer is reused for as long as the call that
# fetched it took (capped): it is then no staler than a new call's answer would be by the
# time it arrived, and a busy proxy is not asked again for every suggestion.
_SYNC_REUSE_SECONDS = 0.005
_SYNC_REUSE_MAX_SECONDS = 0.1
_write_epoch = [0]

_ERROR_OF_STATUS: dict[grpc.StatusCode, Callable[[str], Exception]] = {
    grpc.StatusCode.NOT_FOUND: KeyError,
    grpc.StatusCode.ALREADY_EXISTS: DuplicatedStudyError,
    grpc.StatusCode.FAILED_PRECONDITION: UpdateFinishedTrialError,
    grpc.StatusCode.INVALID_ARGUMENT: ValueError,
}


class _StudyView:
    """What this client knows about one study's trials."""

    __slots__ = (
        "by_number",
        "finished_ids",
        "history",
        "max_finished_id",
        "reuse_until",
        "synced_epoch",
        "unfinished",
    )

    def __init__(self, n_objectives: int) -> None:
        self.history = TrialHistory(n_objectives)
        self.by_number: dict[int, FrozenTrial] = {}
        self.unfinished: dict[int, int] = {}  # trial id -> number
        self.finished_ids: set[int] = set()
        self.max_finished_id = -1
        self.reuse_until = -1.0
        self.synced_epoch = -1

    def absorb(self, trials: list[FrozenTrial]) -> None:
        for trial in trials:
            trial_id = trial._trial_id
            if trial_id in self.finished_ids:
                continue
            self.by_number[trial.number] = trial
            if trial.state.is_finished():
                self.unfinished.pop(trial_id, None)
                self.finished_ids.add(trial_id)
                self.max_finished_id = max(self.max_finished_id, trial_id)
                self.history.append(trial)
            else:
                self.unfinished[trial_id] = trial.number


class GrpcStorageProxy(BaseStorage):
    """Storage client of a gRPC storage proxy (:func:`run_grpc_proxy_server` or Optuna's).

    Parameters
    ----------
    host
        Host name of the proxy server.
    port
        Port of the proxy server.
    reconnect_timeout
        Seconds a call keeps retrying while the server is unreachable (e.g. restarting)
        before raising; ``0`` fails at once as Optuna's client does.
    """

    def __init__(
        self, *, host: str = "localhost", port: int = 13000, reconnect_timeout: float = 60.0
    ) -> None:
        if not isinstance(port, int) or isinstance(port, bool):
            raise TypeError(f"`port` must be an int, but got {port!r}.")
        if reconnect_timeout < 0:
            raise ValueError(f"`reconnect_timeout` must be >= 0, but got {reconnect_timeout!r}.")
        self._host = host
        self._port = port
        self._reconnect_timeout = float(reconnect_timeout)
        self._setup()

    def _setup(self) -> None:
        self._channel = grpc.insecure_channel(
            f"{self._host}:{self._port}", options=[("grpc.max_receive_message_length", -1)]
        )
        self._stub = api_pb2_grpc.StorageServiceStub(self._channel)
        self._lock = threading.Lock()
        self._studies: dict[int, _StudyView] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        # RUNNING trials this client created, kept up to date by its own writes (as
        # RDBStorage does): reading them back costs no call. Only their owner writes them.
        self._created: set[int] = set()
        self._own: dict[int, FrozenTrial] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {
            "_host": self._host,
            "_port": self._port,
            "_reconnect_timeout": self._reconnect_timeout,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setup()

    def wait_server_ready(self, timeout: float | None = None) -> None:
        """Block until the server accepts connections; ``ConnectionError`` after ``timeout`` s."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError as e:
            raise ConnectionError(
                f"No gRPC storage proxy answered at {self._host}:{self._port} within {timeout} s."
            ) from e

    def close(self) -> None:
        """Close the connection to the server."""
        self._channel.close()

    # -- calls -----------------------------------------------------------------------------
    def _rpc(self, method: str, request: Any, *, write: bool = True) -> Any:
        """Call ``method``, retrying while the server is unreachable; map errors."""
        call = getattr(self._stub, method)
        deadline = time.monotonic() + self._reconnect_timeout
        delay = 0.05
        retried = False
        while True:
            try:
                if self._reconnect_timeout > 0:
                    timeout = max(deadline - time.monotonic(), 0.001)
                    reply = call(request, wait_for_ready=True, timeout=timeout)
                else:
                    reply = call(request)
                break
            except grpc.RpcError as e:
                code = e.code()
                if (
                    code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
                    and time.monotonic() + delay < deadline
                ):
                    _logger.warning(f"gRPC storage proxy unavailable ({e.details()}); retrying.")
                    time.sleep(delay)
                    delay = min(2 * delay, 1.0)
                    retried = True
                    continue
                error = _ERROR_OF_STATUS.get(code)
                if error is None:
                    raise
                if retried and code == grpc.StatusCode.FAILED_PRECONDITION:
                    # The call may have been done before the connection broke.
                    raise _AmbiguousRetryError(e.details() or "") from e
                raise error(e.details() or "") from e
        if write:
            _write_epoch[0] += 1
        return reply

    # -- studies ---------------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        request = api_pb2.CreateNewStudyRequest(
            directions=_codec.directions_to_wire(directions), study_name=study_name
        )
        return int(self._rpc("CreateNewStudy", request).study_id)

    def delete_study(self, study_id: int) -> None:
        self._rpc("DeleteStudy", api_pb2.DeleteStudyRequest(study_id=study_id))
        with self._lock:
            self._studies.pop(study_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        request = api_pb2.SetStudyUserAttributeRequest(
            study_id=study_id, key=key, value=_codec.attrs_to_wire({key: value})[key]
        )
        self._rpc("SetStudyUserAttribute", request)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        request = api_pb2.SetStudySystemAttributeRequest(
            study_id=study_id, key=key, value=_codec.attrs_to_wire({key: value})[key]
        )
        self._rpc("SetStudySystemAttribute", request)

    def get_study_id_from_name(self, study_name: str) -> int:
        request = api_pb2.GetStudyIdFromNameRequest(study_name=study_name)
        return int(self._rpc("GetStudyIdFromName", request, write=False).study_id)

    def get_study_name_from_id(self, study_id: int) -> str:
        request = api_pb2.GetStudyNameFromIdRequest(study_id=study_id)
        return str(self._rpc("GetStudyNameFromId", request, write=False).study_name)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        request = api_pb2.GetStudyDirectionsRequest(study_id=study_id)
        reply = self._rpc("GetStudyDirections", request, write=False)
        return _codec.directions_from_wire(reply.directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        request = api_pb2.GetStudyUserAttributesRequest(study_id=study_id)
        reply = self._rpc("GetStudyUserAttributes", request, write=False)
        return _codec.attrs_from_wire(reply.user_attributes)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        request = api_pb2.GetStudySystemAttributesRequest(study_id=study_id)
        reply = self._rpc("GetStudySystemAttributes", request, write=False)
        return _codec.attrs_from_wire(reply.system_attributes)

    def get_all_studies(self) -> list[FrozenStudy]:
        reply = self._rpc("GetAllStudies", api_pb2.GetAllStudiesRequest(), write=False)
        return [_codec.study_from_wire(s) for s in reply.studies]

    # -- trials ----------------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        if template_trial is None:
            request = api_pb2.CreateNewTrialRequest(study_id=study_id, template_trial_is_none=True)
        else:
            request = api_pb2.CreateNewTrialRequest(
                study_id=study_id, template_trial=_codec.trial_to_wire(template_trial)
            )
        trial_id = int(self._rpc("CreateNewTrial", request).trial_id)
        if template_trial is None:
            with self._lock:
                self._created.add(trial_id)
        return trial_id

    def _write_own(self, trial_id: int, method: str, request: Any, update: Any) -> None:
        """Make a write call, then apply ``update`` to this client's copy of the trial.

        A write to a trial this client keeps a copy of does not invalidate the last sync:
        its reads answer that trial from the copy, and a running trial's attributes are not
        part of the finished history (samplers sync once per suggestion, not once per
        parameter written before it).
        """
        with self._lock:
            kept = trial_id in self._own
        try:
            self._rpc(method, request, write=not kept)
        except BaseException:
            with self._lock:
                self._own.pop(trial_id, None)
            _write_epoch[0] += 1  # the write may have been done: sync again
            raise
        with self._lock:
            record = self._own.get(trial_id)
            if record is not None:
                update(record)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        request = api_pb2.SetTrialParameterRequest(
            trial_id=trial_id,
            param_name=param_name,
            param_value_internal=param_value_internal,
            distribution=distribution_to_json(distribution),
        )

        def update(record: FrozenTrial) -> None:
            record.params[param_name] = distribution.to_external_repr(param_value_internal)
            record.distributions[param_name] = distribution
            if record._internal_params is not None:
                record._internal_params[param_name] = param_value_internal

        self._write_own(trial_id, "SetTrialParameter", request, update)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        request = api_pb2.GetTrialIdFromStudyIdTrialNumberRequest(
            study_id=study_id, trial_number=trial_number
        )
        return int(self._rpc("GetTrialIdFromStudyIdTrialNumber", request, write=False).trial_id)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        request = api_pb2.SetTrialStateValuesRequest(
            trial_id=trial_id, state=_codec.state_to_wire(state), values=values or []
        )
        with self._lock:
            self._own.pop(trial_id, None)
            self._created.discard(trial_id)
        try:
            return bool(self._rpc("SetTrialStateValues", request).trial_updated)
        except _AmbiguousRetryError:
            # A retry after a broken connection: done if the first attempt did it.
            trial = self.get_trial(trial_id)
            if trial.state == state and (values is None or trial.values == list(values)):
                return True
            raise

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        request = api_pb2.SetTrialIntermediateValueRequest(
            trial_id=trial_id, step=step, intermediate_value=intermediate_value
        )

        def update(record: FrozenTrial) -> None:
            record.intermediate_values[step] = float(intermediate_value)

        self._write_own(trial_id, "SetTrialIntermediateValue", request, update)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        text = _codec.attrs_to_wire({key: value})[key]
        request = api_pb2.SetTrialUserAttributeRequest(trial_id=trial_id, key=key, value=text)

        def update(record: FrozenTrial) -> None:
            record.user_attrs[key] = json.loads(text)

        self._write_own(trial_id, "SetTrialUserAttribute", request, update)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        text = _codec.attrs_to_wire({key: value})[key]
        request = api_pb2.SetTrialSystemAttributeRequest(trial_id=trial_id, key=key, value=text)

        def update(record: FrozenTrial) -> None:
            record.system_attrs[key] = json.loads(text)

        self._write_own(trial_id, "SetTrialSystemAttribute", request, update)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            record = self._own.get(trial_id)
            if record is not None:
                return record._copy_mutable()
        reply = self._rpc("GetTrial", api_pb2.GetTrialRequest(trial_id=trial_id), write=False)
        trial = _codec.trial_from_wire(reply.trial, self._distributions)
        if trial.state == TrialState.RUNNING:
            with self._lock:
                if trial_id in self._created:
                    self._own[trial_id] = trial._copy_mutable()
        return trial

    # -- the incremental view --------------------------------------------------------------
    def _sync(self, study_id: int) -> _StudyView:
        """Bring this client's view of the study up to date (only the changes travel)."""
        with self._lock:
            view = self._studies.get(study_id)
            if (
                view is not None
                and view.synced_epoch == _write_epoch[0]
                and time.monotonic() < view.reuse_until
            ):
                return view
        if view is None:
            n_objectives = len(self.get_study_directions(study_id))
            with self._lock:
                view = self._studies.setdefault(study_id, _StudyView(n_objectives))
        epoch, started = _write_epoch[0], time.monotonic()
        with self._lock:
            request = api_pb2.GetTrialsRequest(
                study_id=study_id,
                included_trial_ids=sorted(view.unfinished),
                trial_id_greater_than=view.max_finished_id,
            )
        try:
            reply = self._rpc("GetTrials", request, write=False)
        except KeyError:
            with self._lock:
                self._studies.pop(study_id, None)
            raise
        trials = [_codec.trial_from_wire(t, self._distributions) for t in reply.trials]
        trials.sort(key=lambda t: t.number)
        with self._lock:
            view.absorb(trials)
            view.synced_epoch = epoch
            ended = time.monotonic()
            view.reuse_until = max(
                started + _SYNC_REUSE_SECONDS,
                ended + min(ended - started, _SYNC_REUSE_MAX_SECONDS),
            )
        return view

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        view = self._sync(study_id)
        with self._lock:
            numbers = sorted(view.by_number)
            trials = [self._current(view.by_number[n]) for n in numbers]
        if states is not None:
            trials = [t for t in trials if t.state in states]
        return copy.deepcopy(trials) if deepcopy else trials

    def _current(self, trial: FrozenTrial) -> FrozenTrial:
        """``trial`` as last synced, or a copy of this client's up-to-date record of it
        (call under ``self._lock``)."""
        record = self._own.get(trial._trial_id)
        return trial if record is None else record._copy_mutable()

    def get_trial_history(self, study_id: int) -> TrialHistory:
        return self._sync(study_id).history.sync()

    def get_running_trials(self, study_id: int) -> list[FrozenTrial]:
        view = self._sync(study_id)
        with self._lock:
            numbers = sorted(view.unfinished.values())
            trials = [self._current(view.by_number[n]) for n in numbers]
        return [t for t in trials if t.state == TrialState.RUNNING]

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        states = (state,) if isinstance(state, TrialState) else state
        view = self._sync(study_id)
        if states is not None and all(s.is_finished() for s in states):
            return sum(view.history.count(s) for s in states)
        with self._lock:
            if states is None:
                return len(view.by_number)
            return sum(1 for t in view.by_number.values() if t.state in states)


class _AmbiguousRetryError(UpdateFinishedTrialError):
    """``FAILED_PRECONDITION`` on a retried call whose first attempt may have succeeded."""
