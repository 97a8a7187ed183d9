"""Samplers: how trials choose parameter values."""

from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._cmaes import CmaEsSampler
from ferrotune.samplers._grid import GridSampler
from ferrotune.samplers._partial_fixed import PartialFixedSampler
from ferrotune.samplers._random import RandomSampler
from ferrotune.samplers._tpe import TPESampler

__all__ = [
    "BaseSampler",
    "CmaEsSampler",
    "GridSampler",
    "PartialFixedSampler",
    "RandomSampler",
    "TPESampler",
]
