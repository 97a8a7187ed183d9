"""Data of ``plot_parallel_coordinate``: one dimension per parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import CategoricalDistribution
from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import TrialState
from ferrotune.visualization._info._common import (
    CompleteTrials,
    FloatArray,
    Target,
    check_plot_args,
    complete_trials,
    first_distributions,
    is_log,
    is_numerical,
)

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class Dimension:
    label: str
    values: list[float]
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    tickvals: list[float] = field(default_factory=list)
    ticktext: list[str] = field(default_factory=list)
    has_missing: bool = False

    def normalized(self, values: Sequence[float] | None = None) -> list[float]:
        """Positions in [0, 1] along the axis (0.5 for a constant axis)."""
        lo, hi = self.range
        vals = self.values if values is None else values
        if lo == hi:
            return [0.5] * len(vals)
        return [(v - lo) / (hi - lo) for v in vals]

    def ticks(self) -> tuple[list[float], list[str]]:
        """Tick values and labels drawn next to the axis."""
        if self.tickvals:
            return list(self.tickvals), list(self.ticktext) or [f"{v:.3g}" for v in self.tickvals]
        lo, hi = self.range
        if lo == hi:
            return [lo], [f"{lo:.3g}"]
        values = [float(v) for v in np.linspace(lo, hi, 5)]
        return values, [f"{v:.3g}" for v in values]

    def format(self, value: float) -> str:
        for tv, tt in zip(self.tickvals, self.ticktext):
            if math.isclose(value, tv):
                return tt
        return f"{10**value:.3g}" if self.is_log else f"{value:.3g}"


@dataclass
class ParallelInfo:
    dims: list[Dimension]  # objectives first, then parameters (sorted)
    n_objective_dims: int
    color_values: list[float]
    is_rank_color: bool
    colorbar_title: str
    reverse_scale: bool
    draw_order: list[int]
    feasibility: list[bool] | None

    def color_range(self) -> tuple[float, float]:
        if not self.color_values:
            return 0.0, 1.0
        if self.is_rank_color:
            return -0.5, max(self.color_values) + 0.5
        lo, hi = min(self.color_values), max(self.color_values)
        return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)

    def color_fractions(self) -> list[float]:
        """Colour position in [0, 1] per trial (reversed when smaller is better)."""
        lo, hi = self.color_range()
        out = [(v - lo) / (hi - lo) for v in self.color_values]
        return [1.0 - f for f in out] if self.reverse_scale else out


_MISSING_LABEL = "None"


def _missing_position(lo: float, hi: float) -> float:
    """Where trials without the parameter sit: below the axis, 12% of its length away."""
    return lo - 1.0 if lo == hi else lo - (hi - lo) * 0.12 / 0.88


def _label(name: str) -> str:
    return name if len(name) < 20 else f"{name[:17]}..."


def parallel_coordinate_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> ParallelInfo:
    from ferrotune.importance._multi_objective import non_domination_ranks

    multi = target is None and study._is_multi_objective()
    if not multi:
        check_plot_args([study], target, target_name)
    history = study._get_trial_history()
    if multi:
        rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
        rows = rows[np.argsort(history.numbers[rows], kind="stable")]
        values = np.asarray(history.values[rows])
        keep = np.all(np.isfinite(values), axis=1)
        rows, values = rows[keep], values[keep]
        data = CompleteTrials(
            trials=[history.trials[r] for r in rows],
            numbers=np.asarray(history.numbers[rows], dtype=np.int64),
            values=np.zeros(rows.size),
            feasible=np.asarray(~(history.constraint_violation[rows] > 0), dtype=bool),
            rows=rows,
            study=study,
        )
    else:
        data = complete_trials(study, target)
    dists = first_distributions(data)
    if params is not None:
        for name in params:
            if name not in dists:
                raise ValueError(f"Parameter {name} does not exist in your study.")
    names = sorted(set(params) if params is not None else dists)
    n = len(data.trials)
    if multi:
        labels = study.metric_names or [f"Objective {i}" for i in range(len(study.directions))]
        objective_dims = [
            _numeric_dim(label, values[:, i].tolist()) for i, label in enumerate(labels)
        ]
        signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
        ranks = non_domination_ranks(values * signs) if n else np.empty(0, dtype=np.int64)
        color_values = [float(r) for r in ranks]
        draw_order = [int(i) for i in np.argsort(ranks, kind="stable")[::-1]]
        title, reverse = "Pareto Rank", True
    else:
        objective_dims = [_numeric_dim(target_name, data.values.tolist())]
        color_values = data.values.tolist()
        draw_order = list(range(n))
        title = target_name
        reverse = target is not None or study.direction == StudyDirection.MINIMIZE
    if n == 0:
        _logger.warning("Your study does not have any completed trials.")
        return ParallelInfo(
            objective_dims, len(objective_dims), [], multi, title, reverse, [], None
        )
    has_constraints = any(t.constraints for t in data.trials)
    feasibility = (
        [
            bool(t.constraints) and all(v <= 0.0 for v in t.constraints.values())
            for t in data.trials
        ]
        if has_constraints
        else None
    )
    dims = list(objective_dims)
    for name in names:
        dist = dists[name]
        column = data.internal(name)
        present = ~np.isnan(column)
        missing = not present.all()
        if isinstance(dist, CategoricalDistribution):
            dims.append(_categorical_dim(name, dist, column, present, missing))
        elif is_log(dist):
            logs = np.log10(column[present])
            lo, hi = float(logs.min()), float(logs.max())
            ticks: list[float] = [float(t) for t in range(math.ceil(lo), math.floor(hi) + 1)]
            if lo not in ticks:
                ticks.insert(0, lo)
            if hi not in ticks:
                ticks.append(hi)
            texts = [f"{10**t:.3g}" for t in ticks]
            pos = _missing_position(lo, hi) if missing else None
            vals = np.full(n, pos if pos is not None else math.nan)
            vals[present] = logs
            if pos is not None:
                ticks.insert(0, pos)
                texts.insert(0, _MISSING_LABEL)
            dims.append(
                Dimension(
                    _label(name),
                    vals.tolist(),
                    (pos if pos is not None else lo, hi),
                    True,
                    False,
                    ticks,
                    texts,
                    missing,
                )
            )
        else:
            valid = column[present]
            lo, hi = float(valid.min()), float(valid.max())
            pos = _missing_position(lo, hi) if missing else None
            vals = np.full(n, pos if pos is not None else math.nan)
            vals[present] = valid
            ticks, texts = [], []
            if pos is not None:
                grid = [lo] if lo == hi else [float(v) for v in np.linspace(lo, hi, 5)]
                ticks = [pos, *grid]
                texts = [_MISSING_LABEL, *[f"{v:.3g}" for v in grid]]
            dims.append(
                Dimension(
                    _label(name),
                    vals.tolist(),
                    (pos if pos is not None else lo, hi),
                    False,
                    False,
                    ticks,
                    texts,
                    missing,
                )
            )
    return ParallelInfo(
        dims, len(objective_dims), color_values, multi, title, reverse, draw_order, feasibility
    )


def _numeric_dim(label: str, values: list[float]) -> Dimension:
    return Dimension(
        label, values, (min(values), max(values)) if values else (0.0, 0.0), False, False
    )


def _categorical_dim(
    name: str,
    dist: CategoricalDistribution,
    column: FloatArray,
    present: npt.NDArray[np.bool_],
    missing: bool,
) -> Dimension:
    """Categories in order of first appearance (numbers: in increasing order); trials without
    the parameter at position 0 when some lack it."""
    used = [int(v) for v in column[present]]
    if is_numerical(dist):
        order = sorted(set(used), key=lambda i: float(dist.choices[i]))  # type: ignore[arg-type]
    else:
        order = list(dict.fromkeys(used))
    offset = 1 if missing else 0
    position = {c: p + offset for p, c in enumerate(order)}
    vals = [float(position[int(v)]) if ok else 0.0 for v, ok in zip(column, present)]
    texts = [str(dist.choices[c]) for c in order]
    if missing:
        texts = [f"{t} (value)" if t == _MISSING_LABEL else t for t in texts]
        texts.insert(0, _MISSING_LABEL)
    return Dimension(
        _label(name),
        vals,
        (min(vals), max(vals)),
        False,
        True,
        [float(i) for i in range(len(order) + offset)],
        texts,
        missing,
    )
