"""RDBStorage specifics: URLs, errors, schema revisions, SQLite settings, heartbeats."""

from __future__ import annotations

import gc
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

import ferrotune as ft
from ferrotune.exceptions import StorageInternalError
from ferrotune.storages import RDBStorage, RetryFailedTrialCallback, fail_stale_trials
from ferrotune.storages._rdb import _schema
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState


def test_url_string_is_accepted_everywhere(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    study = ft.create_study(storage=url, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert isinstance(study._storage, RDBStorage)
    assert len(ft.load_study(study_name="s", storage=url).trials) == 3
    assert ft.get_all_study_names(url) == ["s"]
    ft.copy_study(
        from_study_name="s", from_storage=url, to_storage=f"sqlite:///{tmp_path / 'b.db'}"
    )
    copied = ft.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'b.db'}")
    assert [t.params for t in copied.trials] == [t.params for t in study.trials]
    ft.delete_study(study_name="s", storage=url)
    assert ft.get_all_study_names(url) == []


@pytest.mark.parametrize("url", ["sqlite//nope", "not a url at all", "://x"])
def test_malformed_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        RDBStorage(url)


def test_url_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        RDBStorage(123)  # type: ignore[arg-type]


def test_unreachable_server_is_a_clear_error() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with pytest.raises(StorageInternalError, match=r"Could not connect .*127\.0\.0\.1:1"):
        RDBStorage(url, engine_kwargs={"connect_args": {"connect_timeout": 2}})


def test_bad_heartbeat_arguments() -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        RDBStorage("sqlite://", heartbeat_interval=0)
    with pytest.raises(ValueError, match="grace_period"):
        RDBStorage("sqlite://", grace_period=-1)
    with pytest.raises(ValueError, match="only one"):
        RDBStorage(
            "sqlite://",
            failed_trial_callback=RetryFailedTrialCallback(),
            heartbeat_stale_trial_callback=RetryFailedTrialCallback(),
        )


def test_in_memory_sqlite_is_shared_by_threads() -> None:
    storage = RDBStorage("sqlite:///:memory:")
    study = ft.create_study(storage=storage, sampler=ft.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20, n_jobs=2)
    assert sorted(t.number for t in study.trials) == list(range(20))


def test_sqlite_uses_wal_and_optuna_schema(tmp_path: Any) -> None:
    path = tmp_path / "s.db"
    RDBStorage(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == set(_schema.metadata.tables)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("v3.2.0.a",)]
    assert conn.execute("SELECT schema_version FROM version_info").fetchall() == [(12,)]
    conn.close()


def _set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def test_newer_schema_is_refused_with_a_clear_error(rdb_url: str) -> None:
    RDBStorage(rdb_url).close()
    _set_revision(rdb_url, "v9.9.9.z")
    with pytest.raises(RuntimeError, match="newer") as info:
        RDBStorage(rdb_url)
    assert "storage upgrade" in str(info.value)
    RDBStorage(rdb_url, skip_compatibility_check=True).close()


def test_older_schema_asks_for_upgrade_then_upgrades(rdb_url: str) -> None:
    storage = RDBStorage(rdb_url)
    storage.create_new_study([StudyDirection.MINIMIZE], "kept")
    storage.close()
    engine = sa.create_engine(rdb_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_trials_study_id"))
    engine.dispose()
    _set_revision(rdb_url, "v3.0.0.d")
    with pytest.raises(RuntimeError, match="ferrotune storage upgrade"):
        RDBStorage(rdb_url)
    old = RDBStorage(rdb_url, skip_compatibility_check=True)
    assert old.get_current_version() == "v3.0.0.d"
    old.upgrade()
    assert old.get_current_version() == old.get_head_version() == "v3.2.0.a"
    old.close()
    upgraded = RDBStorage(rdb_url)
    assert upgraded.get_study_id_from_name("kept") >= 0
    indexes = sa.inspect(upgraded.engine).get_indexes("trials")
    assert any(ix["column_names"] == ["study_id"] for ix in indexes)
    upgraded.close()


def test_mislabelled_schema_fails_to_upgrade_and_is_left_unchanged(tmp_path: Any) -> None:
    # A current schema that claims Optuna 1.3's revision has no ``studies.direction``.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    storage = RDBStorage(url)
    study = ft.create_study(storage=storage, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    storage.close()
    _set_revision(url, "v1.3.0.a")
    old = RDBStorage(url, skip_compatibility_check=True)
    with pytest.raises(RuntimeError, match=r"from v1\.3\.0\.a to v2\.4\.0\.a: .*direction"):
        old.upgrade()
    assert old.get_current_version() == "v1.3.0.a"
    old.close()
    _set_revision(url, "v3.2.0.a")
    assert [t.value for t in ft.load_study(study_name="s", storage=url).trials] == [
        t.value for t in study.trials
    ]


def test_heartbeat_fails_stale_trial_and_retries_it(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    storage = RDBStorage(
        url,
        heartbeat_interval=1,
        grace_period=1,
        failed_trial_callback=RetryFailedTrialCallback(inherit_intermediate_values=True),
    )
    assert storage._run_heartbeat is not None
    study = ft.create_study(storage=storage, study_name="hb")
    # A trial whose worker died: it beat once and then stopped.
    stale = study.ask()
    stale.suggest_float("x", 0, 1)
    stale.report(0.5, 3)
    storage.record_heartbeat(stale._trial_id)
    # A trial without heartbeat record (ask-and-tell use) is never failed.
    unbeaten = study.ask()
    time.sleep(2.2)
    fail_stale_trials(study)
    trials = study.trials
    assert trials[0].state == TrialState.FAIL
    assert trials[1].state == TrialState.RUNNING
    retry = trials[2]
    assert retry.state == TrialState.WAITING
    assert retry.params == trials[0].params
    assert retry.intermediate_values == {3: 0.5}
    assert retry.system_attrs["failed_trial"] == 0
    # optimize beats while the objective runs, so a slow trial is not failed
    study.optimize(lambda t: (time.sleep(2.5), t.suggest_float("x", 0, 1))[1], n_trials=1)
    done = study.trials[2]
    assert done.state == TrialState.COMPLETE
    assert done.params == trials[0].params
    study.tell(unbeaten, 1.0)
    storage.close()


def test_retry_callback_respects_max_retry(tmp_path: Any) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'r.db'}")
    study = ft.create_study(storage=storage)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, state=TrialState.FAIL)
    callback = ft.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)
    callback(study, study.trials[0])
    assert study.trials[1].state == TrialState.WAITING
    callback(study, study.trials[1])  # a retry of a retry: over the limit
    assert len(study.trials) == 2
    with pytest.raises(ValueError, match="max_retry"):
        RetryFailedTrialCallback(max_retry=-1)


def test_database_restart_mid_study(postgres_url: str) -> None:
    """Connections killed by the server are re-established; the study stays consistent."""
    import psycopg

    storage = RDBStorage(postgres_url)
    study = ft.create_study(storage=storage, study_name="restart")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    u = sa.engine.make_url(postgres_url)
    admin = f"host={u.host} port={u.port} dbname=postgres user={u.username}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (u.database,),
        )
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    assert [t.number for t in study.trials] == list(range(10))
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    storage.close()


