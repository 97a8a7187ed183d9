"""Constraint helpers under Optuna's private names (``optuna.study._constrained_optimization``).

OptunaHub samplers and Optuna's own tests read constraint values through these. Constraints
are stored in trial system attributes: the legacy list under ``"constraints"`` and, since
Optuna 5.0, one ``"constraints:<name>"`` attribute each (see ``FrozenTrial.constraints``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ferrotune.trial._constraints import CONSTRAINTS_KEY, constraints_from_system_attrs
from ferrotune.trial._frozen import FrozenTrial

_CONSTRAINTS_KEY = CONSTRAINTS_KEY

__all__ = [
    "_CONSTRAINTS_KEY",
    "_get_constraints_from_system_attrs",
    "_get_feasible_trials",
    "_is_constrained_optimization",
]


def _is_constrained_optimization(trials: Sequence[FrozenTrial]) -> bool:
    """Whether any of ``trials`` has a constraint value."""
    return any(len(trial.constraints) > 0 for trial in trials)


def _get_feasible_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The trials whose constraint values are all ``<= 0`` (a trial without any is feasible)."""
    return [t for t in trials if all(c <= 0.0 for c in t.constraints.values())]


def _get_constraints_from_system_attrs(system_attrs: dict[str, Any]) -> dict[str, float]:
    """``{name: value}`` of the constraints stored in ``system_attrs`` (both formats)."""
    return constraints_from_system_attrs(system_attrs)
