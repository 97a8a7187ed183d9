"""The unit cube CMA-ES works in, and the codec between it and parameter values."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

FloatArray = npt.NDArray[np.float64]


class _Space:
    """Vectorised version of Optuna's ``_SearchSpaceTransform(transform_0_1=True)``.

    Maps internal parameter values to the unit cube the optimizer works in (log for
    ``log=True``, half a step of padding on both sides for stepped/integer parameters
    unless CMA-ES with margin handles the discreteness) and back.

    Categorical parameters (only in a search space given to ``sample_relative`` directly:
    ``infer_relative_search_space`` leaves them out, as Optuna's) are one-hot encoded, as in
    Optuna: one column per choice, after the numerical columns, decoded by argmax.
    ``names`` / ``dists`` are the numerical parameters; ``all_names`` / ``all_dists`` are
    the columns of the internal values that :meth:`transform` takes (numerical first).
    """

    def __init__(self, search_space: dict[str, BaseDistribution], transform_step: bool) -> None:
        numerical = {
            n: d for n, d in search_space.items() if not isinstance(d, CategoricalDistribution)
        }
        self.names = list(numerical)
        self.dists = list(numerical.values())
        self.cat_names = [n for n in search_space if n not in numerical]
        self.cat_dists = [
            d for d in search_space.values() if isinstance(d, CategoricalDistribution)
        ]
        self.all_names = self.names + self.cat_names
        self.all_dists: list[BaseDistribution] = [*self.dists, *self.cat_dists]
        self._cat_sizes = [len(d.choices) for d in self.cat_dists]
        self._cat_offsets: list[int] = np.cumsum([0, *self._cat_sizes]).tolist()
        d = len(self.names)
        self.lo = np.empty(d)
        self.hi = np.empty(d)
        self.is_log = np.zeros(d, dtype=bool)
        self.is_int = np.zeros(d, dtype=bool)
        self.step = np.full(d, np.nan)
        self.low = np.empty(d)
        self.high = np.empty(d)
        for i, dist in enumerate(self.dists):
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(f"CmaEsSampler cannot sample the distribution {dist!r}.")
            self.low[i], self.high[i] = dist.low, dist.high
            self.is_log[i] = dist.log
            self.is_int[i] = isinstance(dist, IntDistribution)
            if dist.step is not None:
                self.step[i] = dist.step
            half = 0.5 * dist.step if (transform_step and dist.step is not None) else 0.0
            if isinstance(dist, IntDistribution) and dist.log:
                self.lo[i], self.hi[i] = math.log(dist.low - half), math.log(dist.high + half)
            elif dist.log:
                self.lo[i], self.hi[i] = math.log(dist.low), math.log(dist.high)
            else:
                self.lo[i], self.hi[i] = dist.low - half, dist.high + half
        self.width = self.hi - self.lo
        self.key = hashlib.sha1(
            repr(sorted(search_space.items(), key=lambda kv: kv[0])).encode()
            + bytes([transform_step])
        ).hexdigest()[:10]
        is_step = ~np.isnan(self.step)
        self._int_log = self.is_int & self.is_log
        self._int_lin = self.is_int & ~self.is_log
        self._float_step = ~self.is_int & is_step & ~self.is_log
        self._int_idx = np.flatnonzero(self.is_int).tolist()
        self._any_log = bool(self.is_log.any())
        self._any_int_log = bool(self._int_log.any())
        self._any_int_lin = bool(self._int_lin.any())
        self._any_float_step = bool(self._float_step.any())
        # Continuous floats stay strictly below ``high`` (as Optuna's transform does).
        self._upper = np.where(
            self.is_int | self._float_step, self.high, np.nextafter(self.high, -np.inf)
        )
        # Never move below ``low`` with nextafter on a degenerate range.
        self._upper = np.maximum(self._upper, self.low)

    @property
    def dim(self) -> int:
        return len(self.names) + self._cat_offsets[-1]

    def transform(self, internal: FloatArray) -> FloatArray:
        """Internal values, shape ``(k, len(all_names))``, to the unit cube."""
        if self.cat_names:
            n = len(self.names)
            one_hot = np.zeros((internal.shape[0], self._cat_offsets[-1]))
            rows = np.arange(internal.shape[0])
            for j, offset in enumerate(self._cat_offsets[:-1]):
                one_hot[rows, offset + internal[:, n + j].astype(np.int64)] = 1.0
            return np.hstack([self._transform_numerical(internal[:, :n]), one_hot])
        return self._transform_numerical(internal)

    def _transform_numerical(self, internal: FloatArray) -> FloatArray:
        if self._any_log:
            t = np.where(self.is_log, np.log(np.where(self.is_log, internal, 1.0)), internal)
        else:
            t = internal
        return np.asarray((t - self.lo) / self.width, dtype=np.float64)

    def untransform(self, x: FloatArray) -> dict[str, Any]:
        """A point of the unit cube to external parameter values (vectorised)."""
        if self.cat_names:
            return self.untransform_rows(x[None, :])[0]
        raw = self.lo + x * self.width
        if self._any_log:
            v = np.where(self.is_log, np.exp(np.where(self.is_log, raw, 0.0)), raw)
        else:
            v = raw
        # Integers: round-half-to-even on exp for log, else nearest grid step (floor(.+0.5)).
        if self._any_int_log:
            v[self._int_log] = np.rint(v[self._int_log])
        if self._any_int_lin:
            k = self._int_lin
            v[k] = np.floor((raw[k] - self.low[k]) / self.step[k] + 0.5) * self.step[k]
            v[k] += self.low[k]
        if self._any_float_step:
            k = self._float_step
            v[k] = np.round((raw[k] - self.low[k]) / self.step[k]) * self.step[k] + self.low[k]
        v = np.minimum(np.maximum(v, self.low), self._upper)
        values = v.tolist()
        for i in self._int_idx:
            values[i] = int(values[i])
        return dict(zip(self.names, values))

    def untransform_rows(self, x: FloatArray) -> list[dict[str, Any]]:
        """Points of the unit cube, shape ``(k, d)``, to external parameter values."""
        if not self.cat_names:
            return self._untransform_numerical_rows(x)
        n = len(self.names)
        out = self._untransform_numerical_rows(x[:, :n])
        offsets = self._cat_offsets
        for j, (name, dist) in enumerate(zip(self.cat_names, self.cat_dists)):
            indices = x[:, n + offsets[j] : n + offsets[j + 1]].argmax(axis=1).tolist()
            for params, index in zip(out, indices):
                params[name] = dist.to_external_repr(index)
        return out

    def _untransform_numerical_rows(self, x: FloatArray) -> list[dict[str, Any]]:
        if not self.names:
            return [{} for _ in range(x.shape[0])]
        raw = x * self.width
        raw += self.lo
        if self._any_log:
            v = np.where(self.is_log, np.exp(np.where(self.is_log, raw, 0.0)), raw)
        else:
            v = raw
        if self._any_int_log:
            k = self._int_log
            v[:, k] = np.rint(v[:, k])
        if self._any_int_lin:
            k = self._int_lin
            v[:, k] = np.floor((raw[:, k] - self.low[k]) / self.step[k] + 0.5) * self.step[k]
            v[:, k] += self.low[k]
        if self._any_float_step:
            k = self._float_step
            grid = np.round((raw[:, k] - self.low[k]) / self.step[k])
            v[:, k] = grid * self.step[k] + self.low[k]
        np.maximum(v, self.low, out=v)
        np.minimum(v, self._upper, out=v)
        rows: list[list[Any]] = v.tolist()
        names = self.names
        int_idx = self._int_idx
        if not int_idx:
            return [dict(zip(names, values)) for values in rows]
        out = []
        for values in rows:
            for i in int_idx:
                values[i] = int(values[i])
            out.append(dict(zip(names, values)))
        return out
