"""Back-end independent data of every plot (what plotly and matplotlib both draw).

Each ``*_info`` function reads the study once (finished trials through the columnar
:class:`~ferrotune.storages._history.TrialHistory`), applies Optuna 5.0's rules (which trials
count, feasibility, log axes, categorical ordering, best-value curves) and returns plain
dataclasses of lists and arrays. The renderers only lay them out.
"""

from __future__ import annotations

import datetime
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study

FloatArray = npt.NDArray[np.float64]
Target = Callable[[FrozenTrial], float]
_logger = get_logger(__name__)
DEFAULT_TARGET_NAME = "Objective Value"


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
def check_plot_args(studies: Sequence[Study], target: Target | None, target_name: str) -> None:
    """Optuna's argument rules: multi-objective needs ``target``; warn on a default name."""
    if target is None and any(s._is_multi_objective() for s in studies):
        raise ValueError(
            "If the `study` is being used for multi-objective optimization, "
            "please specify the `target`."
        )
    if target is not None and target_name == DEFAULT_TARGET_NAME:
        warnings.warn(
            "`target` is specified, but `target_name` is the default value, 'Objective Value'.",
            UserWarning,
            stacklevel=4,
        )


@dataclass
class CompleteTrials:
    """COMPLETE trials with a finite target, ordered by trial number."""

    trials: list[FrozenTrial]
    numbers: npt.NDArray[np.int64]
    values: FloatArray  # target value per trial
    feasible: npt.NDArray[np.bool_]
    rows: npt.NDArray[np.int64]  # history rows
    study: Study

    def internal(self, name: str) -> FloatArray:
        """Internal values of parameter ``name`` (NaN where absent)."""
        return np.asarray(self.study._get_trial_history().param(name)[self.rows])

    def has(self, name: str) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.internal(name))


def complete_trials(study: Study, target: Target | None, *, warn: bool = True) -> CompleteTrials:
    """Read COMPLETE trials through the history; drop non-finite targets as Optuna."""
    history = study._get_trial_history()
    rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
    rows = rows[np.argsort(history.numbers[rows], kind="stable")]
    trials = history.trials
    if target is None:
        values = np.array(history.values[rows, 0], dtype=np.float64)
    else:
        values = np.array([float(target(trials[r])) for r in rows], dtype=np.float64)
    finite = np.isfinite(values)
    if warn and not finite.all():
        for r in rows[~finite]:
            _logger.warning(
                f"Trial {trials[r].number} is omitted in visualization "
                "because its objective value is inf or nan."
            )
    rows, values = rows[finite], values[finite]
    violation = history.constraint_violation[rows]
    feasible = ~(violation > 0)  # NaN (no constraint) counts as feasible
    return CompleteTrials(
        trials=[trials[r] for r in rows],
        numbers=np.array(history.numbers[rows], dtype=np.int64),
        values=values,
        feasible=np.asarray(feasible, dtype=bool),
        rows=rows,
        study=study,
    )


def first_distributions(data: CompleteTrials) -> dict[str, BaseDistribution]:
    """First distribution seen for each parameter among ``data`` trials (Optuna's choice)."""
    out: dict[str, BaseDistribution] = {}
    history = data.study._get_trial_history()
    for name in history.param_names:
        present = np.flatnonzero(data.has(name))
        if present.size:
            out[name] = data.trials[int(present[0])].distributions[name]
    return out


def is_log(dist: BaseDistribution) -> bool:
    return isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log


def is_numerical(dist: BaseDistribution) -> bool:
    """Numeric axis: numeric distributions and categoricals of plain numbers (Optuna's rule)."""
    if isinstance(dist, CategoricalDistribution):
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in dist.choices)
    return True


def resolve_params(all_params: Sequence[str], params: list[str] | None) -> list[str]:
    """Sorted parameters to plot; unknown names raise ``ValueError``."""
    if params is None:
        return sorted(all_params)
    for name in params:
        if name not in all_params:
            raise ValueError(f"Parameter {name} does not exist in your study.")
    return sorted(set(params))


