"""Data of ``plot_contour``: parameter axes and the interpolated objective grid."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.visualization._info._common import (
    CompleteTrials,
    FloatArray,
    Target,
    check_plot_args,
    complete_trials,
    first_distributions,
    is_log,
    is_numerical,
    resolve_params,
)

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


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


def param_axis(data: CompleteTrials, name: str, dist: BaseDistribution) -> Axis:
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
    axes = {n: param_axis(data, n, dists[n]) for n in names}
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
