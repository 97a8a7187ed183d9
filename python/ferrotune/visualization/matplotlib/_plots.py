"""Matplotlib renderers of the shared plot data (:mod:`ferrotune.visualization._info`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._experimental import experimental_func
from ferrotune.logging import get_logger
from ferrotune.trial import FrozenTrial
from ferrotune.visualization import _info
from ferrotune.visualization._imports import pyplot

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study
    from ferrotune.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

Target = Callable[[FrozenTrial], float]
_INFEASIBLE = "#cccccc"
_logger = get_logger(__name__)


def _axes(figsize: tuple[float, float] | None = None) -> Any:
    plt = pyplot()
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_optimization_history`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    series = _info.optimization_history_info(study, target, target_name, error_bar)
    ax = _axes()
    ax.set_title("Optimization History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel(target_name)
    cmap = plt.get_cmap("tab10")
    for i, s in enumerate(series):
        ok = np.asarray(s.feasible, dtype=bool)
        nums, vals = np.asarray(s.numbers), np.asarray(s.values)
        color = cmap(i % 10)
        if s.stds is None:
            ax.scatter(nums[ok], vals[ok], color=color, alpha=1, label=s.label)
        else:
            ax.errorbar(nums, vals, yerr=s.stds, fmt="o", color=color, capsize=5, label=s.label)
        if s.best_label is not None:
            ax.plot(
                s.best_numbers,
                s.best_values,
                marker="o",
                markersize=3,
                color="tab:red" if len(series) == 1 else color,
                alpha=0.5,
                label=s.best_label,
            )
            if s.best_stds is not None:
                best, std = np.asarray(s.best_values), np.asarray(s.best_stds)
                ax.fill_between(s.best_numbers, best - std, best + std, color="tab:red", alpha=0.2)
        if (~ok).any():
            ax.scatter(nums[~ok], vals[~ok], color=_INFEASIBLE)
    if series:
        ax.legend(loc="upper right")
    return ax


def _slice_panel(ax: Any, sub: _info.SliceSubplot, showscale: bool, fig: Any) -> None:
    ok = np.asarray(sub.feasible, dtype=bool)
    if sub.choices is not None:
        labels = [repr(c) for c in sub.choices]
        index = {c: i for i, c in enumerate(sub.choices)}
        xs = np.array([index[v] for v in sub.x], dtype=np.float64)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
    else:
        xs = np.asarray(sub.x, dtype=np.float64)
        if sub.is_log:
            ax.set_xscale("log")
    ys = np.asarray(sub.y)
    sc = ax.scatter(
        xs[ok],
        ys[ok],
        c=np.asarray(sub.numbers)[ok],
        cmap="Blues",
        edgecolors="grey",
        linewidths=0.5,
    )
    if (~ok).any():
        ax.scatter(xs[~ok], ys[~ok], color=_INFEASIBLE)
    ax.set_xlabel(sub.param)
    if showscale:
        fig.colorbar(sc, ax=ax).set_label("Trial")


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_slice`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    subplots = _info.slice_info(study, params, target, target_name)
    if not subplots:
        ax = _axes()
        ax.set_title("Slice Plot")
        return ax
    n = len(subplots)
    fig, axs = plt.subplots(1, n, sharey=True, figsize=(max(6.4, 3.5 * n), 4.8), squeeze=False)
    fig.suptitle("Slice Plot")
    for i, sub in enumerate(subplots):
        _slice_panel(axs[0, i], sub, i == n - 1, fig)
    axs[0, 0].set_ylabel(target_name)
    return axs[0, 0] if n == 1 else axs[0]


def _set_axis(ax: Any, axis: _info.Axis, which: str) -> None:
    setter = ax.set_xlabel if which == "x" else ax.set_ylabel
    setter(axis.name)
    if axis.is_cat:
        labels = axis.labels or []
        (ax.set_xticks if which == "x" else ax.set_yticks)(range(len(labels)))
        (ax.set_xticklabels if which == "x" else ax.set_yticklabels)(labels)
        (ax.set_xlim if which == "x" else ax.set_ylim)(-0.5, len(labels) - 0.5)
        return
    if axis.is_log:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    (ax.set_xlim if which == "x" else ax.set_ylim)(*axis.range)


def _coords(axis: _info.Axis, values: list[Any]) -> np.ndarray:
    if axis.is_cat:
        labels = axis.labels or []
        return np.array([labels.index(v) for v in values], dtype=np.float64)
    return np.asarray(values, dtype=np.float64)


def _grid_coords(axis: _info.Axis, grid: np.ndarray) -> np.ndarray:
    return 10**grid if axis.is_log else grid


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_contour`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    info = _info.contour_info(study, params, target, target_name)
    if not info.subplots:
        ax = _axes()
        ax.set_title("Contour Plot")
        return ax
    n = len(info.subplots)
    size = max(6.4, 3.2 * n)
    fig, axs = plt.subplots(n, n, figsize=(size, size * 0.85), squeeze=False)
    fig.suptitle("Contour Plot")
    cmap = plt.get_cmap("Blues_r" if info.reverse_scale else "Blues")
    mappable = None
    for r, row in enumerate(info.subplots):
        for c, sub in enumerate(row):
            ax = axs[r, c]
            zi = sub.zi
            if zi is not None:
                gx, gy = np.meshgrid(_grid_coords(sub.x, sub.xi), _grid_coords(sub.y, sub.yi))
                ax.contour(gx, gy, zi, 15, linewidths=0.5, colors="k")
                mappable = ax.contourf(gx, gy, zi, 15, cmap=cmap)
            if sub.x.name != sub.y.name or n == 1:
                ok = np.asarray(sub.points_feasible, dtype=bool)
                px, py = _coords(sub.x, sub.points_x), _coords(sub.y, sub.points_y)
                ax.scatter(px[ok], py[ok], marker="o", c="black", s=20, edgecolors="grey")
                if (~ok).any():
                    ax.scatter(px[~ok], py[~ok], marker="o", c=_INFEASIBLE, s=20)
            _set_axis(ax, sub.x, "x")
            _set_axis(ax, sub.y, "y")
            if n > 1 and r < n - 1:
                ax.set_xlabel("")
            if n > 1 and c > 0:
                ax.set_ylabel("")
    if mappable is not None:
        fig.colorbar(mappable, ax=axs.ravel().tolist()).set_label(info.target_name)
    return axs[0, 0] if n == 1 else axs


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_parallel_coordinate`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    info = _info.parallel_coordinate_info(study, params, target, target_name)
    ax = _axes(figsize=(max(6.4, 1.6 * len(info.dims)), 4.8))
    ax.set_title("Parallel Coordinate Plot")
    if len(info.dims) == info.n_objective_dims or not info.color_values:
        return ax
    k = len(info.dims)
    normalized = [d.normalized() for d in info.dims]
    cmap = plt.get_cmap("Blues")
    fractions = info.color_fractions()
    for i in info.draw_order:
        feasible = info.feasibility is None or info.feasibility[i]
        ax.plot(
            range(k),
            [values[i] for values in normalized],
            color=cmap(fractions[i]),
            alpha=0.6,
            linewidth=1,
            linestyle="-" if feasible else ":",
        )
    ax.set_xticks(range(k))
    ax.set_xticklabels([d.label for d in info.dims], rotation=30)
    ax.set_yticks([])
    ax.set_xlim(-0.3, k - 0.7)
    ax.set_ylim(-0.08, 1.08)
    for j, d in enumerate(info.dims):
        ax.axvline(j, color="#888", linewidth=0.8, zorder=0)
        values, texts = d.ticks()
        for y, text in zip(d.normalized(values), texts, strict=True):
            ax.text(j - 0.03, y, text, fontsize=7, va="center", ha="right", color="#555")
    lo, hi = info.color_range()
    sm = plt.cm.ScalarMappable(
        norm=plt.Normalize(lo, hi), cmap="Blues_r" if info.reverse_scale else "Blues"
    )
    ax.figure.colorbar(sm, ax=ax).set_label(info.colorbar_title)
    ax.figure.tight_layout()
    return ax


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_edf`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    info = _info.edf_info(study, target, target_name)
    ax = _axes()
    ax.set_title("Empirical Distribution Function Plot")
    ax.set_xlabel(target_name)
    ax.set_ylabel("Cumulative Probability")
    ax.set_ylim(0, 1)
    for line in info.lines:
        ax.plot(info.x, line.y, drawstyle="steps-post", label=line.study_name)
    if info.lines:
        ax.legend()
    return ax


def plot_intermediate_values(study: Study) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_intermediate_values`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    lines = _info.intermediate_values_info(study)
    ax = _axes()
    ax.set_title("Intermediate Values Plot")
    ax.set_xlabel("Step")
    ax.set_ylabel("Intermediate Value")
    for line in lines:
        kwargs = {} if line.feasible else {"color": _INFEASIBLE}
        ax.plot(line.steps, line.values, marker=".", label=f"Trial{line.number}", **kwargs)
    return ax


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_rank`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    info = _info.rank_info(study, params, target, target_name)
    if not info.subplots:
        ax = _axes()
        ax.set_title(f"Rank ({info.target_name})")
        return ax
    n = len(info.subplots)
    size = max(6.4, 3.2 * n)
    fig, axs = plt.subplots(n, n, figsize=(size, size * 0.85), squeeze=False)
    fig.suptitle(f"Rank ({info.target_name})")
    for r, row in enumerate(info.subplots):
        for c, sub in enumerate(row):
            ax = axs[r, c]
            ax.scatter(
                _coords(sub.x, sub.xs),
                _coords(sub.y, sub.ys),
                c=sub.colors / 255.0,
                edgecolors="grey",
                linewidths=0.5,
            )
            _set_axis(ax, sub.x, "x")
            _set_axis(ax, sub.y, "y")
    lo, hi = info.zs_range
    sm = plt.cm.ScalarMappable(norm=plt.Normalize(lo, hi if hi > lo else lo + 1), cmap="RdYlBu_r")
    fig.colorbar(sm, ax=axs.ravel().tolist()).set_label(info.target_name)
    return axs[0, 0] if n == 1 else axs


_STATE_COLORS = {
    "COMPLETE": "tab:blue",
    "FAIL": "tab:red",
    "PRUNED": "tab:orange",
    "RUNNING": "tab:green",
    "WAITING": "tab:gray",
    "INFEASIBLE": _INFEASIBLE,
}


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_timeline`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    import matplotlib.dates as mdates

    bars = _info.timeline_info(study, n_recent_trials)
    ax = _axes()
    ax.set_title("Timeline Plot")
    ax.set_xlabel("Datetime")
    ax.set_ylabel("Trial")
    for name, group in _info.timeline_groups(bars):
        starts = mdates.date2num([b.start for b in group])  # type: ignore[no-untyped-call]
        ends = mdates.date2num([b.complete for b in group])  # type: ignore[no-untyped-call]
        ax.barh(
            [b.number for b in group],
            ends - starts,
            left=starts,
            color=_STATE_COLORS[name],
            label=name,
        )
    if bars:
        ax.xaxis_date()
        ax.legend(loc="upper left")
        ax.figure.autofmt_xdate()
    return ax


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_pareto_front`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    plt = pyplot()
    info = _info.pareto_front_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    three = info.n_targets == 3
    fig = plt.figure()
    ax = fig.add_subplot(111, projection="3d") if three else fig.add_subplot(111)
    ax.set_title("Pareto-front Plot")

    def _draw(points: list[tuple[int, list[float]]], label: str, **kwargs: Any) -> None:
        if not points:
            return
        cols = np.array([v for _, v in points], dtype=np.float64).T
        ax.scatter(*cols[: info.n_targets], label=label, **kwargs)

    if info.include_dominated_trials:
        _draw(info.non_best, "Trial", color="tab:blue", alpha=0.6)
    _draw(info.best, "Best Trial", color="tab:red")
    _draw(info.infeasible, "Infeasible Trial", color=_INFEASIBLE)
    ax.set_xlabel(info.target_names[0])
    ax.set_ylabel(info.target_names[1])
    if three:
        ax.set_zlabel(info.target_names[2])
    if info.best or info.non_best or info.infeasible:
        ax.legend()
    return ax


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_hypervolume_history`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    numbers, values = _info.hypervolume_history_info(study, reference_point)
    ax = _axes()
    ax.set_title("Hypervolume History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Hypervolume")
    ax.plot(numbers, values, marker="o", markersize=3, alpha=0.7)
    return ax


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_param_importances`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (an array of axes for a matrix of subplots).
    """
    infos = [
        i
        for i in _info.param_importances_info(study, evaluator, params, target, target_name)
        if i.values
    ]
    ax = _axes()
    ax.set_title("Hyperparameter Importances")
    ax.set_xlabel("Hyperparameter Importance")
    ax.set_ylabel("Hyperparameter")
    if not infos:
        return ax
    names = infos[0].names
    height = 0.8 / len(infos)
    for k, info in enumerate(infos):
        pos = {n: i for i, n in enumerate(names)}
        ys = np.array([pos.get(n, i) for i, n in enumerate(info.names)], dtype=np.float64)
        ys = ys + (k - (len(infos) - 1) / 2) * height
        bars = ax.barh(ys, info.values, height=height, label=info.target_name)
        for bar, label in zip(bars, info.labels):
            ax.text(
                bar.get_width() + 0.005,
                bar.get_y() + bar.get_height() / 2,
                label,
                va="center",
                fontsize=8,
            )
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_xlim(0, max(max(i.values) for i in infos) * 1.15 + 1e-12)
    if len(infos) > 1:
        ax.legend(loc="lower right")
    return ax


@experimental_func("3.2.0", name="ferrotune.visualization.matplotlib.plot_terminator_improvement")
def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = 20,
) -> Any:
    """Matplotlib version of :func:`ferrotune.visualization.plot_terminator_improvement`.

    Takes the same arguments.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    info = _info.improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    ax = _axes()
    ax.set_title("Terminator Improvement Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Terminator Improvement")
    n = len(info.trial_numbers)
    if n == 0:
        _logger.warning("There are no complete trials.")
        return ax
    color = pyplot().get_cmap("tab10")
    head = slice(None, min_n_trials + 1)
    ax.plot(
        info.trial_numbers[head],
        info.improvements[head],
        marker="o",
        color=color(0),
        alpha=0.25,
        label="Terminator Improvement" if n <= min_n_trials else None,
    )
    if n > min_n_trials:
        tail = slice(min_n_trials, None)
        ax.plot(
            info.trial_numbers[tail],
            info.improvements[tail],
            marker="o",
            color=color(0),
            label="Terminator Improvement",
        )
    if info.errors is not None:
        ax.plot(info.trial_numbers, info.errors, marker="o", color=color(3), label="Error")
    ax.legend()
    ax.set_ylim(_info.improvement_y_range(info, min_n_trials))
    return ax
