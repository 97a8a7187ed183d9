"""Optuna 5.0's relational schema (alembic revision ``v3.2.0.a``), as SQLAlchemy Core tables.

The tables, columns, types, constraints and index names are those Optuna creates, so a
database written by either tool opens in the other. Enumerations are stored by name
(``'COMPLETE'``, ``'MINIMIZE'``, ...) as SQLAlchemy's ``Enum`` does; on PostgreSQL they are
native enum types with the same names (``trialstate``, ``studydirection``, ...).
"""

from __future__ import annotations

import sqlalchemy as sa

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