def external_values(data: CompleteTrials, name: str, dist: BaseDistribution) -> list[Any]:
    """External parameter values of the trials that have ``name``."""
    column = data.internal(name)
    column = column[~np.isnan(column)]
    if isinstance(dist, CategoricalDistribution):
        choices = dist.choices
        return [choices[int(i)] for i in column]
    if isinstance(dist, IntDistribution):
        return [int(v) for v in column]
    return [float(v) for v in column]


# --------------------------------------------------------------------------------------------
# optimization history
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# slice
# --------------------------------------------------------------------------------------------
@dataclass
class SliceSubplot:
    param: str
    x: list[Any]
    y: list[float]
    numbers: list[int]
    feasible: list[bool]
    is_log: bool
    is_numerical: bool
    choices: tuple[Any, ...] | None


def slice_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> list[SliceSubplot]:
    check_plot_args([study], target, target_name)
    data = complete_trials(study, target)
    if not data.trials:
        _logger.warning("Your study does not have any completed trials.")
        return []
    dists = first_distributions(data)
    out = []
    for name in resolve_params(list(dists), params):
        dist = dists[name]
        mask = data.has(name)
        categorical = isinstance(dist, CategoricalDistribution)
        out.append(
            SliceSubplot(
                param=name,
                x=external_values(data, name, dist),
                y=data.values[mask].tolist(),
                numbers=data.numbers[mask].tolist(),
                feasible=data.feasible[mask].tolist(),
                is_log=is_log(dist),
                is_numerical=not categorical,
                choices=tuple(dist.choices) if categorical else None,  # type: ignore[attr-defined]
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# contour
# --------------------------------------------------------------------------------------------
PADDING_RATIO = 0.05
CONTOUR_POINTS = 100


@dataclass
class Axis:
    name: str
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    values: list[Any]  # per trial of the study's complete list, None when absent
    labels: list[str] | None = None  # category labels (in order) for categorical axes


def _axis(data: CompleteTrials, name: str, dist: BaseDistribution) -> Axis:
    column = data.internal(name)
    present = ~np.isnan(column)
    if isinstance(dist, CategoricalDistribution) and not is_numerical(dist):
        labels = [str(c) for c in dist.choices]
        vals: list[Any] = [labels[int(v)] if ok else None for v, ok in zip(column, present)]
        return Axis(name, (-0.5, len(labels) - 0.5), False, True, vals, labels)
    if isinstance(dist, CategoricalDistribution):
        nums = np.array(
            [float(dist.choices[int(v)]) if ok else math.nan for v, ok in zip(column, present)]  # type: ignore[arg-type]
        )
    else:
        nums = np.array(column, dtype=np.float64)
    finite = nums[~np.isnan(nums)]
    log = is_log(dist)
    if finite.size == 0:
        lo, hi = 0.0, 1.0
    elif log:
        llo, lhi = math.log10(finite.min()), math.log10(finite.max())
        pad = (lhi - llo) * PADDING_RATIO
        lo, hi = 10 ** (llo - pad), 10 ** (lhi + pad)
    else:
        lo, hi = float(finite.min()), float(finite.max())
        pad = (hi - lo) * PADDING_RATIO
        lo, hi = lo - pad, hi + pad
    vals = [
        None if math.isnan(v) else (int(v) if isinstance(dist, IntDistribution) else float(v))
        for v in nums
    ]
    return Axis(name, (lo, hi), log, False, vals)


@dataclass
class ContourSubplot:
    x: Axis
    y: Axis
    xi: FloatArray  # dense grid coordinates (in axis units; categorical: indices)
    yi: FloatArray
    drawable: bool  # two different parameters with >= 2 distinct values each
    points_x: list[Any]
    points_y: list[Any]
    points_z: list[float]
    points_feasible: list[bool]
    best_is_min: bool | None  # how duplicates of a cell are merged (None: keep the last)

    @property
    def zi(self) -> FloatArray | None:
        """Target on the dense grid (``(len(yi), len(xi))``), harmonic interpolation."""
        if not self.drawable:
            return None
        gx = np.array([_to_grid_coord(self.x, v) for v in self.points_x])
        gy = np.array([_to_grid_coord(self.y, v) for v in self.points_y])
        return interpolate_grid(gx, gy, np.asarray(self.points_z), self.xi, self.yi)

    def sparse(self) -> tuple[list[Any], list[Any], FloatArray]:
        """Optuna's plotly grid: distinct values (padded by the axis range for numeric axes)
        and the target at the observed cells, NaN elsewhere (plotly fills the gaps)."""
        xs = _indices(self.x, self.points_x)
        ys = _indices(self.y, self.points_y)
        z = np.full((len(ys), len(xs)), np.nan)
        xpos = {v: i for i, v in enumerate(xs)}
        ypos = {v: i for i, v in enumerate(ys)}
        for a, b, value in zip(self.points_x, self.points_y, self.points_z, strict=True):
            i, j = ypos[b], xpos[a]
            old = z[i, j]
            if math.isnan(old) or self.best_is_min is None:
                z[i, j] = value
            else:
                z[i, j] = min(old, value) if self.best_is_min else max(old, value)
        return xs, ys, z


def _indices(axis: Axis, values: list[Any]) -> list[Any]:
    distinct: list[Any] = sorted(set(values))
    if not axis.is_cat and len(distinct) >= 2:
        distinct = [axis.range[0], *distinct, axis.range[1]]
    return distinct


@dataclass
class ContourInfo:
    params: list[str]
    subplots: list[list[ContourSubplot]]  # [y][x]; a single subplot for two parameters
    reverse_scale: bool
    target_name: str


def _to_grid_coord(axis: Axis, value: Any) -> float:
    if axis.is_cat:
        return float(axis.labels.index(value))  # type: ignore[union-attr]
    return math.log10(value) if axis.is_log else float(value)


def _grid(axis: Axis) -> FloatArray:
    if axis.is_cat:
        return np.arange(len(axis.labels or []), dtype=np.float64)
    lo, hi = axis.range
    if axis.is_log:
        return np.linspace(math.log10(lo), math.log10(hi), CONTOUR_POINTS)
    return np.linspace(lo, hi, CONTOUR_POINTS)


def interpolate_grid(
    xs: FloatArray, ys: FloatArray, zs: FloatArray, xi: FloatArray, yi: FloatArray
) -> FloatArray:
    """Fill a grid from scattered points as plotly's ``connectgaps`` does: cells holding
    points keep their mean value, the others solve the discrete Laplace equation with
    zero-derivative borders. Solved coarse-to-fine with red-black over-relaxation."""
    nx, ny = xi.size, yi.size
    ix = np.clip(np.searchsorted(xi, xs), 0, nx - 1)
    ix = np.where((ix > 0) & (np.abs(xi[ix - 1] - xs) < np.abs(xi[ix] - xs)), ix - 1, ix)
    iy = np.clip(np.searchsorted(yi, ys), 0, ny - 1)
    iy = np.where((iy > 0) & (np.abs(yi[iy - 1] - ys) < np.abs(yi[iy] - ys)), iy - 1, iy)
    zs = np.asarray(zs, dtype=np.float64)
    try:
        return _harmonic_fill_direct(iy, ix, zs, ny, nx)
    except ImportError:  # scipy is optional: iterate instead
        return _harmonic_fill(iy, ix, zs, ny, nx)


def _harmonic_fill_direct(
    iy: npt.NDArray[np.int64], ix: npt.NDArray[np.int64], zs: FloatArray, ny: int, nx: int
) -> FloatArray:
    """Sparse direct solve of the same equations (4 z = sum of neighbours at free cells)."""
    import scipy.sparse
    import scipy.sparse.linalg

    total = np.zeros((ny, nx))
    count = np.zeros((ny, nx))
    np.add.at(total, (iy, ix), zs)
    np.add.at(count, (iy, ix), 1.0)
    fixed = (count > 0).ravel()
    b = np.where(fixed, (total / np.maximum(count, 1.0)).ravel(), 0.0)
    index = np.arange(ny * nx).reshape(ny, nx)
    rows, cols, vals = [np.flatnonzero(fixed)], [np.flatnonzero(fixed)], [np.ones(fixed.sum())]
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        src = index[max(0, -dy) : ny - max(0, dy), max(0, -dx) : nx - max(0, dx)].ravel()
        dst = index[max(0, dy) : ny - max(0, -dy), max(0, dx) : nx - max(0, -dx)].ravel()
        keep = ~fixed[src]
        src, dst = src[keep], dst[keep]
        rows += [src, src]
        cols += [src, dst]
        vals += [np.ones(src.size), -np.ones(src.size)]
    matrix = scipy.sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(ny * nx, ny * nx),
    )
    z: FloatArray = np.asarray(scipy.sparse.linalg.spsolve(matrix, b), dtype=np.float64)
    return z.reshape(ny, nx)


def _harmonic_fill(
    iy: npt.NDArray[np.int64], ix: npt.NDArray[np.int64], zs: FloatArray, ny: int, nx: int
) -> FloatArray:
    total = np.zeros((ny, nx))
    count = np.zeros((ny, nx))
    np.add.at(total, (iy, ix), zs)
    np.add.at(count, (iy, ix), 1.0)
    fixed = count > 0
    if min(nx, ny) > 12:
        # Initial guess from the half-resolution problem (multigrid-style warm start).
        coarse = _harmonic_fill(iy // 2, ix // 2, zs, (ny + 1) // 2, (nx + 1) // 2)
        z = np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)[:ny, :nx].copy()
    else:
        z = np.full((ny, nx), float(np.mean(zs)))
    z[fixed] = total[fixed] / count[fixed]
    parity = np.add.outer(np.arange(ny), np.arange(nx)) % 2
    free = [(parity == c) & ~fixed for c in (0, 1)]
    omega = 2.0 / (1.0 + math.sin(math.pi / max(nx, ny, 2)))
    tol = 1e-6 * (float(np.ptp(zs)) + 1e-12)
    for _ in range(4 * max(nx, ny) + 50):
        change = 0.0
        for mask in free:
            padded = np.pad(z, 1, mode="edge")
            avg = 0.25 * (
                padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]
            )
            step = omega * (avg[mask] - z[mask])
            z[mask] += step
            change = max(change, float(np.max(np.abs(step), initial=0.0)))
        if change < tol:
            break
    return z