_CONNECTION_WORKER = """
import sys, time, ferrotune as ft
url, name, ready = sys.argv[1], sys.argv[2], sys.argv[3]
ft.logging.set_verbosity(ft.logging.ERROR)
study = ft.create_study(storage=url, study_name=name, load_if_exists=True,
                        sampler=ft.samplers.TPESampler(seed=0))
def objective(trial):
    trial.set_user_attr("u", 1)
    trial.report(1.0, 0)
    return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 3)
study.optimize(objective, n_trials=8)
# study-level statements (SQLAlchemy) after the per-trial ones (raw SQL)
study.set_user_attr("k", 1)
assert study.user_attrs["k"] == 1 and study.best_trial is not None
assert name in [s.study_name for s in ft.get_all_study_summaries(url)]
open(ready, "w").close()
time.sleep(120)
"""


def _connections_of(url: str, application_name: str) -> int:
    import psycopg

    u = sa.engine.make_url(url)
    with psycopg.connect(
        host=u.host, port=u.port, dbname="postgres", user=u.username, autocommit=True
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchone()
    return int(row[0]) if row else 0


def test_one_postgres_connection_per_worker_process(postgres_url: str, tmp_path: Any) -> None:
    """A single-threaded worker holds one connection for the raw per-trial SQL and the
    SQLAlchemy study-level statements alike: 64 workers fit PostgreSQL's default 100."""
    tag = "ft-conn-" + uuid.uuid4().hex[:8]
    url = sa.engine.make_url(postgres_url).update_query_dict({"application_name": tag})
    url_text = url.render_as_string(hide_password=False)
    creator = RDBStorage(url_text)
    ft.create_study(storage=creator, study_name="conns")
    creator.close()
    n_workers = 4
    ready = [tmp_path / f"ready-{i}" for i in range(n_workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CONNECTION_WORKER, url_text, "conns", str(path)],
            stderr=subprocess.PIPE,
        )
        for path in ready
    ]
    try:
        deadline = time.monotonic() + 180
        while not all(path.exists() for path in ready):
            for proc in procs:
                if proc.poll() is not None:
                    _, err = proc.communicate()
                    pytest.fail(f"worker exited early: {err.decode()[-2000:]}")
            assert time.monotonic() < deadline, "workers did not finish their trials"
            time.sleep(0.1)
        assert _connections_of(postgres_url, tag) == n_workers
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate()
    study = ft.load_study(study_name="conns", storage=url_text)
    assert [t.number for t in study.trials] == list(range(8 * n_workers))


