"""numpy random states created on first use (Optuna's ``optuna.samplers._lazy_random_state``).

Third-party samplers (OptunaHub's registry) keep their generator in a
:class:`LazyRandomState` and draw from ``self._rng.rng``; they also reach into
``RandomSampler._rng.rng`` to reseed or draw from the random sampler they wrap.
:class:`SharedRandomStream` is what :class:`~ferrotune.samplers.RandomSampler` keeps there.
"""

from __future__ import annotations

import random

import numpy as np

_MT_STATE_WORDS = 624


def _init_genrand(seed: int) -> list[int]:
    """MT19937's state for an integer seed as numpy's ``RandomState(seed)`` sets it.

    numpy seeds an integer with the generator's ``init_genrand`` recurrence, Python's
    ``random.seed`` with ``init_by_array``: the two streams differ for the same seed. Done
    here in Python, without building a ``RandomState``.
    """
    key = [0] * _MT_STATE_WORDS
    word = seed & 0xFFFFFFFF
    for i in range(_MT_STATE_WORDS):
        key[i] = word
        word = (1812433253 * (word ^ (word >> 30)) + i + 1) & 0xFFFFFFFF
    return key


class LazyRandomState:
    """A ``numpy.random.RandomState`` created when :attr:`rng` is first read.

    Parameters
    ----------
    seed
        Seeds the state at once; ``None`` leaves it unseeded (OS entropy on first use).
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng: np.random.RandomState | None = None
        if seed is not None:
            self.rng.seed(seed=seed)

    def _set_rng(self) -> None:
        self._rng = np.random.RandomState()

    @property
    def rng(self) -> np.random.RandomState:
        """The random state (created on first access)."""
        if self._rng is None:
            self._set_rng()
        assert self._rng is not None
        return self._rng


class SharedRandomStream(LazyRandomState):
    """One Mersenne Twister stream seen as Python's ``random.Random`` and as numpy's state.

    ``random.Random.random()`` and ``RandomState.random_sample()`` are the same MT19937
    generator with the same 53-bit float construction, so the stream moves between the two
    by copying its 624-word state. The sampler draws through :attr:`draws` (fast scalar
    draws); :attr:`rng` hands out a ``RandomState`` at the stream's current position, and
    whatever is drawn from it, or a ``seed()`` call on it, carries over to the sampler's
    next draw. A ``RandomState`` kept from an earlier :attr:`rng` read and used after the
    sampler drew again is not synchronised.

    Parameters
    ----------
    seed
        Seeded as ``numpy.random.RandomState(seed)`` is (Optuna's ``LazyRandomState``), so
        the stream is the one Optuna's samplers draw for the same seed; ``None`` seeds from
        OS entropy.
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__()
        self.draws = random.Random()
        if seed is not None:
            self.draws.setstate((3, (*_init_genrand(seed), _MT_STATE_WORDS), None))
        self.numpy_ahead = False  # True while the numpy state may hold the newer position

    @property
    def rng(self) -> np.random.RandomState:
        """The stream as a ``numpy.random.RandomState``, at its current position."""
        if self._rng is None:
            self._rng = np.random.RandomState()
        if not self.numpy_ahead:
            _, internal, _ = self.draws.getstate()
            key = np.array(internal[:_MT_STATE_WORDS], dtype=np.uint32)
            self._rng.set_state(("MT19937", key, internal[_MT_STATE_WORDS], 0, 0.0))
            self.numpy_ahead = True
        return self._rng

    def pull(self) -> None:
        """Move the position of the numpy state (drawn from or reseeded) back to :attr:`draws`."""
        assert self._rng is not None
        _, key, position, _, _ = self._rng.get_state()
        words = (*(int(word) for word in key), int(position))
        self.draws.setstate((3, words, None))
        self.numpy_ahead = False
