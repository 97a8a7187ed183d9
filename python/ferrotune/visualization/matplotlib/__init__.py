"""Optuna 5.0's plots drawn with matplotlib (each function returns ``Axes``, or an array of
``Axes`` for matrices of subplots). matplotlib is imported when a plot is drawn."""

from __future__ import annotations

from ferrotune.visualization._imports import matplotlib_is_available as is_available
from ferrotune.visualization.matplotlib._plots import (
    plot_contour,
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_rank,
    plot_slice,
    plot_terminator_improvement,
    plot_timeline,
)

__all__ = [
    "is_available",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_terminator_improvement",
    "plot_timeline",
]
