"""Fixtures for storage tests: real PostgreSQL and Redis servers (see .ci/services.sh).

Set FERROTUNE_TEST_POSTGRES_URL / FERROTUNE_TEST_REDIS_URL (``eval "$(bash .ci/services.sh
start)"`` does). Without them the tests that need a server are skipped locally and FAIL
when ``CI=true``.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def _require(var: str) -> str:
    url = os.environ.get(var)
    if url:
        return url
    message = f'{var} is not set: start the servers with `eval "$(bash .ci/services.sh start)"`'
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _admin_conninfo(url: str) -> str:
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    parts = [f"host={u.host or '127.0.0.1'}", f"port={u.port or 5432}", f"dbname={u.database}"]
    if u.username:
        parts.append(f"user={u.username}")
    if u.password:
        parts.append(f"password={u.password}")
    return " ".join(parts)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database (dropped afterwards)."""
    import psycopg
    import sqlalchemy as sa

    base = _require("FERROTUNE_TEST_POSTGRES_URL")
    name = "ft_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_admin_conninfo(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(base), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    """URL of the test Redis server."""
    return _require("FERROTUNE_TEST_REDIS_URL")


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A fresh key prefix in the test Redis (its keys are deleted afterwards)."""
    import redis

    prefix = "ft-test-" + uuid.uuid4().hex[:12]
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["sqlite", "postgresql"])
def rdb_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A URL of an empty database, SQLite file or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{os.path.join(os.fspath(tmp_path), 'study.db')}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=["sqlite", "postgresql", "journal_file", "journal_redis"])
def storage_factory(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> object:
    """A function returning a new storage object on one shared persistent store.

    Two objects from one factory behave like two processes sharing the store.
    """
    from ferrotune.storages import JournalStorage, RDBStorage
    from ferrotune.storages.journal import JournalFileBackend, JournalRedisBackend

    kind = request.param
    if kind == "sqlite":
        url = f"sqlite:///{os.path.join(os.fspath(tmp_path), 'study.db')}"
        return lambda: RDBStorage(url)
    if kind == "postgresql":
        pg: str = request.getfixturevalue("postgres_url")
        return lambda: RDBStorage(pg)
    if kind == "journal_file":
        path = os.path.join(os.fspath(tmp_path), "journal.log")
        return lambda: JournalStorage(JournalFileBackend(path))
    redis_url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    return lambda: JournalStorage(JournalRedisBackend(redis_url, prefix=prefix))


SERVICES_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", ".ci", "services.sh")


@pytest.fixture
def optimize_through_restart() -> Callable[..., list[BaseException]]:
    """``run(study, n_trials, restart_args, sleep)``: optimizes ``study`` in a thread (each
    trial sleeps ``sleep`` s) while ``.ci/services.sh *restart_args`` restarts a server half
    a second in; returns the thread's exceptions once the restart and the thread are done."""

    def run(
        study: Any, n_trials: int, restart_args: list[str], sleep: float
    ) -> list[BaseException]:
        errors: list[BaseException] = []

        def work() -> None:
            try:
                study.optimize(
                    lambda t: (time.sleep(sleep), t.suggest_float("x", 0, 1))[1],
                    n_trials=n_trials,
                )
            except BaseException as e:  # reported by the caller
                errors.append(e)

        worker = threading.Thread(target=work)
        worker.start()
        time.sleep(0.5)
        restarted = subprocess.run(
            ["bash", SERVICES_SCRIPT, *restart_args], capture_output=True, text=True
        )
        worker.join(timeout=120)
        assert restarted.returncode == 0, restarted.stderr
        assert not worker.is_alive()
        return errors

    return run