def contour_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> ContourInfo:
    check_plot_args([study], target, target_name)
    data = complete_trials(study, target)
    dists = first_distributions(data)
    reverse = target is not None or study.direction == StudyDirection.MINIMIZE
    if not data.trials:
        _logger.warning("Your study does not have any completed trials.")
        return ContourInfo([], [], reverse, target_name)
    names = resolve_params(list(dists), params)
    if len(names) < 2:
        _logger.warning("The length of params must be greater than 1.")
        return ContourInfo(names, [], reverse, target_name)
    axes = {n: _axis(data, n, dists[n]) for n in names}
    pairs = (
        [[(x, y) for x in names] for y in names] if len(names) > 2 else [[(names[0], names[1])]]
    )
    grid: list[list[ContourSubplot]] = []
    for row in pairs:
        line = []
        for xn, yn in row:
            ax, ay = axes[xn], axes[yn]
            both = [
                i
                for i, (a, b) in enumerate(zip(ax.values, ay.values))
                if a is not None and b is not None
            ]
            px = [ax.values[i] for i in both]
            py = [ay.values[i] for i in both]
            drawable = xn != yn and len(set(px)) >= 2 and len(set(py)) >= 2
            line.append(
                ContourSubplot(
                    ax,
                    ay,
                    _grid(ax),
                    _grid(ay),
                    drawable,
                    px,
                    py,
                    data.values[both].tolist(),
                    [bool(data.feasible[i]) for i in both],
                    None if target is not None else study.direction == StudyDirection.MINIMIZE,
                )
            )
        grid.append(line)
    return ContourInfo(names, grid, reverse, target_name)


