"""NSGA-II child generation: tournament parent selection, crossover and mutation.

Independent of how the parent population is chosen (NSGA-II's elite selection, NSGA-III's
niching or a user strategy): :class:`ChildGenerator` only needs the parents as a
:class:`Parents` record built from their trials.

With Optuna's built-in crossovers, one Rust call (``_core.nsga_children``, lock released)
makes a batch of children per generation and search space; each trial then takes the next
one, so a trial costs no per-population Python work. A user-defined crossover (a
:class:`BaseCrossover` subclass written in Python) runs child by child in Python, and a
user-defined mutation is applied in Python to the genes Rust flags for mutation.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune import _core
from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.logging import get_logger
from ferrotune.samplers.nsgaii._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
    _default_eta,
)
from ferrotune.samplers.nsgaii._mutations import BaseMutation, PolynomialMutation
from ferrotune.samplers.nsgaii._population import (
    FloatArray,
    NumericalTransform,
    is_numerical,
    population_arrays,
)
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)
# Bound of the crossover's retry loop (Optuna's loop is unbounded).
_MAX_CROSSOVER_ATTEMPTS = 1000
_SEED_BOUND = np.iinfo(np.int64).max


class Plan:
    """How a search space splits into categorical and numerical parameters."""

    __slots__ = ("categorical", "key", "n_choices", "search_space", "space", "transform")

    def __init__(self, search_space: dict[str, BaseDistribution]) -> None:
        self.search_space = search_space  # keeps the distributions (and their ids) alive
        self.categorical = [
            (n, d) for n, d in search_space.items() if isinstance(d, CategoricalDistribution)
        ]
        numerical = {n: d for n, d in search_space.items() if is_numerical(d)}
        self.transform = NumericalTransform(numerical) if numerical else None
        self.key = tuple((n, id(d)) for n, d in search_space.items())
        self.n_choices = np.array([len(d.choices) for _, d in self.categorical], dtype=np.int64)
        self.space: _core.NSGASpace | None = None

    def native_space(self) -> _core.NSGASpace:
        """The space as the Rust child generation sees it (built once)."""
        if self.space is None:
            t = self.transform
            bounds = np.empty((0, 2)) if t is None else np.ascontiguousarray(t.bounds)
            lower = np.empty(0) if t is None else np.ascontiguousarray(t._plain_low)
            self.space = _core.NSGASpace(
                bounds=bounds, lower_limit=lower, n_choices=self.n_choices
            )
        return self.space


class Parents:
    """One generation's parent population, read from its trials (shared by its children).

    Parameters
    ----------
    trials
        The parent trials (COMPLETE).
    signs
        ``+1`` for minimised objectives, ``-1`` for maximised ones.
    """

    __slots__ = (
        "_matrices",
        "_native",
        "batches",
        "loss",
        "loss_list",
        "penalty",
        "penalty_list",
        "trials",
    )

    def __init__(self, trials: Sequence[FrozenTrial], signs: FloatArray) -> None:
        self.trials = sorted(trials, key=lambda t: t.number)
        values, self.penalty = population_arrays(self.trials)
        self.loss = values.reshape(len(self.trials), -1) * signs
        self.loss_list: list[list[float]] = self.loss.tolist()
        self.penalty_list: list[float] | None = (
            None if self.penalty is None else self.penalty.tolist()
        )
        self._matrices: dict[tuple[tuple[str, int], ...], tuple[FloatArray, list[list[int]]]] = {}
        self._native: dict[tuple[tuple[str, int], ...], _core.NSGAPopulation] = {}
        # Children made ahead of time, per search space: (batch, next position).
        self.batches: dict[tuple[tuple[str, int], ...], tuple[list[dict[str, Any]], int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Caches keyed on distribution identities (meaningless in another process) and the
        # compiled objects are dropped; they are rebuilt on demand.
        keep = ("loss", "loss_list", "penalty", "penalty_list", "trials")
        return {name: getattr(self, name) for name in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._matrices, self._native, self.batches = {}, {}, {}

    def matrices(self, plan: Plan) -> tuple[FloatArray, list[list[int]]]:
        """Parents' transformed numerical params and categorical indices (cached per plan)."""
        cached = self._matrices.get(plan.key)
        if cached is None:
            internal = [_internal_params(t) for t in self.trials]
            if plan.transform is None:
                numeric = np.empty((len(self.trials), 0))
            else:
                row = _row_getter(plan.transform.names)
                numeric = plan.transform.transform(
                    np.array([row(p) for p in internal], dtype=np.float64)
                )
            if plan.categorical:
                row = _row_getter([n for n, _ in plan.categorical])
                indices = [[int(v) for v in row(p)] for p in internal]
            else:
                indices = [[] for _ in internal]
            cached = self._matrices[plan.key] = (numeric, indices)
        return cached

    def native(self, plan: Plan) -> _core.NSGAPopulation:
        """The parents as the Rust child generation sees them (cached per plan)."""
        population = self._native.get(plan.key)
        if population is None:
            numeric, indices = self.matrices(plan)
            categorical = np.array(indices, dtype=np.int64).reshape(len(self.trials), -1)
            population = self._native[plan.key] = _core.NSGAPopulation(
                numeric=np.ascontiguousarray(numeric),
                categorical=categorical,
                loss=np.ascontiguousarray(self.loss),
                penalty=self.penalty,
            )
        return population

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


