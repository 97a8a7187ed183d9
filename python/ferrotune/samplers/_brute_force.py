"""Exhaustive search over a finite define-by-run search space."""

from __future__ import annotations

import decimal
import functools
import math
import warnings
from collections.abc import Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ferrotune.distributions import (
    _EXACT_DECIMAL,
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none
from ferrotune.samplers._random import _check_seed
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

# (low, high, step) of a parameter's grid; categoricals use (0, n_choices - 1, 1) on indices.
GridArgs = tuple[float, float, "float | None"]
_Step = tuple[str, GridArgs, float]


# Largest grid of one parameter: enumerating more values would exhaust memory (or run
# practically forever) rather than finish a brute-force search.
_MAX_GRID_SIZE = 10**7


def _check_grid_size(low: float, high: float, step: float, size: int) -> None:
    if size > _MAX_GRID_SIZE:
        raise ValueError(
            f"BruteForceSampler cannot enumerate the grid [{low}, {high}] with step={step}: "
            f"it has {size} values, more than {_MAX_GRID_SIZE}."
        )


@functools.lru_cache(maxsize=1024)
def _grid(low: float, high: float, step: float | None) -> tuple[float, ...]:
    """Every value of a finite grid; decimal arithmetic keeps float steps exact."""
    if low == high:  # a single point, with or without a step (Optuna refuses it unstepped)
        return (low,)
    if step is None:
        raise ValueError(
            "FloatDistribution.step must be given for BruteForceSampler"
            " (otherwise, the search space will be infinite)."
        )
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        _check_grid_size(low, high, step, (high - low) // step + 1)
        return tuple(range(low, high + 1, step))
    with decimal.localcontext(_EXACT_DECIMAL):
        value, stop, increment = (decimal.Decimal(str(v)) for v in (low, high, step))
        _check_grid_size(low, high, step, int((stop - value) // increment) + 1)
        values: list[float] = []
        while value <= stop:  # at most _MAX_GRID_SIZE rounds (checked above)
            values.append(float(value))
            value += increment
    return tuple(values)


def _grid_args(dist: BaseDistribution) -> GridArgs:
    if isinstance(dist, CategoricalDistribution):
        return (0, len(dist.choices) - 1, 1)
    if isinstance(dist, (IntDistribution, FloatDistribution)):
        return (dist.low, dist.high, dist.step)
    raise TypeError(f"BruteForceSampler does not support {dist!r}.")


def _is_nan(value: Any) -> bool:
    return isinstance(value, Real) and math.isnan(float(value))


class _Node:
    """Search-tree node: the parameter decided here and one child per grid value.

    ``children is None``: not expanded (nothing known below); ``{}``: a finished trial ended
    here. A child ``None`` is a value no trial has taken yet.
    """

    __slots__ = ("args", "children", "count", "name", "overlay", "running")

    def __init__(self) -> None:
        self.name: str | None = None
        self.args: GridArgs | None = None
        self.children: dict[float, _Node | None] | None = None
        self.running = False
        # Persistent (finished-trial) nodes cache their number of unexpanded leaves; overlay
        # nodes (copies touched by running trials, or throw-away trees) compute it.
        self.count = 1
        self.overlay = True

    def copy(self) -> _Node:
        node = _Node()
        node.name, node.args, node.running = self.name, self.args, self.running
        node.children = None if self.children is None else dict(self.children)
        return node

    def recount(self) -> None:
        children = self.children
        if children is None:
            self.count = 1
        else:
            self.count = sum(1 if c is None else c.count for c in children.values())

    def _check(self, name: str | None, args: GridArgs | None) -> None:
        if self.name != name:
            raise ValueError(f"param_name mismatch: {self.name} != {name}")
        if args != self.args:
            assert self.children is not None and args is not None
            raise ValueError(
                f"search_space mismatch in {name}: {list(self.children)} != {list(_grid(*args))}"
            )

    def expand(self, name: str, args: GridArgs) -> None:
        if self.children is None:
            self.name, self.args = name, args
            self.children = dict.fromkeys(_grid(*args))
        else:
            self._check(name, args)

    def set_leaf(self) -> None:
        if self.children is not None:
            self._check(None, None)
        self.children = {}

    def add_path(self, path: list[_Step]) -> _Node | None:
        node = self
        for name, args, value in path:
            node.expand(name, args)
            children = node.children
            if not children or value not in children:
                return None
            child = children[value]
            if child is None:
                child = children[value] = _Node()
            node = child
        return node

    def unexpanded(self, exclude_running: bool) -> int:
        if not self.overlay:
            return self.count
        if self.children is None:
            return 0 if exclude_running and self.running else 1
        return sum(
            1 if c is None else c.unexpanded(exclude_running) for c in self.children.values()
        )

    def sample_child(self, rng: np.random.RandomState, exclude_running: bool) -> float:
        assert self.children is not None
        children = list(self.children.values())
        counts = np.array(
            [1 if c is None else c.unexpanded(exclude_running) for c in children], dtype=float
        )
        # Mix "proportional to what is left below" with "uniform over children with any left".
        proportional = counts / counts.sum()
        flat = np.where(counts > 0, 1.0, 0.0)
        flat /= flat.sum()
        weights = 0.5 * proportional + 0.5 * flat
        running = np.array([c is not None and c.running for c in children], dtype=bool)
        if np.any(~running & (weights > 0)):
            weights[running] = 0.0
        weights /= weights.sum()
        return float(rng.choice(list(self.children), p=weights).item())


def _trial_path(trial: FrozenTrial, skip: dict[str, Any]) -> list[_Step]:
    path: list[_Step] = []
    params = trial.params
    for name, dist in trial.distributions.items():
        if name in skip:
            continue
        value = params[name]
        if isinstance(dist, CategoricalDistribution):
            try:
                index = dist.to_internal_repr(value)
            except ValueError:
                index = math.nan
            path.append((name, _grid_args(dist), index))
        else:
            path.append((name, _grid_args(dist), value))
    return path


def _no_point(trial: FrozenTrial) -> bool:
    """A trial that failed before suggesting anything marks no point of the grid (Optuna
    puts it at the root, after which every trial fails with 'param_name mismatch')."""
    return trial.state == TrialState.FAIL and not trial.params


def _populate(tree: _Node, trials: Sequence[FrozenTrial], params: dict[str, Any]) -> None:
    """Add the trials sharing ``params`` (NaN-valued ones must be NaN too) to ``tree``."""
    fixed = [(k, v) for k, v in params.items() if not _is_nan(v)]
    nan_names = [k for k, v in params.items() if _is_nan(v)]
    for trial in trials:
        if _no_point(trial):
            continue
        if params:
            trial_params = trial.params
            if any(k not in trial_params or trial_params[k] != v for k, v in fixed):
                continue
            if not all(_is_nan(trial_params.get(k)) for k in nan_names):
                continue
        leaf = tree.add_path(_trial_path(trial, params))
        if leaf is not None:
            if trial.state.is_finished():
                leaf.set_leaf()
            else:
                leaf.running = True


class _Inconsistent(Exception):
    """The trials do not share one tree shape: use the exact rebuild instead."""


class _FinishedTree:
    """Search tree of the finished trials, kept incrementally from the trial history.

    Each finished trial is inserted once (O(depth x branching)); nodes cache their count of
    unexpanded leaves, so a suggestion only walks the current trial's path and overlays the
    few running trials, instead of rebuilding the tree from all trials.
    """

    def __init__(self) -> None:
        self.root = _Node()
        self.root.overlay = False
        self.cursor = 0
        self.consistent = True

    def insert(self, trial: FrozenTrial) -> None:
        if not self.consistent or _no_point(trial):
            return
        node = self.root
        visited = [node]
        try:
            for name, args, value in _trial_path(trial, {}):
                node.expand(name, args)
                children = node.children
                if not children or value not in children:
                    node = None  # type: ignore[assignment]
                    break
                child = children[value]
                if child is None:
                    child = children[value] = _Node()
                    child.overlay = False
                node = child
                visited.append(node)
            if node is not None:
                node.set_leaf()
        except ValueError:
            self.consistent = False
            return
        for n in reversed(visited):
            n.recount()

    def sync(self, study: Study) -> None:
        history = study._get_trial_history()
        trials = history.trials
        for row in range(self.cursor, history.n):
            self.insert(trials[row])
        self.cursor = history.n

    def walk(self, trial_params: dict[str, Any], dists: dict[str, BaseDistribution]) -> _Node:
        """Node reached by following ``trial_params`` in order (raises when off the tree)."""
        node = self.root
        for name, value in trial_params.items():
            children = node.children
            if children is None:
                return _Node()  # nothing finished below: a fresh unexpanded node
            if node.name != name:
                raise _Inconsistent
            dist = dists[name]
            key = (
                dist.to_internal_repr(value)
                if isinstance(dist, CategoricalDistribution)
                else value
            )
            if _is_nan(key) or key not in children:
                raise _Inconsistent
            child = children[key]
            if child is None:
                return _Node()
            node = child
        return node


def _overlay(base: _Node, running: list[list[_Step]], first: _Step | None = None) -> _Node:
    """Copy of ``base`` with the running trials' paths added (copy-on-write).

    ``first`` (name, grid, _) pre-expands the root, as for the parameter being suggested.
    """
    root = base.copy()
    if first is not None:
        root.expand(first[0], first[1])
    for path in running:
        node = root
        for name, args, value in path:
            node.expand(name, args)
            children = node.children
            if not children or value not in children:
                node = None  # type: ignore[assignment]
                break
            child = children[value]
            if child is None:
                child = _Node()
            elif not child.overlay:
                child = child.copy()
            children[value] = child
            node = child
        if node is not None:
            node.running = True
    return root


def _matches(trial: FrozenTrial, params: dict[str, Any]) -> bool:
    trial_params = trial.params
    for k, v in params.items():
        if _is_nan(v):
            if not _is_nan(trial_params.get(k)):
                return False
        elif k not in trial_params or trial_params[k] != v:
            return False
    return True


class BruteForceSampler(PicklableLocksMixin, BaseSampler):
    """Try every combination of a finite define-by-run search space.

    Conditional spaces are explored as a tree: each parameter's value opens the parameters
    suggested after it. When every leaf has been tried, the study is stopped.

    Parameters
    ----------
    seed
        Seed of the (random) visiting order.
    avoid_premature_stop
        Treat running trials as unfinished when deciding whether the space is exhausted:
        strictly exhaustive, at the cost of possible duplicate trials in parallel runs.

    Notes
    -----
    ``FloatDistribution`` parameters need a ``step``.
    """

    _PROCESS_CACHES: ClassVar[Factories] = {"_tree": _FinishedTree, "_study_key": reset_to_none}

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        warnings.warn(
            "BruteForceSampler is experimental (supported from v3.1.0). "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        self._seed = _check_seed(seed)
        if not isinstance(avoid_premature_stop, bool):
            raise TypeError(
                f"`avoid_premature_stop` must be a bool, but got {avoid_premature_stop!r}."
            )
        self._rng = np.random.RandomState(seed)
        self._avoid_premature_stop = avoid_premature_stop
        self._create_locks()
        self._tree = _FinishedTree()
        self._study_key: tuple[int, int] | None = None

    def reseed_rng(self) -> None:
        self._rng = np.random.RandomState()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    @staticmethod
    def _other_trials(study: Study, number: int) -> list[FrozenTrial]:
        """Finished and running trials except trial ``number``."""
        history = study._get_trial_history()
        running = study._storage.get_running_trials(study._study_id)
        return [*history.trials, *(t for t in running if t.number != number)]

    def _synced_tree(self, study: Study) -> _FinishedTree:
        key = (id(study._storage), study._study_id)
        if key != self._study_key:
            self._study_key, self._tree = key, _FinishedTree()
        self._tree.sync(study)
        return self._tree

    def _running_paths(
        self, study: Study, number: int, params: dict[str, Any]
    ) -> list[list[_Step]]:
        running = study._storage.get_running_trials(study._study_id)
        return [
            _trial_path(t, params) for t in running if t.number != number and _matches(t, params)
        ]

    def _subtree(
        self,
        study: Study,
        trial: FrozenTrial,
        params: dict[str, Any],
        first: _Step | None = None,
    ) -> _Node | None:
        """The tree Optuna would build for ``params``, from the incremental tree when exact."""
        tree = self._tree
        if not tree.consistent or any(_is_nan(v) for v in params.values()):
            return None
        ordered = {name: params[name] for name in trial.params if name in params}
        try:
            base = tree.walk(ordered, trial.distributions)
        except _Inconsistent:
            return None
        if base.children == {}:
            return None  # a finished trial ended here: let the exact rebuild decide
        try:
            return _overlay(base, self._running_paths(study, trial.number, params), first)
        except ValueError:
            return None  # inconsistent shapes: the exact rebuild raises as Optuna does

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        study = study._whole_study()  # every trial, also under HyperbandPruner (as Optuna)
        exclude_running = not self._avoid_premature_stop
        args = _grid_args(param_distribution)
        _grid(*args)  # a float without step is rejected here
        with self._lock:
            self._synced_tree(study)
            tree = self._subtree(study, trial, trial.params, (param_name, args, 0.0))
            if tree is None:
                # Exact rebuild over all trials (rare: conditions the tree cannot follow).
                tree = _Node()
                tree.expand(param_name, args)
                _populate(tree, self._other_trials(study, trial.number), trial.params)
            if tree.unexpanded(exclude_running) > 0:
                value = tree.sample_child(self._rng, exclude_running)
            else:
                value = float(self._rng.choice(_grid(*args)).item())
        if isinstance(param_distribution, (IntDistribution, CategoricalDistribution)):
            return param_distribution.to_external_repr(value)
        return float(value)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        study = study._whole_study()
        exclude_running = not self._avoid_premature_stop
        finished = FrozenTrial(
            number=trial.number,
            state=state,
            value=None,
            values=None,
            datetime_start=None,
            datetime_complete=None,
            params=trial.params,
            distributions=trial.distributions,
            user_attrs={},
            system_attrs={},
            intermediate_values={},
            trial_id=trial._trial_id,
        )
        if _no_point(finished):  # it says nothing about the grid: never stop on it
            return
        with self._lock:
            tree = self._synced_tree(study)
            tree.insert(finished)  # inserting it again when it reaches the history is a no-op
            params = dict(trial.params)
            fast = True
            for name in reversed(list(trial.params)):
                params.pop(name)
                subtree = self._subtree(study, trial, params) if fast else None
                if subtree is None:
                    fast = False
                    subtree = _Node()
                    _populate(
                        subtree, [*self._other_trials(study, trial.number), finished], params
                    )
                if subtree.unexpanded(exclude_running) > 0:
                    return
        study.stop()
