"""Exhaustive search over a finite define-by-run search space."""

from __future__ import annotations

import decimal
import functools
import math
import threading
import warnings
from collections.abc import Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._random import _check_seed
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

# (low, high, step) of a parameter's grid; categoricals use (0, n_choices - 1, 1) on indices.
GridArgs = tuple[float, float, "float | None"]
_Step = tuple[str, GridArgs, float]


@functools.lru_cache(maxsize=1024)
def _grid(low: float, high: float, step: float | None) -> tuple[float, ...]:
    """Every value of a finite grid; decimal arithmetic keeps float steps exact."""
    if step is None:
        raise ValueError(
            "FloatDistribution.step must be given for BruteForceSampler"
            " (otherwise, the search space will be infinite)."
        )
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        return tuple(range(low, high + 1, step))
    value, stop, increment = (decimal.Decimal(str(v)) for v in (low, high, step))
    values: list[float] = []
    while value <= stop:
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

    __slots__ = ("args", "children", "name", "running")

    def __init__(self) -> None:
        self.name: str | None = None
        self.args: GridArgs | None = None
        self.children: dict[float, _Node | None] | None = None
        self.running = False

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


def _populate(tree: _Node, trials: Sequence[FrozenTrial], params: dict[str, Any]) -> None:
    """Add the trials sharing ``params`` (NaN-valued ones must be NaN too) to ``tree``."""
    fixed = [(k, v) for k, v in params.items() if not _is_nan(v)]
    nan_names = [k for k, v in params.items() if _is_nan(v)]
    for trial in trials:
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


class BruteForceSampler(BaseSampler):
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
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

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

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        exclude_running = not self._avoid_premature_stop
        args = _grid_args(param_distribution)
        tree = _Node()
        tree.expand(param_name, args)
        _populate(tree, self._other_trials(study, trial.number), trial.params)
        with self._lock:
            if tree.unexpanded(exclude_running) > 0:
                value = tree.sample_child(self._rng, exclude_running)
            else:
                value = float(self._rng.choice(_grid(*args)).item())
        if isinstance(param_distribution, IntDistribution):
            return param_distribution.to_external_repr(value)
        if isinstance(param_distribution, CategoricalDistribution):
            return param_distribution.to_external_repr(value)
        return float(value)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
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
        trials = [*self._other_trials(study, trial.number), finished]
        params = dict(trial.params)
        for name in reversed(list(trial.params)):
            params.pop(name)
            tree = _Node()
            _populate(tree, trials, params)
            if tree.unexpanded(exclude_running) > 0:
                return
        study.stop()
