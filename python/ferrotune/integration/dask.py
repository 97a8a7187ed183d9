"""Run a study on a Dask cluster: :class:`DaskStorage` and :func:`optimize_on_cluster`.

:class:`DaskStorage` keeps the study in the Dask scheduler (as optuna-integration's does),
so a cluster needs no database: workers reach the storage through their Dask client. The
finished trials are copied to each worker incrementally (only rows it has not seen), so
samplers read a local columnar history. :func:`optimize_on_cluster` runs
``study.optimize`` on every worker against any shared storage.
"""

from __future__ import annotations

import copy
import pickle
import threading
import uuid
from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

from ferrotune.distributions import BaseDistribution
from ferrotune.storages import BaseStorage, get_storage
from ferrotune.storages._history import TrialHistory
from ferrotune.study._callbacks import MaxTrialsCallback
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

__all__ = ["DaskStorage", "optimize_on_cluster"]

_EXTENSION = "ferrotune"
_UNFINISHED = (TrialState.RUNNING, TrialState.WAITING)


class _SchedulerStorages:
    """Scheduler extension: the storages of the cluster's :class:`DaskStorage` objects."""

    def __init__(self) -> None:
        self.storages: dict[str, BaseStorage] = {}


def _register(name: str, storage: Any, dask_scheduler: Any = None) -> None:
    extension = dask_scheduler.extensions.get(_EXTENSION)
    if extension is None:
        extension = dask_scheduler.extensions[_EXTENSION] = _SchedulerStorages()
    if name not in extension.storages:
        extension.storages[name] = get_storage(pickle.loads(storage))


def _call(name: str, method: str, payload: bytes, dask_scheduler: Any = None) -> bytes:
    """Run ``storage.method(*args)`` in the scheduler; the result or the error, pickled."""
    extension = dask_scheduler.extensions.get(_EXTENSION)
    if extension is None or name not in extension.storages:
        return pickle.dumps(
            (False, RuntimeError(f"No DaskStorage named {name!r} on the cluster."))
        )
    storage = extension.storages[name]
    args = pickle.loads(payload)
    try:
        if method == "_finished_since":
            study_id, row = args
            history = storage.get_trial_history(study_id)
            result: Any = history.trials_from(row)
        else:
            result = getattr(storage, method)(*args)
    except Exception as e:
        return pickle.dumps((False, e))
    return pickle.dumps((True, result))


class _StudyView:
    """Finished trials of one study copied from the scheduler, as a columnar history."""

    def __init__(self, n_objectives: int) -> None:
        self.history = TrialHistory(n_objectives)
        self.rows = 0
        self.finished: list[FrozenTrial] = []


