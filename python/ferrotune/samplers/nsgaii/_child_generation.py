"""NSGA-II child generation: tournament parent selection, crossover and mutation.

Independent of how the parent population is chosen (NSGA-II's elite selection, NSGA-III's
niching or a user strategy): :class:`ChildGenerator` only needs the parents as a
:class:`Parents` record over the columnar trial history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.logging import get_logger
from ferrotune.samplers.nsgaii._crossovers import BaseCrossover
from ferrotune.samplers.nsgaii._mutations import BaseMutation
from ferrotune.samplers.nsgaii._population import (
    FloatArray,
    IntArray,
    NumericalTransform,
    is_numerical,
    penalties,
)

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

_logger = get_logger(__name__)
# Bound of the crossover's retry loop (Optuna's loop is unbounded).
_MAX_CROSSOVER_ATTEMPTS = 1000


class Parents:
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

    def matrices(self, history: TrialHistory, plan: Plan) -> tuple[FloatArray, list[list[int]]]:
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


class Plan:
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


class ChildGenerator:
    """Crossover and mutation of NSGA-II (and of the GA samplers that reuse it).

    Parameters
    ----------
    crossover, crossover_prob, swapping_prob, mutation, mutation_prob
        As in :class:`~ferrotune.samplers.NSGAIISampler`.
    seed
        Seed of the generator's random state.
    """

    def __init__(
        self,
        *,
        crossover: BaseCrossover,
        crossover_prob: float,
        swapping_prob: float,
        mutation: BaseMutation | None,
        mutation_prob: float | None,
        seed: int | None,
    ) -> None:
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._mutation = mutation
        self._mutation_prob = mutation_prob
        self._rng = np.random.RandomState(seed)
        self._transforms: dict[tuple[tuple[str, int], ...], NumericalTransform] = {}
        self._plans: dict[tuple[tuple[str, int], ...], Plan] = {}

    def reseed_rng(self) -> None:
        """Draw a fresh, unseeded random state."""
        self._rng = np.random.RandomState()

    def _transform(self, numerical: dict[str, BaseDistribution]) -> NumericalTransform:
        # Distributions of the intersection space are the same objects trial after trial, so
        # identities make a cheap key (the transform keeps them alive, so ids are not reused).
        key = tuple((name, id(dist)) for name, dist in numerical.items())
        transform = self._transforms.get(key)
        if transform is None:
            transform = NumericalTransform(numerical)
            self._transforms[key] = transform
        return transform

    def _tournament(self, parents: Parents, pool: list[int]) -> int:
        a = pool[self._rng.randint(len(pool))]
        b = pool[self._rng.randint(len(pool))]
        return a if parents.dominates(a, b) else b

    def _plan(self, search_space: dict[str, BaseDistribution]) -> Plan:
        # Distributions of the intersection space are the same objects trial after trial, so
        # identities make a cheap key (the plan keeps them alive, so ids are not reused).
        key = tuple((name, id(dist)) for name, dist in search_space.items())
        plan = self._plans.get(key)
        if plan is None:
            plan = Plan(search_space)
            self._plans[key] = plan
        return plan

    def generate_child(
        self,
        study: Study,
        history: TrialHistory,
        search_space: dict[str, BaseDistribution],
        parents: Parents,
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
