"""Journal specifics: crash leftovers, corrupt files, locks, Redis backend."""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import ferrotune as ft
from ferrotune.storages import JournalStorage
from ferrotune.storages.journal import (
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
)
from ferrotune.trial import TrialState


def _study(path: str, n: int) -> ft.Study:
    storage = JournalStorage(JournalFileBackend(path))
    study = ft.create_study(storage=storage, study_name="j", load_if_exists=True)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)
    return study


def test_truncated_last_line_is_ignored_with_a_warning(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = str(tmp_path / "j.log")
    before = [t.params for t in _study(path, 5).trials]
    with open(path, "ab") as f:  # a writer crashed in the middle of a record
        f.write(b'{"op_code":4,"worker_id":"dead","study_id":0,"datetime_st')
    caplog.set_level(logging.WARNING, logger="ferrotune")
    storage = JournalStorage(JournalFileBackend(path))
    study = ft.load_study(study_name="j", storage=storage)
    assert [t.params for t in study.trials] == before
    assert "incomplete last line" in caplog.text
    # The next append removes the broken tail, so the file stays valid for every reader.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    assert lines[-1] == b""
    assert all(json.loads(line) for line in lines[:-1])
    assert len(JournalStorage(JournalFileBackend(path)).get_all_trials(0)) == 7


def test_corrupt_line_in_the_middle_is_an_error(tmp_path: Any) -> None:
    path = str(tmp_path / "j.log")
    _study(path, 2)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    lines[1] = b"{not json"
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))
    with pytest.raises(ValueError, match="corrupt at line 2"):
        JournalStorage(JournalFileBackend(path))


def test_unknown_op_code_is_an_error(tmp_path: Any) -> None:
    path = tmp_path / "j.log"
    path.write_text('{"op_code":99,"worker_id":"w"}\n')
    with pytest.raises(ValueError, match="op code 99"):
        JournalStorage(JournalFileBackend(str(path)))


@pytest.mark.parametrize("lock_cls", [JournalFileSymlinkLock, JournalFileOpenLock])
def test_locks_serialise_threads_and_break_stale_locks(
    lock_cls: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = str(tmp_path / "j.log")
    open(path, "w").close()
    backend = JournalFileBackend(path, lock_obj=lock_cls(path))

    def append(worker: int) -> None:
        for i in range(30):
            backend.append_logs([{"op_code": 2, "worker_id": f"w{worker}", "i": i}])

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    logs = list(JournalFileBackend(path).read_logs(0))
    assert len(logs) == 120
    for w in range(4):
        assert [log["i"] for log in logs if log["worker_id"] == f"w{w}"] == list(range(30))
    # A lock left behind by a dead process is broken after the grace period.
    with pytest.warns(UserWarning, match="too small"):
        stale = lock_cls(path, grace_period=1)
    assert stale.acquire()
    caplog.set_level(logging.WARNING, logger="ferrotune")
    fresh = JournalFileBackend(path, lock_obj=stale)
    fresh.append_logs([{"op_code": 2, "worker_id": "late", "i": 0}])
    assert "breaking it" in caplog.text
    assert not os.path.exists(path + ".lock")
    with pytest.raises(ValueError, match="grace_period"):
        lock_cls(path, grace_period=0)


def test_read_logs_from_an_offset(tmp_path: Any) -> None:
    path = str(tmp_path / "j.log")
    backend = JournalFileBackend(path)
    backend.append_logs([{"op_code": 2, "worker_id": "w", "i": i} for i in range(5)])
    assert [log["i"] for log in backend.read_logs(0)] == [0, 1, 2, 3, 4]
    assert [log["i"] for log in backend.read_logs(3)] == [3, 4]
    assert [log["i"] for log in JournalFileBackend(path).read_logs(2)] == [2, 3, 4]


def test_redis_backend(redis_url: str, redis_prefix: str) -> None:
    storage = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    study = ft.create_study(storage=storage, study_name="r", sampler=ft.samplers.RandomSampler(1))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=8)
    other = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    loaded = ft.load_study(study_name="r", storage=other)
    assert [t.params for t in loaded.trials] == [t.params for t in study.trials]
    assert all(t.state == TrialState.COMPLETE for t in loaded.trials)
    backend = JournalRedisBackend(redis_url, prefix=redis_prefix)
    assert backend.load_snapshot() is None
    backend.save_snapshot(b"abc")
    assert backend.load_snapshot() == b"abc"


