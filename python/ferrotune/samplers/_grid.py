"""Grid search over an explicit search space."""

from __future__ import annotations

import itertools
import random
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune import logging as _logging
from ferrotune.distributions import BaseDistribution, _choice_equal
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._random import _check_seed
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

GridValueType = str | float | int | bool | None
_logger = _logging.get_logger(__name__)
_GRID_ID = "grid_id"
_SEARCH_SPACE = "search_space"


def _value_equal(a: Any, b: Any) -> bool:
    return _choice_equal(a, b)


def _as_grid(name: str, values: Any) -> Any:
    """A numpy array grid as a list of Python scalars; anything else unchanged."""
    if not isinstance(values, np.ndarray):
        return values
    if values.ndim != 1:
        raise ValueError(
            f"The grid of {name!r} must be one-dimensional, got an array of shape {values.shape}."
        )
    return values.tolist()


class GridSampler(BaseSampler):
    """Evaluate every combination of the given values once, in a seeded random order.

    The study stops once every grid point has been evaluated. Visited points are tracked
    incrementally from the study's finished trials, so each trial costs O(1) amortised.

    Parameters
    ----------
    search_space
        ``{name: [values...]}``; every suggested parameter must be listed. A grid may also be
        a one-dimensional numpy array; its values are converted to Python scalars.
    seed
        Seed of the order in which grid points are visited.
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[GridValueType]], seed: int | None = None
    ) -> None:
        if not isinstance(search_space, Mapping):
            raise TypeError(f"`search_space` must be a dict of lists, but got {search_space!r}.")
        search_space = {name: _as_grid(name, values) for name, values in search_space.items()}
        for name, values in search_space.items():
            if isinstance(values, str) or not isinstance(values, Sequence):
                raise TypeError(f"The grid of {name!r} must be a list of values, got {values!r}.")
            if len(values) == 0:
                raise ValueError(f"The grid of {name!r} is empty.")
            for value in values:
                if value is not None and not isinstance(value, (str, int, float, bool)):
                    warnings.warn(
                        f"{name} contains a value with the type of {type(value)}, which is not "
                        "supported by `GridSampler`. Please make sure a value is `str`, `int`, "
                        "`float`, `bool` or `None` for persistent storage.",
                        UserWarning,
                        stacklevel=2,
                    )
        self._search_space = {name: list(values) for name, values in sorted(search_space.items())}
        self._param_names = list(self._search_space)
        self._all_grids = list(itertools.product(*self._search_space.values()))
        self._n_grids = len(self._all_grids)
        self._seed = _check_seed(seed)
        self._rng = random.Random(self._seed or 0)
        self._rng.shuffle(self._all_grids)
        self._visited: set[int] = set()
        self._cursor = 0
        self._study_key: tuple[int, int] | None = None

    def reseed_rng(self) -> None:
        self._rng = random.Random()

    def _same_space(self, other: Any) -> bool:
        if not isinstance(other, Mapping) or set(other) != set(self._search_space):
            return False
        for name, values in self._search_space.items():
            theirs = other[name]
            if len(theirs) != len(values):
                return False
            if not all(_value_equal(a, b) for a, b in zip(theirs, values)):
                return False
        return True

    def _unvisited(self, study: Study) -> list[int]:
        study = study._whole_study()  # every trial, also under HyperbandPruner (as Optuna)
        key = (id(study._storage), study._study_id)
        if key != self._study_key:
            self._study_key, self._cursor, self._visited = key, 0, set()
        history = study._get_trial_history()
        trials = history.trials
        for row in range(self._cursor, history.n):
            attrs = trials[row].system_attrs
            if _GRID_ID in attrs and self._same_space(attrs.get(_SEARCH_SPACE)):
                self._visited.add(attrs[_GRID_ID])
        self._cursor = history.n
        running = {
            t.system_attrs[_GRID_ID]
            for t in study._storage.get_running_trials(study._study_id)
            if _GRID_ID in t.system_attrs and self._same_space(t.system_attrs.get(_SEARCH_SPACE))
        }
        unvisited = [i for i in range(self._n_grids) if i not in self._visited]
        free = [i for i in unvisited if i not in running]
        return free or unvisited

    def is_exhausted(self, study: Study) -> bool:
        """Whether every grid point has been evaluated."""
        return len(self._unvisited(study)) == 0

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        attrs = trial.system_attrs
        if _GRID_ID in attrs or "fixed_params" in attrs:
            return
        if 0 <= trial.number < self._n_grids:
            grid_id = trial.number
        else:
            targets = self._unvisited(study)
            if not targets:
                _logger.warning(
                    "`GridSampler` is re-evaluating a configuration because the grid has been "
                    "exhausted. This may happen due to a timing issue during distributed "
                    "optimization or when re-running optimizations on already finished studies."
                )
                targets = list(range(self._n_grids))
            grid_id = self._rng.choice(targets)
        study._storage.set_trial_system_attr(trial._trial_id, _SEARCH_SPACE, self._search_space)
        study._storage.set_trial_system_attr(trial._trial_id, _GRID_ID, grid_id)
        attrs[_SEARCH_SPACE] = self._search_space
        attrs[_GRID_ID] = grid_id

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if _GRID_ID not in trial.system_attrs:
            raise ValueError(
                "All parameters must be specified when using GridSampler with enqueue_trial."
            )
        if param_name not in self._search_space:
            raise ValueError(f"The parameter name, {param_name}, is not found in the given grid.")
        grid_id = trial.system_attrs[_GRID_ID]
        value = self._all_grids[grid_id][self._param_names.index(param_name)]
        if not param_distribution._contains(param_distribution.to_internal_repr(value)):
            warnings.warn(
                f"The value `{value}` is out of range of the parameter `{param_name}`. The value "
                f"will be used but the actual distribution is: `{param_distribution}`.",
                UserWarning,
                stacklevel=2,
            )
        return value

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        targets = self._unvisited(study)
        exhausted = not targets or (
            len(targets) == 1 and trial.system_attrs.get(_GRID_ID) == targets[0]
        )
        if exhausted and study._thread_local.in_optimize_loop:  # ask/tell users check themselves
            study.stop()
