"""Plotly renderers: Optuna 5.0's ``optuna.visualization`` functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.trial import FrozenTrial
from ferrotune.visualization import _info
from ferrotune.visualization._imports import plotly_modules

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study

Target = Callable[[FrozenTrial], float]
COLOR_SCALE = "Blues"
_INFEASIBLE = "#cccccc"


_hover = _info.make_hovertext


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
                marker={"color": _INFEASIBLE},
                showlegend=False,
            )
        )
    return go.Figure(data=traces, layout=layout)


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the target against each parameter (one panel per parameter).

    Parameters
    ----------
    study
        A study.
    params
        Parameters to plot (default: all, sorted).
    target
        Value to plot per trial; required for multi-objective studies.
    target_name
        Axis label of the target.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, make_subplots = plotly_modules()
    subplots = _info.slice_info(study, params, target, target_name)
    layout = go.Layout(title="Slice Plot")
    if not subplots:
        return go.Figure(data=[], layout=layout)
    if len(subplots) == 1:
        figure = go.Figure(data=_slice_traces(go, subplots[0], True), layout=layout)
        _slice_axes(figure, subplots[0], target_name, None)
        return figure
    figure = make_subplots(rows=1, cols=len(subplots), shared_yaxes=True)
    figure.update_layout(layout)
    for col, sub in enumerate(subplots, start=1):
        for trace in _slice_traces(go, sub, col == 1):
            figure.add_trace(trace, row=1, col=col)
        _slice_axes(figure, sub, target_name if col == 1 else None, col)
    if len(subplots) > 3:
        figure.update_layout(width=300 * len(subplots))
    return figure


def _slice_traces(go: Any, sub: _info.SliceSubplot, showscale: bool) -> list[Any]:
    ok = np.asarray(sub.feasible, dtype=bool)
    xs = [repr(v) for v in sub.x] if not sub.is_numerical else list(sub.x)
    order = list(range(len(xs)))
    if sub.choices is not None:
        rank = {c: i for i, c in enumerate(sub.choices)}
        order.sort(key=lambda i: rank[sub.x[i]])
    feas = [i for i in order if ok[i]]
    infe = [i for i in order if not ok[i]]
    traces = [
        go.Scatter(
            x=[xs[i] for i in feas],
            y=[sub.y[i] for i in feas],
            mode="markers",
            name="Feasible Trial",
            marker={
                "line": {"width": 0.5, "color": "Grey"},
                "color": [sub.numbers[i] for i in feas],
                "colorscale": COLOR_SCALE,
                "colorbar": {"title": "Trial", "x": 1.0, "xpad": 40},
                "showscale": showscale,
            },
            showlegend=False,
        )
    ]
    if infe:
        traces.append(
            go.Scatter(
                x=[xs[i] for i in infe],
                y=[sub.y[i] for i in infe],
                mode="markers",
                name="Infeasible Trial",
                marker={"color": _INFEASIBLE},
                showlegend=False,
            )
        )
    return traces


def _slice_axes(figure: Any, sub: _info.SliceSubplot, ytitle: str | None, col: int | None) -> None:
    where = {} if col is None else {"row": 1, "col": col}
    figure.update_xaxes(title_text=sub.param, **where)
    if ytitle is not None:
        figure.update_yaxes(title_text=ytitle, **where)
    if sub.choices is not None:
        figure.update_xaxes(
            type="category",
            categoryorder="array",
            categoryarray=[repr(c) for c in sub.choices],
            **where,
        )
    elif sub.is_log:
        figure.update_xaxes(type="log", **where)


def _axis_layout(axis: _info.Axis) -> dict[str, Any]:
    if axis.is_cat:
        return {"type": "category", "title": axis.name}
    if axis.is_log:
        lo, hi = axis.range
        return {"type": "log", "range": [np.log10(lo), np.log10(hi)], "title": axis.name}
    return {"range": list(axis.range), "title": axis.name}


def _grid_to_axis(axis: _info.Axis, grid: np.ndarray) -> list[Any]:
    if axis.is_cat:
        return [axis.labels[int(i)] for i in grid]  # type: ignore[index]
    values: list[Any] = (10**grid).tolist() if axis.is_log else grid.tolist()
    return values


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the target as contours over pairs of parameters (a matrix for more than two).

    Parameters
    ----------
    study
        A study.
    params
        Parameters to plot (default: all, sorted); at least two are needed for a contour.
    target
        Value to plot per trial; required for multi-objective studies.
    target_name
        Colour-bar label.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, make_subplots = plotly_modules()
    info = _info.contour_info(study, params, target, target_name)
    layout = go.Layout(title="Contour Plot")
    if not info.subplots:
        return go.Figure(data=[], layout=layout)
    n = len(info.subplots)
    if n == 1 and len(info.subplots[0]) == 1:
        sub = info.subplots[0][0]
        figure = go.Figure(data=_contour_traces(go, sub, info, True), layout=layout)
        figure.update_xaxes(**_axis_layout(sub.x))
        figure.update_yaxes(**_axis_layout(sub.y))
        return figure
    figure = make_subplots(rows=n, cols=n, shared_xaxes=True, shared_yaxes=True)
    figure.update_layout(layout)
    first = True
    for r, row in enumerate(info.subplots, start=1):
        for c, sub in enumerate(row, start=1):
            for trace in _contour_traces(go, sub, info, first):
                figure.add_trace(trace, row=r, col=c)
            if sub.drawable:
                first = False
            x_layout = _axis_layout(sub.x)
            y_layout = _axis_layout(sub.y)
            if r < n:
                x_layout.pop("title")
            if c > 1:
                y_layout.pop("title")
            figure.update_xaxes(row=r, col=c, **x_layout)
            figure.update_yaxes(row=r, col=c, **y_layout)
    figure.update_layout(width=max(600, 300 * n), height=max(600, 300 * n))
    return figure


def _contour_traces(
    go: Any, sub: _info.ContourSubplot, info: _info.ContourInfo, scale: bool
) -> list[Any]:
    traces = []
    if sub.drawable:
        xs, ys, z = sub.sparse()
        traces.append(
            go.Contour(
                x=xs,
                y=ys,
                z=z,
                colorbar={"title": info.target_name},
                colorscale=COLOR_SCALE,
                connectgaps=True,
                contours_coloring="heatmap",
                hoverinfo="none",
                line_smoothing=1.3,
                reversescale=info.reverse_scale,
                showscale=scale,
            )
        )
    ok = np.asarray(sub.points_feasible, dtype=bool)
    for feasible, color in ((True, "black"), (False, _INFEASIBLE)):
        idx = np.flatnonzero(ok == feasible)
        if feasible or idx.size:
            traces.append(
                go.Scatter(
                    x=[sub.points_x[i] for i in idx],
                    y=[sub.points_y[i] for i in idx],
                    marker={"line": {"width": 2.0, "color": "Grey"}, "color": color},
                    mode="markers",
                    name="Feasible Trial" if feasible else "Infeasible Trial",
                    showlegend=False,
                )
            )
    return traces


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the high-dimensional parameter relationships of the trials (one line per trial).

    Parameters
    ----------
    study
        A study. For a multi-objective study without ``target`` every objective gets an axis
        and lines are coloured by Pareto rank.
    params
        Parameters to plot (default: all, sorted). Trials without a parameter sit at a
        "None" position below its axis.
    target
        Value to plot per trial.
    target_name
        Label of the target axis.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    info = _info.parallel_coordinate_info(study, params, target, target_name)
    layout = go.Layout(
        title={"text": "Parallel Coordinate Plot", "y": 1, "yanchor": "bottom", "yref": "paper"}
    )
    if len(info.dims) == info.n_objective_dims or not info.color_values:
        return go.Figure(data=[], layout=layout)
    import plotly.colors

    blues = plotly.colors.sequential.Blues
    normalized = [d.normalized() for d in info.dims]
    fractions = info.color_fractions()
    xs = list(range(len(info.dims)))
    traces = []
    for i in info.draw_order:
        position = fractions[i] * (len(blues) - 1)
        low = min(int(position), len(blues) - 2)
        color = plotly.colors.find_intermediate_color(
            blues[low], blues[low + 1], position - low, colortype="rgb"
        )
        feasible = info.feasibility is None or info.feasibility[i]
        traces.append(
            go.Scatter(
                x=xs,
                y=[values[i] for values in normalized],
                customdata=[[d.label, d.format(d.values[i])] for d in info.dims],
                mode="lines",
                line={"color": color, "dash": "solid" if feasible else "dot", "width": 1.2},
                opacity=0.5,
                showlegend=False,
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    if info.feasibility is not None:
        for name, dash in (("Feasible", "solid"), ("Infeasible", "dot")):
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="lines",
                    line={"color": "#2F3B52", "dash": dash, "width": 2},
                    name=name,
                    showlegend=True,
                    hoverinfo="skip",
                )
            )
    lo, hi = info.color_range()
    colorbar: dict[str, Any] = {"title": info.colorbar_title}
    if info.is_rank_color:
        colorbar["tickvals"] = list(range(int(max(info.color_values)) + 1))
    traces.append(
        go.Scatter(
            x=[None, None],
            y=[None, None],
            mode="markers",
            marker={
                "color": [lo, hi],
                "cmin": lo,
                "cmax": hi,
                "colorscale": COLOR_SCALE,
                "reversescale": info.reverse_scale,
                "showscale": True,
                "colorbar": colorbar,
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    annotations = []
    for axis_id, d in enumerate(info.dims):
        values, texts = d.ticks()
        for y, text in zip(d.normalized(values), texts, strict=True):
            annotations.append(
                {
                    "x": axis_id,
                    "y": y,
                    "text": text,
                    "showarrow": False,
                    "xanchor": "right",
                    "xshift": -4,
                    "font": {"size": 10, "color": "#555"},
                }
            )
    layout.update(
        xaxis={
            "tickmode": "array",
            "tickvals": xs,
            "ticktext": [d.label for d in info.dims],
            "range": (-0.2, len(info.dims) - 0.8),
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={"range": (-0.08, 1.08), "visible": False, "fixedrange": True},
        annotations=annotations,
        shapes=[
            {
                "type": "line",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#888", "width": 1},
                "layer": "below",
            }
            for x in xs
        ],
        hovermode="closest",
        plot_bgcolor="white",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yanchor": "bottom"},
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
            else {"maxdisplayed": 10, "color": _INFEASIBLE},
            name=f"Trial{line.number}",
        )
        for line in lines
    ]
    return go.Figure(data=traces, layout=layout)


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot parameter pairs coloured by the rank of the target (blue best, red worst).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, make_subplots = plotly_modules()
    info = _info.rank_info(study, params, target, target_name)
    layout = go.Layout(title=f"Rank ({info.target_name})")
    if not info.subplots:
        return go.Figure(data=[], layout=layout)
    n = len(info.subplots)
    figure = make_subplots(rows=n, cols=n) if n > 1 else go.Figure(layout=layout)
    figure.update_layout(layout)
    for r, row in enumerate(info.subplots, start=1):
        for c, sub in enumerate(row, start=1):
            colors = [f"rgb({a:.1f}, {b:.1f}, {g:.1f})" for a, b, g in np.round(sub.colors)]
            trace = go.Scatter(
                x=[str(v) for v in sub.xs] if sub.x.is_cat else sub.xs,
                y=[str(v) for v in sub.ys] if sub.y.is_cat else sub.ys,
                mode="markers",
                marker={"color": colors, "line": {"width": 0.5, "color": "Grey"}},
                hovertemplate="%{hovertext}<extra></extra>",
                hovertext=sub.hover,
                showlegend=False,
            )
            where = {} if n == 1 else {"row": r, "col": c}
            figure.add_trace(trace, **where)
            figure.update_xaxes(**_axis_layout(sub.x), **where)
            figure.update_yaxes(**_axis_layout(sub.y), **where)
    tickvals, ticktext = info.quantile_ticks()
    colorbar_trace = go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        marker={
            "colorscale": "RdYlBu_r",
            "cmin": 0,
            "cmax": 1,
            "showscale": True,
            "colorbar": {"thickness": 10, "tickvals": tickvals, "ticktext": ticktext},
        },
    )
    figure.add_trace(colorbar_trace, **({} if n == 1 else {"row": 1, "col": 1}))
    if n > 1:
        figure.update_layout(width=max(600, 300 * n), height=max(600, 300 * n))
    return figure


_STATE_COLORS = {
    "COMPLETE": "blue",
    "FAIL": "red",
    "PRUNED": "orange",
    "RUNNING": "green",
    "WAITING": "gray",
    "INFEASIBLE": _INFEASIBLE,
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


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Plot the Pareto front of a study with 2 or 3 objectives (or ``targets``).

    Parameters
    ----------
    study
        A multi-objective study.
    target_names
        Axis labels (default: metric names or ``Objective i``).
    include_dominated_trials
        Also draw the dominated feasible trials.
    constraints_func
        Deprecated (use ``trial.set_constraint``): feasibility per trial, all values <= 0.
    targets
        Values to plot per trial (2 or 3 of them).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    info = _info.pareto_front_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    three = info.n_targets == 3
    scatter = go.Scatter3d if three else go.Scatter

    def _trace(points: list[tuple[int, list[float]]], name: str, marker: dict[str, Any]) -> Any:
        coords: dict[str, Any] = {
            "x": [v[0] for _, v in points],
            "y": [v[1] for _, v in points],
        }
        if three:
            coords["z"] = [v[2] for _, v in points]
        return scatter(
            **coords,
            mode="markers",
            marker=marker,
            text=[_hover(trials[k]) for k, _ in points],
            hovertemplate="%{text}<extra>" + name + "</extra>",
            showlegend=False,
        )

    dominated = _trace(
        info.non_best,
        "Feasible Trial" if info.has_constraints else "Trial",
        {
            "line": {"width": 0.5, "color": "Grey"},
            "color": [k for k, _ in info.non_best],
            "colorscale": "Blues",
            "colorbar": {"title": "Trial"},
        },
    )
    best = _trace(
        info.best,
        "Best Trial",
        {
            "line": {"width": 0.5, "color": "Grey"},
            "color": [k for k, _ in info.best],
            "colorscale": "Reds",
            "colorbar": {
                "title": "Best Trial",
                "x": 1.1 if info.include_dominated_trials else 1,
                "xpad": 40,
            },
        },
    )
    data = [dominated, best]
    if info.has_constraints:
        data.insert(0, _trace(info.infeasible, "Infeasible Trial", {"color": _INFEASIBLE}))
    if three:
        layout = go.Layout(
            title="Pareto-front Plot",
            scene={
                "xaxis_title": info.target_names[0],
                "yaxis_title": info.target_names[1],
                "zaxis_title": info.target_names[2],
            },
        )
    else:
        layout = go.Layout(
            title="Pareto-front Plot",
            xaxis_title=info.target_names[0],
            yaxis_title=info.target_names[1],
        )
    return go.Figure(data=data, layout=layout)


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Plot the hypervolume of the feasible trials found so far, trial by trial.

    Parameters
    ----------
    study
        A multi-objective study.
    reference_point
        Reference point in the objectives' own directions (one value per objective).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    numbers, values = _info.hypervolume_history_info(study, reference_point)
    layout = go.Layout(
        title="Hypervolume History Plot", xaxis={"title": "Trial"}, yaxis={"title": "Hypervolume"}
    )
    trace = go.Scatter(x=numbers, y=values, mode="lines+markers")
    return go.Figure(data=[trace], layout=layout)


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot parameter importances as horizontal bars (most important on top).

    Parameters
    ----------
    study
        A study; for multi-objective studies without ``target`` one bar group per objective.
    evaluator
        Importance evaluator (PED-ANOVA by default).
    params
        Parameters to assess.
    target
        Value whose importances are plotted.
    target_name
        Name of the target in the legend.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    infos = _info.param_importances_info(study, evaluator, params, target, target_name)
    layout = go.Layout(
        title="Hyperparameter Importances",
        xaxis={"title": "Hyperparameter Importance"},
        yaxis={"title": "Hyperparameter"},
    )
    data = [
        go.Bar(
            x=info.values,
            y=info.names,
            name=info.target_name,
            text=info.labels,
            textposition="outside",
            cliponaxis=False,
            hovertemplate=[
                f"{n} ({k}): {v}<extra></extra>"
                for n, k, v in zip(info.names, info.kinds, info.values)
            ],
            orientation="h",
        )
        for info in infos
        if info.values
    ]
    return go.Figure(data, layout)
