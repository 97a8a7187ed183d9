"""NSGA-II: crossovers and mutations of :class:`~ferrotune.samplers.NSGAIISampler`.

Mirrors ``optuna.samplers.nsgaii``; the sampler itself is in ``nsgaii._sampler`` and
exported as ``ferrotune.samplers.NSGAIISampler``.
"""

from ferrotune.samplers.nsgaii._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from ferrotune.samplers.nsgaii._mutations import BaseMutation, PolynomialMutation

__all__ = [
    "BLXAlphaCrossover",
    "BaseCrossover",
    "BaseMutation",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]
