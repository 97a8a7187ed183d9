"""TPESampler's per-study state, kept up to date across trials.

A :class:`StudyCache` holds, for one study, the incrementally sorted history columns,
the split of the history (``_core.TPESplitState``), the above estimators kept up to
date and, per search space, a :class:`SpacePlan` whose ``_core.TPESpace`` is built once
and passed to every proposal over that space.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.samplers._tpe._batch import IndependentBatch
from ferrotune.samplers._tpe._group import GroupDecomposedSearchSpace
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory

IntArray = npt.NDArray[np.int64]


class ParzenOptions(NamedTuple):
    """The sampler's estimator options, the same for every search space."""

    prior_weight: float
    consider_magic_clip: bool
    consider_endpoints: bool
    n_ei_candidates: int


def tpe_param(dist: BaseDistribution) -> _core.TPEParam:
    """The Rust core's view of one distribution (internal representation).

    Raises
    ------
    TypeError
        If TPE does not support the distribution.
    """
    if isinstance(dist, CategoricalDistribution):
        return _core.TPEParam.categorical(n_choices=len(dist.choices))
    if isinstance(dist, FloatDistribution):
        step = 0.0 if dist.step is None else float(dist.step)
        return _core.TPEParam.numerical(
            low=float(dist.low), high=float(dist.high), step=step, log=dist.log
        )
    if isinstance(dist, IntDistribution):
        return _core.TPEParam.numerical(
            low=float(dist.low), high=float(dist.high), step=float(dist.step), log=dist.log
        )
    raise TypeError(f"TPESampler does not support the distribution {dist!r}.")


def tpe_space(dists: list[BaseDistribution], options: ParzenOptions) -> _core.TPESpace:
    """The checked search space of ``dists`` with the sampler's estimator options."""
    return _core.TPESpace(
        params=[tpe_param(d) for d in dists],
        prior_weight=options.prior_weight,
        consider_magic_clip=options.consider_magic_clip,
        consider_endpoints=options.consider_endpoints,
        n_candidates=options.n_ei_candidates,
    )


class SpacePlan:
    """What a proposal over one search space needs besides the history, built once."""

    __slots__ = ("above", "dists", "floats_only", "sorted", "space")

    def __init__(
        self,
        cache: StudyCache,
        names: tuple[str, ...],
        dists: list[BaseDistribution],
        options: ParzenOptions,
    ) -> None:
        self.dists = dists
        self.space = tpe_space(dists, options)
        sorted_cols: list[_core.TPESortedColumn | None] = []
        for name, dist in zip(names, dists, strict=True):
            if isinstance(dist, CategoricalDistribution):
                sorted_cols.append(None)
                continue
            sc = cache.sorted.get(name)
            if sc is None:
                sc = cache.sorted[name] = _core.TPESortedColumn()
            sorted_cols.append(sc)
        self.sorted = sorted_cols
        above = cache.above.get(names)
        if above is None:
            above = cache.above[names] = _core.TPEAboveState()
        self.above = above
        # FloatDistribution's external representation is the internal float itself.
        self.floats_only = all(type(d) is FloatDistribution for d in dists)


class StudyCache:
    """Per-study incremental state: sorted columns, plans and the rows-by-number order."""

    __slots__ = (
        "above",
        "batch",
        "group",
        "history",
        "lock",
        "n_perm",
        "options",
        "perm",
        "plans",
        "root",
        "sorted",
        "split_cache",
        "split_state",
    )

    def __init__(self, history: TrialHistory, options: ParzenOptions) -> None:
        self.lock = threading.Lock()
        self.history = history
        self.options = options
        # Every incremental structure here indexes rows of this live history.
        self.root = history.root
        self.sorted: dict[str, _core.TPESortedColumn] = {}
        self.perm = np.empty(0, dtype=np.int64)
        self.n_perm = 0
        self.split_cache: tuple[tuple[int, int], tuple[IntArray, IntArray]] | None = None
        self.group: GroupDecomposedSearchSpace | None = None
        # Above estimators kept up to date across trials, one per (sub)space.
        self.above: dict[tuple[str, ...], _core.TPEAboveState] = {}
        # State of the one-call path: the split, kept up to date; per-space plans.
        self.split_state = _core.TPESplitState(
            complete=int(TrialState.COMPLETE), pruned=int(TrialState.PRUNED)
        )
        self.plans: dict[tuple[str, ...], SpacePlan] = {}
        # Independent proposals of the current trial, computed together.
        self.batch = IndependentBatch()

    def plan(self, names: list[str], dists: list[BaseDistribution]) -> SpacePlan:
        """The plan of the search space ``names``/``dists``, built on first use."""
        key = tuple(names)
        plan = self.plans.get(key)
        if plan is None or plan.dists != dists:
            plan = self.plans[key] = SpacePlan(self, key, dists, self.options)
        return plan

    def rows_by_number(self, history: TrialHistory) -> IntArray:
        """Rows of ``history`` sorted by trial number, maintained by O(n) merges."""
        n = history.n
        if self.n_perm < n:
            numbers = history.numbers
            new_rows = np.arange(self.n_perm, n, dtype=np.int64)
            new_rows = new_rows[np.argsort(numbers[new_rows], kind="stable")]
            if self.n_perm == 0 or numbers[new_rows[0]] > numbers[self.perm[-1]]:
                self.perm = np.concatenate([self.perm, new_rows])
            else:
                pos = np.searchsorted(numbers[self.perm], numbers[new_rows])
                self.perm = np.insert(self.perm, pos, new_rows)
            self.n_perm = n
        if self.n_perm > n:  # another thread already merged rows of a newer snapshot
            return self.perm[self.perm < n]
        return self.perm
