"""What the plotly renderers share: colours, hover text, axes of parameter values."""

from __future__ import annotations

from typing import Any

import numpy as np

from ferrotune.visualization import _info
from ferrotune.visualization._info import Target

COLOR_SCALE = "Blues"
INFEASIBLE_COLOR = "#cccccc"

hover_text = _info.make_hovertext


def axis_layout(axis: _info.Axis) -> dict[str, Any]:
    """Plotly axis settings of a parameter axis (category, log or linear)."""
    if axis.is_cat:
        return {"type": "category", "title": axis.name}
    if axis.is_log:
        lo, hi = axis.range
        return {"type": "log", "range": [np.log10(lo), np.log10(hi)], "title": axis.name}
    return {"range": list(axis.range), "title": axis.name}


def grid_to_axis(axis: _info.Axis, grid: np.ndarray) -> list[Any]:
    """Grid coordinates of a contour as values on the parameter's axis."""
    if axis.is_cat:
        return [axis.labels[int(i)] for i in grid]  # type: ignore[index]
    values: list[Any] = (10**grid).tolist() if axis.is_log else grid.tolist()
    return values


__all__ = [
    "COLOR_SCALE",
    "INFEASIBLE_COLOR",
    "Target",
    "axis_layout",
    "grid_to_axis",
    "hover_text",
]
