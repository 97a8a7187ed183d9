"""Schema upgrades of older Optuna databases to the current revision.

Each step takes the database from one alembic revision of Optuna's schema to the next, with
the effect of Optuna's own migration of that revision (``optuna/storages/_rdb/alembic``):

========================  ==================================================================
``v0.9.0.a -> v1.2.0.a``  trial state ``WAITING`` (PostgreSQL: added to the ``trialstate``
                          enum type; SQLite: the ``CHECK`` of SQLAlchemy 1.3's enum goes
                          when ``trials`` is rebuilt in ``v1.3.0.a -> v2.4.0.a``)
``v1.2.0.a -> v1.3.0.a``  ``trials.number``, taken from the ``_number`` trial system
                          attribute, which is deleted
``v1.3.0.a -> v2.4.0.a``  ``study_directions`` (objective 0 of ``studies.direction``);
                          ``trial_values`` rows (intermediate values by ``step``) move to
                          ``trial_intermediate_values``; ``trial_values`` then holds
                          ``trials.value`` as objective 0; ``studies.direction``,
                          ``trials.value`` and ``trial_values.step`` are dropped
``v2.4.0.a -> v2.6.0.a``  attribute and distribution JSON columns become ``TEXT`` (were
                          ``VARCHAR(2048)``)
``v2.6.0.a -> v3.0.0.a``  legacy distributions (``UniformDistribution``,
                          ``IntUniformDistribution``, ...) are rewritten as
                          ``FloatDistribution`` / ``IntDistribution``
``v3.0.0.a -> v3.0.0.b``  floats become double precision, ``intermediate_value`` nullable;
                          ``trial_values`` rows without a value are deleted
``v3.0.0.b -> v3.0.0.c``  ``trial_intermediate_values.intermediate_value_type`` (``FINITE``,
                          ``INF_POS``, ``INF_NEG``, ``NAN``): infinities and NaN are stored
                          as NULL with their type
``v3.0.0.c -> v3.0.0.d``  ``trial_values.value_type`` (``FINITE``, ``INF_POS``,
                          ``INF_NEG``), ``value`` nullable
``v3.0.0.d -> v3.2.0.a``  index on ``trials.study_id``
========================  ==================================================================

Optuna 2 stored infinities as they are (SQLite, PostgreSQL) or clamped to the float32 range
(MySQL): values within float32 rounding of ``+-3.4028e38`` become ``+-inf``, as in Optuna.

Column changes are ``ALTER TABLE`` statements on PostgreSQL and MySQL. SQLite cannot alter
or drop most columns: there a table is rebuilt (create a new table, copy the rows, drop the
old one, rename the new one), once, directly to its current definition. All steps run in one
transaction: an upgrade that fails leaves the database as it was. The steps before
``v2.4.0.a`` (Optuna 0.9 to 2.3) run on SQLite and PostgreSQL.

Optuna 0.9 wrote no ``alembic_version``: such a database gets ``v0.9.0.a`` when it is opened
(``_schema.create_schema``), as Optuna stamps it. Before ``v2.4.0.a``, ``trial_values`` held
intermediate values and a NaN one was stored as NULL on SQLite: it stays NaN (Optuna's own
migration would fail on it, its new column being NOT NULL).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateTable

from ferrotune.distributions import _json_to_distribution, distribution_to_json
from ferrotune.storages._rdb import _schema as S
from ferrotune.version import __version__

#: Oldest revision this module can upgrade from (Optuna 0.9).
OLDEST_UPGRADABLE = "v0.9.0.a"
#: Revisions before Optuna 2.4, upgraded on SQLite and PostgreSQL only.
_PRE_2_4 = frozenset({"v0.9.0.a", "v1.2.0.a", "v1.3.0.a"})

#: ``np.finfo(np.float32).max``: Optuna 2 stored +-inf as +-this on MySQL.
_F32_MAX = 3.4028234663852886e38
#: Optuna's migrations only look at values beyond this magnitude (and NULL/NaN).
_HUGE = 1e16
_BATCH = 5000
_LEGACY_DISTRIBUTIONS = frozenset(
    {
        "UniformDistribution",
        "LogUniformDistribution",
        "DiscreteUniformDistribution",
        "IntUniformDistribution",
        "IntLogUniformDistribution",
    }
)
#: Value of a NOT NULL column added by a migration, in the rows that exist before it.
_ADDED_COLUMN_FILL: Mapping[tuple[str, str], str] = {
    ("trial_intermediate_values", "intermediate_value_type"): "FINITE",
    ("trial_values", "value_type"): "FINITE",
}


class _Ddl:
    """Column changes for the connection's dialect."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self._rebuilt: set[str] = set()

    def _q(self, name: str) -> str:
        return str(self.conn.dialect.identifier_preparer.quote(name))

    def _exec(self, sql: str) -> None:
        self.conn.exec_driver_sql(sql)

    def _columns(self, table: str) -> set[str]:
        return {c["name"] for c in sa.inspect(self.conn).get_columns(table)}

    def alter_column(self, table: sa.Table, name: str, *, nullable: bool) -> None:
        """Give ``table.name``'s column ``name`` its current type and ``nullable``."""
        if self.dialect == "sqlite":
            self._rebuild(table)
            return
        type_sql = table.c[name].type.compile(dialect=self.conn.dialect)
        t, c = self._q(table.name), self._q(name)
        if self.dialect == "postgresql":
            self._exec(f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {type_sql}")
            null = "DROP NOT NULL" if nullable else "SET NOT NULL"
            self._exec(f"ALTER TABLE {t} ALTER COLUMN {c} {null}")
        elif self.dialect in ("mysql", "mariadb"):
            null = "NULL" if nullable else "NOT NULL"
            self._exec(f"ALTER TABLE {t} MODIFY COLUMN {c} {type_sql} {null}")
        else:
            raise RuntimeError(
                f"Upgrading this schema revision is not supported on {self.dialect}; use "
                "`optuna storage upgrade` (Optuna 3.2 or later) instead."
            )

    def add_enum_column(self, table: sa.Table, name: str) -> None:
        """Add ``table.name``'s NOT NULL enum column ``name``, filled in existing rows."""
        if name in self._columns(table.name):
            return
        if self.dialect == "sqlite":
            self._rebuild(table)
            return
        column = table.c[name]
        if isinstance(column.type, sa.Enum):
            column.type.create(self.conn, checkfirst=True)  # PostgreSQL's named type
        fill = _ADDED_COLUMN_FILL[(table.name, name)]
        type_sql = column.type.compile(dialect=self.conn.dialect)
        t, c = self._q(table.name), self._q(name)
        self._exec(f"ALTER TABLE {t} ADD COLUMN {c} {type_sql} NOT NULL DEFAULT '{fill}'")
        self._exec(f"ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")

    def add_integer_column(self, table: str, name: str) -> None:
        """Add the nullable integer column ``table.name`` unless it exists."""
        if name not in self._columns(table):
            self._exec(f"ALTER TABLE {self._q(table)} ADD COLUMN {self._q(name)} INTEGER")

    def drop_columns(self, table: sa.Table, names: list[str]) -> None:
        """Drop the columns ``names`` of ``table`` (SQLite: rebuild it without them)."""
        if self.dialect == "sqlite":
            self._rebuild(table)
            return
        existing = self._columns(table.name)
        for name in names:
            if name in existing:
                self._exec(f"ALTER TABLE {self._q(table.name)} DROP COLUMN {self._q(name)}")

    def _rebuild(self, table: sa.Table, fill: Mapping[str, Any] | None = None) -> None:
        """SQLite: recreate ``table`` with its current definition, keeping its rows.

        Columns the old table lacks are filled per ``fill`` or ``_ADDED_COLUMN_FILL``; old
        columns the definition lacks are dropped, and so are the ``CHECK`` constraints of
        SQLAlchemy 1.3's enums. Foreign keys are off on ferrotune's SQLite connections, and
        other tables refer to ``studies`` and ``trials`` by name, so those references hold
        once the new table takes the old one's name.
        """
        if table.name in self._rebuilt:
            return
        existing = self._columns(table.name)
        metadata = sa.MetaData()
        for referenced in (S.studies, S.trials):
            referenced.to_metadata(metadata)
        new = table.to_metadata(metadata, name=f"_ferrotune_new_{table.name}")
        select: list[sa.ColumnElement[Any]] = []
        for column in table.columns:
            if column.name in existing:
                select.append(sa.column(column.name))
            elif fill is not None and column.name in fill:
                select.append(sa.literal(fill[column.name]).label(column.name))
            elif (table.name, column.name) in _ADDED_COLUMN_FILL:
                value = _ADDED_COLUMN_FILL[(table.name, column.name)]
                select.append(sa.literal(value).label(column.name))
            else:
                raise RuntimeError(
                    f"Unexpected schema: table {table.name!r} has no column {column.name!r}."
                )
        self.conn.execute(CreateTable(new))  # no indexes yet: their names are taken
        self.conn.execute(
            new.insert().from_select(
                [c.name for c in table.columns],
                sa.select(*select).select_from(sa.table(table.name)),
            )
        )
        self._exec(f"DROP TABLE {self._q(table.name)}")
        self._exec(f"ALTER TABLE {self._q(new.name)} RENAME TO {self._q(table.name)}")
        for index in table.indexes:
            index.create(self.conn)
        self._rebuilt.add(table.name)


def _isclose(a: float, b: float) -> bool:
    # numpy.isclose's test with its default tolerances, as Optuna's migrations use it.
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)


