"""The SQL of the RDB storage, per dialect: hot-path statements and the reads built on them.

Hot-path statements (:class:`TrialSql`) are plain SQL strings run on DB-API cursors
(:class:`~ferrotune.storages._rdb._raw.RawExecutor`), one text per dialect: row locks are
``FOR UPDATE`` on PostgreSQL and MySQL (SQLite locks the whole database for a write), new
trial ids come from ``RETURNING`` on PostgreSQL and ``lastrowid`` elsewhere, upserts are
``ON CONFLICT`` or MySQL's ``ON DUPLICATE KEY``. Study-level operations, which are rare,
use SQLAlchemy Core statements on a :class:`~sqlalchemy.engine.Connection`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ferrotune.distributions import BaseDistribution, _json_to_distribution, distribution_to_json
from ferrotune.storages._rdb import _schema as S
from ferrotune.storages._rdb._raw import RawExecutor, sqlite_datetime
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

#: Most ids written into one ``IN (...)`` list.
EXPANDING_LIMIT = 5000


def _unchanged(value: datetime.datetime | None) -> Any:
    return value


class TrialSql:
    """The per-trial statements of one dialect, and the reads and writes built on them."""

    def __init__(self, raw: RawExecutor) -> None:
        self.raw = raw
        self._distributions: dict[str, BaseDistribution] = {}
        d = raw.dialect
        self.dialect = d
        #: A naive UTC datetime as the driver wants it bound.
        self.dt: Callable[[datetime.datetime | None], Any] = (
            sqlite_datetime if d == "sqlite" else _unchanged
        )
        self._key_column = "`key`" if d == "mysql" else '"key"'
        lock = " FOR UPDATE" if d in ("postgresql", "mysql") else ""
        returning = " RETURNING trial_id" if d == "postgresql" else ""
        q = raw.sql
        self.lock_study = q(f"SELECT study_id FROM studies WHERE study_id = :sid{lock}")
        # The study's newest trial holds the largest number (numbers are given under a lock).
        self.last_number = q(
            "SELECT number FROM trials WHERE study_id = :sid ORDER BY trial_id DESC LIMIT 1"
        )
        self.count = q("SELECT COUNT(trial_id) FROM trials WHERE study_id = :sid")
        self.insert_trial = q(
            "INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) "
            f"VALUES (:number, :sid, :state, :start, :complete){returning}"
        )
        self.trial_state = q("SELECT study_id, state, number FROM trials WHERE trial_id = :tid")
        self.insert_param = q(
            "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
            "VALUES (:trial_id, :param_name, :param_value, :distribution_json)"
        )
        self.pop = q(
            "UPDATE trials SET state = 'RUNNING', datetime_start = :start "
            "WHERE trial_id = :tid AND state = 'WAITING'"
        )
        self.finish = q(
            "UPDATE trials SET state = :state, datetime_complete = :complete "
            "WHERE trial_id = :tid AND state IN ('RUNNING', 'WAITING')"
        )
        self.set_state = q(
            "UPDATE trials SET state = :state "
            "WHERE trial_id = :tid AND state IN ('RUNNING', 'WAITING')"
        )
        self.values = q(
            raw.upsert(
                "trial_values",
                ("trial_id", "objective", "value", "value_type"),
                ("trial_id", "objective"),
            )
        )
        self.intermediate = q(
            raw.upsert(
                "trial_intermediate_values",
                ("trial_id", "step", "intermediate_value", "intermediate_value_type"),
                ("trial_id", "step"),
            )
        )
        self.user_attr = q(
            raw.upsert(
                "trial_user_attributes", ("trial_id", "key", "value_json"), ("trial_id", "key")
            )
        )
        self.system_attr = q(
            raw.upsert(
                "trial_system_attributes", ("trial_id", "key", "value_json"), ("trial_id", "key")
            )
        )
        self.heartbeat = q(
            "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (:tid, CURRENT_TIMESTAMP)"
            + (
                " ON DUPLICATE KEY UPDATE heartbeat = VALUES(heartbeat)"
                if d == "mysql"
                else " ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat"
            )
        )
        self._unfinished = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state IN ('RUNNING', 'WAITING')"
        )
        self._waiting = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state = 'WAITING'"
        )
        self._running = q(
            "SELECT trial_id FROM trials WHERE study_id = :sid AND state = 'RUNNING'"
        )
        # New trials by primary-key range (`+study_id` keeps the planner off the study_id
        # index, which would scan every trial of the study), then the known unfinished ones.
        self._changes = q(
            "SELECT trial_id, state FROM trials WHERE trial_id > :max_id AND +study_id = :sid "
            "ORDER BY trial_id"
        )
        self._changes_in = (
            "SELECT trial_id, state FROM trials WHERE trial_id IN ({ids}) "
            "UNION ALL "
            "SELECT trial_id, state FROM trials WHERE trial_id > :max_id AND +study_id = :sid "
            "ORDER BY trial_id"
        )

    def distribution(self, text: str) -> BaseDistribution:
        """The distribution of a stored ``distribution_json`` (parsed once per text)."""
        dist = self._distributions.get(text)
        if dist is None:
            dist = self._distributions[text] = _json_to_distribution(text)
        return dist

    # -- reads -----------------------------------------------------------------------------
    def read_changes(
        self, study_id: int, pending: Sequence[int], after_id: int
    ) -> list[tuple[int, str]]:
        """``(trial_id, state)`` of the trials in ``pending`` and of the study's trials with
        an id above ``after_id``, by id."""
        if pending:
            ids = ", ".join(str(int(i)) for i in pending)
            sql = self.raw.sql(self._changes_in.format(ids=ids))
        else:
            sql = self._changes

        def read(cur: Any) -> list[Any]:
            cur.execute(sql, {"sid": study_id, "max_id": after_id})
            return list(cur.fetchall())

        rows: list[tuple[int, str]] = self.raw.run(read, write=False)
        return rows

    def unfinished_ids(self, study_id: int, states: list[str]) -> list[int]:
        """Ids of the study's trials in ``states`` (names of unfinished states)."""
        if states == ["WAITING"]:
            sql = self._waiting
        elif states == ["RUNNING"]:
            sql = self._running
        else:
            sql = self._unfinished

        def read(cur: Any) -> list[int]:
            cur.execute(sql, {"sid": study_id})
            return [int(r[0]) for r in cur.fetchall()]

        ids: list[int] = self.raw.run(read, write=False)
        return ids

    def read_trials(self, ids: list[int]) -> list[FrozenTrial]:
        """Full records of the given trials, ordered by trial id (one read transaction)."""
        if not ids:
            return []
        ordered = sorted({int(i) for i in ids})
        chunks = [
            ", ".join(map(str, ordered[i : i + EXPANDING_LIMIT]))
            for i in range(0, len(ordered), EXPANDING_LIMIT)
        ]
        parse = S.parse_datetime
        dist = self.distribution
        key_column = self._key_column

        def read(cur: Any) -> list[FrozenTrial]:
            trials: dict[int, FrozenTrial] = {}
            for chunk in chunks:
                cur.execute(
                    "SELECT trial_id, number, state, datetime_start, datetime_complete "
                    f"FROM trials WHERE trial_id IN ({chunk})"
                )
                for trial_id, number, state, start, complete in cur.fetchall():
                    trials[trial_id] = FrozenTrial._empty(
                        number,
                        TrialState[state],
                        S.from_utc_naive(parse(start)),
                        S.from_utc_naive(parse(complete)),
                        trial_id,
                    )
                cur.execute(
                    "SELECT trial_id, param_name, param_value, distribution_json "
                    f"FROM trial_params WHERE trial_id IN ({chunk}) ORDER BY param_id"
                )
                for trial_id, name, value, dist_json in cur.fetchall():
                    trial = trials[trial_id]
                    d, external = S.stored_param(dist, trial, name, value, dist_json)
                    trial.distributions[name] = d
                    trial.params[name] = external
                    trial._internal_params[name] = value  # type: ignore[index]
                cur.execute(
                    "SELECT trial_id, objective, value, value_type FROM trial_values "
                    f"WHERE trial_id IN ({chunk}) ORDER BY trial_id, objective"
                )
                for trial_id, _objective, value, kind in cur.fetchall():
                    trial = trials[trial_id]
                    if trial._values is None:
                        trial._values = []
                    trial._values.append(S.stored_to_value(value, kind))
                cur.execute(
                    "SELECT trial_id, step, intermediate_value, intermediate_value_type "
                    f"FROM trial_intermediate_values WHERE trial_id IN ({chunk})"
                )
                for trial_id, step, value, kind in cur.fetchall():
                    trials[trial_id].intermediate_values[step] = S.stored_to_value(value, kind)
                for table, attr in (
                    ("trial_user_attributes", "user_attrs"),
                    ("trial_system_attributes", "system_attrs"),
                ):
                    cur.execute(
                        f"SELECT trial_id, {key_column}, value_json FROM {table} "
                        f"WHERE trial_id IN ({chunk})"
                    )
                    for trial_id, key, value_json in cur.fetchall():
                        getattr(trials[trial_id], attr)[key] = json.loads(value_json)
            return [trials[i] for i in ordered if i in trials]

        result: list[FrozenTrial] = self.raw.run(read, write=False)
        return result

    def read_heartbeats(self, ids: list[int]) -> tuple[datetime.datetime, list[Any]]:
        """The database clock and the ``(trial_id, heartbeat)`` rows of the given trials."""
        id_list = ", ".join(map(str, ids))

        def read(cur: Any) -> tuple[Any, list[Any]]:
            cur.execute("SELECT CURRENT_TIMESTAMP")
            now = cur.fetchone()[0]
            cur.execute(
                f"SELECT trial_id, heartbeat FROM trial_heartbeats WHERE trial_id IN ({id_list})"
            )
            return now, list(cur.fetchall())

        now, rows = self.raw.run(read, write=False)
        clock = S.parse_datetime(now)
        assert clock is not None
        return clock, rows

    # -- writes (inside a transaction: ``cur`` is its cursor) ------------------------------
    def insert_trial_row(self, cur: Any, study_id: int, row: dict[str, Any]) -> tuple[int, int]:
        """Insert the study's next trial; its ``(trial_id, number)``.

        Numbering is serialised within the study: by the study's row lock (as Optuna does),
        or by SQLite's write lock taken by ``BEGIN IMMEDIATE``.
        """
        cur.execute(self.lock_study, {"sid": study_id})
        if cur.fetchone() is None:
            raise KeyError(f"No study with study_id {study_id} exists.")
        cur.execute(self.last_number, {"sid": study_id})
        last = cur.fetchone()
        if last is None:
            number = 0
        elif last[0] is not None:
            number = int(last[0]) + 1
        else:  # a trial without number (should not happen): count instead
            cur.execute(self.count, {"sid": study_id})
            number = int(cur.fetchone()[0])
        cur.execute(self.insert_trial, {**row, "number": number})
        if self.dialect in ("sqlite", "mysql"):
            trial_id = int(cur.lastrowid)
        else:
            trial_id = int(cur.fetchone()[0])
        return trial_id, number

    def insert_trial_children(self, cur: Any, trial_id: int, frozen: FrozenTrial) -> None:
        """Insert the values, parameters, attributes and intermediate values of a trial."""
        if frozen.values is not None:
            cur.executemany(self.values, value_rows(trial_id, frozen.values))
        if frozen.distributions:
            assert frozen._internal_params is not None
            cur.executemany(
                self.insert_param,
                [
                    {
                        "trial_id": trial_id,
                        "param_name": name,
                        "param_value": frozen._internal_params[name],
                        "distribution_json": distribution_to_json(dist),
                    }
                    for name, dist in frozen.distributions.items()
                ],
            )
        for sql, attrs in (
            (self.user_attr, frozen.user_attrs),
            (self.system_attr, frozen.system_attrs),
        ):
            if attrs:
                cur.executemany(
                    sql,
                    [
                        {"trial_id": trial_id, "key": k, "value_json": S.attr_json(k, v)}
                        for k, v in attrs.items()
                    ],
                )
        if frozen.intermediate_values:
            rows = []
            for step, v in frozen.intermediate_values.items():
                stored, kind = S.intermediate_to_stored(v)
                rows.append(
                    {
                        "trial_id": trial_id,
                        "step": step,
                        "intermediate_value": stored,
                        "intermediate_value_type": kind,
                    }
                )
            cur.executemany(self.intermediate, rows)