# --------------------------------------------------------------------------------------------
# parallel coordinate
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# EDF
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# intermediate values
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# rank
# --------------------------------------------------------------------------------------------
# ColorBrewer RdYlBu, reversed (blue = good rank, red = bad rank), as Optuna's rank plot.
_RDYLBU_R = np.array(
    [
        (49, 54, 149), (69, 117, 180), (116, 173, 209), (171, 217, 233), (224, 243, 248),
        (255, 255, 191), (254, 224, 144), (253, 174, 97), (244, 109, 67), (215, 48, 39),
        (165, 0, 38),
    ],
    dtype=np.float64,
)  # fmt: skip


def rank_colors(fractions: FloatArray) -> FloatArray:
    """RGB (0-255) colours of rank fractions in [0, 1] on RdYlBu_r."""
    pos = np.clip(fractions, 0.0, 1.0) * (len(_RDYLBU_R) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(_RDYLBU_R) - 1)
    w = (pos - lo)[:, None]
    return np.asarray((1 - w) * _RDYLBU_R[lo] + w * _RDYLBU_R[hi], dtype=np.float64)


@dataclass
class RankSubplot:
    x: Axis
    y: Axis
    xs: list[Any]
    ys: list[Any]
    zs: list[float]
    numbers: list[int]
    colors: FloatArray  # (k, 3) RGB 0-255
    hover: list[str]