def test_storage_threads_share_nothing_but_keep_one_connection_each(postgres_url: str) -> None:
    """Per thread: one connection, reused by both statement layers; close() returns all."""
    import threading

    tag = "ft-conn-" + uuid.uuid4().hex[:8]
    url = sa.engine.make_url(postgres_url).update_query_dict({"application_name": tag})
    storage = RDBStorage(url.render_as_string(hide_password=False))
    study = ft.create_study(storage=storage, study_name="threads")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    study.set_user_attr("k", 1)
    assert _connections_of(postgres_url, tag) == 1
    barrier = threading.Barrier(3)

    def work() -> None:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        assert study.user_attrs["k"] == 1
        barrier.wait(timeout=60)  # all three threads hold their connection here
        barrier.wait(timeout=60)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    try:
        assert _connections_of(postgres_url, tag) == 3
    finally:
        barrier.wait(timeout=60)
        for t in threads:
            t.join(timeout=60)
    assert len(study.trials) == 9
    storage.close()
    assert _connections_of(postgres_url, tag) == 0


def test_postgres_server_restart_mid_optimize(
    postgres_url: str, optimize_through_restart: Callable[..., Any]
) -> None:
    """A real server restart during optimize: workers retry, nothing is lost or duplicated."""
    storage = RDBStorage(postgres_url)
    study = ft.create_study(
        storage=storage, study_name="restart", sampler=ft.samplers.RandomSampler(0)
    )
    errors = optimize_through_restart(study, 60, ["restart-postgres"], 0.03)
    assert not errors, errors
    trials = study.trials
    assert [t.number for t in trials] == list(range(60))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    storage.close()


def test_unnamed_study_logs_its_generated_name(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="ferrotune")
    ft.logging.enable_propagation()
    try:
        study = ft.create_study(storage=f"sqlite:///{tmp_path / 'unnamed.db'}")
    finally:
        ft.logging.disable_propagation()
    assert study.study_name.startswith("no-name-")
    assert f"A new study created in RDB with name: {study.study_name}" in caplog.text


def test_scoped_session_as_optunas(rdb_url: str) -> None:
    import pickle

    from sqlalchemy import orm

    storage = RDBStorage(rdb_url)
    study = ft.create_study(storage=storage, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)

    assert isinstance(storage.scoped_session, orm.scoped_session)
    assert storage.scoped_session.get_bind() is storage.engine
    session = storage.scoped_session()
    assert isinstance(session, orm.Session)
    assert storage.scoped_session() is session  # one session per thread
    count = session.execute(sa.text("SELECT COUNT(*) FROM trials")).scalar_one()
    assert count == 3
    # Writes through the session are seen by the storage as another client's.
    study_id = storage.get_study_id_from_name("s")
    session.execute(
        sa.text(
            "INSERT INTO study_user_attributes (study_id, key, value_json) "
            "VALUES (:sid, 'from_session', '1')"
        ),
        {"sid": study_id},
    )
    session.commit()
    assert storage.get_study_user_attrs(study_id) == {"from_session": 1}

    storage.remove_session()
    with storage.scoped_session() as other:
        assert other is not session
        names = other.execute(sa.text("SELECT study_name FROM studies")).scalars().all()
        assert names == ["s"]
    storage.scoped_session.remove()

    copy = pickle.loads(pickle.dumps(storage))
    assert copy.scoped_session().execute(sa.text("SELECT 1")).scalar_one() == 1
    copy.close()
    storage.close()


