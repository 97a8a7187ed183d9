"""Optuna 5.0's relational schema (alembic revision ``v3.2.0.a``) and its value encodings.

The tables, columns, types, constraints and index names are those Optuna creates, so a
database written by either tool opens in the other. Enumerations are stored by name
(``'COMPLETE'``, ``'MINIMIZE'``, ...) as SQLAlchemy's ``Enum`` does; on PostgreSQL they are
native enum types with the same names (``trialstate``, ``studydirection``, ...). Values are
encoded as Optuna encodes them: infinities (and NaN intermediate values) as NULL with a
value type, attributes as JSON text, times as naive UTC.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.exceptions import StorageInternalError
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.version import __version__

#: The alembic revision of Optuna 5.0's schema (``alembic_version.version_num``).
HEAD_REVISION = "v3.2.0.a"
#: Every revision of the schema, oldest first.
ALL_REVISIONS = (
    "v0.9.0.a",
    "v1.2.0.a",
    "v1.3.0.a",
    "v2.4.0.a",
    "v2.6.0.a",
    "v3.0.0.a",
    "v3.0.0.b",
    "v3.0.0.c",
    "v3.0.0.d",
    HEAD_REVISION,
)
#: ``version_info.schema_version``: frozen at 12 since alembic took over.
SCHEMA_VERSION = 12
MAX_INDEXED_STRING_LENGTH = 512
MAX_VERSION_LENGTH = 256
FLOAT_PRECISION = 53

metadata = sa.MetaData()

_study_direction = sa.Enum("NOT_SET", "MINIMIZE", "MAXIMIZE", name="studydirection")
_trial_state = sa.Enum("RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING", name="trialstate")
_value_type = sa.Enum("FINITE", "INF_POS", "INF_NEG", name="trialvaluetype")
_intermediate_type = sa.Enum(
    "FINITE", "INF_POS", "INF_NEG", "NAN", name="trialintermediatevaluetype"
)


def _float() -> sa.Float[float]:
    return sa.Float(precision=FLOAT_PRECISION)


studies = sa.Table(
    "studies",
    metadata,
    sa.Column("study_id", sa.Integer, primary_key=True),
    sa.Column(
        "study_name",
        sa.String(MAX_INDEXED_STRING_LENGTH),
        index=True,
        unique=True,
        nullable=False,
    ),
)

study_directions = sa.Table(
    "study_directions",
    metadata,
    sa.Column("study_direction_id", sa.Integer, primary_key=True),
    sa.Column("direction", _study_direction, nullable=False),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id"), nullable=False),
    sa.Column("objective", sa.Integer, nullable=False),
    sa.UniqueConstraint("study_id", "objective"),
)


def _study_attr_table(name: str, id_column: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column(id_column, sa.Integer, primary_key=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id")),
        sa.Column("key", sa.String(MAX_INDEXED_STRING_LENGTH)),
        sa.Column("value_json", sa.Text()),
        sa.UniqueConstraint("study_id", "key"),
    )


study_user_attributes = _study_attr_table("study_user_attributes", "study_user_attribute_id")
study_system_attributes = _study_attr_table("study_system_attributes", "study_system_attribute_id")

trials = sa.Table(
    "trials",
    metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True),
    sa.Column("number", sa.Integer),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id"), index=True),
    sa.Column("state", _trial_state, nullable=False),
    # Naive UTC, as Optuna stores them.
    sa.Column("datetime_start", sa.DateTime),
    sa.Column("datetime_complete", sa.DateTime),
)


def _trial_attr_table(name: str, id_column: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column(id_column, sa.Integer, primary_key=True),
        sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id")),
        sa.Column("key", sa.String(MAX_INDEXED_STRING_LENGTH)),
        sa.Column("value_json", sa.Text()),
        sa.UniqueConstraint("trial_id", "key"),
    )


trial_user_attributes = _trial_attr_table("trial_user_attributes", "trial_user_attribute_id")
trial_system_attributes = _trial_attr_table("trial_system_attributes", "trial_system_attribute_id")

trial_params = sa.Table(
    "trial_params",
    metadata,
    sa.Column("param_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id")),
    sa.Column("param_name", sa.String(MAX_INDEXED_STRING_LENGTH)),
    sa.Column("param_value", _float()),
    sa.Column("distribution_json", sa.Text()),
    sa.UniqueConstraint("trial_id", "param_name"),
)

trial_values = sa.Table(
    "trial_values",
    metadata,
    sa.Column("trial_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("objective", sa.Integer, nullable=False),
    sa.Column("value", _float(), nullable=True),
    sa.Column("value_type", _value_type, nullable=False),
    sa.UniqueConstraint("trial_id", "objective"),
)

trial_intermediate_values = sa.Table(
    "trial_intermediate_values",
    metadata,
    sa.Column("trial_intermediate_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("intermediate_value", _float(), nullable=True),
    sa.Column("intermediate_value_type", _intermediate_type, nullable=False),
    sa.UniqueConstraint("trial_id", "step"),
)

trial_heartbeats = sa.Table(
    "trial_heartbeats",
    metadata,
    sa.Column("trial_heartbeat_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("heartbeat", sa.DateTime, nullable=False, default=sa.func.current_timestamp()),
    sa.UniqueConstraint("trial_id"),
)

version_info = sa.Table(
    "version_info",
    metadata,
    sa.Column("version_info_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("schema_version", sa.Integer),
    sa.Column("library_version", sa.String(MAX_VERSION_LENGTH)),
    sa.CheckConstraint("version_info_id=1"),
)

alembic_version = sa.Table(
    "alembic_version",
    metadata,
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)

#: Child tables of ``trials``, deleted before their trials.
TRIAL_CHILD_TABLES = (
    trial_params,
    trial_values,
    trial_intermediate_values,
    trial_user_attributes,
    trial_system_attributes,
    trial_heartbeats,
)


# -- creating the schema and checking its revision -----------------------------------------
def create_schema(conn: sa.Connection, skip_table_creation: bool) -> None:
    """Create the missing tables and the revision rows of a new database.

    A database with tables but no ``alembic_version`` row is an Optuna database from before
    alembic (Optuna 0.9): it gets the oldest revision (or the head one if its
    ``version_info`` says so), as Optuna stamps it. Its revision tables are created even with
    ``skip_table_creation``, so that ``storage upgrade`` can run.
    """
    if conn.dialect.name == "postgresql":
        # Many workers may start at once: create the schema under one lock.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7253124516)"))
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    if not skip_table_creation:
        metadata.create_all(conn, checkfirst=True)
    elif "studies" not in existing:
        return
    else:  # Optuna 0.9 had neither: the revision tables are needed to upgrade it
        for table in (version_info, alembic_version):
            table.create(conn, checkfirst=True)
    if conn.execute(sa.select(version_info.c.version_info_id)).first() is None:
        conn.execute(
            version_info.insert().values(
                version_info_id=1,
                schema_version=SCHEMA_VERSION,
                library_version=__version__,
            )
        )
    if conn.execute(sa.select(alembic_version.c.version_num)).first() is None:
        fresh = "studies" not in existing
        revision = HEAD_REVISION if fresh else ALL_REVISIONS[0]
        if not fresh:
            row = conn.execute(sa.select(version_info.c.schema_version)).first()
            if row is not None and row[0] == SCHEMA_VERSION:
                revision = HEAD_REVISION
        conn.execute(alembic_version.insert().values(version_num=revision))


def check_revision(current: str, shown_url: str) -> None:
    """Raise ``RuntimeError`` unless ``current`` is the revision this ferrotune writes.

    ``shown_url`` is the database's URL as messages show it (password hidden).
    """
    if current == HEAD_REVISION:
        return
    if current in ALL_REVISIONS:
        raise RuntimeError(
            f"The database {shown_url} uses the older schema revision {current!r} "
            f"(this ferrotune uses {HEAD_REVISION!r}). Run "
            f"`ferrotune storage upgrade --storage {shown_url}` to upgrade it."
        )
    raise RuntimeError(
        f"The database {shown_url} uses schema revision {current!r}, which is newer "
        f"than this ferrotune {__version__} knows ({HEAD_REVISION!r}). Upgrade ferrotune "
        "(`pip install -U ferrotune`); `ferrotune storage upgrade` only migrates older "
        "schemas."
    )


# -- value encodings (identical to Optuna's) -----------------------------------------------
_UTC = datetime.UTC


def value_to_stored(value: float) -> tuple[float | None, str]:
    """An objective value as ``(value, value_type)`` of a ``trial_values`` row."""
    if value == float("inf"):
        return None, "INF_POS"
    if value == float("-inf"):
        return None, "INF_NEG"
    return value, "FINITE"


def intermediate_to_stored(value: float) -> tuple[float | None, str]:
    """An intermediate value as ``(value, type)`` of a ``trial_intermediate_values`` row."""
    if value != value:
        return None, "NAN"
    return value_to_stored(value)


def stored_to_value(value: float | None, kind: str) -> float:
    """The float of a stored ``(value, type)`` pair (objective or intermediate value)."""
    if kind == "INF_POS":
        return float("inf")
    if kind == "INF_NEG":
        return float("-inf")
    if kind == "NAN":
        return float("nan")
    if value is None:  # a FINITE row without a value: the database was edited
        raise StorageInternalError(f"Corrupt stored value: NULL with value type {kind!r}.")
    return float(value)


def attr_json(key: str, value: Any) -> str:
    """JSON text of an attribute value; a TypeError naming the key and value otherwise."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The value of attribute {key!r} must be JSON serializable, but got "
            f"{value!r:.200} ({e})."
        ) from None


