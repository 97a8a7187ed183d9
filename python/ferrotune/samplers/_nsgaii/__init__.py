"""NSGA-II sampler, its crossovers and mutations (Optuna's ``optuna.samplers.nsgaii``)."""

from ferrotune.samplers._nsgaii._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from ferrotune.samplers._nsgaii._mutations import BaseMutation, PolynomialMutation
from ferrotune.samplers._nsgaii._sampler import NSGAIISampler

__all__ = [
    "BLXAlphaCrossover",
    "BaseCrossover",
    "BaseMutation",
    "NSGAIISampler",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]
