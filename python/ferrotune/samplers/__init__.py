"""Samplers: how trials choose parameter values."""

from ferrotune.samplers import nsgaii
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._brute_force import BruteForceSampler
from ferrotune.samplers._cmaes import CmaEsSampler
from ferrotune.samplers._gp import GPSampler
from ferrotune.samplers._grid import GridSampler
from ferrotune.samplers._partial_fixed import PartialFixedSampler
from ferrotune.samplers._qmc import QMCSampler
from ferrotune.samplers._random import RandomSampler
from ferrotune.samplers._tpe import TPESampler
from ferrotune.samplers.nsgaii._sampler import NSGAIISampler

__all__ = [
    "BaseSampler",
    "BruteForceSampler",
    "CmaEsSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
    "nsgaii",
]
