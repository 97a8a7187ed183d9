"""Crossover operators of :class:`~ferrotune.samplers.NSGAIISampler`.

Every operator works in the transformed numerical space (log scale for ``log=True``,
step-widened bounds) and returns one child as a 1-D array. The random generator is a
``numpy.random.RandomState`` so that user crossovers written for Optuna run unchanged.
"""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ferrotune.study import Study


def _check_probability(name: str, value: Any, *, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{name}` must be a float, but got {value!r}.")
    number = float(value)
    low_ok = number > 0.0 if open_low else number >= 0.0
    if not (low_ok and number <= 1.0):
        interval = "(0.0, 1.0]" if open_low else "[0.0, 1.0]"
        raise ValueError(
            f"`{name}` must be a float value within the range {interval}, got {value!r}."
        )
    return number


def _check_optional_nonnegative(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{name}` must be a float or None, but got {value!r}.")
    if not float(value) >= 0.0:
        raise ValueError(
            f"The value of `{name}` must be greater than or equal to 0.0, got {value!r}."
        )
    return float(value)


def _default_eta(eta: float | None, study: Study) -> float:
    if eta is not None:
        return eta
    return 20.0 if study._is_multi_objective() else 2.0


class BaseCrossover(abc.ABC):
    """Base class of crossovers used by :class:`~ferrotune.samplers.NSGAIISampler`.

    Subclasses receive numerical parameters only; categorical parameters always use a
    uniform crossover inside the sampler.
    """

    def __str__(self) -> str:
        return self.__class__.__name__

    @property
    @abc.abstractmethod
    def n_parents(self) -> int:
        """Number of parent individuals a crossover needs."""

    @abc.abstractmethod
    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        """Create one child.

        Parameters
        ----------
        parents_params
            ``(n_parents, n_params)`` parents in the transformed numerical space.
        rng
            Random generator.
        study
            The study being optimised.
        search_space_bounds
            ``(n_params, 2)`` lower and upper bounds of the transformed space.

        Returns
        -------
        numpy.ndarray
            The child, shape ``(n_params,)``.
        """


class UniformCrossover(BaseCrossover):
    """Take each parameter from one of two parents with equal odds (Syswerda, 1989).

    Parameters
    ----------
    swapping_prob
        Probability of taking a parameter from the second parent.
    """

    n_parents = 2

    def __init__(self, swapping_prob: float = 0.5) -> None:
        self._swapping_prob = _check_probability("swapping_prob", swapping_prob)

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        n_params = len(search_space_bounds)
        take_second = rng.rand(n_params) >= self._swapping_prob
        return np.asarray(parents_params[take_second.astype(int), np.arange(n_params)])


class BLXAlphaCrossover(BaseCrossover):
    """Blend crossover BLX-alpha (Eshelman and Schaffer, FOGA 1992).

    The child is uniform in the parents' bounding box widened by ``alpha`` times its width
    on each side (eq. 1).

    Parameters
    ----------
    alpha
        Relative widening of the parents' box.
    """

    n_parents = 2

    def __init__(self, alpha: float = 0.5) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise TypeError(f"`alpha` must be a float, but got {alpha!r}.")
        self._alpha = float(alpha)

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        lo = parents_params.min(axis=0)
        hi = parents_params.max(axis=0)
        spread = self._alpha * (hi - lo)
        low, high = lo - spread, hi + spread
        return np.asarray((high - low) * rng.rand(len(search_space_bounds)) + low)


class SPXCrossover(BaseCrossover):
    """Simplex crossover (Tsutsui, Goldberg and Sastry, IlliGAL report 2000).

    Samples uniformly inside the parents' simplex expanded by ``epsilon`` around its centroid.

    Parameters
    ----------
    epsilon
        Expansion rate; ``sqrt(n_params + 2)`` when ``None``.
    """

    n_parents = 3

    def __init__(self, epsilon: float | None = None) -> None:
        if epsilon is not None and (
            isinstance(epsilon, bool) or not isinstance(epsilon, (int, float))
        ):
            raise TypeError(f"`epsilon` must be a float or None, but got {epsilon!r}.")
        self._epsilon = None if epsilon is None else float(epsilon)

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        n = self.n_parents - 1
        centroid = parents_params.mean(axis=0)  # eq. (1)
        r = rng.rand(n) ** (1.0 / (np.arange(n) + 1.0))  # eq. (2)
        eps = math.sqrt(len(search_space_bounds) + 2) if self._epsilon is None else self._epsilon
        x = centroid + eps * (parents_params - centroid)  # eq. (3)
        c = np.zeros(parents_params.shape[1])
        for k in range(1, self.n_parents):  # eq. (4)
            c = r[k - 1] * (x[k - 1] - x[k] + c)
        return np.asarray(x[-1] + c)  # eq. (5)


def _sbx_children(
    c1: np.ndarray,
    c2: np.ndarray,
    x1: np.ndarray,
    x2: np.ndarray,
    rng: np.random.RandomState,
    uniform_crossover_prob: float,
    use_child_gene_prob: float,
) -> np.ndarray:
    """Mix the two SBX children with the two parents gene by gene, then pick one child."""
    child1 = np.empty_like(c1)
    child2 = np.empty_like(c1)
    for i in range(c1.shape[0]):
        a, b = (c1[i], c2[i]) if rng.rand() < use_child_gene_prob else (x1[i], x2[i])
        if rng.rand() >= uniform_crossover_prob:
            child1[i], child2[i] = a, b
        else:
            child1[i], child2[i] = b, a
    return child1 if rng.rand() < 0.5 else child2


class _SBXBase(BaseCrossover):
    n_parents = 2

    def __init__(
        self,
        eta: float | None = None,
        uniform_crossover_prob: float = 0.5,
        use_child_gene_prob: float = 0.5,
    ) -> None:
        self._eta = _check_optional_nonnegative("eta", eta)
        self._uniform_crossover_prob = _check_probability(
            "uniform_crossover_prob", uniform_crossover_prob
        )
        self._use_child_gene_prob = _check_probability(
            "use_child_gene_prob", use_child_gene_prob, open_low=True
        )


class SBXCrossover(_SBXBase):
    """Simulated binary crossover (Deb and Agrawal, Complex Systems 9, 1995).

    Two children are drawn from the bounded polynomial distribution (eqs. 3-5); genes are
    mixed with the parents' and one child is returned.

    Parameters
    ----------
    eta
        Distribution index; 20 for multi-objective studies, 2 otherwise, when ``None``.
    uniform_crossover_prob
        Probability of swapping a gene between the two candidate children.
    use_child_gene_prob
        Probability of using the generated gene instead of the parent's.
    """

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        lower = search_space_bounds[:, 0]
        upper = search_space_bounds[:, 1]
        x_min = parents_params.min(axis=0)
        x_max = parents_params.max(axis=0)
        eta = _default_eta(self._eta, study)
        diff = np.clip(x_max - x_min, 1e-10, None)
        beta1 = 1.0 + 2.0 * (x_min - lower) / diff
        beta2 = 1.0 + 2.0 * (upper - x_max) / diff
        alpha1 = 2.0 - beta1 ** (-(eta + 1.0))
        alpha2 = 2.0 - beta2 ** (-(eta + 1.0))
        u = rng.rand(len(search_space_bounds))
        power = 1.0 / (eta + 1.0)

        def spread(alpha: np.ndarray) -> np.ndarray:  # eq. (3)
            ua = u * alpha
            out = np.empty_like(ua)
            with np.errstate(divide="ignore"):
                inner = ~(u > 1.0 / alpha)
            out[inner] = ua[inner] ** power
            out[~inner] = (1.0 / (2.0 - ua[~inner])) ** power
            return np.asarray(out, dtype=np.float64)

        mid = x_min + x_max
        c1 = 0.5 * (mid - spread(alpha1) * diff)  # eq. (4)
        c2 = 0.5 * (mid + spread(alpha2) * diff)  # eq. (5)
        return _sbx_children(
            c1,
            c2,
            parents_params[0],
            parents_params[1],
            rng,
            self._uniform_crossover_prob,
            self._use_child_gene_prob,
        )


class VSBXCrossover(_SBXBase):
    """Modified SBX that excludes no region (Ballester and Carter, GECCO 2003).

    Parameters
    ----------
    eta
        Distribution index; 20 for multi-objective studies, 2 otherwise, when ``None``.
    uniform_crossover_prob
        Probability of swapping a gene between the two candidate children.
    use_child_gene_prob
        Probability of using the generated gene instead of the parent's.
    """

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = _default_eta(self._eta, study)
        eps = 1e-10
        u = rng.rand(len(search_space_bounds))
        power = 1.0 / (eta + 1.0)
        beta1 = (1.0 / np.maximum(2.0 * u, eps)) ** power
        beta2 = (1.0 / np.maximum(2.0 * (1.0 - u), eps)) ** power
        x1, x2 = parents_params[0], parents_params[1]
        if rng.rand() <= 0.5:
            c1 = 0.5 * ((1.0 + beta1) * x1 + (1.0 - beta2) * x2)
        else:
            c1 = 0.5 * ((1.0 - beta1) * x1 + (1.0 + beta2) * x2)
        if rng.rand() <= 0.5:
            c2 = 0.5 * ((3.0 - beta1) * x1 - (1.0 - beta2) * x2)
        else:
            c2 = 0.5 * (-(1.0 - beta1) * x1 + (3.0 - beta2) * x2)
        return _sbx_children(
            c1, c2, x1, x2, rng, self._uniform_crossover_prob, self._use_child_gene_prob
        )


class UNDXCrossover(BaseCrossover):
    """Unimodal normal distribution crossover (Kita, Ono and Kobayashi, CEC 1999).

    The child is the parents' midpoint plus a normal step along the primary search line
    (parents 1-2) and normal steps orthogonal to it scaled by the third parent's distance
    to that line (Section 2, eqs. 2-5).

    Parameters
    ----------
    sigma_xi
        Spread along the primary search line.
    sigma_eta
        Spread orthogonal to it; ``0.35 / sqrt(n_params)`` when ``None``.

    Notes
    -----
    As in Optuna, the normal draws use ``sigma ** 2`` as their scale.
    """

    n_parents = 3

    def __init__(self, sigma_xi: float = 0.5, sigma_eta: float | None = None) -> None:
        if isinstance(sigma_xi, bool) or not isinstance(sigma_xi, (int, float)):
            raise TypeError(f"`sigma_xi` must be a float, but got {sigma_xi!r}.")
        if sigma_eta is not None and (
            isinstance(sigma_eta, bool) or not isinstance(sigma_eta, (int, float))
        ):
            raise TypeError(f"`sigma_eta` must be a float or None, but got {sigma_eta!r}.")
        self._sigma_xi = float(sigma_xi)
        self._sigma_eta = None if sigma_eta is None else float(sigma_eta)

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        n = len(search_space_bounds)
        x1, x2, x3 = parents_params[0], parents_params[1], parents_params[2]
        midpoint = 0.5 * (x1 + x2)  # eq. (2)
        d = x1 - x2  # eq. (3)
        sigma_eta = 0.35 / math.sqrt(n) if self._sigma_eta is None else self._sigma_eta
        etas = rng.normal(0.0, sigma_eta**2, size=n)
        xi = rng.normal(0.0, self._sigma_xi**2)
        child = midpoint + xi * d
        if n > 1:
            v12 = x2 - x1
            e12 = v12 / max(float(np.linalg.norm(v12)), 1e-10)
            v13 = x3 - x1
            dist = float(np.linalg.norm(v13 - np.dot(v13, e12) * e12))  # eq. (4)
            basis = np.identity(n)
            if np.count_nonzero(e12) != 0:
                basis[0] = e12
            q, _ = np.linalg.qr(basis.T)
            orthogonal = q.T[1:]  # orthonormal basis of the complement of the line
            child = child + dist * (etas[: n - 1] @ orthogonal)  # eq. (5)
        return np.asarray(child)
