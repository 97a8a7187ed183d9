"""Write the Optuna 2.x databases used by the schema-upgrade tests (not run by the tests).

The fixtures are real databases written by Optuna 2.x itself, so the tests upgrade the exact
tables, types and encodings Optuna 2 produced. Run this script with an old Optuna in a
throwaway virtualenv outside the repository, e.g.::

    python -m venv /tmp/optuna2
    /tmp/optuna2/bin/pip install "optuna==2.10.1" "sqlalchemy<2" "numpy<1.24" psycopg2-binary
    /tmp/optuna2/bin/python tests/storages/data/make_old_dbs.py            # SQLite
    /tmp/optuna2/bin/python tests/storages/data/make_old_dbs.py \\
        --postgres postgresql://postgres@127.0.0.1:55432/postgres           # + PostgreSQL dump

    python -m venv /tmp/optuna25
    /tmp/optuna25/bin/pip install "optuna==2.5.0" "sqlalchemy<1.4" "numpy<1.24" psycopg2-binary
    /tmp/optuna25/bin/python tests/storages/data/make_old_dbs.py

For Optuna ``X.Y.Z`` it writes, next to this script:

``optuna_X_Y_Z.db``
    SQLite database (schema revision ``v2.6.0.a`` for Optuna 2.6-2.10, ``v2.4.0.a`` for 2.4
    and 2.5).
``optuna_X_Y_Z.json``
    What the upgraded database must contain: every study's directions and attributes and
    every trial's state, params, distributions, values, intermediate values and attributes.
``optuna_X_Y_Z.postgresql.sql`` / ``optuna_X_Y_Z.postgresql.json`` (with ``--postgres``)
    The same studies written by Optuna into a scratch PostgreSQL database (created and
    dropped by this script), dumped with ``pg_dump --inserts`` (needs ``pg_dump`` on PATH),
    and their expected contents. PostgreSQL also stores a NaN intermediate value, which
    Optuna 2 could not store in SQLite (NaN becomes NULL there, and the column was NOT NULL).

Expected values are read back from Optuna itself, then mapped as Optuna 3's migrations map
them: a value within float32 rounding of +-3.4028e38 (how Optuna 2 clamped infinities on
MySQL; one trial stores it on purpose) becomes +-inf, legacy distributions
(``UniformDistribution``, ``IntUniformDistribution``, ...) become ``FloatDistribution`` /
``IntDistribution``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import optuna
import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.engine.url import make_url  # also in SQLAlchemy 1.3 (old Optuna)

HERE = os.path.dirname(os.path.abspath(__file__))
F32_MAX = float(np.finfo(np.float32).max)


def _objective(trial: optuna.Trial) -> float:
    u = trial.suggest_uniform("u", -1.0, 1.0)
    lu = trial.suggest_loguniform("lu", 1e-3, 1.0)
    du = trial.suggest_discrete_uniform("du", 0.0, 1.0, 0.25)
    i = trial.suggest_int("i", 1, 10)
    trial.suggest_int("i_step", 0, 20, step=5)
    trial.suggest_int("i_log", 1, 100, log=True)
    c = trial.suggest_categorical("c", ["a", 1, None, 2.5, True])
    f = trial.suggest_float("f", 0.0, 1.0)
    trial.set_user_attr("number_seen", trial.number)
    trial.set_user_attr("nested", {"list": [1, 2.5, "x"], "none": None})
    trial.set_system_attr("sys", [trial.number, "s"])
    value = u + lu + du + i + f + (0.5 if c == "a" else 0.0)
    if trial.number == 0:
        for step in range(3):
            trial.report(value + step, step)
    elif trial.number == 1:
        trial.report(float("inf"), 0)
        trial.report(float("-inf"), 1)
        trial.report(2.5, 2)
        return float("inf")
    elif trial.number == 2:
        trial.report(1.5, 0)
        trial.report(0.5, 3)
        raise optuna.TrialPruned()
    elif trial.number == 3:
        raise ValueError("boom")
    elif trial.number == 4:
        # As Optuna 2 stored infinities on MySQL (clamped to float32): upgraded to inf.
        trial.report(F32_MAX, 0)
        trial.report(-F32_MAX, 1)
        trial.report(1e17, 2)
        return -F32_MAX
    elif trial.number == 5:
        trial.report(-1e17, 0)
        return 1e17
    return value


def _write(url: str, postgres: bool) -> None:
    single = optuna.create_study(
        storage=url,
        study_name="single",
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=1),
    )
    single.set_user_attr("dataset", "iris")
    single.set_user_attr("sizes", [1, 2, 3])
    single.set_system_attr("origin", {"tool": "make_old_dbs"})
    single.optimize(_objective, n_trials=7, catch=(ValueError,))
    if postgres:
        trial = single.ask()
        trial.suggest_float("u", -1.0, 1.0)
        trial.report(float("nan"), 0)
        trial.report(1.0, 1)
        single.tell(trial, 3.0)
    single.enqueue_trial({"u": 0.25, "i": 3})  # stays WAITING

    multi = optuna.create_study(
        storage=url,
        study_name="multi",
        directions=["minimize", "maximize"],
        sampler=optuna.samplers.RandomSampler(seed=2),
    )

    def two(trial: optuna.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 5.0)
        y = trial.suggest_int("y", -3, 3)
        if trial.number == 2:
            raise ValueError("bad")
        return x + y, x * y

    multi.optimize(two, n_trials=4, catch=(ValueError,))
    multi.set_user_attr("kind", "pareto")


def _float(v: float | None) -> float | None:
    if v is None:
        return None
    if math.isclose(v, F32_MAX, rel_tol=1e-5) or v == math.inf:
        return math.inf
    if math.isclose(v, -F32_MAX, rel_tol=1e-5) or v == -math.inf:
        return -math.inf
    return v


def _distribution(d: Any) -> dict[str, Any]:
    name = type(d).__name__
    if name == "CategoricalDistribution":
        return {"type": "categorical", "choices": list(d.choices)}
    if name == "UniformDistribution":
        return {"type": "float", "low": d.low, "high": d.high, "log": False, "step": None}
    if name == "LogUniformDistribution":
        return {"type": "float", "low": d.low, "high": d.high, "log": True, "step": None}
    if name == "DiscreteUniformDistribution":
        return {"type": "float", "low": d.low, "high": d.high, "log": False, "step": d.q}
    if name == "IntUniformDistribution":
        # Optuna < 1.3 had no step: 1.
        step = getattr(d, "step", 1)
        return {"type": "int", "low": d.low, "high": d.high, "log": False, "step": step}
    if name == "IntLogUniformDistribution":
        return {"type": "int", "low": d.low, "high": d.high, "log": True, "step": 1}
    raise AssertionError(name)


def _expected(url: str) -> dict[str, Any]:
    studies = {}
    for summary in optuna.get_all_study_summaries(url):
        study = optuna.load_study(study_name=summary.study_name, storage=url)
        trials = []
        for t in study.get_trials(deepcopy=False):
            values = None if t.values is None else [_float(v) for v in t.values]
            trials.append(
                {
                    "number": t.number,
                    "state": t.state.name,
                    "values": values,
                    "params": t.params,
                    "distributions": {k: _distribution(d) for k, d in t.distributions.items()},
                    "intermediate_values": {
                        str(k): _float(v) for k, v in t.intermediate_values.items()
                    },
                    "user_attrs": t.user_attrs,
                    "system_attrs": t.system_attrs,
                    "has_datetime_start": t.datetime_start is not None,
                    "has_datetime_complete": t.datetime_complete is not None,
                }
            )
        studies[study.study_name] = {
            "directions": [d.name for d in study.directions],
            "user_attrs": study.user_attrs,
            "system_attrs": study.system_attrs,
            "trials": trials,
        }
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return {"optuna_version": optuna.__version__, "revision": revision, "studies": studies}


def _dump_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="URL of a PostgreSQL server database to work in")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    stem = os.path.join(HERE, "optuna_" + optuna.__version__.replace(".", "_"))

    path = stem + ".db"
    if os.path.exists(path):
        os.remove(path)
    url = f"sqlite:///{path}"
    _write(url, postgres=False)
    _dump_json(stem + ".json", _expected(url))
    compact_sqlite(url)

    if args.postgres:
        with postgres_scratch(args.postgres) as pg_url:
            _write(pg_url, postgres=True)
            _dump_json(stem + ".postgresql.json", _expected(pg_url))
            pg_dump(pg_url, stem + ".postgresql.sql")


def compact_sqlite(url: str) -> None:
    """Rewrite the SQLite database of ``url`` with small pages: a smaller fixture."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("PRAGMA page_size=1024"))
        conn.execute(sa.text("VACUUM"))
    engine.dispose()


