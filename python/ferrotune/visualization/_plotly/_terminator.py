"""Plotly plot of the terminator's improvement (and error) over trials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune._experimental import experimental_func
from ferrotune.logging import get_logger
from ferrotune.visualization import _info
from ferrotune.visualization._imports import plotly_modules

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

_logger = get_logger(__name__)

IMPROVEMENT_RGB = "99, 110, 250"  # plotly's first colour
ERROR_COLOR = "rgb(239, 85, 59)"  # plotly's second colour
WARM_UP_OPACITY = 0.25


def _improvement_trace(go: Any, x: list[int], y: list[float], opacity: float, legend: bool) -> Any:
    color = f"rgba({IMPROVEMENT_RGB}, {opacity})"
    return go.Scatter(
        x=x,
        y=y,
        mode="markers+lines",
        marker={"color": color},
        line={"color": color},
        name="Terminator Improvement",
        showlegend=legend,
        legendgroup="improvement",
    )


@experimental_func("3.2.0", name="ferrotune.visualization.plot_terminator_improvement")
def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = 20,
) -> Any:
    """Plot the room left for improvement after each trial, as the terminator evaluates it.

    Every point evaluates ``improvement_evaluator`` on the COMPLETE trials up to that trial
    (one GP fit per trial with the default evaluator, so this can take a while). Points up to
    ``min_n_trials`` are drawn lighter.

    Parameters
    ----------
    study
        A single-objective study.
    plot_error
        Also plot ``error_evaluator``'s value after each trial.
    improvement_evaluator
        Default :class:`~ferrotune.terminator.RegretBoundEvaluator`.
    error_evaluator
        Default :class:`~ferrotune.terminator.StaticErrorEvaluator` ``(0)`` with a
        :class:`~ferrotune.terminator.BestValueStagnationEvaluator`,
        :class:`~ferrotune.terminator.CrossValidationErrorEvaluator` otherwise.
    min_n_trials
        Number of trials before termination is considered.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go, _ = plotly_modules()
    info = _info.improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    figure = go.Figure(
        layout=go.Layout(
            title="Terminator Improvement Plot",
            xaxis={"title": "Trial"},
            yaxis={"title": "Terminator Improvement"},
        )
    )
    n = len(info.trial_numbers)
    if n == 0:
        _logger.warning("There are no complete trials.")
        return figure
    head = slice(None, min_n_trials + 1)
    figure.add_trace(
        _improvement_trace(
            go,
            info.trial_numbers[head],
            info.improvements[head],
            WARM_UP_OPACITY,
            legend=n <= min_n_trials,
        )
    )
    if n > min_n_trials:
        tail = slice(min_n_trials, None)
        figure.add_trace(
            _improvement_trace(
                go, info.trial_numbers[tail], info.improvements[tail], 1.0, legend=True
            )
        )
    if info.errors is not None:
        figure.add_trace(
            go.Scatter(
                x=info.trial_numbers,
                y=info.errors,
                mode="markers+lines",
                name="Error",
                marker={"color": ERROR_COLOR},
                line={"color": ERROR_COLOR},
            )
        )
    figure.update_yaxes(range=_info.improvement_y_range(info, min_n_trials))
    return figure
