"""NSGA-II population machinery: generations, elite selection and the numerical transform.

Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist multiobjective genetic algorithm:
NSGA-II", IEEE TEC 6(2), 2002: non-dominated sorting (Section III-A), crowding distance
(Section III-B) and constrained domination (Section VI), computed in Rust
(``ferrotune_core::nsga``). Populations are read from their trials, one generation at a
time, so the sampler never reads the whole history's columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._constraints import constraint_violation, has_constraints
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

# Bound once: ``TrialState.X`` goes through the enum metaclass's ``__getattr__`` hook.
_COMPLETE = TrialState.COMPLETE

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def direction_signs(directions: list[StudyDirection]) -> FloatArray:
    """``+1`` for minimised objectives and ``-1`` for maximised ones."""
    return np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])


def population_arrays(trials: Sequence[FrozenTrial]) -> tuple[FloatArray, FloatArray | None]:
    """Objective values ``(n, m)`` and total constraint violations of ``trials``.

    Read from the trials themselves (one population at a time, never the whole history).
    Violations are ``None`` when no trial has constraints (unconstrained optimisation);
    otherwise a trial without constraints counts as feasible (violation 0), as in Optuna.
    """
    values = np.array([t.values for t in trials], dtype=np.float64)
    violation = np.array(
        [
            constraint_violation(t.system_attrs) if has_constraints(t.system_attrs) else math.nan
            for t in trials
        ],
        dtype=np.float64,
    )
    has = ~np.isnan(violation)
    if not has.any():
        return values, None
    return values, np.where(has, violation, 0.0)


def nondomination_ranks(loss: FloatArray, penalty: FloatArray | None) -> IntArray:
    """Non-dominated sort, constrained as in Deb et al. (2002), Section VI (in Rust).

    Feasible trials are ranked by Pareto dominance; infeasible ones come after all of them,
    ranked by their total violation (equal violations share a rank).
    """
    return _core.nsga_nondomination_ranks(
        loss=np.ascontiguousarray(loss, dtype=np.float64),
        penalty=None if penalty is None else np.ascontiguousarray(penalty, dtype=np.float64),
    )


def crowding_order(values: FloatArray) -> IntArray:
    """Positions of ``values`` rows by decreasing crowding distance (Section III-B).

    Ties and infinite values are handled exactly as Optuna's in-place list sorts do (in
    Rust: ``ferrotune_core::nsga::crowding_order``).
    """
    return _core.nsga_crowding_order(values=np.ascontiguousarray(values, dtype=np.float64))


def select_elite(
    values: FloatArray, signs: FloatArray, penalty: FloatArray | None, population_size: int
) -> IntArray:
    """Positions of the NSGA-II survivors among ``values`` rows (rank, then crowding).

    Ranks use the direction-signed losses ``values * signs``; the crowding distance uses the
    raw values, as Optuna does (this only matters for tie-breaking).
    """
    if values.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    return _core.nsga_select_elite(
        values=np.ascontiguousarray(values, dtype=np.float64),
        signs=np.ascontiguousarray(signs, dtype=np.float64),
        population_size=population_size,
        penalty=None if penalty is None else np.ascontiguousarray(penalty, dtype=np.float64),
    )


class GenerationIndex:
    """Generations of finished trials, kept incrementally from the trial history.

    Only rows appended since the previous :meth:`sync` are read, so keeping it costs O(1)
    amortised per trial.
    """

    def __init__(self, generation_key: str) -> None:
        self._key = generation_key
        self.cursor = 0
        self.rows_by_generation: dict[int, list[int]] = {}
        self.row_by_trial_id: dict[int, int] = {}
        self.max_generation = 0
        self.max_generation_count = 0

    def sync(self, history: TrialHistory) -> None:
        if self.cursor >= history.n:
            return
        for offset, trial in enumerate(history.trials_from(self.cursor)):
            if trial.state != _COMPLETE:
                continue
            row = self.cursor + offset
            self.row_by_trial_id[trial._trial_id] = row
            generation = trial.system_attrs.get(self._key, -1)
            if not isinstance(generation, int):
                continue
            self.rows_by_generation.setdefault(generation, []).append(row)
            if generation > self.max_generation:
                self.max_generation, self.max_generation_count = generation, 1
            elif generation == self.max_generation:
                self.max_generation_count += 1
        self.cursor = history.n

    def population(self, generation: int) -> IntArray:
        return np.array(self.rows_by_generation.get(generation, ()), dtype=np.int64)


class NumericalTransform:
    """Optuna's numerical search-space transform (log scale, step-widened bounds).

    Works on columns of internal representations; ``untransform`` returns external values.
    """

    def __init__(self, search_space: dict[str, BaseDistribution]) -> None:
        self.names = list(search_space)
        self.distributions = list(search_space.values())
        bounds = np.empty((len(self.names), 2))
        self._log = np.zeros(len(self.names), dtype=bool)
        for i, dist in enumerate(self.distributions):
            if isinstance(dist, FloatDistribution):
                if dist.log:
                    self._log[i] = True
                    bounds[i] = (math.log(dist.low), math.log(dist.high))
                elif dist.step is not None:
                    half = 0.5 * dist.step
                    bounds[i] = (dist.low - half, dist.high + half)
                else:
                    bounds[i] = (dist.low, dist.high)
            elif isinstance(dist, IntDistribution):
                half = 0.5 * dist.step
                if dist.log:
                    self._log[i] = True
                    bounds[i] = (math.log(dist.low - half), math.log(dist.high + half))
                else:
                    bounds[i] = (dist.low - half, dist.high + half)
            else:
                raise TypeError(f"{dist!r} is not a numerical distribution.")
        self.bounds = bounds
        dists = self.distributions
        self._low = np.array([float(d.low) for d in dists])  # type: ignore[attr-defined]
        self._high = np.array([float(d.high) for d in dists])  # type: ignore[attr-defined]
        self._step = np.array(
            [float(getattr(d, "step", None) or 1.0) for d in dists], dtype=np.float64
        )
        is_float = np.array([isinstance(d, FloatDistribution) for d in dists], dtype=bool)
        single = np.array([d.single() for d in dists], dtype=bool)
        has_step = np.array([getattr(d, "step", None) is not None for d in dists], dtype=bool)
        self._is_int = ~is_float
        self._is_int_list = self._is_int.tolist()
        self._float_log = is_float & self._log & ~single
        self._float_step = is_float & ~self._log & has_step
        self._float_plain = is_float & ~self._log & ~has_step & ~single
        self._int_log = self._is_int & self._log
        self._int_linear = self._is_int & ~self._log
        self._log_idx = np.flatnonzero(self._log)
        self._all_plain = bool(self._float_plain.all())
        self._plain_low = np.where(self._float_plain, self._low, -math.inf)
        self._high_open = np.nextafter(self._high, self._high - 1)

    def transform(self, internal: FloatArray) -> FloatArray:
        """``(k, d)`` internal values -> transformed space."""
        out = np.array(internal, dtype=np.float64)
        if self._log.any():
            out[:, self._log] = np.log(out[:, self._log])
        return out

    def contains(self, point: FloatArray) -> bool:
        """Whether :meth:`untransform` of ``point`` lies in the space.

        Every column is clipped into its range except plain floats, which are only capped
        above (as in Optuna), so those must not fall below ``low``; NaN never fits.
        """
        x = np.asarray(point, dtype=np.float64)
        return bool(np.all(x >= self._plain_low))  # False for NaN too

    def untransform(self, point: FloatArray) -> dict[str, Any]:
        """One transformed point -> ``{name: external value}`` (rounded and clipped)."""
        row = self.untransform_rows(np.asarray(point, dtype=np.float64)[None, :])[0]
        return dict(zip(self.names, row))

    def untransform_rows(self, points: FloatArray) -> list[list[Any]]:
        """``(k, d)`` transformed points -> external values, one list per row."""
        x = np.asarray(points, dtype=np.float64)
        if self._all_plain:  # the common case: plain float ranges
            rows: list[list[Any]] = np.minimum(x, self._high_open).tolist()
            return rows
        with np.errstate(over="ignore", invalid="ignore"):
            value = x.copy()
            if self._log_idx.size:  # math.exp, as Optuna (np.exp may differ by one ulp)
                logs = x[:, self._log_idx].tolist()
                value[:, self._log_idx] = [[math.exp(v) for v in row] for row in logs]
            # floats: log -> clip to [low, high); step -> round to the grid; plain -> < high
            stepped = np.round((x - self._low) / self._step) * self._step + self._low
            value = np.where(self._float_step, np.clip(stepped, self._low, self._high), value)
            value = np.where(self._float_log, np.clip(value, self._low, self._high_open), value)
            value = np.where(self._float_plain, np.minimum(value, self._high_open), value)
            # ints: log -> round(exp); linear -> nearest step
            linear = np.floor((x - self._low) / self._step + 0.5) * self._step + self._low
            value = np.where(self._int_log, np.round(value), value)
            value = np.where(self._int_linear, linear, value)
            value = np.where(self._is_int, np.clip(value, self._low, self._high), value)
        out: list[list[Any]] = value.tolist()
        if self._is_int.any():
            is_int = self._is_int_list
            out = [[int(v) if i else v for v, i in zip(row, is_int)] for row in out]
        return out


def is_numerical(dist: BaseDistribution) -> bool:
    return isinstance(dist, (FloatDistribution, IntDistribution)) and not isinstance(
        dist, CategoricalDistribution
    )
