"""Constraint values stored in trial system attributes (Optuna 5.0's format)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

CONSTRAINTS_KEY = "constraints"
_PREFIX = CONSTRAINTS_KEY + ":"


def constraints_from_system_attrs(system_attrs: Mapping[str, Any]) -> dict[str, float]:
    """Collect ``{name: value}`` constraints, reading the legacy list format too."""
    result: dict[str, float] = {}
    legacy = system_attrs.get(CONSTRAINTS_KEY)
    if legacy is not None:
        for i, c in enumerate(legacy):
            result[str(i)] = float(c)
    for key, value in system_attrs.items():
        if key.startswith(_PREFIX):
            result[key[len(_PREFIX) :]] = float(value)
    return result


def has_constraints(system_attrs: Mapping[str, Any]) -> bool:
    """Whether ``system_attrs`` hold any constraint value (without collecting them)."""
    if system_attrs.get(CONSTRAINTS_KEY):
        return True
    return any(key.startswith(_PREFIX) for key in system_attrs)


def constraint_violation(system_attrs: Mapping[str, Any]) -> float:
    """Sum of the positive constraint values; NaN when no constraint is set."""
    constraints = constraints_from_system_attrs(system_attrs)
    if not constraints:
        return math.nan
    return float(sum(v for v in constraints.values() if v > 0))


def constraint_key(key: str, value: float, existing: Mapping[str, Any]) -> str | None:
    """Validate a new constraint; return its system-attr key or ``None`` if already set."""
    if not isinstance(key, str):
        raise TypeError(f"A constraint name must be a str, but got {key!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"A constraint value must be a number, but got {value!r}.") from e
    if math.isnan(number):
        raise ValueError(f"Attempted to set a constraint for {key!r}, but NaN is not allowed.")
    full = _PREFIX + key
    if full in existing:
        warnings.warn(
            f"The constraint value is ignored because this constraint `{key=}` is already set.",
            UserWarning,
            stacklevel=3,
        )
        return None
    return full
