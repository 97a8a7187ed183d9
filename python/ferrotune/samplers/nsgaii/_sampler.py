"""NSGA-II (Deb et al., IEEE TEC 6(2), 2002) with Optuna 5.0's interface and bookkeeping."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.logging import get_logger
from ferrotune.samplers._ga import BaseGASampler
from ferrotune.samplers._random import RandomSampler, _check_callable, _check_seed
from ferrotune.samplers.nsgaii._crossovers import (
    BaseCrossover,
    UniformCrossover,
    _check_probability,
)
from ferrotune.samplers.nsgaii._mutations import BaseMutation
from ferrotune.samplers.nsgaii._population import (
    FloatArray,
    IntArray,
    NumericalTransform,
    direction_signs,
    is_numerical,
    penalties,
    select_elite,
)
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

_logger = get_logger(__name__)
# Bound of the crossover's retry loop (Optuna's loop is unbounded).
_MAX_CROSSOVER_ATTEMPTS = 1000

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


class _Parents:
    """Arrays describing one generation's parent population (shared by its children)."""

    __slots__ = ("_matrices", "loss", "loss_list", "numbers", "penalty", "penalty_list", "rows")

    def __init__(self, history: TrialHistory, rows: IntArray, signs: FloatArray) -> None:
        order = np.argsort(history.numbers[rows], kind="stable")
        self.rows = rows[order]
        self.numbers = history.numbers[self.rows]
        self.loss = history.values[self.rows] * signs
        self.penalty = penalties(history, self.rows)
        self.loss_list: list[list[float]] = self.loss.tolist()
        self.penalty_list: list[float] | None = (
            None if self.penalty is None else self.penalty.tolist()
        )
        self._matrices: dict[tuple[tuple[str, int], ...], tuple[FloatArray, list[list[int]]]] = {}

    def matrices(self, history: TrialHistory, plan: _Plan) -> tuple[FloatArray, list[list[int]]]:
        """Parents' transformed numerical params and categorical indices (cached per plan)."""
        cached = self._matrices.get(plan.key)
        if cached is None:
            if plan.transform is None:
                numeric = np.empty((self.rows.size, 0))
            else:
                internal = np.column_stack(
                    [history.param(n)[self.rows] for n in plan.transform.names]
                )
                numeric = plan.transform.transform(internal)
            indices = (
                np.column_stack([history.param(n)[self.rows] for n, _ in plan.categorical])
                .astype(np.int64)
                .tolist()
                if plan.categorical
                else [[] for _ in range(self.rows.size)]
            )
            cached = self._matrices[plan.key] = (numeric, indices)
        return cached

    def dominates(self, a: int, b: int) -> bool:
        """Constrained domination of Deb et al. (2002), Section VI (plain when unconstrained)."""
        if self.penalty_list is not None:
            pa, pb = self.penalty_list[a], self.penalty_list[b]
            if pa > 0.0 or pb > 0.0:
                if pa <= 0.0:
                    return True
                if pb <= 0.0:
                    return False
                return pa < pb
        la, lb = self.loss_list[a], self.loss_list[b]
        return la != lb and all(x <= y for x, y in zip(la, lb))


