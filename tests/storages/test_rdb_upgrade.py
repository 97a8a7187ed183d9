"""Upgrading real old Optuna databases (``tests/storages/data``) to the current schema.

The fixtures were written by Optuna 2.10.1 (revision ``v2.6.0.a``) and 2.5.0 (``v2.4.0.a``)
with ``data/make_old_dbs.py``, and by Optuna 0.9.0 (``v0.9.0.a``, before alembic), 1.2.0
(``v1.2.0.a``), 1.3.0 and 2.3.0 (``v1.3.0.a``) with ``data/make_old_optuna_dbs.py``; next to
each, a JSON file holds what the studies contain. After ``ferrotune storage upgrade`` both
ferrotune and Optuna 5 must read exactly that.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ferrotune as ft
from ferrotune.cli import main
from ferrotune.storages import RDBStorage
from ferrotune.storages._rdb import _schema

DATA = Path(__file__).parent / "data"


def _load_expected(name: str) -> dict[str, Any]:
    with open(DATA / f"{name}.json") as f:
        expected: dict[str, Any] = json.load(f)
    return expected


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == b


def _distribution(d: Any) -> dict[str, Any]:
    name = type(d).__name__
    if name == "CategoricalDistribution":
        return {"type": "categorical", "choices": list(d.choices)}
    assert name in ("FloatDistribution", "IntDistribution"), name
    kind = "float" if name == "FloatDistribution" else "int"
    return {"type": kind, "low": d.low, "high": d.high, "log": d.log, "step": d.step}


def _check_trial(trial: Any, expected: dict[str, Any]) -> None:
    where = f"trial {trial.number}"
    assert trial.number == expected["number"], where
    assert trial.state.name == expected["state"], where
    if expected["values"] is None:
        assert trial.values is None, where
    else:
        assert len(trial.values) == len(expected["values"]), where
        assert all(map(_same_float, trial.values, expected["values"])), where
    assert trial.params == expected["params"], where
    for name, value in expected["params"].items():  # 1 vs True vs 1.0
        assert type(trial.params[name]) is type(value), (where, name)
    assert {k: _distribution(d) for k, d in trial.distributions.items()} == expected[
        "distributions"
    ], where
    got = {str(k): v for k, v in trial.intermediate_values.items()}
    assert got.keys() == expected["intermediate_values"].keys(), where
    for step, value in expected["intermediate_values"].items():
        assert _same_float(got[step], value), (where, step, got[step], value)
    assert trial.user_attrs == expected["user_attrs"], where
    assert trial.system_attrs == expected["system_attrs"], where
    assert (trial.datetime_start is not None) == expected["has_datetime_start"], where
    assert (trial.datetime_complete is not None) == expected["has_datetime_complete"], where


def _check_studies(module: Any, storage: Any, expected: dict[str, Any]) -> None:
    """Every study in ``storage`` read through ``module`` (ferrotune or optuna)."""
    names = sorted(s.study_name for s in module.get_all_study_summaries(storage))
    assert names == sorted(expected["studies"])
    for name, study_expected in expected["studies"].items():
        study = module.load_study(study_name=name, storage=storage)
        assert [d.name for d in study.directions] == study_expected["directions"]
        assert study.user_attrs == study_expected["user_attrs"]
        system_attrs = study._storage.get_study_system_attrs(study._study_id)
        assert system_attrs == study_expected["system_attrs"]
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == len(study_expected["trials"])
        for trial, trial_expected in zip(trials, study_expected["trials"], strict=True):
            _check_trial(trial, trial_expected)


def _check_read(url: str, expected: dict[str, Any]) -> None:
    """ferrotune and Optuna 5 both read the upgraded database as ``expected``."""
    storage = RDBStorage(url)
    assert storage.get_current_version() == _schema.HEAD_REVISION
    _check_studies(ft, storage, expected)
    storage.close()

    import optuna

    optuna_storage = optuna.storages.RDBStorage(url)
    try:
        assert optuna_storage.get_current_version() == _schema.HEAD_REVISION
        _check_studies(optuna, optuna_storage, expected)
    finally:
        optuna_storage.engine.dispose()


def _check_upgraded(url: str, expected: dict[str, Any]) -> None:
    _check_read(url, expected)
    # The upgraded database takes new trials with the migrated distributions.
    storage = RDBStorage(url)
    study = ft.load_study(study_name="single", storage=storage)
    old = study.trials[0]
    study.add_trial(
        ft.trial.create_trial(params=old.params, distributions=old.distributions, value=1.0)
    )
    study.optimize(lambda t: t.suggest_float("u", -1.0, 1.0), n_trials=2)
    # The first of the two ran the Optuna 2 enqueued (WAITING) trial.
    trials = study.trials
    assert len(trials) == len(expected["studies"]["single"]["trials"]) + 2
    waiting = [t for t in expected["studies"]["single"]["trials"] if t["state"] == "WAITING"]
    assert [trials[t["number"]].params for t in waiting] == [{"u": 0.25}]
    assert all(t.state == ft.trial.TrialState.COMPLETE for t in trials[-3:])
    storage.close()


def _schema_errors(url: str) -> None:
    with pytest.raises(RuntimeError, match="ferrotune storage upgrade"):
        RDBStorage(url)


@pytest.mark.parametrize(
    ("name", "revision"), [("optuna_2_10_1", "v2.6.0.a"), ("optuna_2_5_0", "v2.4.0.a")]
)
def test_optuna2_sqlite_upgrades_with_the_python_api(
    tmp_path: Path, name: str, revision: str
) -> None:
    expected = _load_expected(name)
    assert expected["revision"] == revision
    path = tmp_path / "old.db"
    shutil.copy(DATA / f"{name}.db", path)
    url = f"sqlite:///{path}"
    _schema_errors(url)
    old = RDBStorage(url, skip_compatibility_check=True)
    assert old.get_current_version() == revision
    old.upgrade()
    assert old.get_current_version() == "v3.2.0.a"
    old.close()
    assert {ix.name for ix in _schema.trials.indexes} == {"ix_trials_study_id"}  # untouched
    _check_upgraded(url, expected)
    # The rebuilt SQLite tables have Optuna 3's columns.
    engine = sa.create_engine(url)
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("trial_values")}
    assert columns["value"]["nullable"] and not columns["value_type"]["nullable"]
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("trial_intermediate_values")}
    assert columns["intermediate_value"]["nullable"]
    assert not columns["intermediate_value_type"]["nullable"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        legacy = conn.execute(
            sa.text("SELECT count(*) FROM trial_params WHERE distribution_json LIKE '%Uniform%'")
        ).scalar()
        assert legacy == 0
    engine.dispose()


@pytest.mark.parametrize("name", ["optuna_2_10_1", "optuna_0_9_0"])
def test_sqlite_upgrades_with_the_cli(tmp_path: Path, name: str) -> None:
    # Optuna 0.9's database has no alembic_version: the CLI opens it without creating the
    # missing tables, so the revision tables alone are created (and stamped v0.9.0.a).
    expected = _load_expected(name)
    path = tmp_path / "old.db"
    shutil.copy(DATA / f"{name}.db", path)
    url = f"sqlite:///{path}"
    _schema_errors(url)
    assert main(["-q", "storage", "upgrade", "--storage", url]) == 0
    assert main(["-q", "storage", "upgrade", "--storage", url]) == 0  # already up to date
    check = _check_pre_2_4 if name == "optuna_0_9_0" else _check_upgraded
    check(url, expected)


def _load_dump(postgres_url: str, name: str) -> None:
    import psycopg

    conninfo = sa.engine.make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
        # pg_dump's statements, run as one script (the old tables, enums, rows, sequences).
        conn.execute((DATA / f"{name}.postgresql.sql").read_text().encode())


def test_optuna2_postgresql_dump_upgrades(postgres_url: str) -> None:
    expected = _load_expected("optuna_2_10_1.postgresql")
    assert expected["revision"] == "v2.6.0.a"
    _load_dump(postgres_url, "optuna_2_10_1")
    _schema_errors(postgres_url)
    assert main(["-q", "storage", "upgrade", "--storage", postgres_url]) == 0
    _check_upgraded(postgres_url, expected)
    engine = sa.create_engine(postgres_url)
    inspector = sa.inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("trial_intermediate_values")}
    assert columns["intermediate_value"]["nullable"]
    assert not columns["intermediate_value_type"]["nullable"]
    assert columns["intermediate_value_type"]["default"] is None
    enums = {e["name"] for e in inspector.get_enums()}
    assert {"trialvaluetype", "trialintermediatevaluetype"} <= enums
    engine.dispose()


def test_failed_upgrade_leaves_the_database_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(DATA / "optuna_2_10_1.db", path)
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a distribution no Optuna can read (low > high)
        conn.execute(
            sa.text(
                "UPDATE trial_params SET distribution_json = "
                """'{"name": "UniformDistribution", "attributes": {"low": 2.0, "high": 1.0}}' """
                "WHERE param_id = (SELECT max(param_id) FROM trial_params)"
            )
        )
    engine.dispose()
    old = RDBStorage(url, skip_compatibility_check=True)
    with pytest.raises(RuntimeError, match="invalid distribution"):
        old.upgrade()
    assert old.get_current_version() == "v2.6.0.a"
    old.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = [c["name"] for c in sa.inspect(conn).get_columns("trial_values")]
        assert "value_type" not in names
        texts = conn.execute(sa.text("SELECT distribution_json FROM trial_params")).scalars()
        assert sum("IntUniformDistribution" in t for t in texts) > 0
    engine.dispose()


# -- databases older than Optuna 2.4 ------------------------------------------------------
#: Written by ``data/make_old_optuna_dbs.py`` with Optuna itself: (fixture, revision).
#: Optuna 2.3.0, the last to write ``v1.3.0.a``, adds an ``optuna.multi_objective`` study.
PRE_2_4 = [
    ("optuna_0_9_0", "v0.9.0.a"),
    ("optuna_1_2_0", "v1.2.0.a"),
    ("optuna_1_3_0", "v1.3.0.a"),
    ("optuna_2_3_0", "v1.3.0.a"),
]


def _objective(trial: Any) -> float:
    """The parameters of the old ``minimize`` study, under their migrated distributions."""
    u = trial.suggest_float("u", -1.0, 1.0)
    lu = trial.suggest_float("lu", 1e-3, 1.0, log=True)
    du = trial.suggest_float("du", 0.0, 1.0, step=0.25)
    i = trial.suggest_int("i", 1, 10)
    c = trial.suggest_categorical("c", ["a", 1, None, 2.5, True])
    return u + lu + du + i + (0.5 if c == "a" else 0.0)


def _check_pre_2_4(url: str, expected: dict[str, Any]) -> None:
    """The upgraded database reads as ``expected`` and takes new trials and studies."""
    _check_read(url, expected)
    storage = RDBStorage(url)
    study = ft.load_study(study_name="minimize", storage=storage)
    old_trials = expected["studies"]["minimize"]["trials"]
    first = study.trials[0]
    study.add_trial(
        ft.trial.create_trial(params=first.params, distributions=first.distributions, value=0.5)
    )
    study.enqueue_trial({"u": -0.5, "i": 2})  # WAITING (a new enum value on PostgreSQL)
    study.optimize(_objective, n_trials=4)
    trials = study.trials
    n_old = len(old_trials)
    # Optuna 1.2+ left an enqueued trial WAITING: it runs first, then the new one.
    waiting = [t["number"] for t in old_trials if t["state"] == "WAITING"]
    n_new = 1 + 1 + 4 - len(waiting) - 1  # added, enqueued, run (the enqueued ones reused)
    assert [t.number for t in trials] == list(range(n_old + n_new))
    assert trials[n_old].values == [0.5]
    ran = [*waiting, n_old + 1]
    assert [(trials[n].params["u"], trials[n].params["i"]) for n in ran] == (
        [(0.25, 3)] * len(waiting) + [(-0.5, 2)]
    )
    new = [t for t in trials if t.number >= n_old or t.number in waiting]
    assert all(t.state == ft.trial.TrialState.COMPLETE for t in new)
    assert {type(t.distributions["lu"]).__name__ for t in new} == {"FloatDistribution"}
    # The best trial among old and new ones: the old COMPLETE ones take part.
    complete = [t for t in trials if t.state == ft.trial.TrialState.COMPLETE]
    assert study.best_value == min(t.value for t in complete)

    maximize = ft.load_study(study_name="maximize", storage=storage)
    assert maximize.direction == ft.study.StudyDirection.MAXIMIZE
    maximize.optimize(lambda t: t.suggest_float("x", 0.0, 5.0) * t.suggest_int("y", -3, 3), 3)
    assert maximize.best_value == max(t.value for t in maximize.trials if t.value is not None)
    # New studies, one with two objectives, live next to the migrated ones.
    multi = ft.create_study(storage=storage, directions=["minimize", "maximize"])
    multi.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), 3)
    assert len(multi.best_trials) >= 1
    storage.close()


def _current_columns(engine: sa.Engine) -> None:
    """Every table has exactly its current columns."""
    inspector = sa.inspect(engine)
    for table in _schema.metadata.sorted_tables:
        got = {c["name"] for c in inspector.get_columns(table.name)}
        assert got == {c.name for c in table.columns}, table.name


@pytest.mark.parametrize(("name", "revision"), PRE_2_4)
def test_pre_2_4_sqlite_upgrades_with_the_python_api(
    tmp_path: Path, name: str, revision: str
) -> None:
    expected = _load_expected(name)
    assert expected["optuna_version"] == name.removeprefix("optuna_").replace("_", ".")
    # Optuna 0.9 predates alembic: its version_info says schema 11, no alembic_version.
    assert (expected["revision"], expected["schema_version"]) == (
        (None, 11) if revision == "v0.9.0.a" else (revision, 12)
    )
    path = tmp_path / "old.db"
    shutil.copy(DATA / f"{name}.db", path)
    url = f"sqlite:///{path}"
    with pytest.raises(RuntimeError, match=rf"'{revision}'.*ferrotune storage upgrade"):
        RDBStorage(url)
    old = RDBStorage(url, skip_compatibility_check=True)
    assert old.get_current_version() == revision
    old.upgrade()
    assert old.get_current_version() == _schema.HEAD_REVISION
    old.upgrade()  # idempotent
    assert old.get_current_version() == _schema.HEAD_REVISION
    old.close()
    engine = sa.create_engine(url)
    _current_columns(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        # SQLAlchemy 1.3's CHECK constraints of the enums went with the rebuilt tables.
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'trials'"))
        assert "CHECK" not in sql.scalar_one()
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM trial_system_attributes WHERE key = '_number'")
            ).scalar()
            == 0
        )
        version = conn.execute(sa.text("SELECT schema_version FROM version_info")).scalar()
        assert version == _schema.SCHEMA_VERSION
    engine.dispose()
    _check_pre_2_4(url, expected)


def _optuna_upgradable_copy(src: Path, dst: Path) -> None:
    """A copy of an old SQLite database that Optuna 5's own migrations can upgrade.

    They fail on the real files: alembic's table rebuild keeps the ``CHECK`` constraints of
    SQLAlchemy 1.3's enums while dropping ``studies.direction``, and an intermediate NaN
    stored as NULL breaks the NOT NULL ``trial_intermediate_values`` column. So the copy has
    no such constraints and no such rows.
    """
    import re
    import sqlite3

    shutil.copy(src, dst)
    conn = sqlite3.connect(dst)
    try:
        conn.execute("DELETE FROM trial_values WHERE value IS NULL")
        conn.commit()
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema=ON")
        check = re.compile(r",\s*CONSTRAINT \w+ CHECK \(\w+ IN \([^)]*\)\)")
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"):
            if check.search(sql):
                conn.execute(
                    "UPDATE sqlite_master SET sql = ? WHERE name = ?", (check.sub("", sql), name)
                )
        conn.execute(f"PRAGMA schema_version={version + 1}")
        conn.execute("PRAGMA writable_schema=OFF")
        conn.commit()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _table_rows(url: str) -> dict[str, Any]:
    """Every row of every current table by primary key, its columns sorted by name."""
    engine = sa.create_engine(url)
    rows = {}
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        for table in _schema.metadata.sorted_tables:
            if table.name in present and table.name not in ("version_info", "alembic_version"):
                columns = sorted(c["name"] for c in sa.inspect(conn).get_columns(table.name))
                (key,) = table.primary_key.columns
                query = f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {key.name}"
                rows[table.name] = (columns, conn.execute(sa.text(query)).all())
    engine.dispose()
    return rows


@pytest.mark.parametrize(("name", "revision"), PRE_2_4)
def test_pre_2_4_upgrade_matches_optunas_own_migrations(
    tmp_path: Path, name: str, revision: str
) -> None:
    import logging

    import optuna

    ours, theirs = tmp_path / "ferrotune.db", tmp_path / "optuna.db"
    _optuna_upgradable_copy(DATA / f"{name}.db", ours)
    shutil.copy(ours, theirs)
    storage = RDBStorage(f"sqlite:///{ours}", skip_compatibility_check=True)
    storage.upgrade()
    storage.close()
    # As `optuna storage upgrade` runs it: no tables created before the migrations.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    optuna_storage = optuna.storages.RDBStorage(
        f"sqlite:///{theirs}", skip_compatibility_check=True, skip_table_creation=True
    )
    try:
        assert optuna_storage.get_current_version() == revision
        optuna_storage.upgrade()
        assert optuna_storage.get_current_version() == _schema.HEAD_REVISION
    finally:
        optuna_storage.engine.dispose()
    got, want = _table_rows(f"sqlite:///{ours}"), _table_rows(f"sqlite:///{theirs}")
    # Optuna creates trial_heartbeats when a storage first opens the database.
    assert got.pop("trial_heartbeats") == (["heartbeat", "trial_heartbeat_id", "trial_id"], [])
    assert got.keys() == want.keys()
    for table in want:  # the same rows, ids included
        assert repr(got[table]) == repr(want[table]), table


@pytest.mark.parametrize(("name", "revision"), PRE_2_4)
def test_pre_2_4_postgresql_dump_upgrades(postgres_url: str, name: str, revision: str) -> None:
    expected = _load_expected(f"{name}.postgresql")
    _load_dump(postgres_url, name)
    with pytest.raises(RuntimeError, match=rf"'{revision}'.*ferrotune storage upgrade"):
        RDBStorage(postgres_url)
    if revision == "v1.2.0.a":
        assert main(["-q", "storage", "upgrade", "--storage", postgres_url]) == 0
        assert main(["-q", "storage", "upgrade", "--storage", postgres_url]) == 0
    else:
        old = RDBStorage(postgres_url, skip_compatibility_check=True)
        assert old.get_current_version() == revision
        old.upgrade()
        old.upgrade()  # idempotent
        old.close()
    engine = sa.create_engine(postgres_url)
    _current_columns(engine)
    inspector = sa.inspect(engine)
    enums = {e["name"]: e["labels"] for e in inspector.get_enums()}
    assert "WAITING" in enums["trialstate"]
    assert {"trialvaluetype", "trialintermediatevaluetype"} <= set(enums)
    unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("trial_values")}
    assert unique == {("trial_id", "objective")}
    engine.dispose()
    _check_pre_2_4(postgres_url, expected)


def test_failed_pre_2_4_upgrade_leaves_the_database_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(DATA / "optuna_1_2_0.db", path)
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a trial number that is not a number
        conn.execute(
            sa.text(
                "UPDATE trial_system_attributes SET value_json = '\"x\"' WHERE key = '_number' "
                "AND trial_id = (SELECT max(trial_id) FROM trial_system_attributes)"
            )
        )
        before = {
            table: conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            for table in ("studies", "trials", "trial_values", "trial_system_attributes")
        }
    engine.dispose()
    old = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    with pytest.raises(RuntimeError, match=r"invalid number '\"x\"'"):
        old.upgrade()
    assert old.get_current_version() == "v1.2.0.a"
    old.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert "number" not in {c["name"] for c in sa.inspect(conn).get_columns("trials")}
        assert "study_directions" not in sa.inspect(conn).get_table_names()
        for table, rows in before.items():
            assert conn.execute(sa.text(f"SELECT * FROM {table}")).all() == rows, table
    engine.dispose()


def _rows(conn: sa.Connection, table: str) -> str:
    """The table's rows as text (NaN intermediate values compare equal)."""
    return repr(conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).all())


