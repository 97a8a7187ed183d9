"""Data of ``plot_optimization_history``: objective values and best-so-far curves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.visualization._info._common import Target, check_plot_args, complete_trials

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class HistorySeries:
    label: str
    numbers: list[int]
    values: list[float]
    stds: list[float] | None
    feasible: list[bool]
    best_label: str | None = None
    best_numbers: list[int] = field(default_factory=list)
    best_values: list[float] = field(default_factory=list)
    best_stds: list[float] | None = None


def optimization_history_info(
    study: Study | Sequence[Study],
    target: Target | None,
    target_name: str,
    error_bar: bool,
) -> list[HistorySeries]:
    """One series per study (or one aggregated series with ``error_bar``)."""
    from ferrotune.study import Study as _Study

    studies = [study] if isinstance(study, _Study) else list(study)
    check_plot_args(studies, target, target_name)
    if not studies:
        _logger.warning("There are no studies.")
    series: list[HistorySeries] = []
    n_feasible = n_complete = 0
    for s in studies:
        data = complete_trials(s, target)
        n_complete += len(data.trials)
        n_feasible += int(data.feasible.sum())
        label = target_name if len(studies) == 1 else f"{target_name} of {s.study_name}"
        item = HistorySeries(
            label=label,
            numbers=data.numbers.tolist(),
            values=data.values.tolist(),
            stds=None,
            feasible=data.feasible.tolist(),
        )
        if target is None:
            # The best-value line spans every trial (incomplete ones carry the best so far).
            minimize = s.direction == StudyDirection.MINIMIZE
            fill = math.inf if minimize else -math.inf
            all_numbers = sorted(t.number for t in s.get_trials(deepcopy=False))
            position = {num: i for i, num in enumerate(all_numbers)}
            masked = np.full(len(all_numbers), fill)
            ok = data.feasible
            masked[[position[num] for num in data.numbers[ok]]] = data.values[ok]
            acc = np.minimum.accumulate if minimize else np.maximum.accumulate
            item.best_label = (
                "Best Value" if len(studies) == 1 else f"Best Value of {s.study_name}"
            )
            item.best_numbers = all_numbers
            item.best_values = acc(masked).tolist() if masked.size else []
        series.append(item)
    if n_complete == 0:
        _logger.warning("There are no complete trials.")
        return []
    if not error_bar:
        return series
    if n_feasible == 0:
        _logger.warning("There are no feasible trials.")
        return []
    return [_aggregate(series, target_name, with_best=target is None)]


def _aggregate(series: list[HistorySeries], target_name: str, with_best: bool) -> HistorySeries:
    """Mean and standard deviation across studies at each trial number (error bars)."""
    n = max(max([*s.numbers, *s.best_numbers], default=-1) for s in series) + 1
    values: list[list[float]] = [[] for _ in range(n)]
    best: list[list[float]] = [[] for _ in range(n)]
    has_feasible = [False] * n
    for s in series:
        for num, v, ok in zip(s.numbers, s.values, s.feasible, strict=True):
            if ok:
                values[num].append(v)
                has_feasible[num] = True
        for num, b in zip(s.best_numbers, s.best_values, strict=True):
            if not math.isinf(b):
                best[num].append(b)
    numbers = [i for i in range(n) if has_feasible[i]]
    out = HistorySeries(
        label=target_name,
        numbers=numbers,
        values=[float(np.mean(values[i])) for i in numbers],
        stds=[float(np.std(values[i])) for i in numbers],
        feasible=[True] * len(numbers),
    )
    if with_best:
        out.best_label = "Best Value"
        out.best_numbers = numbers
        out.best_values = [float(np.mean(best[i])) if best[i] else math.nan for i in numbers]
        out.best_stds = [float(np.std(best[i])) if best[i] else 0.0 for i in numbers]
    return out
