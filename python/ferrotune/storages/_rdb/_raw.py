"""Hot-path SQL run directly on DB-API connections, and the one connection kept per thread.

SQLAlchemy's statement machinery costs a few hundred microseconds per transaction, more
than SQLite itself; the few statements run on every trial (create a trial, write a
parameter, finish a trial, poll for changes) are plain SQL strings here, written once per
dialect, on the same schema.

Each thread keeps one SQLAlchemy :class:`~sqlalchemy.engine.Connection`: the hand-written
SQL runs on its DB-API connection and the study-level SQLAlchemy statements
(``_engine.Transactions``) run on the connection itself, so a single-threaded worker
process holds exactly one database connection (64 workers stay under PostgreSQL's
default ``max_connections`` of 100). The two never nest: each transaction ends before the
next one starts.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from ferrotune import logging as _logging
from ferrotune.exceptions import StorageInternalError

_logger = _logging.get_logger(__name__)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_MAX_RETRIES = 6


class IntegrityViolation(Exception):
    """A unique constraint rejected a write (e.g. a parameter set twice)."""


def sqlite_datetime(value: datetime.datetime | None) -> str | None:
    """SQLAlchemy's text format of SQLite ``DATETIME`` values."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


class RawExecutor:
    """Runs transactions of hand-written SQL on a per-thread DB-API connection."""

    def __init__(self, engine: Engine, shared_lock: threading.RLock | None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._paramstyle = engine.dialect.paramstyle
        self._local = threading.local()
        self._shared_lock = shared_lock
        self.on_write: Callable[[], None] | None = None
        self._sql_cache: dict[str, str] = {}
        self._all: set[Any] = set()
        self._all_lock = threading.Lock()
        # Bumped when every thread's connection is given up (close, engine disposal): a
        # thread whose connection is from an older epoch takes a new one.
        self._epoch = 0
        dbapi = engine.dialect.dbapi
        assert dbapi is not None
        self._integrity_error: type[Exception] = dbapi.IntegrityError
        self._operational_error: type[Exception] = dbapi.OperationalError
        self._interface_error: type[Exception] = getattr(
            dbapi, "InterfaceError", dbapi.OperationalError
        )
        # A value the database refuses (too long, out of range, ...): not transient.
        self._data_error: type[Exception] = getattr(dbapi, "DataError", dbapi.IntegrityError)

    def sql(self, text: str) -> str:
        """``text`` with ``:name`` parameters in the driver's parameter style."""
        converted = self._sql_cache.get(text)
        if converted is None:
            if self._paramstyle in ("pyformat", "format"):
                converted = _PARAM.sub(r"%(\1)s", text.replace("%", "%%"))
            else:
                converted = text
            self._sql_cache[text] = converted
        return converted

    def upsert(self, table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
        cols = ", ".join(f'"{c}"' if c == "key" else c for c in columns)
        values = ", ".join(f":{c}" for c in columns)
        updates = [c for c in columns if c not in keys]
        if self.dialect == "mysql":
            cols = cols.replace('"key"', "`key`")
            sets = ", ".join(f"{c} = VALUES({c})" for c in updates)
            return f"INSERT INTO {table} ({cols}) VALUES ({values}) ON DUPLICATE KEY UPDATE {sets}"
        conflict = ", ".join(f'"{k}"' if k == "key" else k for k in keys)
        sets = ", ".join(f"{c} = excluded.{c}" for c in updates)
        return (
            f"INSERT INTO {table} ({cols}) VALUES ({values}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
        )

    def thread_connection(self) -> Connection:
        """This thread's SQLAlchemy connection, opened on first use and kept open."""
        local = self._local
        conn: Connection | None = getattr(local, "conn", None)
        if conn is None or conn.closed or local.epoch != self._epoch:
            conn = self.engine.connect()
            local.conn = conn
            local.epoch = self._epoch
            with self._all_lock:
                self._all.add(conn)
        return conn

    def _connection(self) -> Any:
        # The pool's DB-API connection proxy under this thread's SQLAlchemy connection
        # (re-established there after an invalidation).
        return self.thread_connection().connection

    def release(self) -> None:
        """Return this thread's connection to the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._all_lock:
                self._all.discard(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def _take_all(self) -> list[Any]:
        """Every thread's connection, forgotten: each thread takes a new one next time."""
        with self._all_lock:
            conns, self._all = list(self._all), set()
            self._epoch += 1
        return conns

    def close(self) -> None:
        """Return every thread's connection to the pool (they are closed by ``dispose``)."""
        for conn in self._take_all():
            with contextlib.suppress(Exception):
                conn.close()

    def engine_disposed(self) -> None:
        """Close every thread's connection: the engine's pool was disposed under them.

        ``Engine.dispose()`` (which Optuna's own test helpers call on ``storage.engine``)
        closes the pooled connections but not the checked-out ones kept here. Returned
        later, they would sit open in the discarded pool until the garbage collector
        found its reference cycle, and psycopg's "deleted while still open"
        ``ResourceWarning`` would fire at that random moment. The in-memory SQLite
        connection (the only one, shared by all threads) is kept: closing it would lose
        the database.
        """
        if self._shared_lock is not None:
            return
        for conn in self._take_all():
            with contextlib.suppress(Exception):
                conn.invalidate()
            with contextlib.suppress(Exception):
                conn.close()

    def drop(self) -> None:
        """Discard this thread's connection (broken, or in an unknown state): the next
        transaction opens a new one."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._all_lock:
                self._all.discard(conn)
            with contextlib.suppress(Exception):
                conn.invalidate()
            with contextlib.suppress(Exception):
                conn.close()

    def run(
        self,
        fn: Callable[[Any], Any],
        write: bool = True,
        single: bool = False,
        notify: bool = True,
    ) -> Any:
        """Run ``fn(cursor)`` in one transaction, retrying on transient failures.

        ``single``: ``fn`` runs one statement, which SQLite then commits by itself.
        ``notify``: call ``on_write`` after a write (``False`` for writes no sync can see).
        """
        delay = 0.05
        guard = self._shared_lock if self._shared_lock is not None else contextlib.nullcontext()
        for attempt in range(1, _MAX_RETRIES + 1):
            try:
                with guard:
                    result = self._once(fn, write and not single)
                if write and notify and self.on_write is not None:
                    self.on_write()
                return result
            except self._integrity_error as e:
                raise IntegrityViolation(str(e)) from e
            except self._data_error as e:  # no driver exception leaks (psycopg's DataError)
                raise StorageInternalError(f"The database refused a value: {e}") from e
            except (self._operational_error, self._interface_error) as e:
                if attempt == _MAX_RETRIES:
                    raise StorageInternalError(f"Database operation failed: {e}") from e
                _logger.warning(f"Database unavailable ({e}); retrying in {delay:.2f} s.")
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    def _once(self, fn: Callable[[Any], Any], write: bool) -> Any:
        try:
            conn = self._connection()
        except sa_exc.DBAPIError as e:
            # (Re)connecting failed, e.g. the server is restarting: SQLAlchemy wraps the
            # driver's error; ``run`` retries on the driver's own exception classes.
            self.drop()
            if isinstance(e.orig, Exception):
                raise e.orig from e
            raise
        try:
            cursor = conn.cursor()
        except Exception:
            self.drop()
            raise
        try:
            if self.dialect == "sqlite":
                # Reads run in autocommit mode (each statement sees a consistent snapshot;
                # finished trials never change). Writes take the write lock up front.
                if write:
                    cursor.execute("BEGIN IMMEDIATE")
                result = fn(cursor)
                if write:
                    cursor.execute("COMMIT")
                return result
            result = fn(cursor)
            conn.commit()
            return result
        except BaseException as e:
            try:
                if self.dialect == "sqlite":
                    if conn.dbapi_connection.in_transaction:
                        cursor.execute("ROLLBACK")
                else:
                    conn.rollback()
            except Exception:
                self.drop()
                raise e from None
            if isinstance(e, (self._operational_error, self._interface_error)) and (
                self.dialect != "sqlite"
            ):
                self.drop()
            raise
        finally:
            with contextlib.suppress(Exception):
                cursor.close()
