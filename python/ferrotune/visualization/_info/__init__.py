"""Back-end independent data of every plot (what plotly and matplotlib both draw).

Each ``*_info`` function reads the study once (finished trials through the columnar
:class:`~ferrotune.storages._history.TrialHistory`), applies Optuna 5.0's rules (which trials
count, feasibility, log axes, categorical ordering, best-value curves) and returns plain
dataclasses of lists and arrays. The renderers only lay them out. One module per plot, as
Optuna's ``optuna.visualization``; helpers they share are in ``_common``.
"""

from ferrotune.visualization._info._common import (
    DEFAULT_TARGET_NAME,
    CompleteTrials,
    Target,
    check_plot_args,
    complete_trials,
)
from ferrotune.visualization._info._contour import (
    Axis,
    ContourInfo,
    ContourSubplot,
    contour_info,
    interpolate_grid,
)
from ferrotune.visualization._info._edf import EdfInfo, EdfLine, edf_info
from ferrotune.visualization._info._hypervolume_history import hypervolume_history_info
from ferrotune.visualization._info._intermediate_values import (
    IntermediateLine,
    intermediate_values_info,
)
from ferrotune.visualization._info._optimization_history import (
    HistorySeries,
    optimization_history_info,
)
from ferrotune.visualization._info._parallel_coordinate import (
    Dimension,
    ParallelInfo,
    parallel_coordinate_info,
)
from ferrotune.visualization._info._param_importances import (
    ImportanceBars,
    param_importances_info,
)
from ferrotune.visualization._info._pareto_front import ParetoInfo, pareto_front_info
from ferrotune.visualization._info._rank import RankInfo, RankSubplot, rank_colors, rank_info
from ferrotune.visualization._info._slice import SliceSubplot, slice_info
from ferrotune.visualization._info._terminator_improvement import (
    ImprovementInfo,
    improvement_info,
    improvement_y_range,
)
from ferrotune.visualization._info._timeline import (
    TimelineBar,
    make_hovertext,
    timeline_groups,
    timeline_info,
)

__all__ = [
    "DEFAULT_TARGET_NAME",
    "Axis",
    "CompleteTrials",
    "ContourInfo",
    "ContourSubplot",
    "Dimension",
    "EdfInfo",
    "EdfLine",
    "HistorySeries",
    "ImportanceBars",
    "ImprovementInfo",
    "IntermediateLine",
    "ParallelInfo",
    "ParetoInfo",
    "RankInfo",
    "RankSubplot",
    "SliceSubplot",
    "Target",
    "TimelineBar",
    "check_plot_args",
    "complete_trials",
    "contour_info",
    "edf_info",
    "hypervolume_history_info",
    "improvement_info",
    "improvement_y_range",
    "intermediate_values_info",
    "interpolate_grid",
    "make_hovertext",
    "optimization_history_info",
    "parallel_coordinate_info",
    "param_importances_info",
    "pareto_front_info",
    "rank_colors",
    "rank_info",
    "slice_info",
    "timeline_groups",
    "timeline_info",
]
