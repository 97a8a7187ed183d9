"""Child generation paths of NSGAIISampler: Rust batches, user crossovers and mutations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.samplers import NSGAIISampler
from ferrotune.samplers.nsgaii import (
    BaseCrossover,
    BaseMutation,
    PolynomialMutation,
    UniformCrossover,
)

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
GEN_KEY = "NSGAIISampler:generation"


def _objective(trial: ferrotune.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 1e-3, 10.0, log=True)
    n = trial.suggest_int("n", -3, 3)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return x + abs(n) + (c == "a"), (1.0 - x) * y


def _run(sampler: NSGAIISampler, n_trials: int = 60) -> ferrotune.Study:
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_objective, n_trials=n_trials)
    return study


class _MidpointCrossover(BaseCrossover):
    n_parents = 2

    def __init__(self) -> None:
        self.calls = 0

    def crossover(self, parents_params: Any, rng: Any, study: Any, bounds: Any) -> Any:
        self.calls += 1
        return parents_params.mean(axis=0)


class _SwapUniform(UniformCrossover):
    """A subclass of a built-in crossover that overrides ``crossover``: runs in Python."""

    calls = 0

    def crossover(self, parents_params: Any, rng: Any, study: Any, bounds: Any) -> Any:
        type(self).calls += 1
        return super().crossover(parents_params, rng, study, bounds)


class _ToLow(BaseMutation):
    def __init__(self) -> None:
        self.calls = 0

    def mutation(self, param: float, rng: Any, study: Any, bounds: Any) -> float:
        self.calls += 1
        return float(bounds[0])


def test_user_crossover_runs_in_python() -> None:
    crossover = _MidpointCrossover()
    study = _run(NSGAIISampler(population_size=10, crossover=crossover, seed=0))
    assert crossover.calls > 0
    later = [t for t in study.trials if t.system_attrs[GEN_KEY] >= 1]
    assert later and all(0.0 <= t.params["x"] < 1.0 for t in later)


def test_subclass_overriding_a_builtin_crossover_runs_in_python() -> None:
    _SwapUniform.calls = 0
    _run(NSGAIISampler(population_size=10, crossover=_SwapUniform(), seed=0))
    assert _SwapUniform.calls > 0


def test_user_mutation_is_applied_to_flagged_genes() -> None:
    mutation = _ToLow()
    study = _run(
        NSGAIISampler(population_size=10, mutation=mutation, mutation_prob=0.5, seed=0), 80
    )
    assert mutation.calls > 0
    later = [t for t in study.trials if t.system_attrs[GEN_KEY] >= 1]
    # _ToLow sends x to 0.0 (its lower bound); crossover of values in (0, 1) rarely does.
    assert sum(t.params["x"] == 0.0 for t in later) > 5


def test_polynomial_mutation_keeps_children_in_the_space() -> None:
    sampler = NSGAIISampler(
        population_size=10, mutation=PolynomialMutation(eta=5.0), mutation_prob=0.5, seed=0
    )
    study = _run(sampler, 80)
    for t in study.trials:
        assert 0.0 <= t.params["x"] < 1.0
        assert 1e-3 <= t.params["y"] <= 10.0
        assert -3 <= t.params["n"] <= 3 and isinstance(t.params["n"], int)
        assert t.params["c"] in ("a", "b", "c")


def test_copied_children_are_exact_parent_values() -> None:
    sampler = NSGAIISampler(population_size=8, crossover_prob=0.0, mutation_prob=0.0, seed=1)
    study = _run(sampler, 40)
    first = {tuple(sorted(t.params.items())) for t in study.trials[:8]}
    # Without crossover or mutation every child copies a parent, so every later trial
    # carries the exact values (even of the log-scale parameter) of a generation-0 trial.
    for t in study.trials[8:]:
        assert tuple(sorted(t.params.items())) in first


@pytest.mark.parametrize("mutation_prob", [None, 1.0])
def test_mutation_redraws_cover_the_space(mutation_prob: float | None) -> None:
    sampler = NSGAIISampler(population_size=10, mutation_prob=mutation_prob, seed=3)
    study = _run(sampler, 200)
    later = [t for t in study.trials if t.system_attrs[GEN_KEY] >= 1]
    ns = {t.params["n"] for t in later}
    cs = {t.params["c"] for t in later}
    if mutation_prob == 1.0:  # every gene is redrawn: uniform over each space
        assert ns == set(range(-3, 4)) and cs == {"a", "b", "c"}
        xs = np.array([t.params["x"] for t in later])
        assert 0.35 < xs.mean() < 0.65
    else:
        assert len(later) == 190


def test_same_seed_same_children_with_every_operator() -> None:
    def params(seed: int) -> list[dict[str, Any]]:
        sampler = NSGAIISampler(
            population_size=6, crossover=ferrotune.samplers.nsgaii.UNDXCrossover(), seed=seed
        )
        return [t.params for t in _run(sampler, 30).trials]

    assert params(5) == params(5)
    assert params(5) != params(6)


def test_reseed_drops_children_drawn_ahead() -> None:
    def continued(reseed: bool) -> list[dict[str, Any]]:
        sampler = NSGAIISampler(population_size=10, seed=0)
        study = _run(sampler, 15)  # generation 1 has handed out 5 of its 10 children
        if reseed:
            sampler.reseed_rng()
        study.optimize(_objective, n_trials=5)
        return [t.params for t in study.trials[15:]]

    assert continued(False) == continued(False)
    assert continued(True) != continued(False)


def test_population_size_setter_sizes_the_batches() -> None:
    sampler = NSGAIISampler(population_size=10, seed=0)
    sampler.population_size = 4
    study = _run(sampler, 12)
    assert [t.system_attrs[GEN_KEY] for t in study.trials] == [0] * 4 + [1] * 4 + [2] * 4
