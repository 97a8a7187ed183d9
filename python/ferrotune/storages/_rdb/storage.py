"""Relational storage (SQLite, PostgreSQL, MySQL) on Optuna 5.0's schema.

Writes are short single transactions of batched statements. Reads of finished trials go
through a per-process cache synchronised incrementally: each sync asks only for the state of
trials that are new or were unfinished at the previous sync, and fetches the full records of
the ones that finished meanwhile (trials this process finished itself are taken from memory).
Finished trials feed the study's columnar :class:`~ferrotune.storages.TrialHistory`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import random
import threading
import time
import weakref
from collections.abc import Callable, Container, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from ferrotune import logging as _logging
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    _json_to_distribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from ferrotune.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from ferrotune.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from ferrotune.storages._heartbeat import HeartbeatSettings
from ferrotune.storages._history import TrialHistory
from ferrotune.storages._rdb import _schema as S
from ferrotune.storages._rdb._raw import IntegrityViolation, RawExecutor, sqlite_datetime
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState
from ferrotune.version import __version__

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.orm import scoped_session as ScopedSession

    from ferrotune.study import Study

_logger = _logging.get_logger(__name__)

_UNFINISHED_NAMES = ("RUNNING", "WAITING")


def _attr_json(key: str, value: Any) -> str:
    """JSON text of an attribute value; a TypeError naming the key and value otherwise."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The value of attribute {key!r} must be JSON serializable, but got "
            f"{value!r:.200} ({e})."
        ) from None


def _check_indexed_string(what: str, value: Any) -> None:
    """Reject a name longer than its ``VARCHAR(512)`` column before it is written.

    PostgreSQL and MySQL would refuse it (or truncate it, MySQL in non-strict mode) and
    SQLite would keep it, so a too-long name is refused on every dialect, naming it.
    """
    if isinstance(value, str) and len(value) > S.MAX_INDEXED_STRING_LENGTH:
        raise ValueError(
            f"The {what} {value[:40]!r}... has {len(value)} characters, but RDB storages "
            f"keep at most {S.MAX_INDEXED_STRING_LENGTH}."
        )


def _stored_param(
    dist: Callable[[str], BaseDistribution],
    trial: FrozenTrial,
    name: str,
    value: Any,
    dist_json: Any,
) -> tuple[BaseDistribution, Any]:
    """The distribution and external value of a stored parameter row, checked.

    A corrupt row (unreadable distribution, categorical index outside the choices) is a
    clear ``StorageInternalError`` rather than an ``IndexError`` deep in a sampler.
    """
    try:
        d = dist(dist_json)
        if isinstance(d, CategoricalDistribution) and not (
            isinstance(value, (int, float))
            and float(value).is_integer()
            and 0 <= value < len(d.choices)
        ):
            raise ValueError(f"index {value!r} is not one of the {len(d.choices)} choices")
        return d, d.to_external_repr(value)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise StorageInternalError(
            f"Corrupt stored parameter {name!r} of trial {trial.number}: {str(e).rstrip('.')}."
        ) from e


_MAX_RETRIES = 5
_EXPANDING_LIMIT = 5000
_UTC = datetime.UTC
# A sync repeated within this many seconds, with no write by this process in between, reuses
# the previous result (samplers ask for the history several times per trial).
_SYNC_REUSE_SECONDS = 0.005
_write_epoch = [0]


def _bump_epoch() -> None:
    _write_epoch[0] += 1


# -- value encodings (identical to Optuna's) -----------------------------------------------
def _value_to_stored(value: float) -> tuple[float | None, str]:
    if value == float("inf"):
        return None, "INF_POS"
    if value == float("-inf"):
        return None, "INF_NEG"
    return value, "FINITE"


def _stored_to_value(value: float | None, kind: str) -> float:
    if kind == "INF_POS":
        return float("inf")
    if kind == "INF_NEG":
        return float("-inf")
    if kind == "NAN":
        return float("nan")
    if value is None:  # a FINITE row without a value: the database was edited
        raise StorageInternalError(f"Corrupt stored value: NULL with value type {kind!r}.")
    return float(value)


def _intermediate_to_stored(value: float) -> tuple[float | None, str]:
    if value != value:
        return None, "NAN"
    return _value_to_stored(value)


def _to_utc_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    return value.astimezone(_UTC).replace(tzinfo=None)


def _from_utc_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=_UTC).astimezone().replace(tzinfo=None)


