"""Plotly renderers: Optuna 5.0's ``optuna.visualization`` functions."""

from ferrotune.visualization._plotly._history import (
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_timeline,
)
from ferrotune.visualization._plotly._multi_objective import (
    plot_hypervolume_history,
    plot_pareto_front,
)
from ferrotune.visualization._plotly._params import (
    plot_contour,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_rank,
    plot_slice,
)
from ferrotune.visualization._plotly._terminator import plot_terminator_improvement

__all__ = [
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