@dataclass
class RankInfo:
    params: list[str]
    subplots: list[list[RankSubplot]]
    target_name: str
    zs_range: tuple[float, float]
    has_custom_target: bool
    all_values: list[float]

    def quantile_ticks(self) -> tuple[list[float], list[str]]:
        """Colour-bar ticks: min., quartiles and max. of the target."""
        where = [0.0, 0.25, 0.5, 0.75, 1.0]
        q = np.quantile(np.sort(np.asarray(self.all_values)), where)
        names = ["min.", "25%", "50%", "75%", "max."]
        return where, [f"{n} ({v:3g})" for n, v in zip(names, q)]


def rank_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> RankInfo:
    check_plot_args([study], target, target_name)
    data = complete_trials(study, target, warn=False)
    dists = first_distributions(data)
    if not data.trials:
        _logger.warning("Your study does not have any completed trials.")
        return RankInfo([], [], target_name, (0.0, 1.0), target is not None, [])
    if params is None:
        names = sorted(dists)
    else:
        resolve_params(list(dists), params)  # validates the names
        names = list(params)  # Optuna keeps the given order here
    if not names:
        _logger.warning("params is an empty list.")
    values = data.values
    # Average rank of tied values (Optuna's ``_get_order_with_same_order_averaging``).
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(values.size, dtype=np.float64)
    for v in np.unique(values):
        tied = values == v
        ranks[tied] = ranks[tied].mean()
    fractions = ranks / (values.size - 1) if values.size >= 2 else np.full(values.size, 0.5)
    colors = rank_colors(fractions)
    colors[~data.feasible] = (204.0, 204.0, 204.0)
    hover = []
    for trial, value in zip(data.trials, values):
        text = [f"Trial #{trial.number}", *(f"{k}: {v}" for k, v in trial.params.items())]
        text.append(f"<b>{target_name}: {value}</b>")
        if target is not None:
            text += [f"Objective #{i}: {v}" for i, v in enumerate(trial.values or [])]
        hover.append("<br>".join(text))
    axes = {n: _axis(data, n, dists[n]) for n in names}
    pairs = (
        [[(names[0], names[1])]] if len(names) == 2 else [[(x, y) for x in names] for y in names]
    )
    subplots = []
    for row in pairs:
        line = []
        for xn, yn in row:
            ax, ay = axes[xn], axes[yn]
            idx = [
                i
                for i, (a, b) in enumerate(zip(ax.values, ay.values))
                if a is not None and b is not None
            ]
            line.append(
                RankSubplot(
                    ax,
                    ay,
                    [ax.values[i] for i in idx],
                    [ay.values[i] for i in idx],
                    values[idx].tolist(),
                    data.numbers[idx].tolist(),
                    colors[idx],
                    [hover[i] for i in idx],
                )
            )
        subplots.append(line)
    return RankInfo(
        names,
        subplots,
        target_name,
        (float(values.min()), float(values.max())),
        target is not None,
        values.tolist(),
    )


# --------------------------------------------------------------------------------------------
# timeline
# --------------------------------------------------------------------------------------------
@dataclass
class TimelineBar:
    number: int
    start: datetime.datetime
    complete: datetime.datetime
    state: str  # TrialState name
    infeasible: bool
    hovertext: str


def make_hovertext(trial: FrozenTrial) -> str:
    """JSON summary of a trial (number, values, params, user attributes) for hover boxes."""
    attrs = {}
    for key, value in trial.user_attrs.items():
        try:
            json.dumps(value)
            attrs[key] = value
        except TypeError:
            attrs[key] = str(value)
    body: dict[str, Any] = {"number": trial.number, "values": trial.values, "params": trial.params}
    if attrs:
        body["user_attrs"] = attrs
    return json.dumps(body, indent=2).replace("\n", "<br>")