def test_redis_errors() -> None:
    with pytest.raises(ValueError, match="Redis URL"):
        JournalRedisBackend("localhost:6379")


def test_redis_backend_connects_lazily() -> None:
    redis = pytest.importorskip("redis")
    backend = JournalRedisBackend("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(redis.exceptions.ConnectionError):
        list(backend.read_logs(0))
    with pytest.raises(redis.exceptions.ConnectionError):
        JournalStorage(backend)


def _services_script() -> str:
    return os.path.join(os.path.dirname(__file__), "..", "..", ".ci", "services.sh")


def test_redis_backend_rides_out_a_server_restart(
    redis_url: str, redis_prefix: str, optimize_through_restart: Callable[..., Any]
) -> None:
    """A real Redis restart (3 s down) during optimize: retried, nothing lost or duplicated."""
    storage = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    study = ft.create_study(storage=storage, study_name="r", sampler=ft.samplers.RandomSampler(0))
    errors = optimize_through_restart(study, 150, ["restart-redis", "3"], 0.02)
    assert not errors, errors
    assert 0 < len([t for t in study.trials if t.datetime_complete]) <= 150
    other = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    trials = ft.load_study(study_name="r", storage=other).trials
    assert [t.number for t in trials] == list(range(150))
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_redis_backend_down_too_long_is_a_storage_internal_error(
    redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import time

    import redis

    from ferrotune.exceptions import StorageInternalError
    from ferrotune.storages.journal import _redis

    monkeypatch.setattr(_redis, "_RETRY_SECONDS", 1.5)
    backend = JournalRedisBackend(redis_url, prefix=redis_prefix)
    storage = JournalStorage(backend)
    study = ft.create_study(storage=storage, study_name="r")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    restart = subprocess.Popen(
        ["bash", _services_script(), "restart-redis", "5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = redis.Redis.from_url(redis_url)
        for _ in range(100):  # until the server is down
            try:
                client.ping()
            except redis.exceptions.ConnectionError:
                break
            assert restart.poll() is None, restart.communicate()[1]
            time.sleep(0.05)
        start = time.monotonic()
        with pytest.raises(StorageInternalError, match=r"unreachable for 1\.5 s") as info:
            study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        assert time.monotonic() - start < 5
        assert isinstance(info.value, redis.exceptions.ConnectionError)  # as Optuna raises
    finally:
        _, err = restart.communicate(timeout=60)
    assert restart.returncode == 0, err
    # The server is back: the storage works again, and nothing was lost.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(study.trials) >= 4


def test_redis_missing_log_key_is_waited_for_then_skipped(
    redis_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A writer that took a log number (INCR) and died before SET: a bounded wait, then the
    gap is filled with a no-op record that every reader (and Optuna) applies as nothing."""
    import time

    import redis

    from ferrotune.storages.journal import _redis

    monkeypatch.setattr(_redis, "_MISSING_LOG_SECONDS", 0.5)
    storage = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    study = ft.create_study(storage=storage, study_name="r", sampler=ft.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    before = [t.params for t in study.trials]
    client = redis.Redis.from_url(redis_url)
    dead = int(client.incr(f"{redis_prefix}:log_number"))  # the dead writer's number
    caplog.set_level(logging.WARNING, logger="ferrotune")
    start = time.monotonic()
    reader = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    assert time.monotonic() - start < 5
    assert "was never written" in caplog.text
    assert [t.params for t in ft.load_study(study_name="r", storage=reader).trials] == before
    assert json.loads(client.get(f"{redis_prefix}:log:{dead}"))["study_id"] == -1
    # Writers append after the gap; every reader, Optuna's too, replays the same journal.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    after = [t.params for t in study.trials]
    assert len(after) == 5
    assert [t.params for t in ft.load_study(study_name="r", storage=reader).trials] == after
    optuna = pytest.importorskip("optuna")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        theirs = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalRedisBackend(redis_url, prefix=redis_prefix)
        )
    assert [t.params for t in optuna.load_study(study_name="r", storage=theirs).trials] == after


def test_redis_missing_log_key_written_late_is_read(
    redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow cluster-mode writer whose SET comes during the wait is read, not skipped; one
    later than the wait takes a new number."""
    import time

    import redis

    from ferrotune.storages.journal import _redis

    monkeypatch.setattr(_redis, "_MISSING_LOG_SECONDS", 3.0)
    backend = JournalRedisBackend(redis_url, prefix=redis_prefix, use_cluster=True)
    backend.append_logs([{"op_code": 2, "worker_id": "w", "i": 0}])
    client = redis.Redis.from_url(redis_url)
    slow = int(client.incr(f"{redis_prefix}:log_number"))
    late = threading.Timer(
        0.3,
        lambda: client.set(f"{redis_prefix}:log:{slow}", json.dumps({"op_code": 2, "i": 1})),
    )
    late.start()
    assert [log["i"] for log in backend.read_logs(0)] == [0, 1]
    late.join()
    # A gap filled by a reader: the late cluster-mode writer takes the next number.
    monkeypatch.setattr(_redis, "_MISSING_LOG_SECONDS", 0.2)
    gap = int(client.incr(f"{redis_prefix}:log_number"))
    assert [log.get("i") for log in backend.read_logs(gap)] == [None]
    backend.append_logs([{"op_code": 2, "worker_id": "w", "i": 2}])
    logs = list(backend.read_logs(0))
    assert [log.get("i") for log in logs] == [0, 1, None, 2]
    start = time.monotonic()
    assert len(list(backend.read_logs(0))) == 4  # the gap is not waited for again
    assert time.monotonic() - start < 0.2


@pytest.mark.parametrize("last", [False, True])
@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (b"\xff\xfe\x00garbage", "corrupt at line 8"),
        (
            b'{"op_code": 0, "worker_id": "w", "study_name": "\xc3\x28", "directions": [1]}',
            "corrupt at line 8: 'utf-8' codec can't decode",
        ),
        (b"{not json", "corrupt at line 8"),
        (b"[1, 2]", r"corrupt at line 8: \[1, 2\] is not a journal record"),
        (b'{"op_code": 999, "worker_id": "w"}', "corrupt at line 8: unknown journal op code"),
        (b'{"op_code": 4, "worker_id": "w"}', "corrupt at line 8: field 'study_id' is missing"),
    ],
)
def test_corrupt_redis_records_give_one_clear_error(
    garbage: bytes, message: str, last: bool, redis_url: str, redis_prefix: str
) -> None:
    """The Redis backend reports corruption as the file backend does, with the line number,
    the last record included (a Redis SET is never half-written)."""
    import redis

    storage = JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))
    study = ft.create_study(storage=storage, study_name="r")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)  # lines 1-7
    client = redis.Redis.from_url(redis_url)
    number = int(client.incr(f"{redis_prefix}:log_number"))
    assert number == 7
    client.set(f"{redis_prefix}:log:{number}", garbage)
    if not last:
        JournalRedisBackend(redis_url, prefix=redis_prefix).append_logs(
            [{"op_code": 2, "worker_id": "w", "study_id": 0, "user_attr": {"a": 1}}]
        )
    with pytest.raises(ValueError, match=message):
        JournalStorage(JournalRedisBackend(redis_url, prefix=redis_prefix))