class DaskStorage(BaseStorage):
    """A storage held by the Dask scheduler and shared by every worker of the cluster.

    Parameters
    ----------
    storage
        What the scheduler holds: ``None`` (a new in-memory storage), a URL or a storage
        object (pickled to the scheduler).
    name
        Name of the storage in the scheduler; workers unpickling this object use the same
        one. A random name when ``None``.
    client
        The ``dask.distributed.Client``; the current client (``distributed.get_client()``)
        when ``None``.
    """

    def __init__(
        self,
        storage: BaseStorage | str | None = None,
        name: str | None = None,
        client: Any = None,
    ) -> None:
        self.name = name or f"ferrotune-{uuid.uuid4().hex}"
        self._client = client
        self._setup()
        self._dask_client().run_on_scheduler(_register, self.name, pickle.dumps(storage))

    def _setup(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[int, _StudyView] = {}

    def _dask_client(self) -> Any:
        if self._client is None:
            from distributed import get_client

            self._client = get_client()
        return self._client

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._client = None
        self._setup()

    def _remote(self, method: str, *args: Any) -> Any:
        reply = self._dask_client().run_on_scheduler(_call, self.name, method, pickle.dumps(args))
        ok, result = pickle.loads(reply)
        if not ok:
            raise result
        return result

    # -- forwarded calls -------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        return int(self._remote("create_new_study", list(directions), study_name))

    def delete_study(self, study_id: int) -> None:
        self._remote("delete_study", study_id)
        with self._lock:
            self._views.pop(study_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._remote("set_study_user_attr", study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._remote("set_study_system_attr", study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return int(self._remote("get_study_id_from_name", study_name))

    def get_study_name_from_id(self, study_id: int) -> str:
        return str(self._remote("get_study_name_from_id", study_id))

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        directions: list[StudyDirection] = self._remote("get_study_directions", study_id)
        return directions

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        attrs: dict[str, Any] = self._remote("get_study_user_attrs", study_id)
        return attrs

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        attrs: dict[str, Any] = self._remote("get_study_system_attrs", study_id)
        return attrs

    def get_all_studies(self) -> list[FrozenStudy]:
        studies: list[FrozenStudy] = self._remote("get_all_studies")
        return studies

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        return int(self._remote("create_new_trial", study_id, template_trial))

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._remote("set_trial_param", trial_id, param_name, param_value_internal, distribution)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return int(self._remote("get_trial_id_from_study_id_trial_number", study_id, trial_number))

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        values = list(values) if values is not None else None
        return bool(self._remote("set_trial_state_values", trial_id, state, values))

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._remote("set_trial_intermediate_value", trial_id, step, intermediate_value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._remote("set_trial_user_attr", trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._remote("set_trial_system_attr", trial_id, key, value)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        trial: FrozenTrial = self._remote("get_trial", trial_id)
        return trial

    # -- the incremental local view --------------------------------------------------------
    def _sync(self, study_id: int) -> _StudyView:
        with self._lock:
            view = self._views.get(study_id)
        if view is None:
            n_objectives = len(self.get_study_directions(study_id))
            with self._lock:
                view = self._views.setdefault(study_id, _StudyView(n_objectives))
        with self._lock:
            row = view.rows
        new: list[FrozenTrial] = self._remote("_finished_since", study_id, row)
        with self._lock:
            if view.rows == row:  # another thread may have added the same rows meanwhile
                view.history.extend(new)
                view.finished.extend(new)
                view.rows += len(new)
        return view

    def get_trial_history(self, study_id: int) -> TrialHistory:
        return self._sync(study_id).history.sync()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        wanted = list(TrialState) if states is None else [s for s in TrialState if s in states]
        trials: list[FrozenTrial] = []
        if any(s.is_finished() for s in wanted):
            view = self._sync(study_id)
            with self._lock:
                trials = [t for t in view.finished if t.state in wanted]
        unfinished = tuple(s for s in wanted if not s.is_finished())
        if unfinished:
            trials.extend(self._remote("get_all_trials", study_id, False, unfinished))
        elif not trials:
            self.get_study_directions(study_id)  # KeyError for a missing study
        trials.sort(key=lambda t: t.number)
        return copy.deepcopy(trials) if deepcopy else trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        count: int = self._remote("get_n_trials", study_id, state)
        return count


def _optimize_on_worker(
    study_name: str,
    storage: Any,
    sampler: Any,
    func: Callable[..., Any],
    n_trials: int,
    optimize_kwargs: dict[str, Any],
) -> int:
    import ferrotune

    if sampler is not None:
        sampler.reseed_rng()  # each worker explores on its own random stream
    study = ferrotune.load_study(study_name=study_name, storage=storage, sampler=sampler)
    callbacks = [
        *(optimize_kwargs.pop("callbacks", None) or []),
        MaxTrialsCallback(n_trials, None),
    ]
    before = study._storage.get_n_trials(study._study_id)
    study.optimize(func, n_trials=n_trials, callbacks=callbacks, **optimize_kwargs)
    return int(study._storage.get_n_trials(study._study_id) - before)


def optimize_on_cluster(
    client: Any,
    study: Any,
    func: Callable[..., Any],
    n_trials: int,
    *,
    timeout: float | None = None,
    catch: Iterable[type[Exception]] | type[Exception] = (),
    callbacks: Iterable[Callable[..., None]] | None = None,
    workers: Sequence[str] | None = None,
) -> None:
    """Run ``study.optimize(func)`` on every worker of a Dask cluster until ``n_trials``.

    The study must live in a storage every worker reaches: a :class:`DaskStorage`, a
    database (``RDBStorage``), a :class:`~ferrotune.storages.GrpcStorageProxy` or a journal
    on shared disk or Redis. Each worker loads the study with a copy of its sampler (reseeded,
    so that workers do not repeat each other) and stops when the study holds ``n_trials``
    trials (:class:`~ferrotune.study.MaxTrialsCallback` counting every state). Workers that
    finish a trial at the same moment may run a few trials more.

    Parameters
    ----------
    client
        A ``dask.distributed.Client``.
    study
        The study to optimize.
    func
        The objective; it is pickled to the workers.
    n_trials
        Number of trials the study should hold when the call returns.
    timeout
        Seconds after which each worker stops starting trials.
    catch
        Exceptions of ``func`` that fail a trial without stopping its worker.
    callbacks
        Called after each trial on the worker that ran it.
    workers
        Addresses of the workers to use (all of them when ``None``).
    """
    if not isinstance(n_trials, int) or isinstance(n_trials, bool) or n_trials < 1:
        raise ValueError(f"`n_trials` must be a positive int, but got {n_trials!r}.")
    storage = study._storage
    if type(storage).__name__ == "InMemoryStorage":
        raise ValueError(
            "The study is in an InMemoryStorage, which workers cannot share: use a DaskStorage, "
            "a database URL, a GrpcStorageProxy or a journal storage."
        )
    targets = list(workers) if workers is not None else list(client.scheduler_info()["workers"])
    if not targets:
        raise ValueError("The Dask cluster has no workers.")
    optimize_kwargs = {"timeout": timeout, "catch": catch, "callbacks": list(callbacks or [])}
    futures = [
        client.submit(
            _optimize_on_worker,
            study.study_name,
            storage,
            study.sampler,
            func,
            n_trials,
            dict(optimize_kwargs),
            workers=[address],
            pure=False,
            allow_other_workers=False,
        )
        for address in targets
    ]
    client.gather(futures)
