from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.samplers import RandomSampler
from ferrotune.samplers._random import draw

DISTRIBUTIONS = [
    FloatDistribution(-2.0, 3.0),
    FloatDistribution(1e-4, 1e2, log=True),
    FloatDistribution(0.0, 1.0, step=0.1),
    IntDistribution(-3, 7),
    IntDistribution(1, 1000, log=True),
    IntDistribution(0, 20, step=4),
    CategoricalDistribution(["a", "b", "c"]),
]


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_uniform_samples_stay_in_support(dist: object) -> None:
    for u in np.linspace(0.0, 1.0 - 1e-12, 501):
        value = draw(lambda: float(u), dist)  # type: ignore[arg-type]  # noqa: B023
        assert dist._contains(dist.to_internal_repr(value))  # type: ignore[attr-defined]


def test_discrete_samples_are_uniform() -> None:
    rng = np.random.default_rng(0)
    dist = IntDistribution(0, 20, step=4)
    counts = np.bincount(
        [draw(lambda: float(u), dist) // 4 for u in rng.random(60000)]  # noqa: B023, minlength=6
    )
    assert counts.min() > 9000 and counts.max() < 11000


def test_log_samples_are_log_uniform() -> None:
    rng = np.random.default_rng(0)
    dist = FloatDistribution(1e-3, 1e3, log=True)
    logs = np.log10([draw(lambda: float(u), dist) for u in rng.random(20000)])  # noqa: B023
    assert abs(np.mean(logs)) < 0.05
    assert abs(np.mean(logs < -1.0) - 1 / 3) < 0.02


def test_seed_validation_and_reseed() -> None:
    with pytest.raises(TypeError, match="seed"):
        RandomSampler(seed="1")  # type: ignore[arg-type]
    a, b = RandomSampler(seed=5), RandomSampler(seed=5)
    dist = FloatDistribution(0, 1)
    draws_a = [a.sample_independent(None, None, "x", dist) for _ in range(5)]  # type: ignore[arg-type]
    draws_b = [b.sample_independent(None, None, "x", dist) for _ in range(5)]  # type: ignore[arg-type]
    assert draws_a == draws_b
    b.reseed_rng()
    assert [b.sample_independent(None, None, "x", dist) for _ in range(5)] != draws_a  # type: ignore[arg-type]
    assert not math.isnan(draws_a[0])


# -- Optuna's stream (issue 19): RandomSampler(seed) draws Optuna's trials bit for bit ---------
def _mixed_objective(trial: Any) -> float:
    total = trial.suggest_float("f", -3.0, 7.5)
    total += trial.suggest_float("tiny", 0.0, 1e-300)
    total += trial.suggest_float("log", 1e-4, 10.0, log=True)
    total += trial.suggest_float("step", 0.0, 1.0, step=0.1)
    total += trial.suggest_float("step2", -1.0, 1.0, step=0.25)
    total += trial.suggest_int("int", -5, 17)
    total += trial.suggest_int("intlog", 1, 1000, log=True)
    total += trial.suggest_int("intstep", 0, 21, step=3)
    total += trial.suggest_float("single", 2.0, 2.0)
    choice = trial.suggest_categorical("cat", ["a", "b", None, 2.5, 7])
    total += trial.suggest_categorical("bool", [True, False])
    return total + (choice == "a")


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1])
def test_seeded_trials_are_optunas_bit_for_bit(seed: int) -> None:
    import optuna

    import ferrotune as ft

    theirs = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    theirs.optimize(_mixed_objective, n_trials=200)
    ours = ft.create_study(sampler=RandomSampler(seed=seed))
    ours.optimize(_mixed_objective, n_trials=200)
    for a, b in zip(theirs.trials, ours.trials, strict=True):
        assert b.params == a.params, a.number
        assert [type(v) for v in b.params.values()] == [type(v) for v in a.params.values()]
        assert b.value == a.value


def test_direct_draws_and_numpy_view_follow_optunas_stream() -> None:
    import optuna

    dists = DISTRIBUTIONS
    theirs = optuna.samplers.RandomSampler(seed=7)
    ours = RandomSampler(seed=7)
    for i in range(60):
        dist = dists[i % len(dists)]
        if i % 9 == 4:  # a third-party sampler drawing from the numpy view in between
            assert ours._rng.rng.random_sample() == theirs._rng.rng.random_sample()
        assert ours.sample_independent(None, None, "x", dist) == theirs.sample_independent(  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            "x",
            optuna.distributions.json_to_distribution(
                __import__("ferrotune").distributions.distribution_to_json(dist)
            ),
        )


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(0.0, math.inf),
        FloatDistribution(-math.inf, 0.0),
        FloatDistribution(math.inf, math.inf),
        FloatDistribution(math.nan, 1.0),
        FloatDistribution(-1e308, 1e308),
        FloatDistribution(1.0, math.inf, log=True),
    ],
)
def test_ranges_of_infinite_width_raise_numpys_overflow_error(dist: FloatDistribution) -> None:
    # What Optuna's RandomSampler (numpy's RandomState.uniform) raises for these ranges.
    with pytest.raises(OverflowError, match="Range exceeds valid bounds"):
        RandomSampler(seed=0).sample_independent(None, None, "x", dist)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(
    ("name", "kwargs", "n_random"),
    [
        ("TPESampler", {"n_startup_trials": 12}, 12),
        ("NSGAIISampler", {"population_size": 10}, 10),
    ],
)
def test_random_phase_of_other_samplers_is_optunas(
    name: str, kwargs: dict[str, Any], n_random: int
) -> None:
    # TPE's startup trials and NSGA-II's first generation come from RandomSampler(seed).
    import optuna

    import ferrotune as ft

    theirs = optuna.create_study(sampler=getattr(optuna.samplers, name)(seed=3, **kwargs))
    theirs.optimize(_mixed_objective, n_trials=n_random)
    ours = ft.create_study(sampler=getattr(ft.samplers, name)(seed=3, **kwargs))
    ours.optimize(_mixed_objective, n_trials=n_random)
    assert [t.params for t in ours.trials] == [t.params for t in theirs.trials]


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31, 2**32 - 1])
def test_seeded_state_is_numpys(seed: int) -> None:
    from ferrotune.samplers._lazy_random_state import SharedRandomStream

    _, key, position, _, _ = np.random.RandomState(seed).get_state()
    stream = SharedRandomStream(seed)
    assert stream.draws.getstate()[1] == (*(int(k) for k in key), int(position))
    assert [stream.draws.random() for _ in range(3)] == list(
        np.random.RandomState(seed).random_sample(3)
    )