def test_journal_heartbeats_keep_live_slow_trials_running(tmp_path: Any) -> None:
    """A trial longer than the grace period is not failed while its worker beats; the beats
    are journal records that Optuna reads too, and not system attributes in ferrotune."""
    import pickle
    import time

    from ferrotune.storages import RetryFailedTrialCallback, fail_stale_trials

    path = str(tmp_path / "j.log")
    beats: dict[str, Any] = {"heartbeat_interval": 1, "grace_period": 2}
    worker = JournalStorage(JournalFileBackend(path), **beats)
    study = ft.create_study(storage=worker, study_name="hb")
    watcher = ft.load_study(
        study_name="hb", storage=JournalStorage(JournalFileBackend(path), **beats)
    )
    done = threading.Event()
    failed: list[int] = []

    def watch() -> None:
        while not done.is_set():
            fail_stale_trials(watcher)
            failed.extend(t.number for t in watcher.trials if t.state == TrialState.FAIL)
            time.sleep(0.2)

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        study.optimize(lambda t: (time.sleep(3.5), t.suggest_float("x", 0, 1))[1], n_trials=1)
    finally:
        done.set()
        thread.join()
    assert not failed
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert trial.system_attrs == {}
    with open(path) as f:
        records = [json.loads(line) for line in f]
    assert sum("ferrotune:heartbeat" in r.get("system_attr", {}) for r in records) >= 3
    optuna = pytest.importorskip("optuna")
    theirs = optuna.load_study(
        study_name="hb",
        storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path)),
    )
    assert theirs.trials[0].state == optuna.trial.TrialState.COMPLETE
    assert theirs.trials[0].params == trial.params
    # Settings survive pickling (workers started with multiprocessing).
    callback = RetryFailedTrialCallback(max_retry=1)
    copy = pickle.loads(pickle.dumps(JournalStorage(JournalFileBackend(path), **beats)))
    assert copy.get_heartbeat_interval() == 1
    assert copy.grace_period == 2
    with_callback = JournalStorage(JournalFileBackend(path), failed_trial_callback=callback)
    assert with_callback.get_heartbeat_stale_trial_callback() is callback
    assert with_callback.get_heartbeat_interval() is None
    assert with_callback._run_heartbeat is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"heartbeat_interval": 0},
        {"heartbeat_interval": -1},
        {"heartbeat_interval": True},
        {"heartbeat_interval": "1"},
        {"heartbeat_interval": 1, "grace_period": 0},
        {"heartbeat_interval": 1, "grace_period": float("nan")},
    ],
)
def test_journal_heartbeat_arguments_are_checked(tmp_path: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="should be a positive integer"):
        JournalStorage(JournalFileBackend(str(tmp_path / "j.log")), **kwargs)