@contextlib.contextmanager
def postgres_scratch(server_url: str) -> Iterator[str]:
    """The URL of a fresh scratch database on the server of ``server_url``, dropped after."""
    base = make_url(server_url)
    scratch = "ferrotune_make_old_dbs"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {scratch}"))
        conn.execute(sa.text(f"CREATE DATABASE {scratch}"))
    if hasattr(base, "set"):
        url = base.set(database=scratch)
    else:  # SQLAlchemy 1.3 (old Optuna): a mutable URL
        url = make_url(server_url)
        url.database = scratch
    try:
        yield str(url)
    finally:
        sa.orm.close_all_sessions()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        admin.dispose()


def pg_dump(pg_url: str, path: str) -> None:
    """Write the database of ``pg_url`` as plain SQL (``pg_dump --inserts``) to ``path``."""
    u = make_url(pg_url)
    dump = subprocess.run(
        [
            "pg_dump",
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            f"--host={u.host}",
            f"--port={u.port or 5432}",
            f"--username={u.username}",
            str(u.database),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": u.password or ""},
    ).stdout
    # Drop psql meta-commands (``\\restrict``), comments and blank lines: the tests run the
    # dump's statements through a driver.
    lines = [line for line in dump.splitlines() if line and not line.startswith(("\\", "--"))]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
