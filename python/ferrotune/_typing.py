"""Type aliases shared with third-party code (Optuna's ``optuna._typing``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

JSONSerializable: TypeAlias = (
    Mapping[str, "JSONSerializable"]
    | Sequence["JSONSerializable"]
    | str
    | int
    | float
    | bool
    | None
)

__all__ = ["JSONSerializable"]
