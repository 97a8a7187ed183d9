"""Upgrading real Optuna 2.x databases (``tests/storages/data``) to the current schema.

The fixtures were written by Optuna 2.10.1 (revision ``v2.6.0.a``) and 2.5.0 (``v2.4.0.a``)
with ``data/make_old_dbs.py``; next to each, a JSON file holds what the studies contain. After
``ferrotune storage upgrade`` both ferrotune and Optuna 5 must read exactly that.
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


def _check_upgraded(url: str, expected: dict[str, Any]) -> None:
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


def test_optuna2_sqlite_upgrades_with_the_cli(tmp_path: Path) -> None:
    expected = _load_expected("optuna_2_10_1")
    path = tmp_path / "old.db"
    shutil.copy(DATA / "optuna_2_10_1.db", path)
    url = f"sqlite:///{path}"
    _schema_errors(url)
    assert main(["-q", "storage", "upgrade", "--storage", url]) == 0
    assert main(["-q", "storage", "upgrade", "--storage", url]) == 0  # already up to date
    _check_upgraded(url, expected)


def test_optuna2_postgresql_dump_upgrades(postgres_url: str) -> None:
    import psycopg

    expected = _load_expected("optuna_2_10_1.postgresql")
    assert expected["revision"] == "v2.6.0.a"
    conninfo = sa.engine.make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
        # pg_dump's statements, run as one script (the old tables, enums, rows, sequences).
        conn.execute((DATA / "optuna_2_10_1.postgresql.sql").read_text().encode())
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


@pytest.mark.parametrize("revision", ["v0.9.0.a", "v1.2.0.a", "v1.3.0.a"])
def test_revisions_before_optuna_2_4_are_refused(tmp_path: Path, revision: str) -> None:
    path = tmp_path / "old.db"
    shutil.copy(DATA / "optuna_2_5_0.db", path)
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()
    old = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    with pytest.raises(RuntimeError, match=r"predates Optuna 2\.4.*optuna storage upgrade"):
        old.upgrade()
    assert old.get_current_version() == revision
    old.close()
    assert main(["-q", "storage", "upgrade", "--storage", url]) == 1