def check_indexed_string(what: str, value: Any) -> None:
    """Reject a name longer than its ``VARCHAR(512)`` column before it is written.

    PostgreSQL and MySQL would refuse it (or truncate it, MySQL in non-strict mode) and
    SQLite would keep it, so a too-long name is refused on every dialect, naming it.
    """
    if isinstance(value, str) and len(value) > MAX_INDEXED_STRING_LENGTH:
        raise ValueError(
            f"The {what} {value[:40]!r}... has {len(value)} characters, but RDB storages "
            f"keep at most {MAX_INDEXED_STRING_LENGTH}."
        )


def stored_param(
    dist: Callable[[str], BaseDistribution],
    trial: FrozenTrial,
    name: str,
    value: Any,
    dist_json: Any,
) -> tuple[BaseDistribution, Any]:
    """The distribution and external value of a stored parameter row, checked.

    A corrupt row (unreadable distribution, categorical index outside the choices) is a
    clear ``StorageInternalError`` rather than an ``IndexError`` deep in a sampler.
    """
    try:
        d = dist(dist_json)
        if isinstance(d, CategoricalDistribution) and not (
            isinstance(value, (int, float))
            and float(value).is_integer()
            and 0 <= value < len(d.choices)
        ):
            raise ValueError(f"index {value!r} is not one of the {len(d.choices)} choices")
        return d, d.to_external_repr(value)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise StorageInternalError(
            f"Corrupt stored parameter {name!r} of trial {trial.number}: {str(e).rstrip('.')}."
        ) from e


def to_utc_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    """A local (naive or aware) time as the naive UTC time Optuna stores."""
    if value is None:
        return None
    return value.astimezone(_UTC).replace(tzinfo=None)


def from_utc_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    """A stored naive UTC time as a naive local time."""
    if value is None:
        return None
    return value.replace(tzinfo=_UTC).astimezone().replace(tzinfo=None)


def parse_datetime(value: Any) -> datetime.datetime | None:
    """A datetime read by a DB-API driver (SQLite gives text)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))
