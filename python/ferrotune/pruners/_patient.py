"""Prune when a trial stops improving for a number of steps."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ferrotune.exceptions import ExperimentalWarning
from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._percentile import _check_float, _check_int
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


def _nan_extreme(values: Iterable[float], maximize: bool) -> float:
    kept = [v for v in values if not math.isnan(v)]
    if not kept:
        return math.nan
    return max(kept) if maximize else min(kept)


class PatientPruner(BasePruner):
    """Prune only after the trial has not improved for ``patience`` consecutive steps.

    The best value of the last ``patience + 1`` reported steps is compared with the best
    value before them; if it is worse by more than ``min_delta``, the decision goes to
    ``wrapped_pruner`` (or the trial is pruned when it is ``None``).

    Parameters
    ----------
    wrapped_pruner
        Pruner consulted once patience has run out, or ``None``.
    patience
        Number of steps without improvement tolerated (>= 0).
    min_delta
        Improvements smaller than this do not count (>= 0).

    Raises
    ------
    ValueError
        If ``patience`` or ``min_delta`` is negative.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(
        self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
    ) -> None:
        warnings.warn(
            "PatientPruner is experimental (supported from v2.8.0). "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        if wrapped_pruner is not None and not isinstance(wrapped_pruner, BasePruner):
            raise TypeError(
                f"`wrapped_pruner` must be a BasePruner or None, but got {wrapped_pruner!r}."
            )
        patience = _check_int("patience", patience)
        min_delta = _check_float("min_delta", min_delta)
        if patience < 0:
            raise ValueError(f"patience cannot be negative but got {patience}.")
        if min_delta < 0:
            raise ValueError(f"min_delta cannot be negative but got {min_delta}.")
        self._wrapped_pruner = wrapped_pruner
        self._patience = patience
        self._min_delta = min_delta

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return the wrapped pruner's decision once patience has run out, else ``False``."""
        intermediate = trial.intermediate_values
        if len(intermediate) <= self._patience + 1:
            return False
        steps = sorted(intermediate)
        split = len(steps) - self._patience - 1
        before = (intermediate[s] for s in steps[:split])
        after = (intermediate[s] for s in steps[split:])
        if study.direction == StudyDirection.MINIMIZE:
            maybe_prune = _nan_extreme(before, False) + self._min_delta < _nan_extreme(
                after, False
            )
        else:
            maybe_prune = _nan_extreme(before, True) - self._min_delta > _nan_extreme(after, True)
        if not maybe_prune:
            return False
        if self._wrapped_pruner is None:
            return True
        return bool(self._wrapped_pruner.prune(study, trial))
