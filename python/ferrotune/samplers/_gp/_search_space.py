"""GPSampler's normalised search space (Optuna's ``optuna._gp.search_space``).

Every parameter maps to ``[0, 1]``: numerical ones linearly (in log space when ``log``),
with the interval widened by half a step on each side for int and stepped params, which
the acquisition optimiser then treats as a grid; categorical ones keep the choice index
and use the Hamming distance in the kernel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

FloatArray = npt.NDArray[np.float64]


class _Numeric:
    """The affine (or log-affine) map of one numerical parameter onto ``[0, 1]``."""

    __slots__ = ("hi", "high", "is_int", "lo", "log", "low", "step")

    def __init__(self, dist: FloatDistribution | IntDistribution) -> None:
        self.low, self.high = float(dist.low), float(dist.high)
        self.step = 0.0 if dist.step is None else float(dist.step)
        self.log = bool(dist.log)
        self.is_int = isinstance(dist, IntDistribution)
        lo, hi = self.low - 0.5 * self.step, self.high + 0.5 * self.step
        if self.log:
            lo, hi = math.log(lo), math.log(hi)
        self.lo, self.hi = lo, hi

    def normalize(self, values: FloatArray) -> FloatArray:
        v = np.log(values) if self.log else np.asarray(values, dtype=np.float64)
        if self.hi == self.lo:
            return np.full_like(v, 0.5)
        return (v - self.lo) / (self.hi - self.lo)

    def unnormalize(self, u: float) -> float | int:
        v = u * (self.hi - self.lo) + self.lo
        if self.log:
            v = math.exp(v)
        v = min(max(v, self.low), self.high)
        if self.step > 0.0:
            v = min(
                max(self.low + round((v - self.low) / self.step) * self.step, self.low), self.high
            )
        return round(v) if self.is_int else float(v)

    def grid(self) -> FloatArray:
        values = np.arange(self.low, self.high + 0.5 * self.step, self.step)
        return self.normalize(values[values <= self.high + 1e-12 * max(1.0, abs(self.high))])


class GPSearchSpace:
    """The normalised view of a relative search space.

    Parameters
    ----------
    search_space
        Parameter names to distributions (float, int or categorical).
    """

    def __init__(self, search_space: dict[str, BaseDistribution]) -> None:
        self.names = list(search_space)
        self.dists = list(search_space.values())
        self.dim = len(self.dists)
        self.is_categorical = np.array(
            [isinstance(d, CategoricalDistribution) for d in self.dists], dtype=bool
        )
        self._numeric: list[_Numeric | None] = []
        dims: list[_core.GPDim] = []
        for name, dist in search_space.items():
            if isinstance(dist, CategoricalDistribution):
                self._numeric.append(None)
                dims.append(_core.GPDim.categorical(n_choices=len(dist.choices)))
            elif isinstance(dist, (FloatDistribution, IntDistribution)):
                num = _Numeric(dist)
                self._numeric.append(num)
                if num.step > 0.0:
                    dims.append(_core.GPDim.grid(values=np.ascontiguousarray(num.grid())))
                else:
                    dims.append(_core.GPDim.continuous())
            else:
                raise TypeError(
                    f"GPSampler does not support the distribution {dist!r} of {name!r}."
                )
        self.core_dims = dims

    def normalize_internal(self, columns: list[FloatArray]) -> FloatArray:
        """``(n, dim)`` normalised points from per-parameter internal-representation columns."""
        n = len(columns[0]) if columns else 0
        out = np.empty((n, self.dim), dtype=np.float64)
        for k, (num, col) in enumerate(zip(self._numeric, columns, strict=True)):
            out[:, k] = col if num is None else num.normalize(np.asarray(col, dtype=np.float64))
        return out

    def normalize_params(self, params: list[dict[str, Any]]) -> FloatArray:
        """``(n, dim)`` normalised points from external-representation parameter dicts."""
        columns = [
            np.array([dist.to_internal_repr(p[name]) for p in params], dtype=np.float64)
            for name, dist in zip(self.names, self.dists, strict=True)
        ]
        return self.normalize_internal(columns)

    def unnormalize(self, x: FloatArray) -> dict[str, Any]:
        """External parameter values of the normalised point ``x``."""
        out: dict[str, Any] = {}
        for k, (name, dist, num) in enumerate(
            zip(self.names, self.dists, self._numeric, strict=True)
        ):
            if num is None:
                assert isinstance(dist, CategoricalDistribution)
                index = min(max(round(float(x[k])), 0), len(dist.choices) - 1)
                out[name] = dist.to_external_repr(index)
            else:
                out[name] = num.unnormalize(float(x[k]))
        return out
