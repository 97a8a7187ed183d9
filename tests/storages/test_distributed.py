"""Several worker processes on one study: PostgreSQL, SQLite and journal file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

import ferrotune as ft
from ferrotune.storages import JournalStorage, RDBStorage, RetryFailedTrialCallback
from ferrotune.storages.journal import JournalFileBackend, JournalRedisBackend
from ferrotune.trial import TrialState

WORKER = os.path.join(os.path.dirname(__file__), "_worker.py")


def _spawn(
    spec: str, study: str, n_trials: int, mode: str, *extra: str
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, WORKER, spec, study, str(n_trials), mode, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_all(procs: list[subprocess.Popen[bytes]], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            _, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        assert p.returncode == 0, err.decode()


def _check_study(storage: Any, n_expected: int, enqueued: list[float]) -> None:
    study = ft.load_study(study_name="dist", storage=storage)
    trials = study.trials
    assert [t.number for t in trials] == list(range(n_expected))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t._trial_id for t in trials}) == n_expected
    xs = [t.params["x"] for t in trials]
    for x in enqueued:  # every queued trial ran exactly once
        assert xs.count(x) == 1
    assert len({t.user_attrs["pid"] for t in trials}) >= 2


def _run_workers(spec: str, storage: Any, n_workers: int, n_each: int, n_queued: int) -> None:
    if n_queued:
        # The study is created by whichever worker comes first; queue trials in it first.
        study = ft.create_study(storage=storage, study_name="dist", load_if_exists=True)
        enqueued = [round(-9.0 + 0.37 * i, 6) for i in range(n_queued)]
        for x in enqueued:
            study.enqueue_trial({"x": x})
    else:
        enqueued = []
    procs = [_spawn(spec, "dist", n_each, "plain") for _ in range(n_workers)]
    _wait_all(procs)
    _check_study(storage, n_workers * n_each, enqueued)


def test_four_workers_on_postgresql(postgres_url: str) -> None:
    # Workers start on an empty database: schema and study creation race too.
    procs = [_spawn(postgres_url, "dist", 50, "plain") for _ in range(4)]
    _wait_all(procs)
    _check_study(postgres_url, 200, [])


def test_enqueued_trials_popped_once_on_postgresql(postgres_url: str) -> None:
    _run_workers(postgres_url, postgres_url, n_workers=4, n_each=15, n_queued=30)


def test_workers_on_sqlite(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _run_workers(url, url, n_workers=3, n_each=20, n_queued=10)


def test_workers_on_journal_file(tmp_path: Any) -> None:
    path = str(tmp_path / "journal.log")
    _run_workers("journal:" + path, JournalStorage(JournalFileBackend(path)), 3, 20, 10)


@pytest.mark.parametrize("kind", ["postgresql", "journal_file", "journal_redis"])
def test_killed_worker_trial_fails_and_is_retried(
    kind: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    """A worker SIGKILLed mid-trial: another worker fails its trial (no more heartbeats)
    and runs the retry queued by RetryFailedTrialCallback, with the same parameters."""
    beats: dict[str, Any] = {
        "heartbeat_interval": 1,
        "grace_period": 2,
        "failed_trial_callback": RetryFailedTrialCallback(max_retry=2),
    }
    storage: Any
    if kind == "postgresql":
        spec = request.getfixturevalue("postgres_url")
        storage = RDBStorage(spec, **beats)
    elif kind == "journal_file":
        path = str(tmp_path / "journal.log")
        spec = "journal:" + path
        storage = JournalStorage(JournalFileBackend(path), **beats)
    else:
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        spec = f"redis:{url}#{prefix}"
        storage = JournalStorage(JournalRedisBackend(url, prefix=prefix), **beats)
    marker = tmp_path / "started"
    victim = _spawn(spec, "dist", 1, "hang", str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert victim.poll() is None, victim.stderr.read().decode() if victim.stderr else ""
        assert time.monotonic() < deadline, "the worker never started its trial"
        time.sleep(0.05)
    time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.stderr is not None
    victim.stderr.close()

    study = ft.load_study(study_name="dist", storage=storage)
    killed = study.trials[0]
    assert killed.state == TrialState.RUNNING
    assert killed.system_attrs == {}  # heartbeats are not system attributes
    # Another worker: before each new trial it fails stale trials and queues their retries.
    deadline = time.monotonic() + 60
    while study.trials[0].state == TrialState.RUNNING:
        assert time.monotonic() < deadline
        study.optimize(lambda t: (time.sleep(0.2), t.suggest_float("x", -10, 10))[1], n_trials=1)
    trials = study.trials
    assert trials[0].state == TrialState.FAIL
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == 0]
    assert len(retries) == 1
    retry = retries[0]
    if retry.state == TrialState.WAITING:
        study.optimize(lambda t: t.suggest_float("x", -10, 10), n_trials=1)
        retry = study.trials[retry.number]
    assert retry.state == TrialState.COMPLETE
    assert retry.params["x"] == killed.params["x"]
    assert RetryFailedTrialCallback.retried_trial_number(retry) == 0
    assert RetryFailedTrialCallback.retry_history(retry) == [0]
    # Trials of live workers (with heartbeats) are never failed.
    assert all(t.state == TrialState.COMPLETE for t in study.trials[1:])
    if hasattr(storage, "close"):
        storage.close()


@pytest.mark.parametrize("n_procs", [6])
def test_concurrent_create_study_load_if_exists(postgres_url: str, n_procs: int) -> None:
    code = (
        "import sys, ferrotune as ft\n"
        "s = ft.create_study(storage=sys.argv[1], study_name='same', load_if_exists=True)\n"
        "print(s._study_id)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, postgres_url], stdout=subprocess.PIPE)
        for _ in range(n_procs)
    ]
    ids = set()
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        ids.add(out.decode().strip())
    assert len(ids) == 1
    assert ft.get_all_study_names(postgres_url) == ["same"]