def test_too_long_names_are_value_errors_on_every_dialect(rdb_url: str) -> None:
    """Names longer than their VARCHAR(512) columns are refused before any write, naming
    them (PostgreSQL used to raise psycopg's StringDataRightTruncation, SQLite to accept)."""
    from ferrotune.trial import TrialState

    long = "p" * 513
    with pytest.raises(ValueError, match=r"study name 'pppp.* has 513 characters"):
        ft.create_study(storage=rdb_url, study_name=long)
    study = ft.create_study(storage=rdb_url, study_name="s")
    with pytest.raises(ValueError, match=r"parameter name 'pppp.* has 513 characters"):
        study.optimize(lambda t: t.suggest_float(long, 0.0, 1.0), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL
    with pytest.raises(ValueError, match=r"attribute key 'pppp.* has 513 characters"):
        study.set_user_attr(long, 1)
    trial = study.ask()
    with pytest.raises(ValueError, match=r"attribute key 'pppp.* has 513 characters"):
        trial.set_user_attr(long, 1)
    with pytest.raises(ValueError, match=r"parameter name 'pppp.* has 513 characters"):
        study.add_trial(
            ft.trial.create_trial(
                params={long: 0.5},
                distributions={long: ft.distributions.FloatDistribution(0.0, 1.0)},
                value=1.0,
            )
        )
    # 512 characters fit, and the study goes on.
    study.tell(trial, 1.0)
    study.optimize(lambda t: t.suggest_float("q" * 512, 0.0, 1.0), n_trials=2)
    assert study.trials[-1].state == TrialState.COMPLETE
    reloaded = ft.load_study(storage=rdb_url, study_name="s")
    assert "q" * 512 in reloaded.best_params


def test_a_refused_value_is_a_storage_internal_error(postgres_url: str) -> None:
    """A value PostgreSQL refuses raises StorageInternalError, not psycopg's DataError."""
    storage = RDBStorage(postgres_url)
    with pytest.raises(StorageInternalError, match=r"refused a value.*division by zero"):
        storage._raw.run(lambda cur: cur.execute("SELECT 1 / 0"), write=False)
    with pytest.raises(StorageInternalError, match=r"refused a value.*too long"):
        storage._raw.run(
            lambda cur: cur.execute("INSERT INTO studies (study_name) VALUES (%s)", ["s" * 600])
        )
    assert storage.get_all_studies() == []  # the storage is still usable


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            "UPDATE trial_params SET param_value = 7 WHERE param_name = 'c'",
            "Corrupt stored parameter 'c' of trial 0: index 7.0 is not one of the 2 choices.",
        ),
        (
            "UPDATE trial_params SET param_value = -1 WHERE param_name = 'c'",
            "index -1.0 is not one of the 2 choices",
        ),
        (
            "UPDATE trial_params SET distribution_json = 'garbage' WHERE param_name = 'x'",
            "Corrupt stored parameter 'x' of trial 0: Expecting value",
        ),
        (
            'UPDATE trial_params SET distribution_json = \'{"name": "FloatDistribution", '
            '"attributes": {"low": 2, "high": Infinity, "log": false, "step": 1.5}}\' '
            "WHERE param_name = 'x'",
            "Corrupt stored parameter 'x' of trial 0: `high` must be finite when `step` is given",
        ),
        ("UPDATE trial_values SET value = NULL", "Corrupt stored value: NULL"),
    ],
)
def test_corrupt_rows_are_storage_internal_errors(
    tamper: str, message: str, tmp_path: Any
) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    study = ft.create_study(storage=url, study_name="s")
    study.optimize(
        lambda t: t.suggest_float("x", 0, 1) + (t.suggest_categorical("c", ["a", "b"]) == "a"),
        n_trials=1,
    )
    with sqlite3.connect(f"{tmp_path}/s.db") as conn:
        conn.execute(tamper)
    with pytest.raises(StorageInternalError, match=re.escape(message)):
        ft.load_study(storage=url, study_name="s").trials  # noqa: B018


