"""Data of ``plot_rank``: parameter pairs coloured by the rank of the objective value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.logging import get_logger
from ferrotune.visualization._info._common import (
    FloatArray,
    Target,
    check_plot_args,
    complete_trials,
    first_distributions,
    resolve_params,
)
from ferrotune.visualization._info._contour import Axis, param_axis

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


# ColorBrewer RdYlBu, reversed (blue = good rank, red = bad rank), as Optuna's rank plot.
_RDYLBU_R = np.array(
    [
        (49, 54, 149), (69, 117, 180), (116, 173, 209), (171, 217, 233), (224, 243, 248),
        (255, 255, 191), (254, 224, 144), (253, 174, 97), (244, 109, 67), (215, 48, 39),
        (165, 0, 38),
    ],
    dtype=np.float64,
)  # fmt: skip


def rank_colors(fractions: FloatArray) -> FloatArray:
    """RGB (0-255) colours of rank fractions in [0, 1] on RdYlBu_r."""
    pos = np.clip(fractions, 0.0, 1.0) * (len(_RDYLBU_R) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(_RDYLBU_R) - 1)
    w = (pos - lo)[:, None]
    return np.asarray((1 - w) * _RDYLBU_R[lo] + w * _RDYLBU_R[hi], dtype=np.float64)


@dataclass
class RankSubplot:
    x: Axis
    y: Axis
    xs: list[Any]
    ys: list[Any]
    zs: list[float]
    numbers: list[int]
    colors: FloatArray  # (k, 3) RGB 0-255
    hover: list[str]


@dataclass
class RankInfo:
    params: list[str]
    subplots: list[list[RankSubplot]]
    target_name: str
    zs_range: tuple[float, float]
    has_custom_target: bool
    all_values: list[float]

    def quantile_ticks(self) -> tuple[list[float], list[str]]:
        """Colour-bar ticks: min., quartiles and max. of the target."""
        where = [0.0, 0.25, 0.5, 0.75, 1.0]
        q = np.quantile(np.sort(np.asarray(self.all_values)), where)
        names = ["min.", "25%", "50%", "75%", "max."]
        return where, [f"{n} ({v:3g})" for n, v in zip(names, q)]


def rank_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> RankInfo:
    check_plot_args([study], target, target_name)
    data = complete_trials(study, target, warn=False)
    dists = first_distributions(data)
    if not data.trials:
        _logger.warning("Your study does not have any completed trials.")
        return RankInfo([], [], target_name, (0.0, 1.0), target is not None, [])
    if params is None:
        names = sorted(dists)
    else:
        resolve_params(list(dists), params)  # validates the names
        names = list(params)  # Optuna keeps the given order here
    if not names:
        _logger.warning("params is an empty list.")
    values = data.values
    # Average rank of tied values (Optuna's ``_get_order_with_same_order_averaging``).
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(values.size, dtype=np.float64)
    for v in np.unique(values):
        tied = values == v
        ranks[tied] = ranks[tied].mean()
    fractions = ranks / (values.size - 1) if values.size >= 2 else np.full(values.size, 0.5)
    colors = rank_colors(fractions)
    colors[~data.feasible] = (204.0, 204.0, 204.0)
    hover = []
    for trial, value in zip(data.trials, values):
        text = [f"Trial #{trial.number}", *(f"{k}: {v}" for k, v in trial.params.items())]
        text.append(f"<b>{target_name}: {value}</b>")
        if target is not None:
            text += [f"Objective #{i}: {v}" for i, v in enumerate(trial.values or [])]
        hover.append("<br>".join(text))
    axes = {n: param_axis(data, n, dists[n]) for n in names}
    pairs = (
        [[(names[0], names[1])]] if len(names) == 2 else [[(x, y) for x in names] for y in names]
    )
    subplots = []
    for row in pairs:
        line = []
        for xn, yn in row:
            ax, ay = axes[xn], axes[yn]
            idx = [
                i
                for i, (a, b) in enumerate(zip(ax.values, ay.values))
                if a is not None and b is not None
            ]
            line.append(
                RankSubplot(
                    ax,
                    ay,
                    [ax.values[i] for i in idx],
                    [ay.values[i] for i in idx],
                    values[idx].tolist(),
                    data.numbers[idx].tolist(),
                    colors[idx],
                    [hover[i] for i in idx],
                )
            )
        subplots.append(line)
    return RankInfo(
        names,
        subplots,
        target_name,
        (float(values.min()), float(values.max())),
        target is not None,
        values.tolist(),
    )
