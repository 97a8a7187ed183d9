"""CMA-ES sampler: the unit-cube codec, the run's state in system attrs, the sampler."""

from ferrotune.samplers._cmaes._sampler import CmaEsSampler
from ferrotune.samplers._cmaes._space import _Space

__all__ = ["CmaEsSampler", "_Space"]