@pytest.mark.parametrize("rdb", ["sqlite", "postgresql"])
def test_pre_2_4_upgrade_failing_late_leaves_the_database_unchanged(
    request: pytest.FixtureRequest, tmp_path: Path, rdb: str
) -> None:
    # The last parameter's distribution is unreadable (low > high): the upgrade fails in
    # v2.6.0.a -> v3.0.0.a, after studies, trials and trial_values were rebuilt or altered.
    if rdb == "sqlite":
        shutil.copy(DATA / "optuna_0_9_0.db", tmp_path / "old.db")
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _load_dump(url, "optuna_0_9_0")
    tables = ("studies", "trials", "trial_values", "trial_params", "trial_system_attributes")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE trial_params SET distribution_json = "
                """'{"name": "UniformDistribution", "attributes": {"low": 2.0, "high": 1.0}}' """
                "WHERE param_id = (SELECT max(param_id) FROM trial_params)"
            )
        )
        before = {t: _rows(conn, t) for t in tables}
        columns = {t: [c["name"] for c in sa.inspect(conn).get_columns(t)] for t in tables}
    engine.dispose()
    old = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    assert old.get_current_version() == "v0.9.0.a"
    with pytest.raises(RuntimeError, match="invalid distribution"):
        old.upgrade()
    assert old.get_current_version() == "v0.9.0.a"
    old.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert "study_directions" not in sa.inspect(conn).get_table_names()
        for t in tables:
            assert [c["name"] for c in sa.inspect(conn).get_columns(t)] == columns[t], t
            assert _rows(conn, t) == before[t], t
    engine.dispose()


def test_pre_2_4_revisions_are_refused_on_other_databases() -> None:
    from ferrotune.storages._rdb import _migrate

    engine = sa.create_mock_engine("mysql://", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match=r"'v1\.3\.0\.a' predates Optuna 2\.4.*mysql"):
        _migrate.upgrade(engine, "v1.3.0.a")  # type: ignore[arg-type]