def _max_datetime(trials: Sequence[FrozenTrial]) -> datetime.datetime:
    """Latest completion time, or now if some trial still seems to be running (Optuna's rule:
    a RUNNING trial started less than five longest run times ago)."""
    durations = [
        t.datetime_complete - t.datetime_start
        for t in trials
        if t.datetime_complete is not None and t.datetime_start is not None
    ]
    now = datetime.datetime.now()
    running = [t for t in trials if t.state == TrialState.RUNNING]
    if durations:
        longest = max(durations)
        if any(t.datetime_start and now - t.datetime_start < 5 * longest for t in running):
            return now
    elif running:
        return now
    return max((t.datetime_complete for t in trials if t.datetime_complete), default=now)


def timeline_info(study: Study, n_recent_trials: int | None) -> list[TimelineBar]:
    if n_recent_trials is not None and (
        isinstance(n_recent_trials, bool)
        or not isinstance(n_recent_trials, int)
        or n_recent_trials <= 0
    ):
        raise ValueError(
            f"n_recent_trials must be a positive integer or None, got {n_recent_trials!r}."
        )
    all_trials = study.get_trials(deepcopy=False)
    latest = _max_datetime(all_trials)
    trials = all_trials[-n_recent_trials:] if n_recent_trials is not None else all_trials
    small = datetime.timedelta(seconds=1)
    bars = []
    for t in trials:
        start = t.datetime_start or latest
        if t.state == TrialState.RUNNING:
            complete = latest + small
        else:
            complete = t.datetime_complete or start + small
        if complete < start:
            _logger.warning(
                f"The start and end times for Trial {t.number} seem to be reversed. "
                f"The start time is {start} and the end time is {complete}."
            )
        infeasible = any(v > 0 for v in t.constraints.values())
        bars.append(
            TimelineBar(t.number, start, complete, t.state.name, infeasible, make_hovertext(t))
        )
    if not bars:
        _logger.warning("Your study does not have any trials.")
    return bars


def timeline_groups(bars: list[TimelineBar]) -> list[tuple[str, list[TimelineBar]]]:
    """Bars per legend entry in Optuna's order: states by name, infeasible before COMPLETE."""
    groups = []
    for state in sorted(TrialState, key=lambda s: s.name):
        same = [b for b in bars if b.state == state.name]
        if state == TrialState.COMPLETE:
            groups.append(("INFEASIBLE", [b for b in same if b.infeasible]))
            groups.append(("COMPLETE", [b for b in same if not b.infeasible]))
        else:
            groups.append((state.name, same))
    return [(name, group) for name, group in groups if group]


# --------------------------------------------------------------------------------------------
# Pareto front
# --------------------------------------------------------------------------------------------
@dataclass
class ParetoInfo:
    n_targets: int
    target_names: list[str]
    best: list[tuple[int, list[float]]]
    non_best: list[tuple[int, list[float]]]
    infeasible: list[tuple[int, list[float]]]
    include_dominated_trials: bool
    has_constraints: bool


def _dominates_any(loss: FloatArray) -> npt.NDArray[np.bool_]:
    from ferrotune.study._multi_objective import pareto_front_rows

    mask = np.zeros(loss.shape[0], dtype=bool)
    mask[pareto_front_rows(loss)] = True
    return mask


