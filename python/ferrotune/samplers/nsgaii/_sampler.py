"""NSGA-II (Deb et al., IEEE TEC 6(2), 2002) with Optuna 5.0's interface and bookkeeping."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._ga import BaseGASampler
from ferrotune.samplers._random import RandomSampler, _check_callable, _check_seed
from ferrotune.samplers.nsgaii._child_generation import ChildGenerator, Parents
from ferrotune.samplers.nsgaii._crossovers import (
    BaseCrossover,
    UniformCrossover,
    _check_probability,
)
from ferrotune.samplers.nsgaii._mutations import BaseMutation
from ferrotune.samplers.nsgaii._population import (
    IntArray,
    direction_signs,
    population_arrays,
    select_elite,
)
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

_CONSTRAINTS_KEY = "constraints"

EliteStrategy = Callable[["Study", list[FrozenTrial]], list[FrozenTrial]]
ChildStrategy = Callable[["Study", dict[str, BaseDistribution], list[FrozenTrial]], dict[str, Any]]
AfterTrialStrategy = Callable[["Study", FrozenTrial, TrialState, "Sequence[float] | None"], None]


def _experimental(name: str) -> None:
    warnings.warn(
        f"Argument ``{name}`` is an experimental feature. The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )


def _store_constraints(
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
    study: Study,
    trial: FrozenTrial,
    state: TrialState,
) -> None:
    """Evaluate ``constraints_func`` and store its values as Optuna does (legacy list key)."""
    if state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return
    constraints = None
    try:
        con = constraints_func(trial)
        if np.any(np.isnan(np.asarray(con, dtype=np.float64))):
            raise ValueError(f"Constraint values cannot be NaN, got {con!r}.")
        if not isinstance(con, (tuple, list)):
            warnings.warn(
                f"Constraints should be a sequence of floats but got {type(con).__name__}.",
                UserWarning,
                stacklevel=3,
            )
        constraints = tuple(float(c) for c in con)
    finally:
        study._storage.set_trial_system_attr(trial._trial_id, _CONSTRAINTS_KEY, constraints)


class NSGAIISampler(BaseGASampler):
    """Multi-objective sampler using NSGA-II (Deb et al., IEEE TEC 6(2), 2002).

    Generations are numbered in each trial's system attributes and each generation's parent
    population in the study's, under Optuna's keys, so several workers sharing a persistent
    storage evolve one population.

    Parameters
    ----------
    population_size
        Individuals per generation; at least 2 and at least ``crossover.n_parents``.
    mutation
        Mutation applied to a numerical parameter selected for mutation; when ``None`` the
        selected parameter is redrawn from the distribution
        :class:`~ferrotune.samplers.RandomSampler` would draw it from.
    mutation_prob
        Probability of mutating each parameter; ``1 / n_params`` when ``None``.
    crossover
        Crossover of numerical parameters; :class:`UniformCrossover` when ``None``.
        Categorical parameters always use a uniform crossover.
    crossover_prob
        Probability that a child is made by crossover (otherwise it copies one parent).
    swapping_prob
        Probability of swapping each parameter between the parents in uniform crossover.
    seed
        Seed of the random generators; the same seed gives the same trials.
    constraints_func
        Deprecated in Optuna 5.0 (use ``trial.set_constraint``): maps a finished trial to
        constraint values (feasible when all ``<= 0``).
    elite_population_selection_strategy
        ``(study, population) -> survivors``; NSGA-II's rank and crowding selection when
        ``None``.
    child_generation_strategy
        ``(study, search_space, parents) -> params``; NSGA-II's crossover and mutation when
        ``None``.
    after_trial_strategy
        ``(study, trial, state, values) -> None`` run after each trial; stores
        ``constraints_func`` values when ``None``.
    """

    _population_size: int  # always set (validated) by __init__

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
        elite_population_selection_strategy: EliteStrategy | None = None,
        child_generation_strategy: ChildStrategy | None = None,
        after_trial_strategy: AfterTrialStrategy | None = None,
    ) -> None:
        if isinstance(population_size, bool) or not isinstance(
            population_size, (int, numbers.Integral)
        ):
            raise TypeError(f"`population_size` must be an int, but got {population_size!r}.")
        population_size = int(population_size)
        if population_size < 2:
            raise ValueError(
                f"`population_size` must be greater than or equal to 2, got {population_size}."
            )
        if mutation_prob is not None:
            mutation_prob = _check_probability("mutation_prob", mutation_prob)
        crossover_prob = _check_probability("crossover_prob", crossover_prob)
        swapping_prob = _check_probability("swapping_prob", swapping_prob)
        if mutation is not None and not isinstance(mutation, BaseMutation):
            raise ValueError(f"'{mutation}' is not a valid mutation.")
        for label, func in (
            ("constraints_func", constraints_func),
            ("elite_population_selection_strategy", elite_population_selection_strategy),
            ("child_generation_strategy", child_generation_strategy),
            ("after_trial_strategy", after_trial_strategy),
        ):
            _check_callable(label, func)
        if constraints_func is not None:
            warnings.warn(
                "`constraints_func` has been deprecated in v5.0.0. This feature will be removed "
                "in v7.0.0. Use `ferrotune.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if after_trial_strategy is not None:
            _experimental("after_trial_strategy")
        if child_generation_strategy is not None:
            _experimental("child_generation_strategy")
        if elite_population_selection_strategy is not None:
            _experimental("elite_population_selection_strategy")
        if crossover is None:
            crossover = UniformCrossover(swapping_prob)
        if not isinstance(crossover, BaseCrossover):
            raise ValueError(
                f"'{crossover}' is not a valid crossover. Use a "
                "ferrotune.samplers.nsgaii.BaseCrossover subclass."
            )
        if population_size < crossover.n_parents:
            raise ValueError(
                f"Using {crossover}, the population size should be greater than or equal to "
                f"{crossover.n_parents}. The specified `population_size` is {population_size}."
            )
        self._seed = _check_seed(seed)
        self._random_sampler = RandomSampler(seed=seed)
        self._child_generator = ChildGenerator(
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            mutation=mutation,
            mutation_prob=mutation_prob,
            seed=seed,
            batch_size=population_size,
        )
        self._constraints_func = constraints_func
        self._elite_strategy = elite_population_selection_strategy
        self._child_strategy = child_generation_strategy
        self._after_trial_strategy = after_trial_strategy
        self._search_space = IntersectionSearchSpace()
        super().__init__(population_size)

    # -- caches ------------------------------------------------------------------------------
    def _reset_cache(self, key: tuple[int, int] | None) -> None:
        super()._reset_cache(key)
        self._parents: dict[int, Parents] = {}
        self._relative_space: (
            tuple[dict[str, BaseDistribution], dict[str, BaseDistribution]] | None
        ) = None

    # -- Optuna's BaseGASampler interface ----------------------------------------------------
    @property
    def population_size(self) -> int:
        """Individuals per generation."""
        return self._population_size

    @population_size.setter
    def population_size(self, value: int) -> None:
        self._population_size = value
        self._child_generator.batch_size = value

    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Select the parents of ``generation`` from the previous population and parents."""
        with self._lock:
            history = self._sync(study)
            rows = self._select_parent_rows(study, history, generation)
            trials = history.trials
            return [trials[int(r)] for r in rows]

    # -- population bookkeeping ------------------------------------------------------------
    def _select_parent_rows(
        self, study: Study, history: TrialHistory, generation: int
    ) -> IntArray:
        previous = np.concatenate(
            (
                self._generations.population(generation - 1),
                self._parent_rows_of(study, history, generation - 1),
            )
        )
        if self._elite_strategy is not None:
            trials = history.trials
            chosen = self._elite_strategy(study, [trials[int(r)] for r in previous])
            index = self._generations.row_by_trial_id
            return np.array([index[t._trial_id] for t in chosen], dtype=np.int64)
        values, penalty = population_arrays(history.trials_at(previous.tolist()))
        signs = direction_signs(study.directions)
        chosen_rows: IntArray = previous[
            select_elite(values, signs, penalty, self._population_size)
        ]
        return chosen_rows

    # -- BaseSampler -------------------------------------------------------------------------
    def reseed_rng(self) -> None:
        self._random_sampler.reseed_rng()
        self._child_generator.reseed_rng()
        for parents in self._parents.values():
            parents.batches.clear()  # children drawn ahead came from the old stream

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        shared = self._search_space._shared(study)
        cached = self._relative_space
        if cached is None or cached[0] is not shared:  # _shared keeps its dict until a change
            space = {name: dist for name, dist in shared.items() if not dist.single()}
            cached = self._relative_space = (shared, space)
        return dict(cached[1])

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        with self._lock:
            history = self._sync(study)
            generation = self._trial_generation(study, trial)
            rows = self._parent_rows_of(study, history, generation)
            if rows.size == 0:
                return {}
            if self._child_strategy is not None:
                trials = history.trials
                parents_list = [trials[int(r)] for r in rows]
                return self._child_strategy(study, search_space, parents_list)
            parents = self._parents.get(generation)
            if parents is None:
                parent_trials = history.trials_at(rows.tolist())
                parents = Parents(parent_trials, direction_signs(study.directions))
                self._parents = {generation: parents}
            return self._child_generator.generate_child(study, search_space, parents)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._random_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._random_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._after_trial_strategy is not None:
            self._after_trial_strategy(study, trial, state, values)
        elif self._constraints_func is not None:
            _store_constraints(self._constraints_func, study, trial, state)
        self._random_sampler.after_trial(study, trial, state, values)
