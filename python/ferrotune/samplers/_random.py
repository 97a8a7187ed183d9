"""Uniform random sampling."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from math import exp, floor, isfinite
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
            high = dist.high
            value = dist.low + (high - dist.low) * stream.draws.random()
            if value < high:
                return value
            return _cap_uniform(dist.low, high, value)
        return draw(stream.draws.random, dist)


# ``Trial.suggest_float`` may draw continuous uniform floats itself for this class while
# this is its ``sample_independent`` (not for subclasses, which do not define the name in
# their own class, nor when the method is patched on the class or the instance):
# ``low + (high - low) * u`` kept below ``high``, ``u`` from ``_rng.draws`` while the numpy
# view is not ahead, exactly the first branch of :meth:`RandomSampler.sample_independent`.
RandomSampler._INLINE_UNIFORM = RandomSampler.sample_independent  # type: ignore[attr-defined]


def _check_range(low: float, high: float) -> None:
    """numpy's ``RandomState.uniform`` check, with its error: the width must be finite."""
    if not isfinite(high - low):
        raise OverflowError("Range exceeds valid bounds")


def _cap_uniform(low: float, high: float, value: float) -> float:
    """A continuous uniform draw ``value`` that reached ``high`` (or is not finite)."""
    _check_range(low, high)
    if low == high:
        return value
    return min(value, math.nextafter(high, high - 1))


def draw(random: Callable[[], float], dist: BaseDistribution) -> Any:
    """A uniform sample of ``dist`` from the draws ``random()`` in [0, 1), as Optuna's
    ``RandomSampler`` makes it.

    Optuna maps the parameter to a continuous interval (the log of a log range, one half
    ``step`` beyond each end of a stepped one, one unit interval per categorical choice),
    draws ``low + (high - low) * u`` there with numpy's ``RandomState.uniform`` and maps it
    back (rounding to the step, the choice with the largest draw). The same arithmetic on
    the same Mersenne Twister stream (see :class:`SharedRandomStream`) gives its values bit
    for bit; a range of infinite width raises numpy's ``OverflowError``.
    """
    kind = type(dist)
    if kind is FloatDistribution or (
        kind is not IntDistribution and isinstance(dist, FloatDistribution)
    ):
        low, high = dist.low, dist.high  # type: ignore[attr-defined]
        if dist.log:  # type: ignore[attr-defined]
            lo, hi = math.log(low), math.log(high)
            value = exp(lo + (hi - lo) * random())
            if low <= value < high:  # what Optuna's clip to [low, high) leaves as it is
                return value
            _check_range(lo, hi)
            if low == high:
                return value
            return min(max(value, low), math.nextafter(high, high - 1))
        step = dist.step  # type: ignore[attr-defined]
        if step is None:
            value = low + (high - low) * random()
            return value if value < high else _cap_uniform(low, high, value)
        lo, hi = low - 0.5 * step, high + 0.5 * step
        _check_range(lo, hi)
        value = round((lo + (hi - lo) * random() - low) / step) * step + low
        return value if low <= value <= high else float(min(max(value, low), high))
    if kind is IntDistribution or isinstance(dist, IntDistribution):
        low_i, high_i, step_i = dist.low, dist.high, dist.step  # type: ignore[attr-defined]
        half = 0.5 * step_i
        if dist.log:  # type: ignore[attr-defined]
            lo, hi = math.log(low_i - half), math.log(high_i + half)
            _check_range(lo, hi)
            value_i = round(exp(lo + (hi - lo) * random()))
            return low_i if value_i < low_i else high_i if value_i > high_i else value_i
        lo, hi = float(low_i) - half, float(high_i) + half
        _check_range(lo, hi)
        index = floor((lo + (hi - lo) * random() - low_i) / step_i + 0.5)
        value_i = index * step_i + low_i
        return low_i if value_i < low_i else high_i if value_i > high_i else value_i
    if isinstance(dist, CategoricalDistribution):
        # One draw per choice; the first largest wins (numpy's argmax).
        draws = [random() for _ in dist.choices]
        return dist.choices[draws.index(max(draws))]
    raise TypeError(f"Unsupported distribution {dist!r}.")
