"""Workers vs throughput: many processes on one study, per storage backend.

Each point runs W worker processes on loopback, each asking TPE trials (3 float params) with
a 10 ms sleeping objective until the study holds N trials. Backends (ferrotune):
``postgres`` (RDBStorage direct), ``grpc`` (GrpcStorageProxy -> ferrotune proxy server ->
PostgreSQL), ``journal`` (journal file), ``redis`` (Redis journal), ``dask`` (DaskStorage on
a LocalCluster of W processes). Optuna 5.0 runs ``postgres`` and ``grpc`` (its own proxy
server). Reported per point: trials/s (N / wall time from the first ask to the last tell),
p50/p99 ask latency (``study.ask()`` plus the three ``suggest_float`` calls), and a check that
the trial numbers are 0..N'-1 exactly once with every trial finished (N' >= N: workers that
check the count at the same moment may each start one more).

Usage::

    eval "$(bash .ci/services.sh start)"   # PostgreSQL and Redis
    python benches/scale_workers.py                    # 1/4/16/64 workers, 2,000 trials
    python benches/scale_workers.py --quick            # 1/4/16 workers, 300 trials
    python benches/scale_workers.py --plot docs/images/scale_workers.png --json out.json
    python benches/scale_workers.py --backends grpc --optuna-backends "" --grpc-proxies 4
        # 4 proxy server processes on the one database, workers spread over them
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON_DIR = HERE.parent / "python"
FERROTUNE_BACKENDS = ("postgres", "grpc", "journal", "redis", "dask")
OPTUNA_BACKENDS = ("postgres", "grpc")
SLEEP = 0.010


# -- the worker loop (runs in worker processes and Dask tasks) ------------------------------
def work(lib: str, spec: str, study_name: str, n_total: int, seed: int, go: float) -> dict:
    """Ask/tell until the study holds ``n_total`` trials; return timings."""
    mod: Any = __import__(lib)
    mod.logging.set_verbosity(mod.logging.ERROR)
    storage = open_storage(lib, spec)
    study = mod.load_study(
        study_name=study_name, storage=storage, sampler=mod.samplers.TPESampler(seed=seed)
    )
    while time.time() < go:
        time.sleep(0.001)
    latencies: list[float] = []
    start = time.time()
    while study._storage.get_n_trials(study._study_id) < n_total:
        t0 = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(3)]
        latencies.append(time.perf_counter() - t0)
        time.sleep(SLEEP)
        study.tell(trial, sum(v * v for v in x))
    return {"start": start, "end": time.time(), "latencies": latencies}


def open_storage(lib: str, spec: str) -> Any:
    kind, _, rest = spec.partition(":")
    if kind not in ("grpc", "journal", "redis", "dask"):
        return spec  # a database URL
    mod: Any = __import__(lib)
    if kind == "grpc":
        host, port = rest.rsplit(":", 1)
        return mod.storages.GrpcStorageProxy(host=host, port=int(port))
    if kind == "journal":
        return mod.storages.JournalStorage(mod.storages.journal.JournalFileBackend(rest))
    if kind == "redis":
        url, prefix = rest.rsplit("#", 1)
        return mod.storages.JournalStorage(
            mod.storages.journal.JournalRedisBackend(url, prefix=prefix)
        )
    if kind == "dask":
        from ferrotune.integration.dask import DaskStorage

        storage = DaskStorage.__new__(DaskStorage)
        storage.__setstate__({"name": rest})
        return storage
    return spec


def worker_main(argv: list[str]) -> None:
    lib, spec, study_name, n_total, seed, go = argv
    result = work(lib, spec, study_name, int(n_total), int(seed), float(go))
    print(json.dumps(result))


# -- one point ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port: int = s.getsockname()[1]
        return port


def env_for(lib: str) -> dict[str, str]:
    env = dict(os.environ)
    if lib == "ferrotune":
        env["PYTHONPATH"] = os.pathsep.join([str(PYTHON_DIR), env.get("PYTHONPATH", "")])
    else:  # real optuna: no ferrotune alias on the path
        env.pop("PYTHONPATH", None)
    return env


def start_proxy(lib: str, url: str, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = (
        f"import sys, warnings; warnings.simplefilter('ignore'); import {lib} as m; "
        "from concurrent.futures import ThreadPoolExecutor; "
        "m.logging.set_verbosity(m.logging.ERROR); "
        "m.storages.run_grpc_proxy_server(m.storages.get_storage(sys.argv[1]), "
        "host='localhost', port=int(sys.argv[2]), "
        "thread_pool=ThreadPoolExecutor(max_workers=int(sys.argv[3])))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url, str(port), str(threads)],
        env=env_for(lib),
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("localhost", port)) == 0:
                return proc, f"grpc:localhost:{port}"
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the gRPC proxy server did not start")


def spec_for(backend: str, pg_url: str, redis_url: str, tmp: str) -> str:
    if backend == "postgres":
        return pg_url
    if backend == "journal":
        return f"journal:{os.path.join(tmp, uuid.uuid4().hex + '.log')}"
    if backend == "redis":
        return f"redis:{redis_url}#scale-{uuid.uuid4().hex[:8]}"
    raise ValueError(backend)


def run_processes(
    lib: str, specs: list[str], study: str, n_total: int, n_workers: int
) -> list[dict]:
    """``n_workers`` processes; worker ``i`` uses ``specs[i % len(specs)]``."""
    go = time.time() + 3.0 + 0.25 * n_workers  # every worker imported and connected by then
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                lib,
                specs[i % len(specs)],
                study,
                str(n_total),
                str(i),
                str(go),
            ],
            env=env_for(lib),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(n_workers)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed: {err.decode()[-2000:]}")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def run_dask(study_name: str, n_total: int, n_workers: int) -> tuple[list[dict], Any]:
    import dask
    import distributed

    import ferrotune
    from ferrotune.integration.dask import DaskStorage

    # 64 worker processes starting on 2 busy cores take longer than Dask's 30 s default.
    dask.config.set({"distributed.comm.timeouts.connect": "600s"})
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    client = distributed.Client(cluster, timeout=600)
    try:
        storage = DaskStorage(client=client)
        ferrotune.create_study(storage=storage, study_name=study_name)
        go = time.time() + 2.0
        futures = [
            client.submit(
                work,
                "ferrotune",
                f"dask:{storage.name}",
                study_name,
                n_total,
                i,
                go,
                workers=[w],
                pure=False,
            )
            for i, w in enumerate(client.scheduler_info()["workers"])
        ]
        results = client.gather(futures)
        trials = ferrotune.load_study(study_name=study_name, storage=storage).trials
        return results, trials
    finally:
        client.close()
        cluster.close()


def check_numbers(trials: list[Any], n_total: int) -> str:
    numbers = sorted(t.number for t in trials)
    ok = numbers == list(range(len(numbers))) and len(numbers) >= n_total
    unfinished = sum(1 for t in trials if not t.state.is_finished())
    if not ok or unfinished:
        return f"FAIL ({len(numbers)} trials, {unfinished} unfinished)"
    return f"ok (0..{len(numbers) - 1})"


def pg_connections(pg_url: str) -> int:
    import psycopg
    import sqlalchemy as sa

    u = sa.engine.make_url(pg_url)
    with psycopg.connect(
        host=u.host, port=u.port, dbname=u.database, user=u.username, autocommit=True
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
        return int(row[0]) if row else 0


def run_point(
    lib: str,
    backend: str,
    n_workers: int,
    n_total: int,
    urls: dict,
    tmp: str,
    proxies: int = 1,
    proxy_threads: int = 10,
) -> dict:
    study_name = f"scale-{lib}-{backend}-{n_workers}-{uuid.uuid4().hex[:6]}"
    mod: Any = __import__(lib)
    mod.logging.set_verbosity(mod.logging.ERROR)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        if backend == "dask":
            results, trials = run_dask(study_name, n_total, n_workers)
        else:
            if backend == "grpc":  # several proxy servers in front of one database
                specs = []
                for _ in range(proxies):
                    server, spec = start_proxy(lib, urls["pg"], proxy_threads)
                    servers.append(server)
                    specs.append(spec)
            else:
                specs = [spec_for(backend, urls["pg"], urls["redis"], tmp)]
            spec = specs[0]
            creator = (
                open_storage(lib, spec)
                if lib == "ferrotune" or backend != "postgres"
                else (mod.storages.RDBStorage(spec))
            )
            mod.create_study(storage=creator, study_name=study_name)
            results = run_processes(lib, specs, study_name, n_total, n_workers)
            trials = mod.load_study(study_name=study_name, storage=creator).trials
    finally:
        for server in servers:
            server.send_signal(signal.SIGKILL)
            server.wait()
    start = min(r["start"] for r in results)
    end = max(r["end"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    p = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "lib": lib,
        "backend": backend if backend != "grpc" or proxies == 1 else f"grpc x{proxies}",
        "workers": n_workers,
        "trials": len(trials),
        "trials_per_s": len(trials) / (end - start),
        "ask_p50_ms": p(0.5),
        "ask_p99_ms": p(0.99),
        "numbers": check_numbers(trials, n_total),
    }


def plot(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    series: dict[tuple[str, str], list[dict]] = {}
    for p in points:
        series.setdefault((p["lib"], p["backend"]), []).append(p)
    for (lib, backend), rows in sorted(series.items()):
        rows.sort(key=lambda r: r["workers"])
        style = "-o" if lib == "ferrotune" else "--s"
        ax.plot(
            [r["workers"] for r in rows],
            [r["trials_per_s"] for r in rows],
            style,
            label=f"{lib} {backend}",
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")  # equal ratios, equal distances
    ticks = sorted({p["workers"] for p in points})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("worker processes")
    ax.set_ylabel("trials / s")
    ax.set_title("TPE, 10 ms objective, loopback, 2-core machine")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,4,16,64")
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--backends", default=",".join(FERROTUNE_BACKENDS))
    parser.add_argument("--optuna-backends", default=",".join(OPTUNA_BACKENDS))
    parser.add_argument("--quick", action="store_true", help="1/4/16 workers, 300 trials")
    parser.add_argument(
        "--grpc-proxies", type=int, default=1, help="proxy server processes (workers spread)"
    )
    parser.add_argument(
        "--proxy-threads", type=int, default=10, help="threads of each proxy server (both libs)"
    )
    parser.add_argument("--plot", type=Path, default=None, help="write the curve as PNG")
    parser.add_argument("--json", type=Path, default=None, help="write the points as JSON")
    parser.add_argument(
        "--replot", type=Path, nargs="+", help="only plot the points of these --json files"
    )
    args = parser.parse_args()
    if args.replot:
        merged = [p for path in args.replot for p in json.loads(path.read_text())]
        plot(merged, args.plot or Path("scale_workers.png"))
        return
    if args.quick:
        args.workers, args.trials = "1,4,16", 300
    urls = {
        "pg": os.environ.get("FERROTUNE_TEST_POSTGRES_URL", ""),
        "redis": os.environ.get("FERROTUNE_TEST_REDIS_URL", ""),
    }
    if not urls["pg"]:
        raise SystemExit('needs PostgreSQL and Redis: eval "$(bash .ci/services.sh start)"')
    sys.path.insert(0, str(PYTHON_DIR))
    plan = [("ferrotune", b) for b in args.backends.split(",") if b] + [
        ("optuna", b) for b in args.optuna_backends.split(",") if b
    ]
    points = []
    print("| lib | backend | workers | trials | trials/s | ask p50 ms | ask p99 ms | numbers |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for lib, backend in plan:
            for n_workers in (int(w) for w in args.workers.split(",")):
                point = run_point(
                    lib,
                    backend,
                    n_workers,
                    args.trials,
                    urls,
                    tmp,
                    proxies=args.grpc_proxies,
                    proxy_threads=args.proxy_threads,
                )
                points.append(point)
                print(
                    f"| {lib} | {backend} | {n_workers} | {point['trials']} | "
                    f"{point['trials_per_s']:.1f} | {point['ask_p50_ms']:.1f} | "
                    f"{point['ask_p99_ms']:.1f} | {point['numbers']} |",
                    flush=True,
                )
                if args.json:
                    args.json.write_text(json.dumps(points, indent=1))
    if args.plot:
        plot(points, args.plot)
    print("median trials/s:", statistics.median(p["trials_per_s"] for p in points))


if __name__ == "__main__":
    main()