def _parse_datetime(value: Any) -> datetime.datetime | None:
    """A datetime read by a DB-API driver (SQLite gives text)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


def _dispose(raw: RawExecutor, engine: Engine) -> None:
    raw.close()
    engine.dispose()


class _StudyCache:
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
        self.finished[trial._trial_id] = trial
        self.history.append(trial)
        for name, dist in trial.distributions.items():
            self.distributions.setdefault(name, dist)
        if trial.state == TrialState.COMPLETE and len(self.directions) == 1:
            assert trial.values is not None
            best = self.best
            if best is None:
                self.best = trial
            else:
                assert best.values is not None
                if self.directions[0] == StudyDirection.MAXIMIZE:
                    if trial.values[0] > best.values[0]:
                        self.best = trial
                elif trial.values[0] < best.values[0]:
                    self.best = trial


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
        self._lock = threading.RLock()
        self._studies: dict[int, _StudyCache] = {}
        self._local: dict[int, FrozenTrial] = {}  # trials this process is writing
        self._trial_study: dict[int, int] = {}
        self._dist_cache: dict[str, BaseDistribution] = {}
        self._scoped_session: ScopedSession[Session] | None = None
        self.engine = self._create_engine()
        self._dialect = self.engine.dialect.name
        self._memory_lock: threading.RLock | None = (
            threading.RLock() if self._is_sqlite_memory else None
        )
        self._raw = RawExecutor(self.engine, self._memory_lock)
        self._raw.on_write = _bump_epoch
        self._sqlite_single = self._dialect == "sqlite"
        self._finalizer = weakref.finalize(self, _dispose, self._raw, self.engine)
        self._prepare_sql()
        try:
            self._init_schema()
        except (sa_exc.OperationalError, StorageInternalError) as e:
            cause = e.__cause__ if isinstance(e, StorageInternalError) else e
            detail = getattr(cause, "orig", None) or cause or e
            raise StorageInternalError(
                f"Could not connect to the database at {_redact(self.url)}: {detail}"
            ) from e
        from ferrotune.storages._heartbeat import HeartbeatRunner

        self._run_heartbeat: HeartbeatRunner | None = (
            HeartbeatRunner(self) if self.heartbeat_interval is not None else None
        )

    def _prepare_sql(self) -> None:
        raw = self._raw
        d = self._dialect
        lock = " FOR UPDATE" if d in ("postgresql", "mysql") else ""
        returning = " RETURNING trial_id" if d == "postgresql" else ""
        self._dt: Callable[[datetime.datetime | None], Any] = (
            sqlite_datetime if d == "sqlite" else (lambda v: v)
        )
        self._parse_dt: Callable[[Any], datetime.datetime | None] = _parse_datetime
        q = raw.sql
        self._q_lock_study = q(f"SELECT study_id FROM studies WHERE study_id = :sid{lock}")
        # The study's newest trial holds the largest number (numbers are given under a lock).
        self._q_last_number = q(
            "SELECT number FROM trials WHERE study_id = :sid ORDER BY trial_id DESC LIMIT 1"
        )
        self._q_count = q("SELECT COUNT(trial_id) FROM trials WHERE study_id = :sid")
        self._q_insert_trial = q(
            "INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) "
            f"VALUES (:number, :sid, :state, :start, :complete){returning}"
        )
        self._q_trial_state = q("SELECT study_id, state, number FROM trials WHERE trial_id = :tid")
        self._q_insert_param = q(
            "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
            "VALUES (:trial_id, :param_name, :param_value, :distribution_json)"
        )
        self._q_pop = q(
            "UPDATE trials SET state = 'RUNNING', datetime_start = :start "
            "WHERE trial_id = :tid AND state = 'WAITING'"
        )
        self._q_finish = q(
            "UPDATE trials SET state = :state, datetime_complete = :complete "
            "WHERE trial_id = :tid AND state IN ('RUNNING', 'WAITING')"
        )
        self._q_set_state = q(
            "UPDATE trials SET state = :state "
            "WHERE trial_id = :tid AND state IN ('RUNNING', 'WAITING')"
        )
        self._q_values = q(
            raw.upsert(
                "trial_values",
                ("trial_id", "objective", "value", "value_type"),
                ("trial_id", "objective"),
            )
        )
        self._q_intermediate = q(
            raw.upsert(
                "trial_intermediate_values",
                ("trial_id", "step", "intermediate_value", "intermediate_value_type"),
                ("trial_id", "step"),
            )
        )
        self._q_user_attr = q(
            raw.upsert(
                "trial_user_attributes", ("trial_id", "key", "value_json"), ("trial_id", "key")
            )
        )
        self._q_system_attr = q(
            raw.upsert(
                "trial_system_attributes", ("trial_id", "key", "value_json"), ("trial_id", "key")
            )
        )
        self._q_heartbeat = q(
            "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (:tid, CURRENT_TIMESTAMP)"
            + (
                " ON DUPLICATE KEY UPDATE heartbeat = VALUES(heartbeat)"
                if d == "mysql"
                else " ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat"
            )
        )
        self._q_unfinished = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state IN ('RUNNING', 'WAITING')"
        )
        self._q_waiting = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state = 'WAITING'"
        )
        self._q_running = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state = 'RUNNING'"
        )
        # New trials by primary-key range (`+study_id` keeps the planner off the study_id
        # index, which would scan every trial of the study), then the known unfinished ones.
        self._q_changes = q(
            "SELECT trial_id, state FROM trials WHERE trial_id > :max_id AND +study_id = :sid "
            "ORDER BY trial_id"
        )
        self._q_changes_in = (
            "SELECT trial_id, state FROM trials WHERE trial_id IN ({ids}) "
            "UNION ALL "
            "SELECT trial_id, state FROM trials WHERE trial_id > :max_id AND +study_id = :sid "
            "ORDER BY trial_id"
        )

    def _create_engine(self) -> Engine:
        try:
            url = sa.engine.make_url(self.url)
        except sa_exc.ArgumentError as e:
            raise ValueError(
                f"Invalid storage URL {self.url!r}: expected e.g. 'sqlite:///study.db' or "
                "'postgresql+psycopg://user:password@host/db'."
            ) from e
        kwargs = dict(self.engine_kwargs)
        backend = url.get_backend_name()
        self._is_sqlite_memory = False
        if backend == "postgresql":
            if url.drivername in ("postgresql", "postgres"):
                try:
                    import psycopg2  # type: ignore[import-untyped]  # noqa: F401
                except ImportError:
                    url = url.set(drivername="postgresql+psycopg")
            connect_args = dict(kwargs.get("connect_args", {}))
            connect_args.setdefault("connect_timeout", 10)
            kwargs["connect_args"] = connect_args
            kwargs.setdefault("pool_pre_ping", True)
        elif backend == "mysql":
            kwargs.setdefault("pool_pre_ping", True)
        elif backend == "sqlite":
            connect_args = dict(kwargs.get("connect_args", {}))
            connect_args.setdefault("timeout", 60)
            connect_args.setdefault("check_same_thread", False)
            kwargs["connect_args"] = connect_args
            database = url.database
            if database in (None, "", ":memory:"):
                self._is_sqlite_memory = True
                kwargs.setdefault("poolclass", sa.pool.StaticPool)
        try:
            engine = sa.create_engine(url, **kwargs)
        except ImportError as e:
            raise ImportError(
                f"The database driver for {_redact(self.url)} is not installed: {e}. For "
                "PostgreSQL install `psycopg[binary]`."
            ) from e
        except sa_exc.ArgumentError as e:
            raise ValueError(f"Invalid storage URL {self.url!r}: {e}") from e
        if backend == "sqlite":
            memory = self._is_sqlite_memory

            @sa.event.listens_for(engine, "connect")
            def _on_connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                if not memory:
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=OFF")
                cursor.close()

            @sa.event.listens_for(engine, "begin")
            def _on_begin(conn: Connection) -> None:
                if conn.get_execution_options().get("ferrotune_write"):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    conn.exec_driver_sql("BEGIN")

        return engine

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

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _txn(self, write: bool = False) -> Iterator[Connection]:
        """One transaction; SQLite write transactions take the write lock up front."""
        guard = self._memory_lock if self._memory_lock is not None else contextlib.nullcontext()
        with guard, self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(ferrotune_write=True)
            with conn.begin():
                yield conn

    def _run(self, fn: Callable[[Connection], Any], write: bool = False) -> Any:
        """Run ``fn`` in a transaction, retrying when the database is briefly unavailable."""
        delay = 0.05
        for attempt in range(1, _MAX_RETRIES + 1):
            try:
                with self._txn(write) as conn:
                    result = fn(conn)
                if write:
                    _bump_epoch()
                return result
            except sa_exc.OperationalError as e:
                transient = e.connection_invalidated or self._is_transient(e)
                if not transient or attempt == _MAX_RETRIES:
                    raise StorageInternalError(
                        f"Database operation failed on {_redact(self.url)}: {e.orig}"
                    ) from e
                _logger.warning(f"Database unavailable ({e.orig}); retrying in {delay:.2f} s.")
            except sa_exc.DBAPIError as e:
                if not e.connection_invalidated or attempt == _MAX_RETRIES:
                    if isinstance(e, sa_exc.IntegrityError):
                        raise
                    raise StorageInternalError(
                        f"Database operation failed on {_redact(self.url)}: {e.orig}"
                    ) from e
                _logger.warning(f"Database connection lost ({e.orig}); retrying.")
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    @staticmethod
    def _is_transient(e: sa_exc.OperationalError) -> bool:
        text = str(e.orig).lower()
        return any(
            s in text
            for s in (
                "locked",
                "busy",
                "connection",
                "terminating",
                "server closed",
                "shutting down",
                "deadlock",
                "could not serialize",
                "starting up",
                "timeout",
            )
        )

    # -- schema ----------------------------------------------------------------------------
    def _init_schema(self) -> None:
        def create(conn: Connection) -> None:
            if self._dialect == "postgresql":
                # Many workers may start at once: create the schema under one lock.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7253124516)"))
            inspector = sa.inspect(conn)
            existing = set(inspector.get_table_names())
            if not self.skip_table_creation:
                S.metadata.create_all(conn, checkfirst=True)
            elif "studies" not in existing:
                return
            if conn.execute(sa.select(S.version_info.c.version_info_id)).first() is None:
                conn.execute(
                    S.version_info.insert().values(
                        version_info_id=1,
                        schema_version=S.SCHEMA_VERSION,
                        library_version=__version__,
                    )
                )
            if conn.execute(sa.select(S.alembic_version.c.version_num)).first() is None:
                fresh = "studies" not in existing
                revision = S.HEAD_REVISION if fresh else S.ALL_REVISIONS[0]
                if not fresh:
                    row = conn.execute(sa.select(S.version_info.c.schema_version)).first()
                    if row is not None and row[0] == S.SCHEMA_VERSION:
                        revision = S.HEAD_REVISION
                conn.execute(S.alembic_version.insert().values(version_num=revision))

        self._run(create, write=True)
        if not self.skip_compatibility_check:
            self._check_schema()

    def _check_schema(self) -> None:
        current = self.get_current_version()
        if current == S.HEAD_REVISION:
            return
        if current in S.ALL_REVISIONS:
            raise RuntimeError(
                f"The database {_redact(self.url)} uses the older schema revision {current!r} "
                f"(this ferrotune uses {S.HEAD_REVISION!r}). Run "
                f"`ferrotune storage upgrade --storage {_redact(self.url)}` to upgrade it."
            )
        raise RuntimeError(
            f"The database {_redact(self.url)} uses schema revision {current!r}, which is newer "
            f"than this ferrotune {__version__} knows ({S.HEAD_REVISION!r}). Upgrade ferrotune "
            "(`pip install -U ferrotune`); `ferrotune storage upgrade` only migrates older "
            "schemas."
        )

    def get_current_version(self) -> str:
        """The schema revision stored in the database (``alembic_version``)."""

        def read(conn: Connection) -> str | None:
            row = conn.execute(sa.select(S.alembic_version.c.version_num)).first()
            return None if row is None else str(row[0])

        version = self._run(read)
        if version is None:
            raise RuntimeError(f"The database {_redact(self.url)} has no schema revision.")
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

    # -- helpers ---------------------------------------------------------------------------
    def _dist(self, text: str) -> BaseDistribution:
        dist = self._dist_cache.get(text)
        if dist is None:
            dist = self._dist_cache[text] = _json_to_distribution(text)
        return dist

    def _upsert(
        self, conn: Connection, table: sa.Table, keys: Sequence[str], rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        update_cols = [c for c in rows[0] if c not in keys]
        if self._dialect in ("sqlite", "postgresql"):
            from sqlalchemy.dialects import postgresql, sqlite

            module: Any = sqlite if self._dialect == "sqlite" else postgresql
            stmt = module.insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={c: stmt.excluded[c] for c in update_cols},
            )
            conn.execute(stmt, rows)
            return
        for row in rows:
            cond = sa.and_(*(table.c[k] == row[k] for k in keys))
            done = conn.execute(
                table.update().where(cond).values({c: row[c] for c in update_cols})
            )
            if done.rowcount == 0:
                conn.execute(table.insert().values(row))

    def _study_cache(self, study_id: int, conn: Connection | None = None) -> _StudyCache:
        cache = self._studies.get(study_id)
        if cache is None:
            directions = (
                self._read_directions(conn, study_id)
                if conn is not None
                else self._run(lambda c: self._read_directions(c, study_id))
            )
            with self._lock:
                cache = self._studies.get(study_id)
                if cache is None:
                    cache = self._studies[study_id] = _StudyCache(directions)
        return cache

    @staticmethod
    def _read_directions(conn: Connection, study_id: int) -> list[StudyDirection]:
        rows = conn.execute(
            sa.select(S.study_directions.c.direction)
            .where(S.study_directions.c.study_id == study_id)
            .order_by(S.study_directions.c.objective)
        ).all()
        if not rows:
            exists = conn.execute(
                sa.select(S.studies.c.study_id).where(S.studies.c.study_id == study_id)
            ).first()
            if exists is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
        return [StudyDirection[r[0]] for r in rows]

    @staticmethod
    def _require_study(conn: Connection, study_id: int) -> None:
        row = conn.execute(
            sa.select(S.studies.c.study_id).where(S.studies.c.study_id == study_id)
        ).first()
        if row is None:
            raise KeyError(f"No study with study_id {study_id} exists.")

    # -- studies ---------------------------------------------------------------------------
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        directions = list(directions)
        for d in directions:
            if not isinstance(d, StudyDirection):
                raise TypeError(f"Directions must be StudyDirection, but got {d!r}.")
        _check_indexed_string("study name", study_name)

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
            self._studies.pop(study_id, None)
        _logger.info(f"A new study created in RDB with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        def delete(conn: Connection) -> None:
            self._require_study(conn, study_id)
            trial_ids = sa.select(S.trials.c.trial_id).where(S.trials.c.study_id == study_id)
            for table in S.TRIAL_CHILD_TABLES:
                conn.execute(table.delete().where(table.c.trial_id.in_(trial_ids)))
            conn.execute(S.trials.delete().where(S.trials.c.study_id == study_id))
            for table in (
                S.study_directions,
                S.study_user_attributes,
                S.study_system_attributes,
            ):
                conn.execute(table.delete().where(table.c.study_id == study_id))
            conn.execute(S.studies.delete().where(S.studies.c.study_id == study_id))

        self._run(delete, write=True)
        with self._lock:
            cache = self._studies.pop(study_id, None)
            if cache is not None:
                for trial_id in cache.finished:
                    self._trial_study.pop(trial_id, None)
            for trial_id in [t for t, s in self._trial_study.items() if s == study_id]:
                self._trial_study.pop(trial_id, None)
                self._local.pop(trial_id, None)

    def _set_study_attr(self, table: sa.Table, study_id: int, key: str, value: Any) -> None:
        _check_indexed_string("attribute key", key)
        text = _attr_json(key, value)

        def write(conn: Connection) -> None:
            self._require_study(conn, study_id)
            self._upsert(
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
        row = self._run(
            lambda c: c.execute(
                sa.select(S.studies.c.study_id).where(S.studies.c.study_name == study_name)
            ).first()
        )
        if row is None:
            raise KeyError(f"No such study {study_name}.")
        return int(row[0])

    def get_study_name_from_id(self, study_id: int) -> str:
        row = self._run(
            lambda c: c.execute(
                sa.select(S.studies.c.study_name).where(S.studies.c.study_id == study_id)
            ).first()
        )
        if row is None:
            raise KeyError(f"No study with study_id {study_id} exists.")
        return str(row[0])

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return list(self._study_cache(study_id).directions)

    def _get_study_attrs(self, table: sa.Table, study_id: int) -> dict[str, Any]:
        def read(conn: Connection) -> dict[str, Any]:
            self._require_study(conn, study_id)
            rows = conn.execute(
                sa.select(table.c.key, table.c.value_json).where(table.c.study_id == study_id)
            ).all()
            return {k: json.loads(v) for k, v in rows}

        result: dict[str, Any] = self._run(read)
        return result

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(S.study_user_attributes, study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(S.study_system_attributes, study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        def read(conn: Connection) -> list[FrozenStudy]:
            studies = conn.execute(
                sa.select(S.studies.c.study_id, S.studies.c.study_name).order_by(
                    S.studies.c.study_id
                )
            ).all()
            directions: dict[int, list[tuple[int, str]]] = {}
            for sid, objective, d in conn.execute(
                sa.select(
                    S.study_directions.c.study_id,
                    S.study_directions.c.objective,
                    S.study_directions.c.direction,
                )
            ):
                directions.setdefault(sid, []).append((objective, d))
            attrs: list[dict[int, dict[str, Any]]] = []
            for table in (S.study_user_attributes, S.study_system_attributes):
                per_study: dict[int, dict[str, Any]] = {}
                for sid, key, value in conn.execute(
                    sa.select(table.c.study_id, table.c.key, table.c.value_json)
                ):
                    per_study.setdefault(sid, {})[key] = json.loads(value)
                attrs.append(per_study)
            return [
                FrozenStudy(
                    study_name=name,
                    direction=None,
                    directions=[StudyDirection[d] for _, d in sorted(directions.get(sid, []))],
                    user_attrs=attrs[0].get(sid, {}),
                    system_attrs=attrs[1].get(sid, {}),
                    study_id=sid,
                )
                for sid, name in studies
            ]

        result: list[FrozenStudy] = self._run(read)
        return result

    # -- trials: writes --------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        cache = self._study_cache(study_id)
        if template_trial is not None:
            for key in (*template_trial.user_attrs, *template_trial.system_attrs):
                _check_indexed_string("attribute key", key)
            for name, dist in template_trial.distributions.items():
                self._check_distribution(cache, study_id, name, dist)
            frozen = copy.deepcopy(template_trial)
            frozen._internal_params = {
                n: d.to_internal_repr(frozen.params[n]) for n, d in frozen.distributions.items()
            }
        else:
            frozen = FrozenTrial(
                number=-1,
                state=TrialState.RUNNING,
                value=None,
                datetime_start=_now(),
                datetime_complete=None,
                params={},
                distributions={},
                user_attrs={},
                system_attrs={},
                intermediate_values={},
                trial_id=-1,
            )
            frozen._internal_params = {}
        dt = self._dt
        row = {
            "sid": study_id,
            "state": frozen.state.name,
            "start": dt(_to_utc_naive(frozen.datetime_start)),
            "complete": dt(_to_utc_naive(frozen.datetime_complete)),
        }
        sqlite = self._dialect == "sqlite"

        def create(cur: Any) -> tuple[int, int]:
            # Serialise numbering within the study: the study row lock (as Optuna does), or
            # SQLite's write lock taken by BEGIN IMMEDIATE.
            cur.execute(self._q_lock_study, {"sid": study_id})
            if cur.fetchone() is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
            cur.execute(self._q_last_number, {"sid": study_id})
            last = cur.fetchone()
            if last is None:
                number = 0
            elif last[0] is not None:
                number = int(last[0]) + 1
            else:  # a trial without number (should not happen): count instead
                cur.execute(self._q_count, {"sid": study_id})
                number = int(cur.fetchone()[0])
            cur.execute(self._q_insert_trial, {**row, "number": number})
            if sqlite or self._dialect == "mysql":
                trial_id = int(cur.lastrowid)
            else:
                trial_id = int(cur.fetchone()[0])
            if template_trial is not None:
                self._insert_trial_children(cur, trial_id, frozen)
            return trial_id, number

        trial_id, number = self._raw.run(create)
        trial_id, number = int(trial_id), int(number)
        frozen.number = number
        frozen._trial_id = trial_id
        with self._lock:
            self._trial_study[trial_id] = study_id
            if frozen.state != TrialState.WAITING:  # a queued trial belongs to its popper
                self._local[trial_id] = frozen
        return trial_id

    def _insert_trial_children(self, cur: Any, trial_id: int, frozen: FrozenTrial) -> None:
        q = self._raw.sql
        if frozen.values is not None:
            rows = []
            for objective, v in enumerate(frozen.values):
                stored, kind = _value_to_stored(v)
                rows.append(
                    {
                        "trial_id": trial_id,
                        "objective": objective,
                        "value": stored,
                        "value_type": kind,
                    }
                )
            cur.executemany(self._q_values, rows)
        if frozen.distributions:
            assert frozen._internal_params is not None
            cur.executemany(
                self._q_insert_param,
                [
                    {
                        "trial_id": trial_id,
                        "param_name": name,
                        "param_value": frozen._internal_params[name],
                        "distribution_json": distribution_to_json(dist),
                    }
                    for name, dist in frozen.distributions.items()
                ],
            )
        for sql, attrs in (
            (self._q_user_attr, frozen.user_attrs),
            (self._q_system_attr, frozen.system_attrs),
        ):
            if attrs:
                cur.executemany(
                    sql,
                    [
                        {"trial_id": trial_id, "key": k, "value_json": _attr_json(k, v)}
                        for k, v in attrs.items()
                    ],
                )
        if frozen.intermediate_values:
            rows = []
            for step, v in frozen.intermediate_values.items():
                stored, kind = _intermediate_to_stored(v)
                rows.append(
                    {
                        "trial_id": trial_id,
                        "step": step,
                        "intermediate_value": stored,
                        "intermediate_value_type": kind,
                    }
                )
            cur.executemany(self._q_intermediate, rows)
        del q

    def _check_distribution(
        self, cache: _StudyCache, study_id: int, name: str, dist: BaseDistribution
    ) -> None:
        _check_indexed_string("parameter name", name)
        known = cache.distributions.get(name)
        if known is None:
            row = self._run(
                lambda c: c.execute(
                    sa.select(S.trial_params.c.distribution_json)
                    .join(S.trials, S.trials.c.trial_id == S.trial_params.c.trial_id)
                    .where(S.trials.c.study_id == study_id)
                    .where(S.trial_params.c.param_name == name)
                    .limit(1)
                ).first()
            )
            if row is None:
                cache.distributions[name] = dist
                return
            known = cache.distributions[name] = self._dist(row[0])
        if known is not dist:
            check_distribution_compatibility(known, dist)

    def _updatable_local(self, trial_id: int) -> FrozenTrial | None:
        """The local record of an unfinished trial this process writes, if any."""
        local = self._local.get(trial_id)
        if local is not None and local.state.is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{local.number} has already finished and can not be updated."
            )
        return local

    def _check_updatable(self, cur: Any, trial_id: int) -> int:
        cur.execute(self._q_trial_state, {"tid": trial_id})
        row = cur.fetchone()
        if row is None:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        if TrialState[row[1]].is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{row[2]} has already finished and can not be updated."
            )
        return int(row[0])

    def _study_of(self, trial_id: int) -> int:
        study_id = self._trial_study.get(trial_id)
        if study_id is None:

            def read(cur: Any) -> Any:
                cur.execute(self._q_trial_state, {"tid": trial_id})
                return cur.fetchone()

            row = self._raw.run(read, write=False)
            if row is None:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            study_id = self._trial_study[trial_id] = int(row[0])
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
        self._check_distribution(self._study_cache(study_id), study_id, param_name, distribution)
        row = {
            "trial_id": trial_id,
            "param_name": param_name,
            "param_value": param_value_internal,
            "distribution_json": distribution_to_json(distribution),
        }

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(self._q_insert_param, row)

        try:
            self._raw.run(write, single=local is not None and self._sqlite_single)
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
        stamp = self._dt(_to_utc_naive(now))
        value_rows = []
        if values is not None:
            for objective, v in enumerate(values):
                stored, kind = _value_to_stored(float(v))
                value_rows.append(
                    {
                        "trial_id": trial_id,
                        "objective": objective,
                        "value": stored,
                        "value_type": kind,
                    }
                )

        def write(cur: Any) -> bool:
            if state == TrialState.RUNNING:
                cur.execute(self._q_pop, {"tid": trial_id, "start": stamp})
            elif state.is_finished():
                cur.execute(
                    self._q_finish, {"tid": trial_id, "state": state.name, "complete": stamp}
                )
            else:
                cur.execute(self._q_set_state, {"tid": trial_id, "state": state.name})
            if cur.rowcount == 0:
                cur.execute(self._q_trial_state, {"tid": trial_id})
                row = cur.fetchone()
                if row is None:
                    raise KeyError(f"No trial with trial_id {trial_id} exists.")
                if TrialState[row[1]].is_finished():
                    raise UpdateFinishedTrialError(
                        f"Trial#{row[2]} has already finished and can not be updated."
                    )
                return False
            if value_rows:
                cur.executemany(self._q_values, value_rows)
            return True

        ok: bool = self._raw.run(write)
        if not ok:
            return False
        if state == TrialState.RUNNING:
            study_id = self._study_of(trial_id)
            fetched = self._fetch_trials_by_ids([trial_id])
            with self._lock:
                for trial in fetched:
                    self._local[trial._trial_id] = trial
                    self._trial_study[trial._trial_id] = study_id
            return True
        with self._lock:
            local = self._local.get(trial_id)
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
        stored, kind = _intermediate_to_stored(float(intermediate_value))
        row = {
            "trial_id": trial_id,
            "step": step,
            "intermediate_value": stored,
            "intermediate_value_type": kind,
        }

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(self._q_intermediate, row)

        self._raw.run(write, single=local is not None and self._sqlite_single)
        if local is not None:
            local.intermediate_values[step] = float(intermediate_value)

    def _set_trial_attr(self, user: bool, trial_id: int, key: str, value: Any) -> None:
        _check_indexed_string("attribute key", key)
        local = self._updatable_local(trial_id)
        row = {"trial_id": trial_id, "key": key, "value_json": _attr_json(key, value)}
        sql = self._q_user_attr if user else self._q_system_attr

        def write(cur: Any) -> None:
            if local is None:
                self._check_updatable(cur, trial_id)
            cur.execute(sql, row)

        self._raw.run(write, single=local is not None and self._sqlite_single)
        if local is not None:
            (local.user_attrs if user else local.system_attrs)[key] = value

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(True, trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(False, trial_id, key, value)

    # -- trials: reads ---------------------------------------------------------------------
    def _fetch_trials_by_ids(self, ids: list[int]) -> list[FrozenTrial]:
        """Full records of the given trials, ordered by trial id (one read transaction)."""
        if not ids:
            return []
        ordered = sorted({int(i) for i in ids})
        chunks = [
            ", ".join(map(str, ordered[i : i + _EXPANDING_LIMIT]))
            for i in range(0, len(ordered), _EXPANDING_LIMIT)
        ]
        dist = self._dist
        parse = self._parse_dt
        key_column = "`key`" if self._dialect == "mysql" else '"key"'

        def read(cur: Any) -> list[FrozenTrial]:
            trials: dict[int, FrozenTrial] = {}
            for chunk in chunks:
                cur.execute(
                    "SELECT trial_id, number, state, datetime_start, datetime_complete "
                    f"FROM trials WHERE trial_id IN ({chunk})"
                )
                for trial_id, number, state, start, complete in cur.fetchall():
                    frozen = FrozenTrial(
                        number=number,
                        state=TrialState[state],
                        value=None,
                        datetime_start=_from_utc_naive(parse(start)),
                        datetime_complete=_from_utc_naive(parse(complete)),
                        params={},
                        distributions={},
                        user_attrs={},
                        system_attrs={},
                        intermediate_values={},
                        trial_id=trial_id,
                    )
                    frozen._internal_params = {}
                    trials[trial_id] = frozen
                cur.execute(
                    "SELECT trial_id, param_name, param_value, distribution_json "
                    f"FROM trial_params WHERE trial_id IN ({chunk}) ORDER BY param_id"
                )
                for trial_id, name, value, dist_json in cur.fetchall():
                    trial = trials[trial_id]
                    d, external = _stored_param(dist, trial, name, value, dist_json)
                    trial.distributions[name] = d
                    trial.params[name] = external
                    trial._internal_params[name] = value  # type: ignore[index]
                cur.execute(
                    "SELECT trial_id, objective, value, value_type FROM trial_values "
                    f"WHERE trial_id IN ({chunk}) ORDER BY trial_id, objective"
                )
                for trial_id, _objective, value, kind in cur.fetchall():
                    trial = trials[trial_id]
                    if trial._values is None:
                        trial._values = []
                    trial._values.append(_stored_to_value(value, kind))
                cur.execute(
                    "SELECT trial_id, step, intermediate_value, intermediate_value_type "
                    f"FROM trial_intermediate_values WHERE trial_id IN ({chunk})"
                )
                for trial_id, step, value, kind in cur.fetchall():
                    trials[trial_id].intermediate_values[step] = _stored_to_value(value, kind)
                for table, attr in (
                    ("trial_user_attributes", "user_attrs"),
                    ("trial_system_attributes", "system_attrs"),
                ):
                    cur.execute(
                        f"SELECT trial_id, {key_column}, value_json FROM {table} "
                        f"WHERE trial_id IN ({chunk})"
                    )
                    for trial_id, key, value_json in cur.fetchall():
                        getattr(trials[trial_id], attr)[key] = json.loads(value_json)
            return [trials[i] for i in ordered if i in trials]

        result: list[FrozenTrial] = self._raw.run(read, write=False)
        return result

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            local = self._local.get(trial_id)
            if local is not None:
                return _snapshot(local)
            study_id = self._trial_study.get(trial_id)
            if study_id is not None:
                cache = self._studies.get(study_id)
                if cache is not None and trial_id in cache.finished:
                    return _snapshot(cache.finished[trial_id])
        fetched = self._fetch_trials_by_ids([trial_id])
        if not fetched:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        return fetched[0]

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        t = S.trials
        row = self._run(
            lambda c: c.execute(
                sa.select(t.c.trial_id).where(t.c.study_id == study_id, t.c.number == trial_number)
            ).first()
        )
        if row is None:
            raise KeyError(
                f"No trial with trial number {trial_number} exists in study with study_id "
                f"{study_id}."
            )
        return int(row[0])

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            local = self._local.get(trial_id)
        if local is not None:
            return local.number
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        trial = self.get_trial(trial_id)
        if param_name not in trial.distributions:
            raise KeyError(f"Trial {trial_id} has no parameter {param_name!r}.")
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def _sync(self, study_id: int) -> _StudyCache:
        """Bring the study's cache of finished trials up to date (incrementally)."""
        cache = self._study_cache(study_id)
        epoch = _write_epoch[0]
        if (
            cache.synced_epoch == epoch
            and time.monotonic() - cache.synced_at < _SYNC_REUSE_SECONDS
        ):
            return cache
        started = time.monotonic()
        with self._lock:
            max_id = cache.max_id
            pending = sorted(cache.pending)
        if pending and len(pending) <= _EXPANDING_LIMIT:
            ids = ", ".join(str(int(i)) for i in pending)
            sql = self._raw.sql(self._q_changes_in.format(ids=ids))
            bound = max_id
        else:
            sql = self._q_changes
            bound = pending[0] - 1 if pending else max_id

        def read(cur: Any) -> list[Any]:
            cur.execute(sql, {"sid": study_id, "max_id": bound})
            return list(cur.fetchall())

        rows: list[Any] = self._raw.run(read, write=False)
        need = []
        with self._lock:
            for trial_id, state in rows:
                if state in _UNFINISHED_NAMES or trial_id in cache.finished:
                    continue
                local = self._local.get(trial_id)
                if local is None or local.state.name != state:
                    need.append(trial_id)
        fetched = self._fetch_trials_by_ids(need) if need else []
        by_id = {f._trial_id: f for f in fetched}
        with self._lock:
            for trial_id, state in rows:
                if trial_id in cache.finished:
                    continue
                if state in _UNFINISHED_NAMES:
                    cache.pending[trial_id] = state
                    continue
                cache.pending.pop(trial_id, None)
                trial = by_id.get(trial_id)
                if trial is None:
                    trial = self._local.pop(trial_id, None)
                    if trial is None:
                        continue
                else:
                    self._local.pop(trial_id, None)
                self._trial_study[trial_id] = study_id
                cache.add_finished(trial)
            if rows:
                cache.max_id = max(cache.max_id, int(rows[-1][0]))
            cache.synced_epoch = epoch
            cache.synced_at = started
        return cache

    def _has_waiting(self, study_id: int) -> bool:
        """Whether the study may have WAITING trials (from the last sync)."""
        cache = self._sync(study_id)
        with self._lock:
            return "WAITING" in cache.pending.values()

    def get_trial_history(self, study_id: int) -> TrialHistory:
        return self._sync(study_id).history.sync()

    def _unfinished_ids(self, study_id: int, states: list[str]) -> list[int]:
        if states == ["WAITING"]:
            sql = self._q_waiting
        elif states == ["RUNNING"]:
            sql = self._q_running
        else:
            sql = self._q_unfinished

        def read(cur: Any) -> list[int]:
            cur.execute(sql, {"sid": study_id})
            return [int(r[0]) for r in cur.fetchall()]

        ids: list[int] = self._raw.run(read, write=False)
        if not ids and study_id not in self._studies:
            self._study_cache(study_id)  # raises KeyError for a missing study
        return ids

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
        if finished_wanted:
            cache = self._sync(study_id)
            with self._lock:
                if len(finished_wanted) == 3:
                    trials = list(cache.finished.values())
                else:
                    trials = [t for t in cache.finished.values() if t.state in finished_wanted]
        if unfinished_wanted == ["RUNNING"]:
            cache = self._sync(study_id)
            with self._lock:
                ids = sorted(t for t, st in cache.pending.items() if st == "RUNNING")
        elif unfinished_wanted:
            ids = self._unfinished_ids(study_id, unfinished_wanted)
        if unfinished_wanted:
            missing = []
            with self._lock:
                for trial_id in ids:
                    local = self._local.get(trial_id)
                    # Trials this process runs are kept up to date locally.
                    if local is not None and local.state.name in unfinished_wanted:
                        # A copy: the local record changes with later writes.
                        trials.append(_snapshot(local))
                    else:
                        missing.append(trial_id)
            if missing:
                trials.extend(self._fetch_trials_by_ids(missing))
        if not finished_wanted and not unfinished_wanted:
            self._study_cache(study_id)
        trials.sort(key=lambda tr: tr.number)
        return copy.deepcopy(trials) if deepcopy else trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        states = (state,) if isinstance(state, TrialState) else state
        if states is not None and all(s.is_finished() for s in states):
            history = self._sync(study_id).history
            return sum(history.count(s) for s in states)
        t = S.trials
        stmt = sa.select(sa.func.count(t.c.trial_id)).where(t.c.study_id == study_id)
        if states is not None:
            stmt = stmt.where(t.c.state.in_([s.name for s in states]))

        def read(conn: Connection) -> int:
            self._require_study(conn, study_id)
            return int(conn.execute(stmt).scalar_one())

        count: int = self._run(read)
        return count

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        cache = self._sync(study_id)
        if len(cache.directions) > 1:
            raise RuntimeError(
                "Best trial can be obtained only for single-objective optimization."
            )
        if cache.best is None:
            raise ValueError("No trials are completed yet.")
        return cache.best

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
            cur.execute(self._q_heartbeat, {"tid": trial_id})

        self._raw.run(write)
        self._raw.release()

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """RUNNING trials whose last heartbeat is older than the grace period (DB clock)."""
        grace = self._grace_seconds()
        cache = self._sync(study_id)
        with self._lock:
            running = sorted(t for t, st in cache.pending.items() if st == "RUNNING")
        if not running:
            return []
        ids = ", ".join(map(str, running))

        def read(cur: Any) -> tuple[Any, list[Any]]:
            cur.execute("SELECT CURRENT_TIMESTAMP")
            now = cur.fetchone()[0]
            cur.execute(
                f"SELECT trial_id, heartbeat FROM trial_heartbeats WHERE trial_id IN ({ids})"
            )
            return now, list(cur.fetchall())

        now, rows = self._raw.run(read, write=False)
        clock = _parse_datetime(now)
        assert clock is not None
        clock = clock.replace(tzinfo=None)
        limit = datetime.timedelta(seconds=grace)
        stale = []
        for trial_id, beat in rows:
            last = _parse_datetime(beat)
            if last is not None and clock - last.replace(tzinfo=None) > limit:
                stale.append(int(trial_id))
        return stale