def test_trial_finished_by_another_process_is_listed(tmp_path: Any, monkeypatch: Any) -> None:
    # A sync repeated shortly after another reuses its result unless this process wrote in
    # between; a trial another process finishes in that window must still be listed (it
    # left the unfinished trials read from the database, so it must be in the finished).
    from ferrotune.storages._rdb import _cache

    monkeypatch.setattr(_cache, "_SYNC_REUSE_SECONDS", 3600.0)
    url = f"sqlite:///{tmp_path}/race.db"
    study = ft.create_study(storage=url)
    trial = study.ask()
    assert [t.state for t in study.trials] == [TrialState.RUNNING]
    epoch = _cache._write_epoch[0]
    other = ft.load_study(study_name=study.study_name, storage=url)
    other.tell(trial.number, 1.5)
    _cache._write_epoch[0] = epoch  # as if those writes came from another process
    listed = study.trials
    assert [(t.number, t.state, t.value) for t in listed] == [(0, TrialState.COMPLETE, 1.5)]
    assert study.best_value == 1.5


def test_engine_dispose_closes_every_connection_of_the_storage(postgres_url: str) -> None:
    # Optuna's test helpers end with ``storage.engine.dispose()``. The per-thread hot-path
    # connections must close then too: returned later into the discarded pool, they stayed
    # open until the garbage collector found the pool's reference cycle, and psycopg's
    # ResourceWarning fired at that random moment (inside another test's
    # ``pytest.warns``, making its warning count depend on the tests run before it).
    def use_and_dispose() -> None:
        storage = RDBStorage(postgres_url)
        study = ft.create_study(storage=storage)

        def in_another_thread() -> None:
            worker = threading.Thread(target=lambda: study.optimize(lambda t: 1.0, n_trials=1))
            worker.start()
            worker.join()

        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        in_another_thread()
        storage.engine.dispose()
        # The storage reconnects, in this thread and in others.
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        in_another_thread()
        states = [t.state for t in storage.get_all_trials(study._study_id)]
        assert states == [TrialState.COMPLETE] * 5
        storage.engine.dispose()

    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        use_and_dispose()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_parameter_writes_do_not_expire_the_sync(tmp_path: Any, monkeypatch: Any) -> None:
    """Parameters, attributes and intermediate values change nothing a sync keeps (trial
    ids, states, finished trials): suggestions after the first reuse the ask's sync, and
    reads still show every write."""
    from ferrotune.storages._rdb import _cache

    url = f"sqlite:///{tmp_path}/sync.db"
    study = ft.create_study(storage=url, sampler=ft.samplers.TPESampler(seed=0))
    study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=12)
    monkeypatch.setattr(_cache, "_SYNC_REUSE_SECONDS", 3600.0)  # only writes expire a sync
    storage = study._storage
    syncs: list[int] = []
    read_changes = storage._cache._read_changes

    def counting(*args: Any) -> Any:
        syncs.append(1)
        return read_changes(*args)

    monkeypatch.setattr(storage._cache, "_read_changes", counting)
    trial = study.ask()
    syncs.clear()
    values = [trial.suggest_float(name, 0, 1) for name in ("a", "b", "c")]
    trial.set_user_attr("u", 1)
    trial.report(0.5, 1)
    assert syncs == []  # before: one sync per suggestion after the first write
    running = storage.get_all_trials(study._study_id, states=(TrialState.RUNNING,))
    assert [t.params for t in running] == [dict(zip(("a", "b", "c"), values, strict=True))]
    assert running[0].user_attrs == {"u": 1} and running[0].intermediate_values == {1: 0.5}
    study.tell(trial, sum(values))
    assert storage.get_trial_history(study._study_id).n == 13  # finishing expires it