def _stored_float(value: float | None, *, nan_type: bool) -> tuple[float | None, str]:
    """The (value, value type) Optuna 3 stores for an Optuna 2 stored float."""
    if value is None or (nan_type and math.isnan(value)):
        return None, "NAN"
    if value == math.inf or _isclose(value, _F32_MAX):
        return None, "INF_POS"
    if value == -math.inf or _isclose(value, -_F32_MAX):
        return None, "INF_NEG"
    return value, "FINITE"


def _v0_9_0_a_to_v1_2_0_a(ddl: _Ddl) -> None:
    """Optuna 1.2 added the trial state ``WAITING``."""
    if ddl.dialect == "postgresql":
        # Allowed in a transaction since PostgreSQL 12 (the value is not used before commit);
        # on older servers the upgrade fails here and changes nothing.
        ddl.conn.exec_driver_sql("ALTER TYPE trialstate ADD VALUE IF NOT EXISTS 'WAITING'")
    # SQLite: the CHECK constraint listing the states goes when ``trials`` is rebuilt.


def _v1_2_0_a_to_v1_3_0_a(ddl: _Ddl) -> None:
    """Optuna 1.3 moved trial numbers from the ``_number`` system attribute to a column."""
    conn = ddl.conn
    ddl.add_integer_column("trials", "number")
    attrs = sa.table(
        "trial_system_attributes", sa.column("trial_id"), sa.column("key"), sa.column("value_json")
    )
    old_trials = sa.table("trials", sa.column("trial_id"), sa.column("number"))
    changes = []
    query = sa.select(attrs.c.trial_id, attrs.c.value_json).where(attrs.c.key == "_number")
    for trial_id, text in conn.execute(query).all():
        try:
            number = json.loads(text)
        except (TypeError, ValueError):
            number = None
        if not isinstance(number, int) or isinstance(number, bool):
            raise RuntimeError(
                f"Cannot upgrade: trial {trial_id} has the invalid number {text!r} in its "
                "system attribute '_number'."
            )
        changes.append({"b_trial_id": trial_id, "b_number": number})
    if changes:
        conn.execute(
            old_trials.update()
            .where(old_trials.c.trial_id == sa.bindparam("b_trial_id"))
            .values(number=sa.bindparam("b_number")),
            changes,
        )
    conn.execute(attrs.delete().where(attrs.c.key == "_number"))


