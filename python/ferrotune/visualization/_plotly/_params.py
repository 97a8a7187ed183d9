"""Plotly plots of parameters: slice, contour, parallel coordinate, rank, importances."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.visualization import _info
from ferrotune.visualization._imports import plotly_modules
from ferrotune.visualization._plotly._common import (
    COLOR_SCALE,
    INFEASIBLE_COLOR,
    Target,
    axis_layout,
)

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study


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
                marker={"color": INFEASIBLE_COLOR},
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
        figure.update_xaxes(**axis_layout(sub.x))
        figure.update_yaxes(**axis_layout(sub.y))
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
            x_layout = axis_layout(sub.x)
            y_layout = axis_layout(sub.y)
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
    for feasible, color in ((True, "black"), (False, INFEASIBLE_COLOR)):
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
            figure.update_xaxes(**axis_layout(sub.x), **where)
            figure.update_yaxes(**axis_layout(sub.y), **where)
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
