"""Mutation operators of :class:`~ferrotune.samplers.NSGAIISampler`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ferrotune.study import Study


class BaseMutation(abc.ABC):
    """Base class of mutations applied to one numerical parameter."""

    def __str__(self) -> str:
        return self.__class__.__name__

    @abc.abstractmethod
    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        """Return the mutated value of ``param`` (transformed space, bounds of shape ``(2,)``)."""


class PolynomialMutation(BaseMutation):
    """Polynomial mutation of Deb et al.'s NSGA-II C code (revision 1.1.6).

    Parameters
    ----------
    eta
        Distribution index; larger values keep the mutant closer to the original.
    """

    def __init__(self, eta: float = 20.0) -> None:
        if isinstance(eta, bool) or not isinstance(eta, (int, float)):
            raise TypeError(f"`eta` must be a float, but got {eta!r}.")
        if eta < 0:
            raise ValueError(f"`eta` must be a non-negative float value, got {eta!r}.")
        self._eta = float(eta)

    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        u = float(rng.rand())
        low, high = float(search_space_bounds[0]), float(search_space_bounds[1])
        width = high - low
        if width <= 0.0:
            return param
        power = 1.0 / (self._eta + 1.0)
        if u <= 0.5:
            delta = (param - low) / width
            value = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - delta) ** (self._eta + 1.0)
            delta_q = value**power - 1.0
        else:
            delta = (high - param) / width
            value = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - delta) ** (self._eta + 1.0)
            delta_q = 1.0 - value**power
        return float(param + delta_q * width)