def _row_getter(names: list[str]) -> Callable[[dict[str, float]], tuple[float, ...]]:
    """``params -> tuple of params[name] for name in names`` (C-level item lookups)."""
    if len(names) == 1:
        name = names[0]
        return lambda params: (params[name],)
    return operator.itemgetter(*names)


def _internal_params(trial: FrozenTrial) -> dict[str, float]:
    internal = trial._internal_params
    if internal is None:
        internal = {
            name: dist.to_internal_repr(trial.params[name])
            for name, dist in trial.distributions.items()
        }
    return internal


def _native_crossover(crossover: BaseCrossover, study: Study) -> _core.NSGACrossover | None:
    """The Rust twin of a built-in crossover, or ``None`` for a user-defined one."""
    kind = type(crossover)  # exact types: a subclass may override ``crossover``
    if kind is UniformCrossover and isinstance(crossover, UniformCrossover):
        return _core.NSGACrossover.uniform(swapping_prob=crossover._swapping_prob)
    if kind is BLXAlphaCrossover and isinstance(crossover, BLXAlphaCrossover):
        return _core.NSGACrossover.blx_alpha(alpha=crossover._alpha)
    if kind is SPXCrossover and isinstance(crossover, SPXCrossover):
        return _core.NSGACrossover.spx(epsilon=crossover._epsilon)
    if kind in (SBXCrossover, VSBXCrossover) and isinstance(
        crossover, (SBXCrossover, VSBXCrossover)
    ):
        make = _core.NSGACrossover.sbx if kind is SBXCrossover else _core.NSGACrossover.vsbx
        return make(
            eta=_default_eta(crossover._eta, study),
            uniform_crossover_prob=crossover._uniform_crossover_prob,
            use_child_gene_prob=crossover._use_child_gene_prob,
        )
    if kind is UNDXCrossover and isinstance(crossover, UNDXCrossover):
        return _core.NSGACrossover.undx(
            sigma_xi=crossover._sigma_xi, sigma_eta=crossover._sigma_eta
        )
    return None


