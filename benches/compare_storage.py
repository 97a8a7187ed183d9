"""Persistent storage: ferrotune vs Optuna 5.0, side by side.

1. SQLite, RandomSampler, 10 float params: cost per trial (median of per-trial wall times
   and mean), ferrotune vs Optuna.
2. PostgreSQL, N worker processes x M trials of 5-param TPE on one study: throughput.
3. TPE on a SQLite study vs in memory (ferrotune): per-trial cost over the last 500 of
   ``--tpe-trials`` trials.

Usage::

    eval "$(bash .ci/services.sh start)"      # PostgreSQL for part 2
    python benches/compare_storage.py          # all parts
    python benches/compare_storage.py --quick  # smaller sizes
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import optuna

import ferrotune

optuna.logging.set_verbosity(optuna.logging.ERROR)
ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)


def _objective10(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(10))


def _objective5(trial: Any) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - i) ** 2 for i in range(5))


class _Clock:
    """Callback recording the wall time at the end of each trial."""

    def __init__(self) -> None:
        self.stamps = [time.perf_counter()]
        self.cpu = [time.process_time()]

    def __call__(self, study: Any, trial: Any) -> None:
        self.stamps.append(time.perf_counter())
        self.cpu.append(time.process_time())

    def per_trial(self, last: int | None = None) -> list[float]:
        d = [b - a for a, b in zip(self.stamps, self.stamps[1:])]
        return d[-last:] if last else d

    def cpu_per_trial(self, last: int | None = None) -> float:
        """Mean CPU time of this process per trial (over the last ``last`` trials)."""
        k = last or len(self.cpu) - 1
        return (self.cpu[-1] - self.cpu[-1 - k]) / k


def _run(mod: Any, storage: Any, sampler: Any, objective: Any, n: int) -> _Clock:
    study = mod.create_study(storage=storage, sampler=sampler)
    clock = _Clock()
    study.optimize(objective, n_trials=n, callbacks=[clock])
    return clock


def part_sqlite(n: int) -> None:
    print(f"\n## 1. SQLite, RandomSampler, 10 float params, {n} trials")
    rows = []
    for name, mod in (("ferrotune", ferrotune), ("optuna", optuna)):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
            start = time.perf_counter()
            clock = _run(mod, url, mod.samplers.RandomSampler(seed=0), _objective10, n)
            total = time.perf_counter() - start
        med = statistics.median(clock.per_trial()) * 1e3
        rows.append((name, med, total / n * 1e3))
        print(
            f"{name:>10}: median {med:7.3f} ms/trial, mean {total / n * 1e3:7.3f} ms/trial, "
            f"CPU {clock.cpu_per_trial() * 1e3:7.3f} ms/trial"
        )
    print(f"  optuna / ferrotune (median): {rows[1][1] / rows[0][1]:.1f}x")


_WORKER = """
import os, sys, time
lib = sys.argv[1]
url, name, n, go = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
if lib == "optuna":
    import optuna as mod
    mod.logging.set_verbosity(mod.logging.ERROR)
else:
    import ferrotune as mod
    mod.logging.set_verbosity(mod.logging.ERROR)
def objective(trial):
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - i) ** 2 for i in range(5))
study = mod.create_study(storage=url, study_name=name, load_if_exists=True,
                         sampler=mod.samplers.TPESampler(seed=os.getpid()))
while not os.path.exists(go):
    time.sleep(0.005)
start = time.time()
study.optimize(objective, n_trials=n)
print(start, time.time())
"""


def _fresh_database(base: str) -> tuple[str, str]:
    import psycopg
    import sqlalchemy as sa

    u = sa.engine.make_url(base)
    name = "bench_" + uuid.uuid4().hex[:10]
    info = f"host={u.host} port={u.port} dbname={u.database} user={u.username}"
    if u.password:
        info += f" password={u.password}"
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False), info


def _drop_database(info: str, url: str) -> None:
    import psycopg
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def part_postgres(base: str, workers: int, each: int) -> None:
    print(f"\n## 2. PostgreSQL, {workers} processes x {each} trials, 5-param TPE, one study")
    results = {}
    for lib in ("ferrotune", "optuna"):
        url, info = _fresh_database(base)
        go = os.path.join(tempfile.gettempdir(), f"go-{uuid.uuid4().hex}")
        # Optuna's workers race on schema creation: create the study once beforehand.
        mod = ferrotune if lib == "ferrotune" else optuna
        storage = mod.storages.RDBStorage(url)
        mod.create_study(storage=storage, study_name="bench")
        storage.engine.dispose()
        try:
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", _WORKER, lib, url, "bench", str(each), go],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(workers)
            ]
            time.sleep(8.0)  # imports and study creation are not part of the measurement
            open(go, "w").close()
            spans = []
            for p in procs:
                out, err = p.communicate(timeout=1800)
                if p.returncode != 0:
                    raise RuntimeError(err)
                a, b = map(float, out.split())
                spans.append((a, b))
            wall = max(b for _, b in spans) - min(a for a, _ in spans)
            n_done = len(ferrotune.load_study(study_name="bench", storage=url).trials)
        finally:
            if os.path.exists(go):
                os.remove(go)
            _drop_database(info, url)
        results[lib] = n_done / wall
        print(f"{lib:>10}: {n_done} trials in {wall:6.2f} s -> {n_done / wall:7.1f} trials/s")
    print(f"  ferrotune / optuna throughput: {results['ferrotune'] / results['optuna']:.1f}x")


def part_tpe(n: int) -> None:
    window = min(500, n)
    print(f"\n## 3. ferrotune TPE (10 float params), {n} trials: SQLite vs in memory")
    medians = {}
    for name in ("in-memory", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            storage = None if name == "in-memory" else f"sqlite:///{tmp}/tpe.db"
            clock = _run(
                ferrotune, storage, ferrotune.samplers.TPESampler(seed=0), _objective10, n
            )
        medians[name] = statistics.median(clock.per_trial(window)) * 1e3
        total = clock.stamps[-1] - clock.stamps[0]
        print(
            f"{name:>10}: median {medians[name]:7.3f} ms/trial over the last {window} trials "
            f"(CPU {clock.cpu_per_trial(window) * 1e3:7.3f} ms/trial); total {total:6.1f} s"
        )
    print(f"  sqlite / in-memory: {medians['sqlite'] / medians['in-memory']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite-trials", type=int, default=1000)
    parser.add_argument("--postgres-url", default=os.environ.get("FERROTUNE_TEST_POSTGRES_URL"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--trials-per-worker", type=int, default=100)
    parser.add_argument("--tpe-trials", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="Small sizes (smoke run).")
    parser.add_argument("--skip", nargs="*", default=[], choices=["sqlite", "postgres", "tpe"])
    args = parser.parse_args()
    if args.quick:
        args.sqlite_trials, args.trials_per_worker, args.tpe_trials = 200, 20, 600
    print(
        f"optuna {optuna.__version__}, ferrotune {ferrotune.__version__}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if "sqlite" not in args.skip:
        part_sqlite(args.sqlite_trials)
    if "postgres" not in args.skip:
        if args.postgres_url:
            part_postgres(args.postgres_url, args.workers, args.trials_per_worker)
        else:
            print("\n## 2. skipped: set FERROTUNE_TEST_POSTGRES_URL or --postgres-url")
    if "tpe" not in args.skip:
        part_tpe(args.tpe_trials)


if __name__ == "__main__":
    main()
