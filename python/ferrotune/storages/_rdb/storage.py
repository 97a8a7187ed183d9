"""Relational storage (SQLite, PostgreSQL, MySQL) on Optuna 5.0's schema: the storage API.

Writes are short single transactions of batched statements (``_sql.py``). Reads of finished
trials go through a per-process cache synchronised incrementally (``_cache.py``); trials this
process runs are kept up to date in memory. The schema and its value encodings are in
``_schema.py``, connecting per dialect and retried transactions in ``_engine.py``.
"""

from __future__ import annotations

import copy
import datetime
import threading
import weakref
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Connection

from ferrotune import logging as _logging
from ferrotune.distributions import BaseDistribution, check_distribution_compatibility
from ferrotune.distributions import distribution_to_json as _distribution_to_json
from ferrotune.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from ferrotune.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    BaseStorage,
    checked_best_trial,
)
from ferrotune.storages._heartbeat import HeartbeatSettings
from ferrotune.storages._history import TrialHistory
from ferrotune.storages._rdb import _schema as S
from ferrotune.storages._rdb import _sql
from ferrotune.storages._rdb._cache import StudyCache, TrialCache, bump_epoch
from ferrotune.storages._rdb._engine import Transactions, create_engine, dispose, redact
from ferrotune.storages._rdb._raw import IntegrityViolation, RawExecutor
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.orm import scoped_session as ScopedSession

    from ferrotune.study import Study

_logger = _logging.get_logger(__name__)


def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _on_engine_disposed(raw: RawExecutor) -> Callable[[Any], None]:
    """An ``engine_disposed`` listener closing ``raw``'s connections (held weakly: the
    engine must not keep the executor alive)."""
    ref = weakref.ref(raw)

    def listener(engine: Any) -> None:
        executor = ref()
        if executor is not None:
            executor.engine_disposed()

    return listener


