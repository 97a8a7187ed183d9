"""Uniform random sampling."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._lazy_random_state import SharedRandomStream
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


def _check_seed(seed: Any) -> int | None:
    """A sampler's ``seed`` as a plain int (or ``None``), checked as Optuna checks it.

    Python and numpy integers in ``[0, 2**32 - 1]`` are accepted (numpy's legacy seeding
    range, which Optuna's samplers go through); floats, strings and bools are a
    ``TypeError`` (ferrotune is stricter than Optuna about bools), out-of-range integers
    a ``ValueError``.
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, numbers.Integral)):
        raise TypeError(
            f"`seed` must be an int or None, but got seed={seed!r} of type {type(seed).__name__}."
        )
    value = int(seed)
    if not 0 <= value < 2**32:
        raise ValueError(f"`seed` must be between 0 and 2**32 - 1, but got seed={value}.")
    return value


def _check_callable(name: str, value: Any) -> None:
    """A callable argument (or ``None``): anything else is a TypeError at construction."""
    if value is not None and not callable(value):
        raise TypeError(f"`{name}` must be callable or None, but got {value!r:.200}.")


def _check_flag(name: str, value: Any) -> bool:
    """A boolean argument (numpy booleans too): a TypeError naming anything else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a bool, but got {value!r:.200}.")
    return bool(value)


class RandomSampler(BaseSampler):
    """Sample every parameter independently and uniformly (log-uniformly for ``log``).

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives the same trials.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = _check_seed(seed)
        # ``_rng.rng`` is the numpy view third-party samplers use (as on Optuna's sampler)
        self._rng = SharedRandomStream(self._seed)

    def reseed_rng(self) -> None:
        self._rng = SharedRandomStream()

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
        dist = param_distribution
        stream = self._rng
        if stream.numpy_ahead:
            stream.pull()
        if type(dist) is FloatDistribution and dist.step is None and not dist.log:
            value = dist.low + stream.draws.random() * (dist.high - dist.low)
            return value if value <= dist.high else dist.high
        return sample_uniform(stream.draws.random(), dist)


# ``Trial.suggest_float`` may draw continuous uniform floats itself for this class while
# this is its ``sample_independent`` (not for subclasses, which do not define the name in
# their own class, nor when the method is patched on the class or the instance):
# ``low + u * (high - low)`` capped at ``high``, ``u`` from ``_rng.draws`` while the numpy
# view is not ahead, exactly the first branch of :meth:`RandomSampler.sample_independent`.
RandomSampler._INLINE_UNIFORM = RandomSampler.sample_independent  # type: ignore[attr-defined]


def sample_uniform(u: float, dist: BaseDistribution) -> Any:
    """Map a uniform draw ``u`` in [0, 1) to an external value of ``dist``."""
    kind = type(dist)
    if kind is FloatDistribution or isinstance(dist, FloatDistribution):
        assert isinstance(dist, FloatDistribution)
        low, high = dist.low, dist.high
        if dist.log:
            log_low = math.log(low)
            value = math.exp(log_low + u * (math.log(high) - log_low))
            return min(max(value, low), high)
        if dist.step is None:
            return min(low + u * (high - low), high)
        n_steps = round((high - low) / dist.step)
        index = min(int(u * (n_steps + 1)), n_steps)
        return min(low + index * dist.step, high)
    if kind is IntDistribution or isinstance(dist, IntDistribution):
        assert isinstance(dist, IntDistribution)
        low_i, high_i = dist.low, dist.high
        if dist.log:
            log_low = math.log(low_i - 0.5)
            value = math.exp(log_low + u * (math.log(high_i + 0.5) - log_low))
            return min(max(round(value), low_i), high_i)
        n_values = (high_i - low_i) // dist.step + 1
        return low_i + min(int(u * n_values), n_values - 1) * dist.step
    if isinstance(dist, CategoricalDistribution):
        n = len(dist.choices)
        return dist.choices[min(int(u * n), n - 1)]
    raise TypeError(f"Unsupported distribution {dist!r}.")
