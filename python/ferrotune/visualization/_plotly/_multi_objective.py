"""Plotly plots of multi-objective studies: Pareto front and hypervolume history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.trial import FrozenTrial
from ferrotune.visualization import _info
from ferrotune.visualization._imports import plotly_modules
from ferrotune.visualization._plotly._common import INFEASIBLE_COLOR, hover_text

if TYPE_CHECKING:
    from ferrotune.study import Study


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
            text=[hover_text(trials[k]) for k, _ in points],
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
        data.insert(0, _trace(info.infeasible, "Infeasible Trial", {"color": INFEASIBLE_COLOR}))
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