def _v2_4_intermediate_values() -> sa.Table:
    """``trial_intermediate_values`` as Optuna 2.4 created it, its value nullable (NaN)."""
    metadata = sa.MetaData()
    sa.Table("trials", metadata, sa.Column("trial_id", sa.Integer, primary_key=True))
    return sa.Table(
        "trial_intermediate_values",
        metadata,
        sa.Column("trial_intermediate_value_id", sa.Integer, primary_key=True),
        sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("intermediate_value", sa.Float, nullable=True),
        sa.UniqueConstraint("trial_id", "step"),
    )


def _insert_select(
    ddl: _Ddl,
    target: sa.Table,
    values: Mapping[str, sa.ColumnElement[Any]],
    source: sa.TableClause,
    order_by: list[str],
) -> None:
    """``INSERT INTO target SELECT values FROM source``, enum columns the target has in
    its current form (created earlier by ``create_all``) filled with ``FINITE``."""
    columns = dict(values)
    existing = ddl._columns(target.name)
    for (table, name), fill in _ADDED_COLUMN_FILL.items():
        if table == target.name and name in existing:
            columns[name] = sa.cast(sa.literal(fill), target.c[name].type)
    select = sa.select(*(v.label(k) for k, v in columns.items())).select_from(source)
    into = sa.table(target.name, *(sa.column(k) for k in columns))
    select = select.order_by(*(source.c[name] for name in order_by))
    ddl.conn.execute(into.insert().from_select(list(columns), select))