def test_journal_heartbeat_callbacks_are_exclusive(tmp_path: Any) -> None:
    def callback(study: ft.Study, trial: ft.trial.FrozenTrial) -> None:
        pass

    with pytest.raises(ValueError, match="only one of"):
        JournalStorage(
            JournalFileBackend(str(tmp_path / "j.log")),
            failed_trial_callback=callback,
            heartbeat_stale_trial_callback=callback,
        )


@pytest.mark.parametrize("use_cluster", [False, True])
def test_redis_append_retried_after_a_lost_reply_is_not_duplicated(
    redis_url: str, redis_prefix: str, use_cluster: bool
) -> None:
    """The server ran the append but the connection dropped before its reply: the retry
    must not append the record a second time."""
    import redis

    backend = JournalRedisBackend(redis_url, prefix=redis_prefix, use_cluster=use_cluster)
    backend.append_logs([{"op_code": 2, "worker_id": "w", "i": 0}])
    lost = {"n": 0}

    def losing(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if lost["n"] == 0:
                lost["n"] += 1
                raise redis.exceptions.ConnectionError("Connection closed by server.")
            return result

        return call

    if use_cluster:
        backend._redis.set = losing(backend._redis.set)  # type: ignore[method-assign]
    else:
        backend._append = losing(backend._append)
    backend.append_logs([{"op_code": 2, "worker_id": "w", "i": 1}])
    assert lost["n"] == 1
    fresh = JournalRedisBackend(redis_url, prefix=redis_prefix)
    assert [log["i"] for log in fresh.read_logs(0)] == [0, 1]
