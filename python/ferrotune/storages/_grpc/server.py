"""The proxy server: Optuna's ``StorageService`` in front of any ferrotune storage.

The servicer keeps, per study, the finished trials it has read from the storage's
incremental history indexed by trial id, so answering a client's "what changed since trial
id X" costs O(changes), not a read of the whole study.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, NoReturn

import grpc

from ferrotune.distributions import json_to_distribution
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.logging import get_logger
from ferrotune.storages._base import BaseStorage
from ferrotune.storages._grpc import _codec, api_pb2, api_pb2_grpc
from ferrotune.storages._history import TrialHistory
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

_logger = get_logger(__name__)

_UNFINISHED = (TrialState.RUNNING, TrialState.WAITING)
# Storage errors and the status codes the protocol answers them with.
_STATUS_OF_ERROR: tuple[tuple[type[Exception], grpc.StatusCode], ...] = (
    (DuplicatedStudyError, grpc.StatusCode.ALREADY_EXISTS),
    (UpdateFinishedTrialError, grpc.StatusCode.FAILED_PRECONDITION),
    (KeyError, grpc.StatusCode.NOT_FOUND),
    (ValueError, grpc.StatusCode.INVALID_ARGUMENT),
)


class _FinishedTrials:
    """Finished trials of one study read from the storage's history, ordered by trial id."""

    def __init__(self) -> None:
        self.source: TrialHistory | None = None
        self.rows_read = 0
        self.ids: list[int] = []
        self.by_id: dict[int, FrozenTrial] = {}

    def update(self, history: TrialHistory) -> None:
        if history.root is not self.source:
            self.__init__()  # type: ignore[misc]  # a new history: the study was re-created
            self.source = history.root
        for trial in history.trials_from(self.rows_read):
            trial_id = trial._trial_id
            if trial_id not in self.by_id:
                self.by_id[trial_id] = trial
                bisect.insort(self.ids, trial_id)
        self.rows_read = history.n

    def above(self, trial_id: int, upto: int) -> list[FrozenTrial]:
        start = bisect.bisect_right(self.ids, trial_id)
        stop = bisect.bisect_right(self.ids, upto)
        return [self.by_id[i] for i in self.ids[start:stop]]


@contextmanager
def _answering_errors(context: grpc.ServicerContext) -> Iterator[None]:
    try:
        yield
    except tuple(error for error, _ in _STATUS_OF_ERROR) as e:
        code = next(code for error, code in _STATUS_OF_ERROR if isinstance(e, error))
        _abort(context, code, e)


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, error: Exception) -> NoReturn:
    detail = error.args[0] if isinstance(error, KeyError) and error.args else error
    context.abort(code, str(detail))
    raise AssertionError("unreachable")  # context.abort raises


