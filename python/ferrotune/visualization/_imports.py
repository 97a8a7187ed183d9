"""Optional plotting back ends, imported only when a plot is drawn."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any


def is_available() -> bool:
    """Whether plotly (>= 4) can be imported, i.e. :mod:`ferrotune.visualization` can draw.

    Returns
    -------
    bool
        ``True`` if plotly is installed.
    """
    return importlib.util.find_spec("plotly") is not None


def plotly_modules() -> tuple[Any, Any]:
    """``(plotly.graph_objects, plotly.subplots.make_subplots)``, or a clear ImportError."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as e:
        raise ImportError(
            "Tried to import 'plotly' but failed. Please make sure that the package is "
            "installed correctly to use this feature: `pip install ferrotune[visualization]` "
            "or `pip install plotly`. Actual error: " + str(e)
        ) from e
    return go, make_subplots


def matplotlib_is_available() -> bool:
    """Whether matplotlib can be imported."""
    return importlib.util.find_spec("matplotlib") is not None


def pyplot() -> ModuleType:
    """``matplotlib.pyplot``, or a clear ImportError."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(
            "Tried to import 'matplotlib' but failed. Please make sure that the package is "
            "installed correctly to use this feature: `pip install ferrotune[visualization]` "
            "or `pip install matplotlib`. Actual error: " + str(e)
        ) from e
    module: ModuleType = plt  # typed whether or not matplotlib's stubs are installed
    return module
