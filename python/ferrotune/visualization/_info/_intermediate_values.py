"""Data of ``plot_intermediate_values``: one line per trial's reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ferrotune.logging import get_logger
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class IntermediateLine:
    number: int
    steps: list[int]
    values: list[float]
    feasible: bool


def intermediate_values_info(study: Study) -> list[IntermediateLine]:
    trials = study.get_trials(
        deepcopy=False, states=(TrialState.PRUNED, TrialState.COMPLETE, TrialState.RUNNING)
    )
    lines = []
    for t in trials:
        if not t.intermediate_values:
            continue
        steps = sorted(t.intermediate_values)
        lines.append(
            IntermediateLine(
                t.number,
                steps,
                [float(t.intermediate_values[s]) for s in steps],
                all(v <= 0.0 for v in t.constraints.values()),
            )
        )
    if not lines:
        _logger.warning(
            "You need to set up the pruning feature to utilize `plot_intermediate_values()`"
        )
    return lines
