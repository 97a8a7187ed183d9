"""TPESampler's default ``gamma`` and ``weights`` functions and argument helpers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_DEPRECATION = (
    "{name} has been deprecated in v{d_ver}. This feature will be removed in v{r_ver}. "
    "See https://github.com/optuna/optuna/releases/tag/v{d_ver}."
)


def default_gamma(x: int) -> int:
    """Optuna's default number of "good" trials: ``min(ceil(0.1 x), 25)``."""
    return min(math.ceil(0.1 * x), 25)


def default_gamma_multiobjective(x: int) -> int:
    """Default number of "good" trials for multi-objective studies: ``ceil(0.1 x)``."""
    return math.ceil(0.1 * x)


def hyperopt_default_gamma(x: int) -> int:
    """hyperopt's gamma: ``min(ceil(0.25 sqrt(x)), 25)``."""
    return min(math.ceil(0.25 * math.sqrt(x)), 25)


def default_weights(x: int) -> FloatArray:
    """Optuna's weights: a linear ramp for old trials, flat for the latest 25."""
    if x == 0:
        return np.asarray([], dtype=np.float64)
    if x < 25:
        return np.ones(x)
    ramp = np.linspace(1.0 / x, 1.0, num=x - 25)
    flat = np.ones(25)
    return np.concatenate([ramp, flat], axis=0)


def _deprecated_arg(name: str, value: Any, default: Any, d_ver: str, r_ver: str) -> Any:
    if value is None:
        return default
    msg = _DEPRECATION.format(name=name, d_ver=d_ver, r_ver=r_ver)
    warnings.warn(msg, FutureWarning, stacklevel=3)
    return value


def _call_weights(func: Callable[[int], Any], n: int) -> FloatArray:
    if func is default_weights:  # known valid: skip the checks
        return default_weights(n)
    w = np.asarray(func(n), dtype=np.float64)[:n]
    if np.any(w < 0):
        raise ValueError(
            f"The `weights` function is not allowed to return negative values {w}. "
            f"The argument of the `weights` function is {n}."
        )
    if len(w) > 0 and np.sum(w) <= 0:
        raise ValueError(
            f"The `weight` function is not allowed to return all-zero values {w}. "
            f"The argument of the `weights` function is {n}."
        )
    if not np.all(np.isfinite(w)):
        raise ValueError(
            "The `weights`function is not allowed to return infinite or NaN values "
            f"{w}. The argument of the `weights` function is {n}."
        )
    if len(w) != n:
        raise ValueError(f"The `weights` function returned {len(w)} values for {n} trials.")
    return w
