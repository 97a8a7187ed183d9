"""Plotly plots of values over trials: optimization history, EDF, intermediate values, timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.visualization import _info
from ferrotune.visualization._imports import plotly_modules
from ferrotune.visualization._plotly._common import INFEASIBLE_COLOR, Target

if TYPE_CHECKING:
    from ferrotune.study import Study


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Any:
    """Plot the objective value of every trial and the best value so far.

    Parameters
    ----------
    study
        A study, or several studies (drawn together; with ``error_bar`` their mean and
        standard deviation per trial number).
    target
        Value to plot per trial; required for multi-objective studies.
    target_name
        Axis label of the target.
    error_bar
        Aggregate several studies into mean +/- standard deviation.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    series = _info.optimization_history_info(study, target, target_name, error_bar)
    layout = go.Layout(
        title="Optimization History Plot", xaxis={"title": "Trial"}, yaxis={"title": target_name}
    )
    traces = []
    for s in series:
        ok = np.asarray(s.feasible, dtype=bool)
        nums = np.asarray(s.numbers)
        vals = np.asarray(s.values)
        error_y = None if s.stds is None else {"type": "data", "array": s.stds, "visible": True}
        traces.append(
            go.Scatter(
                x=nums[ok].tolist(),
                y=vals[ok].tolist(),
                error_y=error_y,
                mode="markers",
                name=s.label,
            )
        )
        if s.best_label is not None:
            traces.append(
                go.Scatter(x=s.best_numbers, y=s.best_values, name=s.best_label, mode="lines")
            )
            if s.best_stds is not None:
                best = np.asarray(s.best_values)
                std = np.asarray(s.best_stds)
                traces.append(
                    go.Scatter(
                        x=s.best_numbers,
                        y=(best + std).tolist(),
                        mode="lines",
                        line={"width": 0.01},
                        showlegend=False,
                    )
                )
                traces.append(
                    go.Scatter(
                        x=s.best_numbers,
                        y=(best - std).tolist(),
                        mode="none",
                        showlegend=False,
                        fill="tonexty",
                        fillcolor="rgba(255,0,0,0.2)",
                    )
                )
        traces.append(
            go.Scatter(
                x=nums[~ok].tolist(),
                y=vals[~ok].tolist(),
                mode="markers",
                name="Infeasible Trial",
                marker={"color": INFEASIBLE_COLOR},
                showlegend=False,
            )
        )
    return go.Figure(data=traces, layout=layout)


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the empirical distribution function of the target of one or more studies.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    info = _info.edf_info(study, target, target_name)
    layout = go.Layout(
        title="Empirical Distribution Function Plot",
        xaxis={"title": target_name},
        yaxis={"title": "Cumulative Probability"},
    )
    traces = [
        go.Scatter(x=info.x.tolist(), y=line.y.tolist(), name=line.study_name, mode="lines")
        for line in info.lines
    ]
    return go.Figure(data=traces, layout=layout)


def plot_intermediate_values(study: Study) -> Any:
    """Plot the intermediate values reported by every trial (one line per trial).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    lines = _info.intermediate_values_info(study)
    layout = go.Layout(
        title="Intermediate Values Plot",
        xaxis={"title": "Step"},
        yaxis={"title": "Intermediate Value"},
        showlegend=False,
    )
    traces = [
        go.Scatter(
            x=line.steps,
            y=line.values,
            mode="lines+markers",
            marker={"maxdisplayed": 10}
            if line.feasible
            else {"maxdisplayed": 10, "color": INFEASIBLE_COLOR},
            name=f"Trial{line.number}",
        )
        for line in lines
    ]
    return go.Figure(data=traces, layout=layout)


_STATE_COLORS = {
    "COMPLETE": "blue",
    "FAIL": "red",
    "PRUNED": "orange",
    "RUNNING": "green",
    "WAITING": "gray",
    "INFEASIBLE": INFEASIBLE_COLOR,
}


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Plot when each trial ran (one horizontal bar per trial, coloured by state).

    Parameters
    ----------
    study
        A study.
    n_recent_trials
        Only the most recent trials (positive integer), or all with ``None``.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    bars = _info.timeline_info(study, n_recent_trials)
    layout = go.Layout(
        title="Timeline Plot",
        xaxis={"title": "Datetime", "type": "date"},
        yaxis={"title": "Trial"},
    )
    traces = [
        go.Bar(
            name=name,
            x=[(b.complete - b.start).total_seconds() * 1000 for b in group],
            y=[b.number for b in group],
            base=[b.start.isoformat() for b in group],
            text=[b.hovertext for b in group],
            hovertemplate="%{text}<extra>" + name + "</extra>",
            orientation="h",
            marker={"color": _STATE_COLORS[name]},
            textposition="none",
        )
        for name, group in _info.timeline_groups(bars)
    ]
    figure = go.Figure(data=traces, layout=layout)
    figure.update_layout(showlegend=True)
    return figure