class StorageProxyServicer(api_pb2_grpc.StorageServiceServicer):  # type: ignore[misc]
    """Answers the protocol's calls with a ferrotune storage.

    Parameters
    ----------
    storage
        The storage the clients share.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self._storage = storage
        self._lock = threading.Lock()
        self._finished: dict[int, _FinishedTrials] = {}

    def _call(self, context: grpc.ServicerContext, fn: Callable[[], Any]) -> Any:
        with _answering_errors(context):
            return fn()

    # -- studies ---------------------------------------------------------------------------
    def CreateNewStudy(self, request: Any, context: grpc.ServicerContext) -> Any:
        directions = _codec.directions_from_wire(request.directions)
        study_id = self._call(
            context, lambda: self._storage.create_new_study(directions, request.study_name)
        )
        return api_pb2.CreateNewStudyReply(study_id=study_id)

    def DeleteStudy(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._call(context, lambda: self._storage.delete_study(request.study_id))
        with self._lock:
            self._finished.pop(request.study_id, None)
        return api_pb2.DeleteStudyReply()

    def SetStudyUserAttribute(self, request: Any, context: grpc.ServicerContext) -> Any:
        value = _codec.attrs_from_wire({request.key: request.value})[request.key]
        self._call(
            context,
            lambda: self._storage.set_study_user_attr(request.study_id, request.key, value),
        )
        return api_pb2.SetStudyUserAttributeReply()

    def SetStudySystemAttribute(self, request: Any, context: grpc.ServicerContext) -> Any:
        value = _codec.attrs_from_wire({request.key: request.value})[request.key]
        self._call(
            context,
            lambda: self._storage.set_study_system_attr(request.study_id, request.key, value),
        )
        return api_pb2.SetStudySystemAttributeReply()

    def GetStudyIdFromName(self, request: Any, context: grpc.ServicerContext) -> Any:
        study_id = self._call(
            context, lambda: self._storage.get_study_id_from_name(request.study_name)
        )
        return api_pb2.GetStudyIdFromNameReply(study_id=study_id)

    def GetStudyNameFromId(self, request: Any, context: grpc.ServicerContext) -> Any:
        name = self._call(context, lambda: self._storage.get_study_name_from_id(request.study_id))
        return api_pb2.GetStudyNameFromIdReply(study_name=name)

    def GetStudyDirections(self, request: Any, context: grpc.ServicerContext) -> Any:
        directions = self._call(
            context, lambda: self._storage.get_study_directions(request.study_id)
        )
        return api_pb2.GetStudyDirectionsReply(directions=_codec.directions_to_wire(directions))

    def GetStudyUserAttributes(self, request: Any, context: grpc.ServicerContext) -> Any:
        attrs = self._call(context, lambda: self._storage.get_study_user_attrs(request.study_id))
        return api_pb2.GetStudyUserAttributesReply(user_attributes=_codec.attrs_to_wire(attrs))

    def GetStudySystemAttributes(self, request: Any, context: grpc.ServicerContext) -> Any:
        attrs = self._call(context, lambda: self._storage.get_study_system_attrs(request.study_id))
        return api_pb2.GetStudySystemAttributesReply(system_attributes=_codec.attrs_to_wire(attrs))

    def GetAllStudies(self, request: Any, context: grpc.ServicerContext) -> Any:
        studies = self._call(context, self._storage.get_all_studies)
        return api_pb2.GetAllStudiesReply(studies=[_codec.study_to_wire(s) for s in studies])

    # -- trials ----------------------------------------------------------------------------
    def CreateNewTrial(self, request: Any, context: grpc.ServicerContext) -> Any:
        template = None
        if not request.template_trial_is_none:
            template = _codec.trial_from_wire(request.template_trial)
        trial_id = self._call(
            context, lambda: self._storage.create_new_trial(request.study_id, template)
        )
        return api_pb2.CreateNewTrialReply(trial_id=trial_id)

    def SetTrialParameter(self, request: Any, context: grpc.ServicerContext) -> Any:
        def write() -> None:
            distribution = json_to_distribution(request.distribution)
            self._storage.set_trial_param(
                request.trial_id, request.param_name, request.param_value_internal, distribution
            )

        self._call(context, write)
        return api_pb2.SetTrialParameterReply()

    def GetTrialIdFromStudyIdTrialNumber(self, request: Any, context: grpc.ServicerContext) -> Any:
        trial_id = self._call(
            context,
            lambda: self._storage.get_trial_id_from_study_id_trial_number(
                request.study_id, request.trial_number
            ),
        )
        return api_pb2.GetTrialIdFromStudyIdTrialNumberReply(trial_id=trial_id)

    def SetTrialStateValues(self, request: Any, context: grpc.ServicerContext) -> Any:
        state = _codec.state_from_wire(request.state)
        values = list(request.values) if request.values else None
        updated = self._call(
            context, lambda: self._storage.set_trial_state_values(request.trial_id, state, values)
        )
        return api_pb2.SetTrialStateValuesReply(trial_updated=updated)

    def SetTrialIntermediateValue(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._call(
            context,
            lambda: self._storage.set_trial_intermediate_value(
                request.trial_id, request.step, request.intermediate_value
            ),
        )
        return api_pb2.SetTrialIntermediateValueReply()

    def SetTrialUserAttribute(self, request: Any, context: grpc.ServicerContext) -> Any:
        value = _codec.attrs_from_wire({request.key: request.value})[request.key]
        self._call(
            context,
            lambda: self._storage.set_trial_user_attr(request.trial_id, request.key, value),
        )
        return api_pb2.SetTrialUserAttributeReply()

    def SetTrialSystemAttribute(self, request: Any, context: grpc.ServicerContext) -> Any:
        value = _codec.attrs_from_wire({request.key: request.value})[request.key]
        self._call(
            context,
            lambda: self._storage.set_trial_system_attr(request.trial_id, request.key, value),
        )
        return api_pb2.SetTrialSystemAttributeReply()

    def GetTrial(self, request: Any, context: grpc.ServicerContext) -> Any:
        trial = self._call(context, lambda: self._storage.get_trial(request.trial_id))
        return api_pb2.GetTrialReply(trial=_codec.trial_to_wire(trial))

    def GetTrials(self, request: Any, context: grpc.ServicerContext) -> Any:
        trials = self._call(context, lambda: self._changed_trials(request))
        return api_pb2.GetTrialsReply(trials=[_codec.trial_to_wire(t) for t in trials])

    def _changed_trials(self, request: Any) -> list[FrozenTrial]:
        """Trials with id above ``trial_id_greater_than`` or in ``included_trial_ids``.

        Unfinished trials are read between two reads of the finished ones, and finished
        trials are only answered up to the largest id the server knew of before that
        read: a trial created meanwhile is left for the next call rather than skipped by a
        client that moves its "seen up to" mark past it.
        """
        study_id = request.study_id
        storage = self._storage
        with self._lock:
            finished = self._finished.setdefault(study_id, _FinishedTrials())
        first = storage.get_trial_history(study_id)
        unfinished = storage.get_all_trials(study_id, deepcopy=False, states=_UNFINISHED)
        second = storage.get_trial_history(study_id)
        with self._lock:
            finished.update(first)
            known_upto = finished.ids[-1] if finished.ids else -1
            finished.update(second)
        if unfinished:
            known_upto = max(known_upto, max(t._trial_id for t in unfinished))
        after = request.trial_id_greater_than
        answer = {t._trial_id: t for t in finished.above(after, known_upto)}
        included = set(request.included_trial_ids)
        for trial_id in included:
            trial = finished.by_id.get(trial_id)
            if trial is not None:
                answer[trial_id] = trial
        for trial in unfinished:
            trial_id = trial._trial_id
            if trial_id not in finished.by_id and (trial_id > after or trial_id in included):
                answer[trial_id] = trial
        return sorted(answer.values(), key=lambda t: t.number)


def make_server(
    storage: BaseStorage, host: str, port: int, thread_pool: ThreadPoolExecutor | None = None
) -> grpc.Server:
    """A gRPC server (not started) serving ``storage`` on ``host:port``.

    Parameters
    ----------
    storage
        The storage to serve.
    host, port
        Address to listen on.
    thread_pool
        Executor of the calls; 10 threads when ``None``.
    """
    server = grpc.server(
        thread_pool or ThreadPoolExecutor(max_workers=10),
        options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)],
    )
    api_pb2_grpc.add_StorageServiceServicer_to_server(StorageProxyServicer(storage), server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise ValueError(f"Cannot listen on {host}:{port}.")
    return server


def run_grpc_proxy_server(
    storage: BaseStorage,
    *,
    host: str = "localhost",
    port: int = 13000,
    thread_pool: ThreadPoolExecutor | None = None,
) -> None:
    """Serve ``storage`` to :class:`GrpcStorageProxy` clients until the process ends.

    Wire-compatible with Optuna 5.0's proxy: Optuna's ``GrpcStorageProxy`` can use this
    server, and ferrotune's client can use Optuna's server.

    Parameters
    ----------
    storage
        The storage to serve, e.g. ``ferrotune.storages.get_storage("postgresql+psycopg://...")``.
        Its cache of finished trials is shared by every client.
    host
        Host name or address to listen on.
    port
        Port to listen on.
    thread_pool
        Executor of the calls; 10 threads when ``None``.
    """
    server = make_server(storage, host, port, thread_pool)
    server.start()
    _logger.info(f"gRPC storage proxy listening on {host}:{port}.")
    server.wait_for_termination()