def pareto_front_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
) -> ParetoInfo:
    if constraints_func is not None:
        warnings.warn(
            "`constraints_func` has been deprecated in v4.0.0. This feature will be removed in "
            "v6.0.0. Set constraints with `trial.set_constraint` instead.",
            FutureWarning,
            stacklevel=3,
        )
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    feasible: list[FrozenTrial] = []
    infeasible: list[FrozenTrial] = []
    has_constraints = False
    for t in trials:
        if constraints_func is not None:
            has_constraints = True
            ok = all(c <= 0.0 for c in constraints_func(t))
        else:
            cons = t.constraints
            has_constraints |= bool(cons)
            ok = all(c <= 0.0 for c in cons.values())
        (feasible if ok else infeasible).append(t)
    if feasible:
        signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
        loss = np.array([t.values for t in feasible], dtype=np.float64) * signs
        on_front = _dominates_any(loss)
    else:
        on_front = np.zeros(0, dtype=bool)
    best = [t for t, f in zip(feasible, on_front) if f]
    non_best = [t for t, f in zip(feasible, on_front) if not f] if include_dominated_trials else []
    if not best:
        what = "completed and feasible" if has_constraints else "completed"
        _logger.warning(f"Your study does not have any {what} trials. ")
    if targets is None:
        if len(study.directions) not in (2, 3):
            raise ValueError(
                "`plot_pareto_front` function only supports 2 or 3 objective studies when using "
                "`targets` is `None`. Please use `targets` if your objective studies have more "
                "than 3 objectives."
            )

        def _default(t: FrozenTrial) -> Sequence[float]:
            return list(t.values or [])

        targets = _default

    def _with_values(ts: list[FrozenTrial]) -> list[tuple[int, list[float]]]:
        out = []
        for t in ts:
            v = targets(t)
            if not isinstance(v, Sequence):
                raise ValueError(
                    "`targets` should return a sequence of target values. "
                    f"your `targets` returns {type(v)}"
                )
            out.append((t.number, [float(x) for x in v]))
        return out

    best_v, non_best_v, infeasible_v = (
        _with_values(best),
        _with_values(non_best),
        _with_values(infeasible),
    )
    n_targets: int | None = None
    for group in (best_v, infeasible_v):
        if group:
            n_targets = len(group[0][1])
            break
    if n_targets is None:
        if target_names is not None:
            n_targets = len(target_names)
        elif targets is not None and len(study.directions) not in (2, 3):
            raise ValueError(
                "If `targets` is specified for empty studies, `target_names` must be specified."
            )
        else:
            n_targets = len(study.directions)
    if n_targets not in (2, 3):
        raise ValueError(
            f"`plot_pareto_front` function only supports 2 or 3 targets. you used {n_targets} "
            "targets now."
        )
    if target_names is None:
        target_names = study.metric_names or [f"Objective {i}" for i in range(n_targets)]
    elif len(target_names) != n_targets:
        raise ValueError(f"The length of `target_names` is supposed to be {n_targets}.")
    return ParetoInfo(
        n_targets, list(target_names), best_v, non_best_v, infeasible_v,
        include_dominated_trials, has_constraints,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# hypervolume history
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# parameter importances
# --------------------------------------------------------------------------------------------
@dataclass
class ImportanceBars:
    target_name: str
    names: list[str]  # least to most important (bottom to top of a horizontal bar chart)
    values: list[float]
    labels: list[str]
    kinds: list[str]  # distribution class name per parameter


def _objective(index: int) -> Target:
    def _target(trial: FrozenTrial) -> float:
        return float((trial.values or [])[index])

    return _target


def param_importances_info(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Target | None,
    target_name: str,
) -> list[ImportanceBars]:
    from ferrotune.importance import get_param_importances

    metric_names = study.metric_names
    jobs: list[tuple[Target | None, str]]
    if target is not None or not study._is_multi_objective():
        check_plot_args([study], target, target_name)
        name = metric_names[0] if metric_names is not None and target is None else target_name
        jobs = [(target, name)]
    else:
        names = metric_names or [f"{target_name} {i}" for i in range(len(study.directions))]
        jobs = [(_objective(i), n) for i, n in enumerate(names)]
    out = []
    for job_target, name in jobs:
        data = complete_trials(study, job_target, warn=False)
        if not data.trials:
            _logger.warning("Study instance does not contain completed trials.")
            out.append(ImportanceBars(name, [], [], [], []))
            continue
        imp = get_param_importances(study, evaluator=evaluator, params=params, target=job_target)
        items = list(reversed(list(imp.items())))
        dists = first_distributions(data)
        out.append(
            ImportanceBars(
                name,
                [k for k, _ in items],
                [float(v) for _, v in items],
                [f"{v:.2f}" if v >= 0.01 else "<0.01" for _, v in items],
                [type(dists[k]).__name__ if k in dists else "" for k, _ in items],
            )
        )
    return out