def _v1_3_0_a_to_v2_4_0_a(ddl: _Ddl) -> None:
    """Optuna 2.4 (multi-objective studies) moved study directions and trial values to
    tables keyed by objective; the old ``trial_values`` held the intermediate values."""
    conn = ddl.conn
    tables = set(sa.inspect(conn).get_table_names())
    old_studies = sa.table("studies", sa.column("study_id"), sa.column("direction"))
    old_trials = sa.table("trials", sa.column("trial_id"), sa.column("value"))
    old_values = sa.table(
        "trial_values",
        sa.column("trial_value_id"),
        sa.column("trial_id"),
        sa.column("step"),
        sa.column("value"),
    )
    if "study_directions" not in tables:
        S.study_directions.create(conn)
    _insert_select(
        ddl,
        S.study_directions,
        {
            "direction": old_studies.c.direction,
            "study_id": old_studies.c.study_id,
            "objective": sa.literal(0),
        },
        old_studies,
        ["study_id"],
    )
    if "trial_intermediate_values" in tables:  # made (empty) by create_all on opening
        intermediate = S.trial_intermediate_values
    else:
        intermediate = _v2_4_intermediate_values()
        intermediate.create(conn)
    _insert_select(
        ddl,
        intermediate,
        {
            "trial_id": old_values.c.trial_id,
            "step": old_values.c.step,
            "intermediate_value": old_values.c.value,
        },
        old_values,
        ["trial_value_id"],  # in the order they were reported, as Optuna copies them
    )
    conn.execute(sa.delete(old_values))
    if ddl.dialect == "sqlite":
        ddl._rebuild(S.trial_values, fill={"objective": 0})  # empty: the fill is not used
    else:
        q = ddl._q
        table = q("trial_values")
        ddl.drop_columns(S.trial_values, ["step"])  # and the unique (trial_id, step)
        ddl._exec(f"ALTER TABLE {table} ADD COLUMN {q('objective')} INTEGER NOT NULL")
        ddl._exec(
            f"ALTER TABLE {table} ADD CONSTRAINT {q('uq_trial_values_trial_id_objective')} "
            f"UNIQUE ({q('trial_id')}, {q('objective')})"
        )
    _insert_select(
        ddl,
        S.trial_values,
        {
            "trial_id": old_trials.c.trial_id,
            "objective": sa.literal(0),
            "value": old_trials.c.value,
        },
        old_trials,
        ["trial_id"],
    )
    ddl.drop_columns(S.studies, ["direction"])
    ddl.drop_columns(S.trials, ["value"])