class ChildGenerator:
    """Crossover and mutation of NSGA-II (and of the GA samplers that reuse it).

    Parameters
    ----------
    crossover, crossover_prob, swapping_prob, mutation, mutation_prob
        As in :class:`~ferrotune.samplers.NSGAIISampler`.
    seed
        Seed of the generator's random state.
    batch_size
        Children made per Rust call (one generation's worth: the population size).
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
        batch_size: int = 1,
    ) -> None:
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._mutation = mutation
        self._mutation_prob = mutation_prob
        self.batch_size = batch_size
        self._rng = np.random.RandomState(seed)
        self._transforms: dict[tuple[tuple[str, int], ...], NumericalTransform] = {}
        self._plans: dict[tuple[tuple[str, int], ...], Plan] = {}
        self._last_plan: Plan | None = None
        self._operators: dict[tuple[bool, int], _core.NSGAOperators | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # Keyed on distribution identities and holding compiled objects: rebuilt on demand.
        state["_transforms"], state["_plans"], state["_operators"] = {}, {}, {}
        state["_last_plan"] = None
        return state

    def reseed_rng(self) -> None:
        """Draw a fresh, unseeded random state."""
        self._rng = np.random.RandomState()

    def _plan(self, search_space: dict[str, BaseDistribution]) -> Plan:
        last = self._last_plan
        # The usual case: the same distribution objects as the previous trial (a C-level
        # dict compare that short-cuts on identity).
        if last is not None and last.search_space == search_space:
            return last
        # Distributions of the intersection space are the same objects trial after trial, so
        # identities make a cheap key (the plan keeps them alive, so ids are not reused).
        key = tuple((name, id(dist)) for name, dist in search_space.items())
        plan = self._plans.get(key)
        if plan is None:
            plan = Plan(search_space)
            self._plans[key] = plan
        self._last_plan = plan
        return plan

    def _mutation_probability(self, n_params: int) -> float:
        prob = self._mutation_prob
        return 1.0 / max(1.0, n_params) if prob is None else prob

    def _native_operators(self, study: Study, n_params: int) -> _core.NSGAOperators | None:
        key = (study._is_multi_objective(), n_params)
        if key not in self._operators:
            crossover = _native_crossover(self._crossover, study)
            ops = None
            if crossover is not None:
                mutation, eta = "flag", 20.0
                if self._mutation is None:
                    mutation = "uniform"
                elif type(self._mutation) is PolynomialMutation:
                    mutation, eta = "polynomial", self._mutation._eta
                ops = _core.NSGAOperators(
                    crossover=crossover,
                    crossover_prob=self._crossover_prob,
                    swapping_prob=self._swapping_prob,
                    mutation_prob=self._mutation_probability(n_params),
                    mutation=mutation,
                    mutation_eta=eta,
                )
            self._operators[key] = ops
        return self._operators[key]

    def generate_child(
        self, study: Study, search_space: dict[str, BaseDistribution], parents: Parents
    ) -> dict[str, Any]:
        """One child of ``parents`` in ``search_space`` (params left out are resampled)."""
        plan = self._plan(search_space)
        pending = parents.batches.get(plan.key)
        if pending is not None and pending[1] < len(pending[0]):
            batch, position = pending
            parents.batches[plan.key] = (batch, position + 1)
            return batch[position]  # handed out once: the caller may keep it
        ops = self._native_operators(study, len(search_space))
        if ops is None:
            return self._python_child(study, search_space, plan, parents)
        children = self._native_batch(study, plan, parents, ops)
        parents.batches[plan.key] = (children, 1)
        return children[0]

    # -- Rust path ---------------------------------------------------------------------------
    def _native_batch(
        self, study: Study, plan: Plan, parents: Parents, ops: _core.NSGAOperators
    ) -> list[dict[str, Any]]:
        numeric, categorical, source, mutated = _core.nsga_children(
            operators=ops,
            space=plan.native_space(),
            parents=parents.native(plan),
            n_children=max(1, int(self.batch_size)),
            seed=int(self._rng.randint(_SEED_BOUND)),
        )
        transform = plan.transform
        names = [] if transform is None else transform.names
        values = [] if transform is None else transform.untransform_rows(numeric)
        n = len(source)
        children = [dict(zip(names, row)) for row in values] if values else [{} for _ in range(n)]
        if plan.categorical:
            for child, indices in zip(children, categorical.tolist()):
                for (name, dist), i in zip(plan.categorical, indices):
                    child[name] = dist.choices[i]
        external_mutation = self._mutation is not None and (
            type(self._mutation) is not PolynomialMutation
        )
        # Copies take their parent's own values exactly (no transform round trip), except
        # for genes Rust mutated.
        for k in np.flatnonzero(source >= 0).tolist():
            params = parents.trials[int(source[k])].params
            copy = {name: params[name] for name in plan.search_space}
            if not external_mutation:
                for g in np.flatnonzero(mutated[k]).tolist():
                    name = names[g] if g < len(names) else plan.categorical[g - len(names)][0]
                    copy[name] = children[k][name]
            children[k] = copy
        if external_mutation:
            for k in np.flatnonzero(mutated.any(axis=1)).tolist():
                children[k] = self._apply_mutation(study, plan, children[k], mutated[k].tolist())
        return children

    def _apply_mutation(
        self, study: Study, plan: Plan, child: dict[str, Any], genes: list[bool]
    ) -> dict[str, Any]:
        """Apply the user's mutation to the flagged numerical genes; drop flagged categorical
        ones (they are resampled independently, as in Optuna)."""
        d = 0 if plan.transform is None else len(plan.transform.names)
        if plan.transform is not None:
            for g, name in enumerate(plan.transform.names):
                if genes[g]:
                    child[name] = self._mutate_one(study, plan.search_space[name], child[name])
        for c, (name, _) in enumerate(plan.categorical):
            if genes[d + c]:
                del child[name]
        return child

    def _mutate_one(self, study: Study, dist: BaseDistribution, value: Any) -> Any:
        assert self._mutation is not None
        transform = self._transform({"x": dist})
        x = float(transform.transform(np.array([[dist.to_internal_repr(value)]]))[0, 0])
        bounds = transform.bounds[0]
        mutated = self._mutation.mutation(x, self._rng, study, bounds)
        mutated = float(np.clip(mutated, bounds[0], bounds[1]))
        return transform.untransform(np.array([mutated]))["x"]

    # -- Python path (user-defined crossovers) -----------------------------------------------
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

    def _python_child(
        self,
        study: Study,
        search_space: dict[str, BaseDistribution],
        plan: Plan,
        parents: Parents,
    ) -> dict[str, Any]:
        rng = self._rng
        categorical, transform = plan.categorical, plan.transform
        numeric, indices = parents.matrices(plan)
        child: dict[str, Any] = {}
        if rng.rand() < self._crossover_prob:
            n_parents = self._crossover.n_parents
            n_pop = len(parents.trials)
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
            params = parents.trials[rng.choice(len(parents.trials))].params
            child = {name: params[name] for name in search_space}
        return self._mutate(study, search_space, child)

    def _mutate(
        self, study: Study, search_space: dict[str, BaseDistribution], child: dict[str, Any]
    ) -> dict[str, Any]:
        rng = self._rng
        prob = self._mutation_probability(len(child))
        params: dict[str, Any] = {}
        for name, value in child.items():
            if rng.rand() >= prob:
                params[name] = value
            elif self._mutation is not None:
                dist = search_space[name]
                if not is_numerical(dist):
                    continue
                params[name] = self._mutate_one(study, dist, value)
        return params
