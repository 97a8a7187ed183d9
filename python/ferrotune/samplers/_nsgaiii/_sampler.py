"""NSGA-III (Deb and Jain, IEEE TEC 18(4), 2014) with Optuna 5.0's interface."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._lazy_random_state import LazyRandomState
from ferrotune.samplers._nsgaiii._elite_population_selection_strategy import (
    _generate_default_reference_point,
    select_elite_nsga3,
)
from ferrotune.samplers.nsgaii._crossovers import BaseCrossover
from ferrotune.samplers.nsgaii._mutations import BaseMutation
from ferrotune.samplers.nsgaii._population import (
    FloatArray,
    IntArray,
    direction_signs,
    population_arrays,
)
from ferrotune.samplers.nsgaii._sampler import (
    AfterTrialStrategy,
    ChildStrategy,
    EliteStrategy,
    NSGAIISampler,
)

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial


class _RandomState(np.random.RandomState, LazyRandomState):
    """A ``RandomState`` that is also Optuna's ``LazyRandomState`` (``.rng`` is itself).

    The niching draws from ``sampler._rng`` directly, while code written for Optuna's
    NSGA-III reads ``sampler._rng.rng``; both see one stream.
    """

    def __init__(self, seed: int | None = None) -> None:
        np.random.RandomState.__init__(self, seed)

    @property
    def rng(self) -> np.random.RandomState:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_RandomState, (), self.get_state())


class NSGAIIISampler(NSGAIISampler):
    """Multi-objective sampler using NSGA-III (Deb and Jain, IEEE TEC 18(4), 2014).

    NSGA-II's generations, crossover and mutation, with survivors of the last front that does
    not fit chosen by niching around reference points instead of by crowding distance, which
    keeps a spread population with 4 or more objectives.

    The arguments other than ``reference_points`` and ``dividing_parameter`` are those of
    :class:`~ferrotune.samplers.NSGAIISampler`, with the same defaults; a custom
    ``elite_population_selection_strategy`` replaces the niching selection.

    Parameters
    ----------
    reference_points
        ``(n_points, n_objectives)`` array of target directions in objective space; Das and
        Dennis's points with ``dividing_parameter`` divisions per axis when ``None``.
    dividing_parameter
        Divisions per axis of the default reference points (ignored when
        ``reference_points`` is given).
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        reference_points: np.ndarray | None = None,
        dividing_parameter: int = 3,
        elite_population_selection_strategy: EliteStrategy | None = None,
        child_generation_strategy: ChildStrategy | None = None,
        after_trial_strategy: AfterTrialStrategy | None = None,
    ) -> None:
        warnings.warn(
            "NSGAIIISampler is experimental (supported from v3.2.0). "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        if isinstance(dividing_parameter, bool) or not isinstance(
            dividing_parameter, (int, numbers.Integral)
        ):
            raise TypeError(f"`dividing_parameter` must be an int, got {dividing_parameter!r}.")
        if dividing_parameter < 1:
            raise ValueError(f"`dividing_parameter` must be at least 1, got {dividing_parameter}.")
        self._reference_points = _check_reference_points(reference_points)
        self._dividing_parameter = int(dividing_parameter)
        super().__init__(
            population_size=population_size,
            mutation=mutation,
            mutation_prob=mutation_prob,
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            seed=seed,
            constraints_func=constraints_func,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )
        self._rng = _RandomState(seed)

    def reseed_rng(self) -> None:
        super().reseed_rng()
        self._rng.seed()

    def _reference_points_for(self, n_objectives: int) -> FloatArray:
        if self._reference_points is None:
            self._reference_points = _generate_default_reference_point(
                n_objectives, self._dividing_parameter
            )
        elif self._reference_points.shape[1] != n_objectives:
            raise ValueError(
                f"reference_points have {self._reference_points.shape[1]} columns but the "
                f"study has {n_objectives} objectives; they must be equal."
            )
        return self._reference_points

    def _select_parent_rows(
        self, study: Study, history: TrialHistory, generation: int
    ) -> IntArray:
        if self._elite_strategy is not None:
            return super()._select_parent_rows(study, history, generation)
        previous = self._previous_rows(study, history, generation)
        values, penalty = population_arrays(history.trials_at(previous.tolist()))
        loss = values * direction_signs(study.directions)
        chosen = select_elite_nsga3(
            loss,
            penalty,
            self._population_size,
            self._reference_points_for(loss.shape[1]),
            self._rng,
        )
        return previous[chosen]


def _check_reference_points(points: Any) -> FloatArray | None:
    if points is None:
        return None
    array = np.array(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(
            f"reference_points must be a non-empty 2-D array, got shape {array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"reference_points must be finite, got {points!r}.")
    if (np.einsum("pm,pm->p", array, array) == 0.0).any():
        raise ValueError(f"reference_points must not contain the origin, got {points!r}.")
    return array