class RDBStorage(HeartbeatSettings, BaseStorage):
    """Storage in a relational database, compatible with Optuna's ``RDBStorage``.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``"sqlite:///study.db"`` or
        ``"postgresql+psycopg://user:password@host:5432/db"`` (``postgresql://`` uses
        psycopg 3 when psycopg2 is not installed).
    engine_kwargs
        Keyword arguments for :func:`sqlalchemy.create_engine`.
    skip_compatibility_check
        Do not check the schema revision.
    heartbeat_interval
        Seconds between heartbeats of running trials (``None``: no heartbeat).
    grace_period
        Seconds without heartbeat after which a running trial is failed (default
        ``2 * heartbeat_interval``).
    failed_trial_callback, heartbeat_stale_trial_callback
        Called as ``callback(study, trial)`` for every trial failed for lack of heartbeat,
        e.g. :class:`~ferrotune.storages.RetryFailedTrialCallback` (two names of one
        argument; give at most one).
    skip_table_creation
        Do not create missing tables.

    Notes
    -----
    The schema is Optuna 5.0's (alembic revision ``v3.2.0.a``): Optuna and
    optuna-dashboard open these databases and ferrotune opens theirs. SQLite runs in WAL
    mode with ``synchronous=NORMAL``: a crashed process loses nothing, a power cut may lose
    the last few transactions. Many processes may share one study: trial numbers are
    assigned under the study's row lock (PostgreSQL, MySQL) or SQLite's write lock.
    """

    def __init__(
        self,
        url: str,
        engine_kwargs: dict[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        skip_table_creation: bool = False,
    ) -> None:
        if not isinstance(url, str):
            raise TypeError(f"`url` must be a string, but got {url!r}.")
        self._init_heartbeat(
            heartbeat_interval, grace_period, failed_trial_callback, heartbeat_stale_trial_callback
        )
        self.url = url
        self.engine_kwargs = dict(engine_kwargs or {})
        self.skip_compatibility_check = skip_compatibility_check
        self.skip_table_creation = skip_table_creation
        self._setup()

    # -- set-up ----------------------------------------------------------------------------
    def _setup(self) -> None:
        self._scoped_session: ScopedSession[Session] | None = None
        self.engine, sqlite_memory = create_engine(self.url, self.engine_kwargs)
        self._dialect = self.engine.dialect.name
        memory_lock = threading.RLock() if sqlite_memory else None
        # Study-level operations run through SQLAlchemy, per-trial ones on raw DB-API cursors,
        # both on the calling thread's one connection.
        self._raw = RawExecutor(self.engine, memory_lock)
        self._raw.on_write = bump_epoch
        self._transactions = Transactions(self._raw, self.url, memory_lock, bump_epoch)
        self._run = self._transactions.run
        self._sqlite_single = self._dialect == "sqlite"
        self._finalizer = weakref.finalize(self, dispose, self._raw, self.engine)
        sa.event.listen(self.engine, "engine_disposed", _on_engine_disposed(self._raw))
        self._sql = _sql.TrialSql(self._raw)
        transactions = self._transactions
        self._cache = TrialCache(
            lambda study_id: transactions.run(lambda c: _sql.read_directions(c, study_id)),
            self._sql.read_changes,
            self._sql.read_trials,
        )
        self._lock = self._cache.lock  # one lock guards the cache and the storage's state
        try:
            self._init_schema()
        except (sa_exc.OperationalError, StorageInternalError) as e:
            cause = e.__cause__ if isinstance(e, StorageInternalError) else e
            detail = getattr(cause, "orig", None) or cause or e
            raise StorageInternalError(
                f"Could not connect to the database at {redact(self.url)}: {detail}"
            ) from e
        from ferrotune.storages._heartbeat import HeartbeatRunner

        self._run_heartbeat: HeartbeatRunner | None = (
            HeartbeatRunner(self) if self.heartbeat_interval is not None else None
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "engine_kwargs": self.engine_kwargs,
            "skip_compatibility_check": self.skip_compatibility_check,
            "skip_table_creation": self.skip_table_creation,
            "heartbeat_interval": self.heartbeat_interval,
            "grace_period": self.grace_period,
            "heartbeat_stale_trial_callback": self.heartbeat_stale_trial_callback,
            "failed_trial_callback": self.failed_trial_callback,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setup()

    def close(self) -> None:
        """Close this storage's database connections (it reconnects if used again)."""
        if self._scoped_session is not None:
            self._scoped_session.remove()
        self._raw.close()
        self.engine.dispose()

    @property
    def scoped_session(self) -> ScopedSession[Session]:
        """A :class:`sqlalchemy.orm.scoped_session` on this storage's engine, as Optuna's.

        Calling it gives the current thread's :class:`sqlalchemy.orm.Session` (a context
        manager that closes the session); ``scoped_session.remove()`` (also done by
        :meth:`remove_session`) closes and forgets it. ferrotune's own reads and writes do
        not go through it: a session sees the database as any other client does (trials
        written through it reach ``get_all_trials`` like another process's writes).
        Created on first use.
        """
        if self._scoped_session is None:
            from sqlalchemy import orm

            with self._lock:
                if self._scoped_session is None:
                    self._scoped_session = orm.scoped_session(orm.sessionmaker(bind=self.engine))
        return self._scoped_session

    # -- schema ----------------------------------------------------------------------------
    def _init_schema(self) -> None:
        self._run(lambda conn: S.create_schema(conn, self.skip_table_creation), write=True)
        if not self.skip_compatibility_check:
            self._check_schema()

    def _check_schema(self) -> None:
        S.check_revision(self.get_current_version(), redact(self.url))

    def get_current_version(self) -> str:
        """The schema revision stored in the database (``alembic_version``)."""

        def read(conn: Connection) -> str | None:
            row = conn.execute(sa.select(S.alembic_version.c.version_num)).first()
            return None if row is None else str(row[0])

        version = self._run(read)
        if version is None:
            raise RuntimeError(f"The database {redact(self.url)} has no schema revision.")
        return str(version)

    def get_head_version(self) -> str:
        """The schema revision this ferrotune writes."""
        return S.HEAD_REVISION

    def get_all_versions(self) -> list[str]:
        """All known schema revisions, newest first."""
        return list(reversed(S.ALL_REVISIONS))

    def upgrade(self) -> None:
        """Upgrade an older Optuna schema to the current revision."""
        from ferrotune.storages._rdb._migrate import upgrade

        current = self.get_current_version()
        upgrade(self.engine, current)
        self._check_schema()

    # -- studies ---------------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        directions = list(directions)
        for d in directions:
            if not isinstance(d, StudyDirection):
                raise TypeError(f"Directions must be StudyDirection, but got {d!r}.")
        S.check_indexed_string("study name", study_name)

        if study_name is None:
            import uuid

            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        name = study_name

        def create(conn: Connection) -> int:
            result = conn.execute(S.studies.insert().values(study_name=name))
            study_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            conn.execute(
                S.study_directions.insert(),
                [
                    {"study_id": study_id, "objective": i, "direction": d.name}
                    for i, d in enumerate(directions)
                ],
            )
            return study_id

        try:
            study_id: int = self._run(create, write=True)
        except sa_exc.IntegrityError:
            raise DuplicatedStudyError(
                f"Another study with name '{study_name}' already exists. Please specify a "
                "different name, or reuse the existing one by setting `load_if_exists` (for "
                "Python API) or `--skip-if-exists` flag (for CLI)."
            ) from None
        with self._lock:
            self._cache.studies.pop(study_id, None)
        _logger.info(f"A new study created in RDB with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        self._run(lambda conn: _sql.delete_study_rows(conn, study_id), write=True)
        self._cache.forget_study(study_id)

    def _set_study_attr(self, table: sa.Table, study_id: int, key: str, value: Any) -> None:
        S.check_indexed_string("attribute key", key)
        text = S.attr_json(key, value)

        def write(conn: Connection) -> None:
            _sql.require_study(conn, study_id)
            _sql.upsert(
                conn,
                table,
                ("study_id", "key"),
                [{"study_id": study_id, "key": key, "value_json": text}],
            )

        self._run(write, write=True)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(S.study_user_attributes, study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(S.study_system_attributes, study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        study_id: int = self._run(lambda conn: _sql.read_study_id(conn, study_name))
        return study_id

    def get_study_name_from_id(self, study_id: int) -> str:
        name: str = self._run(lambda conn: _sql.read_study_name(conn, study_id))
        return name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return list(self._cache.study(study_id).directions)

    def _get_study_attrs(self, table: sa.Table, study_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._run(lambda c: _sql.read_study_attrs(c, table, study_id))
        return result

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(S.study_user_attributes, study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(S.study_system_attributes, study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        result: list[FrozenStudy] = self._run(_sql.read_all_studies)
        return result

    # -- trials: writes --------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        cache = self._cache.study(study_id)
        if template_trial is not None:
            for key in (*template_trial.user_attrs, *template_trial.system_attrs):
                S.check_indexed_string("attribute key", key)
            for name, dist in template_trial.distributions.items():
                self._check_distribution(cache, study_id, name, dist)
            frozen = copy.deepcopy(template_trial)
            frozen._internal_params = {
                n: d.to_internal_repr(frozen.params[n]) for n, d in frozen.distributions.items()
            }
        else:
            frozen = FrozenTrial._empty(-1, TrialState.RUNNING, _now(), None, -1)
        dt = self._sql.dt
        row = {
            "sid": study_id,
            "state": frozen.state.name,
            "start": dt(S.to_utc_naive(frozen.datetime_start)),
            "complete": dt(S.to_utc_naive(frozen.datetime_complete)),
        }

        def create(cur: Any) -> tuple[int, int]:
            trial_id, number = self._sql.insert_trial_row(cur, study_id, row)
            if template_trial is not None:
                self._sql.insert_trial_children(cur, trial_id, frozen)
            return trial_id, number

        trial_id, number = self._raw.run(create)
        trial_id, number = int(trial_id), int(number)
        frozen.number = number
        frozen._trial_id = trial_id
        with self._lock:
            self._cache.trial_study[trial_id] = study_id
            if frozen.state != TrialState.WAITING:  # a queued trial belongs to its popper
                self._cache.local[trial_id] = frozen
        return trial_id

    def _check_distribution(
        self, cache: StudyCache, study_id: int, name: str, dist: BaseDistribution
    ) -> None:
        S.check_indexed_string("parameter name", name)
        known = cache.distributions.get(name)
        if known is None:
            text = self._run(lambda conn: _sql.read_param_distribution(conn, study_id, name))
            if text is None:
                cache.distributions[name] = dist
                return
            known = cache.distributions[name] = self._sql.distribution(text)
        if known is not dist:
            check_distribution_compatibility(known, dist)

    def _updatable_local(self, trial_id: int) -> FrozenTrial | None:
        """The local record of an unfinished trial this process writes, if any."""
        local = self._cache.local.get(trial_id)
        if local is not None and local.state.is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{local.number} has already finished and can not be updated."
            )
        return local

    def _check_updatable(self, cur: Any, trial_id: int) -> int:
        cur.execute(self._sql.trial_state, {"tid": trial_id})
        row = cur.fetchone()
        if row is None:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        if TrialState[row[1]].is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{row[2]} has already finished and can not be updated."
            )
        return int(row[0])

    def _study_of(self, trial_id: int) -> int:
        study_id = self._cache.trial_study.get(trial_id)
        if study_id is None:

            def read(cur: Any) -> Any:
                cur.execute(self._sql.trial_state, {"tid": trial_id})
                return cur.fetchone()

            row = self._raw.run(read, write=False)
            if row is None:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            study_id = self._cache.trial_study[trial_id] = int(row[0])
        return study_id

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        local = self._updatable_local(trial_id)
        study_id = self._study_of(trial_id)
        self._check_distribution(self._cache.study(study_id), study_id, param_name, distribution)
        row = {
            "trial_id": trial_id,
            "param_name": param_name,
            "param_value": param_value_internal,
            "distribution_json": _distribution_to_json(distribution),
        }

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(self._sql.insert_param, row)

        try:
            self._raw.run(write, single=local is not None and self._sqlite_single, notify=False)
        except IntegrityViolation:
            _logger.debug(f"Parameter {param_name!r} of trial {trial_id} was already set.")
            return
        if local is not None:
            local.params[param_name] = distribution.to_external_repr(param_value_internal)
            local.distributions[param_name] = distribution
            if local._internal_params is not None:
                local._internal_params[param_name] = param_value_internal

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        now = _now()
        stamp = self._sql.dt(S.to_utc_naive(now))
        value_rows = (
            [] if values is None else _sql.value_rows(trial_id, [float(v) for v in values])
        )
        sql = self._sql

        def write(cur: Any) -> bool:
            if state == TrialState.RUNNING:
                cur.execute(sql.pop, {"tid": trial_id, "start": stamp})
            elif state.is_finished():
                cur.execute(sql.finish, {"tid": trial_id, "state": state.name, "complete": stamp})
            else:
                cur.execute(sql.set_state, {"tid": trial_id, "state": state.name})
            if cur.rowcount == 0:
                self._check_updatable(cur, trial_id)
                return False
            if value_rows:
                cur.executemany(sql.values, value_rows)
            return True

        ok: bool = self._raw.run(write)
        if not ok:
            return False
        if state == TrialState.RUNNING:
            study_id = self._study_of(trial_id)
            fetched = self._sql.read_trials([trial_id])
            with self._lock:
                for trial in fetched:
                    self._cache.local[trial._trial_id] = trial
                    self._cache.trial_study[trial._trial_id] = study_id
            return True
        with self._lock:
            local = self._cache.local.get(trial_id)
        if local is not None:
            local.state = state
            if values is not None:
                local.values = [float(v) for v in values]
            if state.is_finished():
                local.datetime_complete = now
        return True

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        local = self._updatable_local(trial_id)
        stored, kind = S.intermediate_to_stored(float(intermediate_value))
        row = {
            "trial_id": trial_id,
            "step": step,
            "intermediate_value": stored,
            "intermediate_value_type": kind,
        }

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(self._sql.intermediate, row)

        self._raw.run(write, single=local is not None and self._sqlite_single, notify=False)
        if local is not None:
            local.intermediate_values[step] = float(intermediate_value)

    def _set_trial_attr(self, user: bool, trial_id: int, key: str, value: Any) -> None:
        S.check_indexed_string("attribute key", key)
        local = self._updatable_local(trial_id)
        row = {"trial_id": trial_id, "key": key, "value_json": S.attr_json(key, value)}
        sql = self._sql.user_attr if user else self._sql.system_attr

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(sql, row)

        self._raw.run(write, single=local is not None and self._sqlite_single, notify=False)
        if local is not None:
            (local.user_attrs if user else local.system_attrs)[key] = value

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(True, trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(False, trial_id, key, value)

    # -- trials: reads ---------------------------------------------------------------------
    def get_trial(self, trial_id: int) -> FrozenTrial:
        known = self._cache.copy_of(trial_id)
        if known is not None:
            return known
        fetched = self._sql.read_trials([trial_id])
        if not fetched:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        return fetched[0]

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        trial_id: int = self._run(lambda conn: _sql.read_trial_id(conn, study_id, trial_number))
        return trial_id

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            local = self._cache.local.get(trial_id)
        if local is not None:
            return local.number
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        trial = self.get_trial(trial_id)
        if param_name not in trial.distributions:
            raise KeyError(f"Trial {trial_id} has no parameter {param_name!r}.")
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def _has_waiting(self, study_id: int) -> bool:
        """Whether the study may have WAITING trials (from the last sync)."""
        cache = self._cache.sync(study_id)
        with self._lock:
            return "WAITING" in cache.pending.values()

    def get_trial_history(self, study_id: int) -> TrialHistory:
        return self._cache.sync(study_id).history.sync()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        wanted = list(TrialState) if states is None else [s for s in TrialState if s in states]
        finished_wanted = [s for s in wanted if s.is_finished()]
        unfinished_wanted = [s.name for s in wanted if not s.is_finished()]
        trials: list[FrozenTrial] = []
        # Unfinished trials read from the database come first and the finished ones from a
        # sync made after that read, so a trial another process finishes in between is in
        # the finished part (and left out of the unfinished one) rather than in neither.
        unfinished_from_db = bool(unfinished_wanted) and unfinished_wanted != ["RUNNING"]
        if unfinished_from_db:
            ids = self._sql.unfinished_ids(study_id, unfinished_wanted)
            if not ids and study_id not in self._cache.studies:
                self._cache.study(study_id)  # raises KeyError for a missing study
        finished_ids: Container[int] = ()
        if finished_wanted:
            cache = self._cache.sync(study_id, reuse=not unfinished_from_db)
            with self._lock:
                finished_ids = set(cache.finished) if unfinished_from_db else ()
                if len(finished_wanted) == 3:
                    trials = list(cache.finished.values())
                else:
                    trials = [t for t in cache.finished.values() if t.state in finished_wanted]
        if unfinished_wanted == ["RUNNING"]:
            cache = self._cache.sync(study_id)
            with self._lock:
                ids = cache.ids_in_state("RUNNING")
        if unfinished_wanted:
            missing = []
            with self._lock:
                for trial_id in ids:
                    if trial_id in finished_ids:
                        continue  # finished after the unfinished read

                    local = self._cache.local.get(trial_id)
                    # Trials this process runs are kept up to date locally.
                    if local is not None and local.state.name in unfinished_wanted:
                        # A copy: the local record changes with later writes.
                        trials.append(local._copy_mutable())
                    else:
                        missing.append(trial_id)
            if missing:
                trials.extend(self._sql.read_trials(missing))
        if not finished_wanted and not unfinished_wanted:
            self._cache.study(study_id)
        trials.sort(key=lambda tr: tr.number)
        return copy.deepcopy(trials) if deepcopy else trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        states = (state,) if isinstance(state, TrialState) else state
        if states is not None and all(s.is_finished() for s in states):
            history = self._cache.sync(study_id).history
            return sum(history.count(s) for s in states)
        names = None if states is None else [s.name for s in states]
        count: int = self._run(lambda conn: _sql.count_trials(conn, study_id, names))
        return count

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        cache = self._cache.sync(study_id)
        return checked_best_trial(cache.directions, cache.best)

    def get_running_trials(self, study_id: int) -> list[FrozenTrial]:
        return self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))

    def remove_session(self) -> None:
        """Return this thread's database connections to the pool (and close its
        :attr:`scoped_session` session)."""
        if self._scoped_session is not None:
            self._scoped_session.remove()
        self._raw.release()

    # -- heartbeat -------------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the trial's worker is alive (database clock)."""

        def write(cur: Any) -> None:
            cur.execute(self._sql.heartbeat, {"tid": trial_id})

        self._raw.run(write)
        self._raw.release()

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """RUNNING trials whose last heartbeat is older than the grace period (DB clock)."""
        grace = self._grace_seconds()
        cache = self._cache.sync(study_id)
        with self._lock:
            running = cache.ids_in_state("RUNNING")
        if not running:
            return []
        clock, rows = self._sql.read_heartbeats(running)
        clock = clock.replace(tzinfo=None)
        limit = datetime.timedelta(seconds=grace)
        stale = []
        for trial_id, beat in rows:
            last = S.parse_datetime(beat)
            if last is not None and clock - last.replace(tzinfo=None) > limit:
                stale.append(int(trial_id))
        return stale
