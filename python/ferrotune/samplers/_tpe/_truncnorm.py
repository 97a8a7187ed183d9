"""Truncated normal distribution helpers backed by the Rust core.

Thin broadcasting wrappers over ``ferrotune._core``; the arithmetic (log-space masses,
inverse CDF in the far tails) lives in ``rust/core/src/truncnorm.rs``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ferrotune import _core

__all__ = ["log_gauss_mass", "log_ndtr", "logpdf", "ndtri_exp", "ppf", "rvs"]


def _flat(*arrays: ArrayLike) -> tuple[tuple[int, ...], list[NDArray[np.float64]]]:
    broadcast = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in arrays])
    shape = broadcast[0].shape
    return shape, [np.ascontiguousarray(a.ravel()) for a in broadcast]


def log_ndtr(x: ArrayLike) -> NDArray[np.float64]:
    """Return ``log Phi(x)``, accurate far into the left tail."""
    shape, (xf,) = _flat(x)
    return _core.log_ndtr(xf).reshape(shape)


def ndtri_exp(y: ArrayLike) -> NDArray[np.float64]:
    """Return ``x`` such that ``log Phi(x) == y`` (``y <= 0``)."""
    shape, (yf,) = _flat(y)
    return _core.ndtri_exp(yf).reshape(shape)


def log_gauss_mass(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Return ``log(Phi(b) - Phi(a))`` computed without cancellation."""
    shape, (af, bf) = _flat(a, b)
    return _core.log_gauss_mass(af, bf).reshape(shape)


def ppf(q: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Quantile function of the standard normal truncated to ``[a, b]``."""
    shape, (qf, af, bf) = _flat(q, a, b)
    return _core.truncnorm_ppf(qf, af, bf).reshape(shape)


def logpdf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Log-density with ``scipy.stats.truncnorm``'s parametrisation."""
    shape, (xf, af, bf, lf, sf) = _flat(x, a, b, loc, scale)
    return _core.truncnorm_logpdf(xf, af, bf, lf, sf).reshape(shape)


def rvs(
    a: ArrayLike,
    b: ArrayLike,
    loc: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    rng: np.random.Generator | None = None,
) -> NDArray[np.float64]:
    """Draw truncated normal variates by inverse CDF from ``rng``'s uniforms."""
    generator = rng if rng is not None else np.random.default_rng()
    shape, (af, bf, lf, sf) = _flat(a, b, loc, scale)
    u = generator.random(af.size)
    return _core.truncnorm_sample(u, af, bf, lf, sf).reshape(shape)
