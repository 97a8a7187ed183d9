"""Schema upgrades of older Optuna databases to the current revision."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ferrotune.storages._rdb import _schema as S
from ferrotune.version import __version__

#: Oldest revision this module can upgrade from.
OLDEST_UPGRADABLE = "v3.0.0.d"


def _v3_0_0_d_to_v3_2_0_a(conn: sa.Connection) -> None:
    """Optuna 3.2 added an index on ``trials.study_id``."""
    indexes = sa.inspect(conn).get_indexes("trials")
    if not any(ix["column_names"] == ["study_id"] for ix in indexes):
        sa.Index("trials_study_id_key", S.trials.c.study_id).create(conn)


_STEPS = {"v3.0.0.d": ("v3.2.0.a", _v3_0_0_d_to_v3_2_0_a)}


def upgrade(engine: Engine, current: str) -> str:
    """Upgrade the schema from revision ``current``; return the new revision.

    Raises
    ------
    RuntimeError
        The revision is unknown or older than ``v3.0.0.d`` (Optuna 3.0).
    """
    if current == S.HEAD_REVISION:
        return current
    if current not in S.ALL_REVISIONS:
        raise RuntimeError(
            f"Unknown schema revision {current!r}: it is newer than this ferrotune "
            f"{__version__}; upgrade ferrotune instead."
        )
    if current not in _STEPS:
        raise RuntimeError(
            f"Schema revision {current!r} predates Optuna 3.0; upgrade it first with "
            f"`optuna storage upgrade` (Optuna 3.x), then run `ferrotune storage upgrade`."
        )
    with engine.begin() as conn:
        revision = current
        while revision in _STEPS:
            target, step = _STEPS[revision]
            step(conn)
            revision = target
        conn.execute(S.alembic_version.update().values(version_num=revision))
        conn.execute(
            S.version_info.update().values(
                schema_version=S.SCHEMA_VERSION, library_version=__version__
            )
        )
    return revision
