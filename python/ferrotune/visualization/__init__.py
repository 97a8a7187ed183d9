"""Optuna 5.0's plots: plotly figures here, matplotlib axes in :mod:`.matplotlib`.

plotly and matplotlib are optional (``pip install ferrotune[visualization]``); they are
imported only when a plot is drawn, and a missing one raises an ImportError that says what to
install. Every function takes the same arguments as its Optuna counterpart.
"""

from __future__ import annotations

from ferrotune.visualization import matplotlib
from ferrotune.visualization._demo import _write_demo_plots
from ferrotune.visualization._imports import is_available
from ferrotune.visualization._plotly import (
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
    "_write_demo_plots",
    "is_available",
    "matplotlib",
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
