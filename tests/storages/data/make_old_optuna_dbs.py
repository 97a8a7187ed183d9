"""Write the databases of Optuna 0.9.0, 1.2.0 and 1.3.0 used by the upgrade tests.

These versions predate Optuna 2.4 and write the schema revisions ``v0.9.0.a`` (0.9.0, which
predates alembic: it writes no ``alembic_version`` table, only ``version_info`` with schema
version 11), ``v1.2.0.a`` (1.2.0) and ``v1.3.0.a`` (1.3.0 to 2.3). Not run by the tests.
Run it with any Python 3.11 from the repository root::

    python tests/storages/data/make_old_optuna_dbs.py                        # SQLite only
    python tests/storages/data/make_old_optuna_dbs.py \\
        --postgres postgresql://postgres@127.0.0.1:55432/postgres           # + PostgreSQL

For each version it creates (or reuses) a throwaway virtualenv ``/tmp/ferrotune-optuna-X.Y.Z``
with that Optuna from PyPI and the newest dependencies that still work with it on Python 3.11
(SQLAlchemy 1.3, alembic 1.4, numpy 1.23, scipy 1.10, pandas 1.5; Optuna 0.9.0 is installed
without its dependency list, whose ``typing`` is the Python 2 backport), then runs itself in
that virtualenv (``--inner``) to write, next to this script:

``optuna_X_Y_Z.db``
    SQLite database written by that Optuna.
``optuna_X_Y_Z.json``
    What the upgraded database must contain, in the format of ``make_old_dbs.py``: read back
    with that Optuna's own API (``load_study``, ``Study.trials``), then mapped as Optuna's
    migrations map it: the ``_number`` system attribute becomes the trial number, the trial's
    value is its only objective value, the study's direction its only direction, an
    intermediate value SQLite stored as NULL (NaN) is NaN, legacy distributions become
    ``FloatDistribution`` / ``IntDistribution``.
``optuna_X_Y_Z.postgresql.sql`` / ``optuna_X_Y_Z.postgresql.json`` (with ``--postgres``)
    The same studies written into a scratch PostgreSQL database, dumped with
    ``pg_dump --inserts``, and their expected contents.

The studies: ``minimize`` (uniform, log-uniform, discrete, int and categorical parameters;
COMPLETE, PRUNED and FAIL trials, a RUNNING one and, from 1.2 on, a WAITING one; infinite
and NaN intermediate values, infinite and huge objective values; user and system attributes
of the study and its trials), ``maximize`` (another direction, a -inf value) and ``empty``.
``optuna.multi_objective`` appeared in Optuna 1.4, after 1.3.0, so Optuna 2.3.0 (the last
release writing ``v1.3.0.a``) adds a ``multi_objective`` study.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = ("0.9.0", "1.2.0", "1.3.0", "2.3.0")
#: What each throwaway virtualenv gets: (dependencies, install Optuna without its own list).
_COMMON = ["sqlalchemy<1.4", "numpy<1.24", "scipy<1.11", "pandas<2", "psycopg2-binary"]
_INSTALL = {
    "0.9.0": ([*_COMMON, "six", "cliff", "colorlog"], True),
    "1.2.0": ([*_COMMON, "alembic<1.5"], False),
    "1.3.0": ([*_COMMON, "alembic<1.5"], False),
    "2.3.0": ([*_COMMON, "alembic<1.5"], False),
}


def _venv(version: str) -> str:
    """The Python of the virtualenv with Optuna ``version``, created when missing."""
    root = f"/tmp/ferrotune-optuna-{version}"
    python = os.path.join(root, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", root], check=True)
        pip = [python, "-m", "pip", "install", "-q"]
        # Old sdists build with pkg_resources, gone from setuptools 70.
        subprocess.run([*pip, "setuptools<70", "wheel"], check=True)
        deps, no_deps = _INSTALL[version]
        if no_deps:
            subprocess.run([*pip, *deps], check=True)
            subprocess.run(
                [*pip, "--no-deps", "--no-build-isolation", f"optuna=={version}"], check=True
            )
        else:
            subprocess.run([*pip, "--no-build-isolation", f"optuna=={version}", *deps], check=True)
    return python


# -- run inside the old Optuna's virtualenv ------------------------------------------------
def _pruned() -> Exception:
    import optuna

    pruned: type[Exception] = getattr(optuna, "TrialPruned", None) or optuna.structs.TrialPruned
    return pruned()


def _objective(trial: Any) -> float:

    u = trial.suggest_uniform("u", -1.0, 1.0)
    lu = trial.suggest_loguniform("lu", 1e-3, 1.0)
    du = trial.suggest_discrete_uniform("du", 0.0, 1.0, 0.25)
    i = trial.suggest_int("i", 1, 10)
    c = trial.suggest_categorical("c", ["a", 1, None, 2.5, True])
    trial.set_user_attr("number_seen", trial.number)
    trial.set_user_attr("nested", {"list": [1, 2.5, "x"], "none": None})
    trial.set_system_attr("sys", [trial.number, "s"])
    value = u + lu + du + i + (0.5 if c == "a" else 0.0)
    n = trial.number
    if n == 0:
        for step in range(3):
            trial.report(value + step, step)
    elif n == 1:
        trial.report(float("inf"), 0)
        trial.report(float("-inf"), 1)
        trial.report(2.5, 2)
        return float("inf")
    elif n == 2:
        trial.report(1.5, 0)
        trial.report(0.5, 3)
        raise _pruned()
    elif n == 3:
        raise ValueError("boom")
    elif n == 4:
        return float("nan")  # FAIL
    elif n == 5:
        trial.report(float("nan"), 0)  # NULL on SQLite, NaN on PostgreSQL
        trial.report(1.0, 1)
        return 2.0
    elif n == 6:
        trial.report(-1e17, 0)
        return 1e17
    return value


def _write(url: str) -> None:
    import optuna

    study = optuna.create_study(
        storage=url,
        study_name="minimize",
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=1),
    )
    study.set_user_attr("dataset", "iris")
    study.set_user_attr("sizes", [1, 2, 3])
    study.set_system_attr("origin", {"tool": "make_old_optuna_dbs"})
    study.optimize(_objective, n_trials=8, catch=(ValueError,))
    # A RUNNING trial, as a worker that died would leave it.
    storage = getattr(study, "_storage", None) or study.storage
    study_id = getattr(study, "_study_id", None) or study.study_id
    create = getattr(storage, "create_new_trial", None) or storage.create_new_trial_id
    running = optuna.trial.Trial(study, create(study_id))
    running.suggest_uniform("u", -1.0, 1.0)
    running.suggest_categorical("c", ["a", 1, None, 2.5, True])
    running.report(0.75, 0)
    running.set_user_attr("worker", "lost")
    if hasattr(study, "enqueue_trial"):  # Optuna 1.2: WAITING
        study.enqueue_trial({"u": 0.25, "i": 3})

    maximize = optuna.create_study(
        storage=url,
        study_name="maximize",
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=2),
    )

    def product(trial: Any) -> float:
        x = trial.suggest_uniform("x", 0.0, 5.0)
        y = trial.suggest_int("y", -3, 3)
        if trial.number == 1:
            return float("-inf")
        if trial.number == 2:
            raise _pruned()
        return x * y

    maximize.optimize(product, n_trials=4)
    maximize.set_user_attr("kind", "product")
    optuna.create_study(storage=url, study_name="empty", direction="maximize")
    if hasattr(optuna, "multi_objective"):  # Optuna 1.4 to 2.x
        _write_multi_objective(url)


def _write_multi_objective(url: str) -> None:
    """A study of ``optuna.multi_objective``: one underlying study whose directions and
    trial values are system attributes (Optuna's migrations keep them as they are)."""
    import optuna

    mo = optuna.multi_objective
    study = mo.create_study(
        directions=["minimize", "maximize"],
        study_name="multi_objective",
        storage=url,
        sampler=mo.samplers.RandomMultiObjectiveSampler(seed=3),
    )

    def two(trial: Any) -> tuple[float, float]:
        x = trial.suggest_uniform("x", 0.0, 5.0)
        y = trial.suggest_int("y", -3, 3)
        trial.report((x, float(y)), step=0)
        if trial.number == 1:
            return float("inf"), x
        if trial.number == 2:
            raise ValueError("bad")
        return x + y, x * y

    study.optimize(two, n_trials=4, catch=(ValueError,))


def _distributions(url: str, trial: Any) -> dict[str, Any]:
    """The trial's distributions; Optuna 0.9's ``FrozenTrial`` has none, so there they are
    its ``trial_params`` rows decoded by Optuna 0.9's own ``json_to_distribution``."""
    import optuna
    import sqlalchemy as sa

    if hasattr(trial, "distributions"):
        return dict(trial.distributions)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT param_name, distribution_json FROM trial_params WHERE trial_id = :t"),
            {"t": trial.trial_id},
        ).fetchall()
    engine.dispose()
    return {name: optuna.distributions.json_to_distribution(text) for name, text in rows}