def value_rows(trial_id: int, values: Sequence[float]) -> list[dict[str, Any]]:
    """The ``trial_values`` rows of a trial's objective values."""
    rows = []
    for objective, v in enumerate(values):
        stored, kind = S.value_to_stored(v)
        rows.append(
            {"trial_id": trial_id, "objective": objective, "value": stored, "value_type": kind}
        )
    return rows


# -- study-level SQL (SQLAlchemy Core on a Connection) --------------------------------------
def upsert(
    conn: Connection, table: sa.Table, keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``table``, updating the rows that exist (by ``keys``)."""
    if not rows:
        return
    dialect = conn.dialect.name
    update_cols = [c for c in rows[0] if c not in keys]
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        module: Any = sqlite if dialect == "sqlite" else postgresql
        stmt = module.insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={c: stmt.excluded[c] for c in update_cols},
        )
        conn.execute(stmt, rows)
        return
    for row in rows:
        cond = sa.and_(*(table.c[k] == row[k] for k in keys))
        done = conn.execute(table.update().where(cond).values({c: row[c] for c in update_cols}))
        if done.rowcount == 0:
            conn.execute(table.insert().values(row))


def require_study(conn: Connection, study_id: int) -> None:
    """Raise ``KeyError`` if the study does not exist."""
    read_study_name(conn, study_id)


def _scalar(conn: Connection, stmt: sa.Select[Any], missing: str) -> Any:
    """The first column of the statement's first row; ``KeyError(missing)`` if no row."""
    row = conn.execute(stmt).first()
    if row is None:
        raise KeyError(missing)
    return row[0]


def read_study_id(conn: Connection, study_name: str) -> int:
    """The id of the named study; ``KeyError`` if absent."""
    stmt = sa.select(S.studies.c.study_id).where(S.studies.c.study_name == study_name)
    return int(_scalar(conn, stmt, f"No such study {study_name}."))


def read_study_name(conn: Connection, study_id: int) -> str:
    """The name of the study; ``KeyError`` if absent."""
    stmt = sa.select(S.studies.c.study_name).where(S.studies.c.study_id == study_id)
    return str(_scalar(conn, stmt, f"No study with study_id {study_id} exists."))


def read_study_attrs(conn: Connection, table: sa.Table, study_id: int) -> dict[str, Any]:
    """The study's attributes in ``table`` (user or system); ``KeyError`` if no study."""
    require_study(conn, study_id)
    rows = conn.execute(
        sa.select(table.c.key, table.c.value_json).where(table.c.study_id == study_id)
    ).all()
    return {k: json.loads(v) for k, v in rows}


def read_trial_id(conn: Connection, study_id: int, trial_number: int) -> int:
    """The id of the study's trial with that number; ``KeyError`` if absent."""
    t = S.trials
    stmt = sa.select(t.c.trial_id).where(t.c.study_id == study_id, t.c.number == trial_number)
    missing = (
        f"No trial with trial number {trial_number} exists in study with study_id {study_id}."
    )
    return int(_scalar(conn, stmt, missing))


def read_param_distribution(conn: Connection, study_id: int, name: str) -> str | None:
    """The distribution JSON of one stored parameter ``name`` of the study, if any."""
    row = conn.execute(
        sa.select(S.trial_params.c.distribution_json)
        .join(S.trials, S.trials.c.trial_id == S.trial_params.c.trial_id)
        .where(S.trials.c.study_id == study_id)
        .where(S.trial_params.c.param_name == name)
        .limit(1)
    ).first()
    return None if row is None else str(row[0])


def count_trials(conn: Connection, study_id: int, states: list[str] | None) -> int:
    """Number of the study's trials (in the named ``states``); ``KeyError`` if no study."""
    t = S.trials
    stmt = sa.select(sa.func.count(t.c.trial_id)).where(t.c.study_id == study_id)
    if states is not None:
        stmt = stmt.where(t.c.state.in_(states))
    require_study(conn, study_id)
    return int(conn.execute(stmt).scalar_one())


def read_directions(conn: Connection, study_id: int) -> list[StudyDirection]:
    """The study's directions; ``KeyError`` if it does not exist."""
    rows = conn.execute(
        sa.select(S.study_directions.c.direction)
        .where(S.study_directions.c.study_id == study_id)
        .order_by(S.study_directions.c.objective)
    ).all()
    if not rows:
        require_study(conn, study_id)
    return [StudyDirection[r[0]] for r in rows]


def delete_study_rows(conn: Connection, study_id: int) -> None:
    """Delete a study, its trials and everything that refers to them."""
    require_study(conn, study_id)
    trial_ids = sa.select(S.trials.c.trial_id).where(S.trials.c.study_id == study_id)
    for table in S.TRIAL_CHILD_TABLES:
        conn.execute(table.delete().where(table.c.trial_id.in_(trial_ids)))
    conn.execute(S.trials.delete().where(S.trials.c.study_id == study_id))
    for table in (S.study_directions, S.study_user_attributes, S.study_system_attributes):
        conn.execute(table.delete().where(table.c.study_id == study_id))
    conn.execute(S.studies.delete().where(S.studies.c.study_id == study_id))


def read_all_studies(conn: Connection) -> list[FrozenStudy]:
    """Every study with its directions and attributes, by id."""
    studies = conn.execute(
        sa.select(S.studies.c.study_id, S.studies.c.study_name).order_by(S.studies.c.study_id)
    ).all()
    directions: dict[int, list[tuple[int, str]]] = {}
    for sid, objective, d in conn.execute(
        sa.select(
            S.study_directions.c.study_id,
            S.study_directions.c.objective,
            S.study_directions.c.direction,
        )
    ):
        directions.setdefault(sid, []).append((objective, d))
    attrs: list[dict[int, dict[str, Any]]] = []
    for table in (S.study_user_attributes, S.study_system_attributes):
        per_study: dict[int, dict[str, Any]] = {}
        for sid, key, value in conn.execute(
            sa.select(table.c.study_id, table.c.key, table.c.value_json)
        ):
            per_study.setdefault(sid, {})[key] = json.loads(value)
        attrs.append(per_study)
    return [
        FrozenStudy(
            study_name=name,
            direction=None,
            directions=[StudyDirection[d] for _, d in sorted(directions.get(sid, []))],
            user_attrs=attrs[0].get(sid, {}),
            system_attrs=attrs[1].get(sid, {}),
            study_id=sid,
        )
        for sid, name in studies
    ]
