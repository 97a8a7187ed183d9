"""The Gaussian-process pieces the regret-bound and EMMR evaluators share.

The GP itself (Matérn-5/2 ARD kernel, Optuna's default prior, MAP fit, posterior) is the Rust
core's (``ferrotune._core.GPModel`` and ``gp_fit_kernel_params``), the one GPSampler uses.
Parameters are normalised to [0, 1] as Optuna's ``_gp.search_space`` does and objective
values are maximised, as in Optuna's terminator.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ferrotune import _core
from ferrotune.samplers._gp._search_space import GPSearchSpace

if TYPE_CHECKING:
    from ferrotune.trial import FrozenTrial

# Optuna's prior.DEFAULT_MINIMUM_NOISE_VAR
MINIMUM_NOISE_VAR = 1e-6


class SearchSpace(GPSearchSpace):
    """GPSampler's normalised search space, plus the random points of the UCB maximisation."""

    def normalized_params(self, trials: Sequence[FrozenTrial]) -> np.ndarray:
        """``(len(trials), dim)`` normalised parameters of ``trials``."""
        return self.normalize_params([t.params for t in trials])

    def sample(self, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` uniform random points of the normalised space, stepped parameters rounded
        to their grid as Optuna's ``sample_normalized_params`` (which draws scrambled Sobol'
        points; uniform ones need no scipy)."""
        x = rng.random_sample((n, self.dim))
        for j, (dist, num) in enumerate(zip(self.dists, self._numeric, strict=True)):
            if num is None:  # categorical: the choice index
                x[:, j] = np.floor(x[:, j] * len(dist.choices))  # type: ignore[attr-defined]
            elif num.step > 0.0:
                external = x[:, j] * (num.hi - num.lo) + num.lo
                if num.log:
                    external = np.exp(external)
                rounded = np.floor((external - num.low) / num.step + 0.5) * num.step + num.low
                x[:, j] = num.normalize(np.clip(rounded, num.low, num.high))
        return x


def sample_candidates(space: SearchSpace, n: int, rng: np.random.RandomState) -> np.ndarray:
    """The points where the upper confidence bound is maximised (the tests swap in Optuna's)."""
    return space.sample(n, rng)


def finite_values(values: np.ndarray) -> np.ndarray:
    """``values`` with infinities clipped to the finite range (with Optuna's warning)."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    warnings.warn(
        "Clip non-finite values to the min/max finite values for GP fittings.", stacklevel=3
    )
    if not finite.any():
        return np.zeros_like(values)
    clipped: np.ndarray = np.clip(values, values[finite].min(), values[finite].max())
    return clipped


def fit(
    x: np.ndarray,
    y: np.ndarray,
    is_categorical: np.ndarray,
    *,
    deterministic: bool,
    initial: _core.GPKernelParams | None = None,
) -> _core.GPModel:
    """The MAP-fitted GP of ``y`` (standardised, maximised) on ``x``: a ``_core.GPModel``."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    is_categorical = np.ascontiguousarray(is_categorical, dtype=bool)
    options = _core.GPFitOptions(
        minimum_noise=MINIMUM_NOISE_VAR, deterministic_objective=deterministic
    )
    model, _ = _core.gp_fit_kernel_params(
        x=x, y=y, is_categorical=is_categorical, initial=initial, options=options
    )
    return model


def posterior(model: _core.GPModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and variances at the rows of ``x``."""
    mean, var = model.posterior(x=np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64))
    return np.asarray(mean), np.asarray(var)


def posterior_covariance(
    model: _core.GPModel, x_train: np.ndarray, a: np.ndarray, b: np.ndarray
) -> float:
    """Posterior covariance of the latent function at points ``a`` and ``b``:
    k(a, b) - k(a, X) (K + noise I)^-1 k(X, b) (Rasmussen and Williams 2006, Eq. 2.24)."""
    x_train = np.ascontiguousarray(x_train, dtype=np.float64)
    ab = np.ascontiguousarray(np.stack([a, b]), dtype=np.float64)
    gram = np.asarray(model.kernel(x1=x_train, x2=x_train))
    gram[np.diag_indices_from(gram)] += model.params.noise_var
    cross = np.asarray(model.kernel(x1=x_train, x2=ab))  # (n, 2)
    chol = np.linalg.cholesky(gram)
    half = np.linalg.solve(chol, cross)  # L^-1 k(X, [a, b])
    prior_ab = float(np.asarray(model.kernel(x1=ab[:1], x2=ab[1:]))[0, 0])
    return prior_ab - float(half[:, 0] @ half[:, 1])


def beta(n_params: int, n_trials: int, delta: float = 0.1) -> float:
    """The UCB confidence parameter of Srinivas et al. (2010), Theorem 1,
    2 log(|D| t^2 pi^2 / (6 delta)), scaled down by 5 as Makarova et al. (2022) do
    (|D| taken as the number of parameters, as Optuna)."""
    return 2.0 * math.log(n_params * n_trials**2 * math.pi**2 / 6.0 / delta) / 5.0


def standardized_regret_bound(
    model: _core.GPModel,
    space: SearchSpace,
    top_x: np.ndarray,
    *,
    rng: np.random.RandomState,
    delta: float = 0.1,
    n_samples: int = 2048,
) -> float:
    """Makarova et al. (2022), Eq. (4) for maximisation: max UCB over the search space
    (random points and the top trials) minus max LCB over the top trials."""
    n_trials, n_params = top_x.shape
    root_beta = math.sqrt(beta(n_params, n_trials, delta))
    mean_top, var_top = posterior(model, top_x)
    mean_s, var_s = posterior(model, sample_candidates(space, n_samples, rng))
    ucb = max(
        float(np.max(mean_top + root_beta * np.sqrt(var_top))),
        float(np.max(mean_s + root_beta * np.sqrt(var_s))),
    )
    lcb = float(np.max(mean_top - root_beta * np.sqrt(var_top)))
    return ucb - lcb
