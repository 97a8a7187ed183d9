"""Data of ``plot_edf``: empirical distribution of the objective values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ferrotune.logging import get_logger
from ferrotune.visualization._info._common import (
    FloatArray,
    Target,
    check_plot_args,
    complete_trials,
)

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class EdfLine:
    study_name: str
    y: FloatArray


@dataclass
class EdfInfo:
    lines: list[EdfLine]
    x: FloatArray


def edf_info(study: Study | Sequence[Study], target: Target | None, target_name: str) -> EdfInfo:
    from ferrotune.study import Study as _Study

    studies = [study] if isinstance(study, _Study) else list(study)
    check_plot_args(studies, target, target_name)
    if not studies:
        _logger.warning("There are no studies.")
        return EdfInfo([], np.array([]))
    per_study = [(s.study_name, complete_trials(s, target).values) for s in studies]
    per_study = [(n, v) for n, v in per_study if v.size]
    if not per_study:
        _logger.warning("There are no complete trials.")
        return EdfInfo([], np.array([]))
    everything = np.concatenate([v for _, v in per_study])
    x = np.linspace(everything.min(), everything.max(), 100)
    lines = [
        EdfLine(name, np.searchsorted(np.sort(v), x, side="right") / v.size)
        for name, v in per_study
    ]
    return EdfInfo(lines, x)
