"""The gRPC storage proxy: storage behaviour through it, Optuna 5.0 interoperability in both
directions, incremental syncing and a server killed mid-run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import ferrotune as ft
from ferrotune.storages import BaseStorage, GrpcStorageProxy, InMemoryStorage, RDBStorage
from ferrotune.storages._grpc import api_pb2, make_server
from ferrotune.trial import TrialState

from .test_storage_behaviour import (  # noqa: F401  (collected here against the proxy)
    test_get_all_trials_not_modified,
    test_incompatible_distribution_is_rejected,
    test_single_value_infinite_float_params_round_trip,
    test_study_api_round_trip,
    test_study_lifecycle,
    test_template_trials_and_history,
    test_trial_lifecycle_seen_by_another_process,
    test_trials_dataframe_to_csv,
    test_waiting_trial_is_popped_once,
)

SERVER = os.path.join(os.path.dirname(__file__), "_grpc_server.py")
REPO_PYTHON = os.path.join(os.path.dirname(__file__), "..", "..", "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(params=["inmemory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[BaseStorage]:
    """The storage behind the proxy server."""
    if request.param == "inmemory":
        yield InMemoryStorage()
        return
    if request.param == "sqlite":
        storage = RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    else:
        storage = RDBStorage(request.getfixturevalue("postgres_url"))
    yield storage
    storage.close()


@pytest.fixture
def proxy_port(backend: BaseStorage) -> Iterator[int]:
    """Port of an in-process proxy server in front of ``backend``."""
    port = free_port()
    server = make_server(backend, "localhost", port)
    server.start()
    yield port
    server.stop(None)


@pytest.fixture
def storage_factory(proxy_port: int) -> Iterator[Callable[[], GrpcStorageProxy]]:
    """Overrides conftest's: each call is a new client of one proxy server."""
    clients: list[GrpcStorageProxy] = []

    def make() -> GrpcStorageProxy:
        client = GrpcStorageProxy(host="localhost", port=proxy_port)
        client.wait_server_ready(timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _objective(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    c = trial.suggest_categorical("c", ["a", None, 2.5])
    n = trial.suggest_int("n", 1, 4)
    trial.set_user_attr("info", {"n": n})
    trial.report(x, 0)
    if n == 4:
        raise ft.TrialPruned()
    return x**2 + (0.5 if c is None else 0.0)


def test_history_is_synced_incrementally(
    storage_factory: Callable[[], GrpcStorageProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = storage_factory(), storage_factory()
    study = ft.create_study(storage=writer, sampler=ft.samplers.TPESampler(seed=1))
    study.optimize(_objective, n_trials=30)
    sizes: list[int] = []
    stub_call = reader._stub.GetTrials

    def counting(request: Any, **kwargs: Any) -> Any:
        reply = stub_call(request, **kwargs)
        sizes.append(len(reply.trials))
        return reply

    monkeypatch.setattr(reader._stub, "GetTrials", counting)
    history = reader.get_trial_history(study._study_id)
    assert history.n == 30
    study.optimize(_objective, n_trials=3)
    time.sleep(0.01)
    assert reader.get_trial_history(study._study_id).n == 33
    assert sizes == [30, 3]  # the second sync carried only the new trials
    assert [t.number for t in reader.get_all_trials(study._study_id)] == list(range(33))
    assert reader.get_n_trials(study._study_id, TrialState.PRUNED) == sum(
        t.state == TrialState.PRUNED for t in study.trials
    )


def test_own_trial_writes_keep_the_sync_and_are_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parameters a client writes to its own running trial do not cost a new sync (one per
    trial, not one per suggestion), and its reads still show them at once."""
    from ferrotune.storages._grpc import client as grpc_client

    port = free_port()
    server = make_server(InMemoryStorage(), "localhost", port)
    server.start()
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=30)
        study = ft.create_study(storage=proxy, sampler=ft.samplers.TPESampler(seed=0))
        study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=12)
        monkeypatch.setattr(grpc_client, "_SYNC_REUSE_SECONDS", 3600.0)  # only writes expire
        calls: list[str] = []
        stub_call = proxy._stub.GetTrials

        def counting(request: Any, **kwargs: Any) -> Any:
            calls.append("GetTrials")
            return stub_call(request, **kwargs)

        monkeypatch.setattr(proxy._stub, "GetTrials", counting)
        trial = study.ask()
        calls.clear()
        values = [trial.suggest_float(name, 0, 1) for name in ("a", "b", "c")]
        assert calls == []  # the ask's sync serves them (before: one per written parameter)
        mine = [t for t in proxy.get_all_trials(study._study_id) if t.number == trial.number]
        assert mine[0].params == dict(zip(("a", "b", "c"), values, strict=True))
        running = proxy.get_running_trials(study._study_id)
        assert [t.params for t in running] == [mine[0].params]
        study.tell(trial, sum(values))
        assert proxy.get_trial_history(study._study_id).n == 13  # finishing expires the sync
        proxy.close()
    finally:
        server.stop(None)


def test_samplers_behind_the_proxy_match_a_local_storage(
    storage_factory: Callable[[], GrpcStorageProxy],
) -> None:
    local = ft.create_study(sampler=ft.samplers.TPESampler(seed=7))
    remote = ft.create_study(storage=storage_factory(), sampler=ft.samplers.TPESampler(seed=7))
    local.optimize(_objective, n_trials=25)
    remote.optimize(_objective, n_trials=25)
    assert [t.params for t in remote.trials] == [t.params for t in local.trials]


def test_errors_map_to_the_storage_exceptions(
    storage_factory: Callable[[], GrpcStorageProxy],
) -> None:
    storage = storage_factory()
    with pytest.raises(KeyError):
        storage.get_trial(12345)
    with pytest.raises(KeyError):
        storage.get_all_trials(999)
    with pytest.raises(TypeError, match="port"):
        GrpcStorageProxy(port="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reconnect_timeout"):
        GrpcStorageProxy(port=1, reconnect_timeout=-1)


def test_own_running_trials_read_back_without_calls(
    storage_factory: Callable[[], GrpcStorageProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, other = storage_factory(), storage_factory()
    sid = owner.create_new_study([ft.study.StudyDirection.MINIMIZE], "own")
    tid = owner.create_new_trial(sid)
    owner.get_trial(tid)  # the one call that fetches the new trial
    calls: list[str] = []
    real_rpc = owner._rpc

    def counting(method: str, request: Any, **kwargs: Any) -> Any:
        calls.append(method)
        return real_rpc(method, request, **kwargs)

    monkeypatch.setattr(owner, "_rpc", counting)
    dist = ft.distributions.CategoricalDistribution(["a", None, 2.5])
    owner.set_trial_param(tid, "c", 2, dist)
    owner.set_trial_user_attr(tid, "u", (1, "x"))
    owner.set_trial_system_attr(tid, "s", {"k": float("inf")})
    owner.set_trial_intermediate_value(tid, 3, 0.5)
    local = owner.get_trial(tid)
    assert "GetTrial" not in calls
    remote = other.get_trial(tid)
    for field in ("params", "distributions", "user_attrs", "system_attrs"):
        assert getattr(local, field) == getattr(remote, field), field
    assert local.intermediate_values == remote.intermediate_values == {3: 0.5}
    local.params["c"] = "changed"  # a copy: the client's record is not touched
    assert owner.get_trial(tid).params == {"c": 2.5}
    assert owner.set_trial_state_values(tid, TrialState.COMPLETE, [1.0])
    assert owner.get_trial(tid).state == TrialState.COMPLETE  # read from the server again


def test_protocol_is_optunas() -> None:
    from optuna.storages._grpc.auto_generated import api_pb2 as optuna_api

    assert api_pb2.DESCRIPTOR.serialized_pb == optuna_api.DESCRIPTOR.serialized_pb


# -- real servers in other processes ---------------------------------------------------------
def _start_server(library: str, url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(REPO_PYTHON))
    return subprocess.Popen(
        [sys.executable, SERVER, library, url, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate(timeout=30)  # reaps it and closes its stderr pipe


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_ferrotune_worker_on_an_optuna_server(rdb_url: str) -> None:
    import optuna

    port = free_port()
    server = _start_server("optuna", rdb_url, port)
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=60)
        study = ft.create_study(
            storage=proxy, study_name="interop", sampler=ft.samplers.TPESampler(seed=0)
        )
        study.enqueue_trial({"x": 0.5, "c": None, "n": 2})
        study.optimize(_objective, n_trials=20)
        written = study.trials
        best_value = study.best_value
        assert len(written) == 20
        assert written[0].params == {"x": 0.5, "c": None, "n": 2}
        proxy.close()
    finally:
        _stop(server)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = optuna.storages.RDBStorage(rdb_url)
    try:
        seen = optuna.load_study(study_name="interop", storage=storage)
        assert [t.number for t in seen.trials] == list(range(20))
        assert [t.params for t in seen.trials] == [t.params for t in written]
        assert [t.state.name for t in seen.trials] == [t.state.name for t in written]
        assert seen.best_value == best_value
    finally:
        storage.engine.dispose()


OPTUNA_WORKER = """
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
import warnings; warnings.simplefilter("ignore")
proxy = optuna.storages.GrpcStorageProxy(host="localhost", port=int(sys.argv[1]))
proxy.wait_server_ready(timeout=60)
study = optuna.create_study(storage=proxy, study_name="interop", load_if_exists=True,
                            sampler=optuna.samplers.TPESampler(seed=0))
def objective(trial):
    x = trial.suggest_float("x", -2.0, 2.0)
    c = trial.suggest_categorical("c", ["a", None, 2.5])
    trial.set_user_attr("by", "optuna")
    trial.report(x, 0)
    return x ** 2 + (0.5 if c is None else 0.0)
study.optimize(objective, n_trials=15)
print(len(study.trials), study.best_value)
"""


def test_optuna_worker_on_a_ferrotune_server(rdb_url: str) -> None:
    port = free_port()
    server = _start_server("ferrotune", rdb_url, port)
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=60)
        mine = ft.create_study(storage=proxy, study_name="interop")
        mine.optimize(_objective, n_trials=5)
        # Real Optuna (a separate interpreter without ferrotune on its path).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(
            [sys.executable, "-c", OPTUNA_WORKER, str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        n_seen, best = done.stdout.split()
        assert int(n_seen) == 20
        trials = mine.trials
        assert [t.number for t in trials] == list(range(20))
        assert [t.user_attrs.get("by") for t in trials[5:]] == ["optuna"] * 15
        assert all(t.state.is_finished() for t in trials)
        assert float(best) == mine.best_value
        proxy.close()
    finally:
        _stop(server)


WORKER = """
import sys, time, ferrotune as ft
ft.logging.set_verbosity(ft.logging.ERROR)
proxy = ft.storages.GrpcStorageProxy(host="localhost", port=int(sys.argv[1]))
study = ft.load_study(study_name="restart", storage=proxy,
                      sampler=ft.samplers.TPESampler(seed=int(sys.argv[3])))
def objective(trial):
    time.sleep(0.02)
    return trial.suggest_float("x", -1.0, 1.0) ** 2
study.optimize(objective, n_trials=int(sys.argv[2]))
"""


def test_server_killed_mid_run_and_restarted(postgres_url: str) -> None:
    port = free_port()
    server = _start_server("ferrotune", postgres_url, port)
    n_workers, n_each = 3, 30
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=60)
        ft.create_study(storage=proxy, study_name="restart")
        env = dict(os.environ, PYTHONPATH=os.path.abspath(REPO_PYTHON))
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(port), str(n_each), str(seed)],
                env=env,
                stderr=subprocess.PIPE,
            )
            for seed in range(n_workers)
        ]
        study = ft.load_study(study_name="restart", storage=proxy)
        deadline = time.monotonic() + 120
        while len(study.trials) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)
        server.communicate(timeout=30)
        time.sleep(1.0)
        server = _start_server("ferrotune", postgres_url, port)
        for worker in workers:
            _, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err.decode()
    finally:
        _stop(server)
    storage = RDBStorage(postgres_url)
    try:
        trials = ft.load_study(study_name="restart", storage=storage).trials
    finally:
        storage.close()
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len({t._trial_id for t in trials}) == len(trials)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == n_workers * n_each
    # A trial creation cut by the kill may leave one trial behind per worker, never finished.
    assert len(trials) - len(complete) <= n_workers


def _connections(url: str) -> int:
    import psycopg
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    with psycopg.connect(
        host=u.host, port=u.port, dbname=u.database, user=u.username, autocommit=True
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (u.database,)
        ).fetchone()
    return int(row[0]) if row else 0


COUNTING_WORKER = """
import sys, time, ferrotune as ft
ft.logging.set_verbosity(ft.logging.ERROR)
proxy = ft.storages.GrpcStorageProxy(host="localhost", port=int(sys.argv[1]))
study = ft.load_study(study_name="many", storage=proxy,
                      sampler=ft.samplers.TPESampler(seed=int(sys.argv[2])))
study.optimize(lambda t: (time.sleep(0.01), t.suggest_float("x", 0, 1))[1],
               callbacks=[ft.study.MaxTrialsCallback(int(sys.argv[3]), states=None)])
"""


@pytest.mark.slow
def test_many_workers_share_the_proxys_connections(postgres_url: str) -> None:
    """16 worker processes through one proxy: the database sees the proxy's connections
    only (bounded by its thread pool), and the numbers are 0..N-1 exactly once."""
    port = free_port()
    server = _start_server("ferrotune", postgres_url, port)
    n_workers, n_total = 16, 200
    peak = 0
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=60)
        ft.create_study(storage=proxy, study_name="many")
        env = dict(os.environ, PYTHONPATH=os.path.abspath(REPO_PYTHON))
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", COUNTING_WORKER, str(port), str(seed), str(n_total)],
                env=env,
                stderr=subprocess.PIPE,
            )
            for seed in range(n_workers)
        ]
        while any(w.poll() is None for w in workers):
            peak = max(peak, _connections(postgres_url) - 1)  # minus this probe's own
            time.sleep(0.2)
        for worker in workers:
            _, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err.decode()
        proxy.close()
    finally:
        _stop(server)
    # At most the proxy's: 10 call threads with up to two connections each (RDBStorage's
    # per-thread connection and SQLAlchemy's pool), whatever the number of workers.
    assert 1 <= peak <= 21
    storage = RDBStorage(postgres_url)
    try:
        trials = ft.load_study(study_name="many", storage=storage).trials
    finally:
        storage.close()
    assert n_total <= len(trials) < n_total + n_workers
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state == TrialState.COMPLETE for t in trials)