def _v2_4_0_a_to_v2_6_0_a(ddl: _Ddl) -> None:
    for table in (
        S.study_user_attributes,
        S.study_system_attributes,
        S.trial_user_attributes,
        S.trial_system_attributes,
    ):
        ddl.alter_column(table, "value_json", nullable=True)
    ddl.alter_column(S.trial_params, "distribution_json", nullable=True)


def _new_distribution_json(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict) or data.get("name") not in _LEGACY_DISTRIBUTIONS:
        return text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a high that does not fall on the step: kept lowered
        return distribution_to_json(_json_to_distribution(text))


def _v2_6_0_a_to_v3_0_0_a(ddl: _Ddl) -> None:
    conn, params = ddl.conn, S.trial_params
    update = (
        params.update()
        .where(params.c.param_id == sa.bindparam("b_param_id"))
        .values(distribution_json=sa.bindparam("b_distribution_json"))
    )
    converted: dict[str, str] = {}
    last = None
    while True:
        query = sa.select(params.c.param_id, params.c.distribution_json).order_by(
            params.c.param_id
        )
        if last is not None:
            query = query.where(params.c.param_id > last)
        rows = conn.execute(query.limit(_BATCH)).all()
        if not rows:
            return
        changes = []
        for param_id, text in rows:
            if text is None:
                continue
            new = converted.get(text)
            if new is None:
                try:
                    new = converted[text] = _new_distribution_json(text)
                except (ValueError, TypeError, KeyError) as e:
                    raise RuntimeError(
                        f"Cannot upgrade: trial_params row {param_id} has an invalid "
                        f"distribution {text!r}: {e}"
                    ) from e
            if new != text:
                changes.append({"b_param_id": param_id, "b_distribution_json": new})
        if changes:
            conn.execute(update, changes)
        last = rows[-1][0]
        if len(converted) > 100_000:
            converted.clear()


def _v3_0_0_a_to_v3_0_0_b(ddl: _Ddl) -> None:
    conn, values, trials = ddl.conn, S.trial_values, S.trials
    invalid = conn.execute(
        sa.select(sa.func.count())
        .select_from(values.join(trials, values.c.trial_id == trials.c.trial_id))
        .where(values.c.value.is_(None), trials.c.state == "COMPLETE")
    ).scalar_one()
    if invalid:
        raise RuntimeError(
            f"Cannot upgrade: {invalid} trial_values rows of COMPLETE trials have no value."
        )
    conn.execute(values.delete().where(values.c.value.is_(None)))
    ddl.alter_column(S.trial_intermediate_values, "intermediate_value", nullable=True)
    ddl.alter_column(S.trial_params, "param_value", nullable=True)
    ddl.alter_column(S.trial_values, "value", nullable=False)


def _classify_huge(
    ddl: _Ddl, table: sa.Table, id_name: str, value_name: str, type_name: str, nan_type: bool
) -> None:
    conn = ddl.conn
    ids, value = table.c[id_name], table.c[value_name]
    huge = sa.or_(value > _HUGE, value < -_HUGE)
    if nan_type:
        huge = sa.or_(huge, value.is_(None))
    changes = []
    for row_id, stored in conn.execute(sa.select(ids, value).where(huge)).all():
        new_value, new_type = _stored_float(
            None if stored is None else float(stored), nan_type=nan_type
        )
        changes.append({"b_id": row_id, "b_value": new_value, "b_type": new_type})
    if changes:
        conn.execute(
            table.update()
            .where(ids == sa.bindparam("b_id"))
            .values({value_name: sa.bindparam("b_value"), type_name: sa.bindparam("b_type")}),
            changes,
        )


def _v3_0_0_b_to_v3_0_0_c(ddl: _Ddl) -> None:
    table = S.trial_intermediate_values
    ddl.add_enum_column(table, "intermediate_value_type")
    _classify_huge(
        ddl,
        table,
        "trial_intermediate_value_id",
        "intermediate_value",
        "intermediate_value_type",
        nan_type=True,
    )


