"""Data of ``plot_hypervolume_history``: hypervolume after each trial."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ferrotune.exceptions import ExperimentalWarning
from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


def hypervolume_history_info(
    study: Study, reference_point: Sequence[float]
) -> tuple[list[int], list[float]]:
    from ferrotune.importance._multi_objective import hypervolume

    warnings.warn(
        "plot_hypervolume_history is experimental (supported from v3.3.0). "
        "The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )
    if not study._is_multi_objective():
        raise ValueError(
            "Study must be multi-objective. For single-objective optimization, please use "
            "plot_optimization_history instead."
        )
    ref = np.asarray(reference_point, dtype=np.float64)
    if ref.ndim != 1 or ref.size != len(study.directions):
        raise ValueError(
            "The dimension of the reference point must match the number of objectives, but got "
            f"{list(reference_point)} for {len(study.directions)} objectives."
        )
    if not np.all(np.isfinite(ref)):
        raise ValueError(f"The reference point must be finite, but got {list(reference_point)}.")
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
    ref = ref * signs
    history = study._get_trial_history()
    rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
    rows = rows[np.argsort(history.numbers[rows], kind="stable")]
    numbers = history.numbers[rows].tolist()
    loss = np.asarray(history.values[rows]) * signs
    feasible = ~(history.constraint_violation[rows] > 0)
    front = np.empty((0, ref.size))
    hv = 0.0
    values = []
    for point, ok in zip(loss, feasible):
        if (
            ok
            and np.all(point <= ref)
            and not np.any(np.all(front <= point, axis=1) & np.any(front < point, axis=1))
            and not np.any(np.all(front == point, axis=1))
        ):
            keep = ~(np.all(point <= front, axis=1) & np.any(point < front, axis=1))
            front = np.vstack([front[keep], point])
            hv = hypervolume(front, ref)
        values.append(hv)
    if not numbers:
        _logger.warning("Your study does not have any completed trials.")
    return numbers, values