class _Plan:
    """How a search space splits into categorical and numerical parameters."""

    __slots__ = ("categorical", "key", "search_space", "transform")

    def __init__(self, search_space: dict[str, BaseDistribution]) -> None:
        self.search_space = search_space  # keeps the distributions (and their ids) alive
        self.categorical = [
            (n, d) for n, d in search_space.items() if isinstance(d, CategoricalDistribution)
        ]
        numerical = {n: d for n, d in search_space.items() if is_numerical(d)}
        self.transform = NumericalTransform(numerical) if numerical else None
        self.key = tuple((n, id(d)) for n, d in search_space.items())


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
        selected parameter is resampled by :class:`~ferrotune.samplers.RandomSampler`.
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
        self._rng = np.random.RandomState(seed)
        self._mutation = mutation
        self._mutation_prob = mutation_prob
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._constraints_func = constraints_func
        self._elite_strategy = elite_population_selection_strategy
        self._child_strategy = child_generation_strategy
        self._after_trial_strategy = after_trial_strategy
        self._search_space = IntersectionSearchSpace()
        super().__init__(population_size)

    # -- caches ------------------------------------------------------------------------------
    def _reset_cache(self, key: tuple[int, int] | None) -> None:
        super()._reset_cache(key)
        self._parents: dict[int, _Parents] = {}
        self._transforms: dict[tuple[tuple[str, int], ...], NumericalTransform] = {}
        self._plans: dict[tuple[tuple[str, int], ...], _Plan] = {}

    # -- Optuna's BaseGASampler interface ----------------------------------------------------
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
        penalty = penalties(history, previous)
        values = history.values[previous]
        signs = direction_signs(study.directions)
        return previous[select_elite(values, signs, penalty, self._population_size)]

    # -- BaseSampler -------------------------------------------------------------------------
    def reseed_rng(self) -> None:
        self._random_sampler.reseed_rng()
        self._rng = np.random.RandomState()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {
            name: dist
            for name, dist in self._search_space._shared(study).items()
            if not dist.single()
        }

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
                parents = _Parents(history, rows, direction_signs(study.directions))
                self._parents = {generation: parents}
            return self._generate_child(study, history, search_space, parents)

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

    # -- child generation ------------------------------------------------------------------
    def _transform(self, numerical: dict[str, BaseDistribution]) -> NumericalTransform:
        # Distributions of the intersection space are the same objects trial after trial, so
        # identities make a cheap key (the transform keeps them alive, so ids are not reused).
        key = tuple((name, id(dist)) for name, dist in numerical.items())
        transform = self._transforms.get(key)
        if transform is None:
            transform = NumericalTransform(numerical)
            self._transforms[key] = transform
        return transform

    def _tournament(self, parents: _Parents, pool: list[int]) -> int:
        a = pool[self._rng.randint(len(pool))]
        b = pool[self._rng.randint(len(pool))]
        return a if parents.dominates(a, b) else b

    def _plan(self, search_space: dict[str, BaseDistribution]) -> _Plan:
        # Distributions of the intersection space are the same objects trial after trial, so
        # identities make a cheap key (the plan keeps them alive, so ids are not reused).
        key = tuple((name, id(dist)) for name, dist in search_space.items())
        plan = self._plans.get(key)
        if plan is None:
            plan = _Plan(search_space)
            self._plans[key] = plan
        return plan

    def _generate_child(
        self,
        study: Study,
        history: TrialHistory,
        search_space: dict[str, BaseDistribution],
        parents: _Parents,
    ) -> dict[str, Any]:
        rng = self._rng
        plan = self._plan(search_space)
        categorical, transform = plan.categorical, plan.transform
        numeric, indices = parents.matrices(history, plan)
        child: dict[str, Any] = {}
        if rng.rand() < self._crossover_prob:
            n_parents = self._crossover.n_parents
            n_pop = parents.rows.size
            # Repeat until the child lies inside the search space, a bounded number of
            # times: a crossover that never lands inside (a custom one, or parents with
            # NaN coordinates) must not spin forever. Then the first parent's numerical
            # values are taken as they are (they lie in the space).
            for attempt in range(_MAX_CROSSOVER_ATTEMPTS):
                chosen: list[int] = []
                pool = list(range(n_pop))
                for _ in range(n_parents):
                    winner = self._tournament(parents, pool)
                    chosen.append(winner)
                    pool.remove(winner)  # the next parent comes from the others
                child = {}
                if categorical:
                    take_last = (rng.rand(len(categorical)) >= self._swapping_prob).tolist()
                    first, last = indices[chosen[0]], indices[chosen[-1]]
                    for k, (name, dist) in enumerate(categorical):
                        child[name] = dist.choices[last[k] if take_last[k] else first[k]]
                if transform is None:
                    break
                point = np.asarray(
                    self._crossover.crossover(numeric[chosen], rng, study, transform.bounds),
                    dtype=np.float64,
                )
                if transform.contains(point):
                    child.update(transform.untransform(point))
                    break
                if attempt == _MAX_CROSSOVER_ATTEMPTS - 1:
                    _logger.warning(
                        f"{self._crossover.__class__.__name__} produced no child inside the "
                        f"search space in {_MAX_CROSSOVER_ATTEMPTS} attempts; the child takes "
                        "the numerical values of its first parent."
                    )
                    child.update(transform.untransform(numeric[chosen[0]]))
        else:
            row = parents.rows[rng.choice(parents.rows.size)]
            for name, space_dist in search_space.items():
                value = float(history.param(name)[row])
                child[name] = space_dist.to_external_repr(value)
        return self._mutate(study, search_space, child)

    def _mutate(
        self, study: Study, search_space: dict[str, BaseDistribution], child: dict[str, Any]
    ) -> dict[str, Any]:
        rng = self._rng
        prob = self._mutation_prob
        if prob is None:
            prob = 1.0 / max(1.0, len(child))
        params: dict[str, Any] = {}
        for name, value in child.items():
            if rng.rand() >= prob:
                params[name] = value
            elif self._mutation is not None:
                dist = search_space[name]
                if not is_numerical(dist):
                    continue
                transform = self._transform({name: dist})
                x = float(transform.transform(np.array([[dist.to_internal_repr(value)]]))[0, 0])
                bounds = transform.bounds[0]
                mutated = self._mutation.mutation(x, rng, study, bounds)
                mutated = float(np.clip(mutated, bounds[0], bounds[1]))
                params[name] = transform.untransform(np.array([mutated]))[name]
        return params