def _v3_0_0_c_to_v3_0_0_d(ddl: _Ddl) -> None:
    table = S.trial_values
    ddl.add_enum_column(table, "value_type")
    ddl.alter_column(table, "value", nullable=True)
    _classify_huge(ddl, table, "trial_value_id", "value", "value_type", nan_type=False)


def _v3_0_0_d_to_v3_2_0_a(ddl: _Ddl) -> None:
    """Optuna 3.2 added an index on ``trials.study_id``."""
    indexes = sa.inspect(ddl.conn).get_indexes("trials")
    if not any(ix["column_names"] == ["study_id"] for ix in indexes):
        # On a table of its own metadata: an Index on ``S.trials`` would join the schema.
        trials = sa.Table("trials", sa.MetaData(), sa.Column("study_id", sa.Integer))
        sa.Index("trials_study_id_key", trials.c.study_id).create(ddl.conn)


_STEPS: dict[str, tuple[str, Callable[[_Ddl], None]]] = {
    "v0.9.0.a": ("v1.2.0.a", _v0_9_0_a_to_v1_2_0_a),
    "v1.2.0.a": ("v1.3.0.a", _v1_2_0_a_to_v1_3_0_a),
    "v1.3.0.a": ("v2.4.0.a", _v1_3_0_a_to_v2_4_0_a),
    "v2.4.0.a": ("v2.6.0.a", _v2_4_0_a_to_v2_6_0_a),
    "v2.6.0.a": ("v3.0.0.a", _v2_6_0_a_to_v3_0_0_a),
    "v3.0.0.a": ("v3.0.0.b", _v3_0_0_a_to_v3_0_0_b),
    "v3.0.0.b": ("v3.0.0.c", _v3_0_0_b_to_v3_0_0_c),
    "v3.0.0.c": ("v3.0.0.d", _v3_0_0_c_to_v3_0_0_d),
    "v3.0.0.d": ("v3.2.0.a", _v3_0_0_d_to_v3_2_0_a),
}


def upgrade(engine: Engine, current: str) -> str:
    """Upgrade the schema from revision ``current``; return the new revision.

    Raises
    ------
    RuntimeError
        The revision is unknown, or older than ``v2.4.0.a`` (Optuna 2.4) on a database other
        than SQLite or PostgreSQL, or the data cannot be migrated; the database is then left
        unchanged.
    """
    if current == S.HEAD_REVISION:
        return current
    if current not in S.ALL_REVISIONS:
        raise RuntimeError(
            f"Unknown schema revision {current!r}: it is newer than this ferrotune "
            f"{__version__}; upgrade ferrotune instead."
        )
    if current in _PRE_2_4 and engine.dialect.name not in ("sqlite", "postgresql"):
        raise RuntimeError(
            f"Schema revision {current!r} predates Optuna 2.4, which ferrotune upgrades on "
            f"SQLite and PostgreSQL only, not on {engine.dialect.name}; upgrade it to "
            "v2.4.0.a or later with Optuna's `optuna storage upgrade` first, then run "
            "`ferrotune storage upgrade`."
        )
    with engine.connect() as conn:
        # SQLite: take the write lock at BEGIN (see RDBStorage's engine setup).
        conn.execution_options(ferrotune_write=True)
        with conn.begin():
            ddl = _Ddl(conn)
            revision = current
            while revision in _STEPS:
                target, step = _STEPS[revision]
                try:
                    step(ddl)
                except sa_exc.SQLAlchemyError as e:
                    # A table that does not look like its revision (an edited database).
                    raise RuntimeError(
                        f"Cannot upgrade the schema from {revision} to {target}: "
                        f"{getattr(e, 'orig', None) or e}"
                    ) from e
                revision = target
            # Tables Optuna 2 created lazily (``trial_heartbeats`` since 2.6).
            S.metadata.create_all(conn, checkfirst=True)
            conn.execute(S.alembic_version.update().values(version_num=revision))
            conn.execute(
                S.version_info.update().values(
                    schema_version=S.SCHEMA_VERSION, library_version=__version__
                )
            )
    return revision
