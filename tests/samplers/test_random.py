from __future__ import annotations

import math

import numpy as np
import pytest

from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.samplers import RandomSampler
from ferrotune.samplers._random import sample_uniform


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(-2.0, 3.0),
        FloatDistribution(1e-4, 1e2, log=True),
        FloatDistribution(0.0, 1.0, step=0.1),
        IntDistribution(-3, 7),
        IntDistribution(1, 1000, log=True),
        IntDistribution(0, 20, step=4),
        CategoricalDistribution(["a", "b", "c"]),
    ],
)
def test_uniform_samples_stay_in_support(dist: object) -> None:
    for u in np.linspace(0.0, 1.0 - 1e-12, 501):
        value = sample_uniform(float(u), dist)  # type: ignore[arg-type]
        assert dist._contains(dist.to_internal_repr(value))  # type: ignore[attr-defined]


def test_discrete_samples_are_uniform() -> None:
    rng = np.random.default_rng(0)
    dist = IntDistribution(0, 20, step=4)
    counts = np.bincount(
        [sample_uniform(float(u), dist) // 4 for u in rng.random(60000)], minlength=6
    )
    assert counts.min() > 9000 and counts.max() < 11000


def test_log_samples_are_log_uniform() -> None:
    rng = np.random.default_rng(0)
    dist = FloatDistribution(1e-3, 1e3, log=True)
    logs = np.log10([sample_uniform(float(u), dist) for u in rng.random(20000)])
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