def _expected(url: str) -> dict[str, Any]:
    import make_old_dbs as base
    import optuna
    import sqlalchemy as sa

    def value(v: float | None) -> float:
        return math.nan if v is None else base._float(v)

    studies = {}
    for summary in optuna.get_all_study_summaries(storage=url):
        study = optuna.load_study(study_name=summary.study_name, storage=url)
        trials = []
        for t in study.trials:
            trials.append(
                {
                    "number": t.number,
                    "state": t.state.name,
                    "values": None if t.value is None else [base._float(t.value)],
                    "params": t.params,
                    "distributions": {
                        k: base._distribution(d) for k, d in _distributions(url, t).items()
                    },
                    "intermediate_values": {
                        str(k): value(v) for k, v in t.intermediate_values.items()
                    },
                    "user_attrs": t.user_attrs,
                    "system_attrs": {k: v for k, v in t.system_attrs.items() if k != "_number"},
                    "has_datetime_start": t.datetime_start is not None,
                    "has_datetime_complete": t.datetime_complete is not None,
                }
            )
        studies[study.study_name] = {
            "directions": [study.direction.name],
            "user_attrs": study.user_attrs,
            "system_attrs": study.system_attrs,
            "trials": trials,
        }
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        revision = None  # Optuna 0.9 predates alembic
        if "alembic_version" in tables:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        schema_version = conn.execute(sa.text("SELECT schema_version FROM version_info")).scalar()
    engine.dispose()
    return {
        "optuna_version": optuna.__version__,
        "revision": revision,
        "schema_version": schema_version,
        "studies": studies,
    }


def _inner(postgres: str | None) -> None:
    import warnings

    import make_old_dbs as base
    import optuna

    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    stem = os.path.join(HERE, "optuna_" + optuna.__version__.replace(".", "_"))
    path = stem + ".db"
    if os.path.exists(path):
        os.remove(path)
    url = f"sqlite:///{path}"
    _write(url)
    base._dump_json(stem + ".json", _expected(url))
    base.compact_sqlite(url)
    if postgres:
        with base.postgres_scratch(postgres) as pg_url:
            _write(pg_url)
            base._dump_json(stem + ".postgresql.json", _expected(pg_url))
            base.pg_dump(pg_url, stem + ".postgresql.sql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="URL of a PostgreSQL server database to work in")
    parser.add_argument("--versions", nargs="+", default=list(VERSIONS), choices=VERSIONS)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner(args.postgres)
        return
    for version in args.versions:
        command = [_venv(version), os.path.abspath(__file__), "--inner"]
        if args.postgres:
            command += ["--postgres", args.postgres]
        print(f"Optuna {version}: {' '.join(command)}", flush=True)
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
