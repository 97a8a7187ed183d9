"""Connecting to the database per dialect, and SQLAlchemy transactions with retries.

SQLite runs in WAL mode with ``synchronous=NORMAL`` and takes its write lock when a write
transaction begins; PostgreSQL connections time out after 10 s and are checked before use
(``postgresql://`` uses psycopg 3 when psycopg2 is not installed).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from ferrotune import logging as _logging
from ferrotune.exceptions import StorageInternalError
from ferrotune.storages._rdb._raw import RawExecutor

_logger = _logging.get_logger(__name__)
_MAX_RETRIES = 5
# Substrings of driver errors worth retrying (the server is busy, restarting, ...).
_TRANSIENT_ERRORS = (
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


def redact(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


def dispose(raw: RawExecutor, engine: Engine) -> None:
    """Close the hot-path connections, then the engine's pool."""
    raw.close()
    engine.dispose()


def create_engine(url_text: str, engine_kwargs: dict[str, Any]) -> tuple[Engine, bool]:
    """The engine for a storage URL, set up for its dialect, and whether it is an in-memory
    SQLite database (one connection shared by all threads)."""
    try:
        url = sa.engine.make_url(url_text)
    except sa_exc.ArgumentError as e:
        raise ValueError(
            f"Invalid storage URL {url_text!r}: expected e.g. 'sqlite:///study.db' or "
            "'postgresql+psycopg://user:password@host/db'."
        ) from e
    kwargs = dict(engine_kwargs)
    backend = url.get_backend_name()
    sqlite_memory = False
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
        if url.database in (None, "", ":memory:"):
            sqlite_memory = True
            kwargs.setdefault("poolclass", sa.pool.StaticPool)
    try:
        engine = sa.create_engine(url, **kwargs)
    except ImportError as e:
        raise ImportError(
            f"The database driver for {redact(url_text)} is not installed: {e}. For "
            "PostgreSQL install `psycopg[binary]`."
        ) from e
    except sa_exc.ArgumentError as e:
        raise ValueError(f"Invalid storage URL {url_text!r}: {e}") from e
    if backend == "sqlite":
        _configure_sqlite(engine, sqlite_memory)
    return engine, sqlite_memory


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    """WAL mode (files), no foreign keys, write transactions that lock up front."""

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


class Transactions:
    """Runs functions of a SQLAlchemy :class:`~sqlalchemy.engine.Connection` in one
    transaction each, retrying when the database is briefly unavailable.

    The transactions run on the calling thread's connection kept by ``raw`` (the one its
    hand-written SQL runs on), so a thread holds one database connection, not one per
    layer. ``memory_lock`` serialises the transactions of an in-memory SQLite database
    (one connection); ``on_write`` is called after each committed write transaction.
    """

    def __init__(
        self,
        raw: RawExecutor,
        url: str,
        memory_lock: threading.RLock | None,
        on_write: Callable[[], None],
    ) -> None:
        self.raw = raw
        self.url = url
        self.memory_lock = memory_lock
        self.on_write = on_write

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        """One transaction; SQLite write transactions take the write lock up front."""
        guard = self.memory_lock if self.memory_lock is not None else contextlib.nullcontext()
        with guard:
            conn = self.raw.thread_connection()
            # In place (SQLAlchemy 2): read by the SQLite ``begin`` hook.
            conn.execution_options(ferrotune_write=write)
            try:
                with conn.begin():
                    yield conn
            except sa_exc.DBAPIError as e:
                if not isinstance(e, sa_exc.IntegrityError):
                    self.raw.drop()  # possibly broken: the retry opens a new connection
                raise

    def run(self, fn: Callable[[Connection], Any], write: bool = False) -> Any:
        """``fn(conn)`` in a transaction, retried when the database is briefly unavailable."""
        delay = 0.05
        for attempt in range(1, _MAX_RETRIES + 1):
            try:
                with self.transaction(write) as conn:
                    result = fn(conn)
                if write:
                    self.on_write()
                return result
            except sa_exc.OperationalError as e:
                transient = e.connection_invalidated or _is_transient(e)
                if not transient or attempt == _MAX_RETRIES:
                    raise StorageInternalError(
                        f"Database operation failed on {redact(self.url)}: {e.orig}"
                    ) from e
                _logger.warning(f"Database unavailable ({e.orig}); retrying in {delay:.2f} s.")
            except sa_exc.DBAPIError as e:
                if not e.connection_invalidated or attempt == _MAX_RETRIES:
                    if isinstance(e, sa_exc.IntegrityError):
                        raise
                    raise StorageInternalError(
                        f"Database operation failed on {redact(self.url)}: {e.orig}"
                    ) from e
                _logger.warning(f"Database connection lost ({e.orig}); retrying.")
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")


def _is_transient(e: sa_exc.OperationalError) -> bool:
    text = str(e.orig).lower()
    return any(s in text for s in _TRANSIENT_ERRORS)
