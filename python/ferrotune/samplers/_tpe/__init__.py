"""Tree-structured Parzen Estimator sampler (Rust-backed)."""

from ferrotune.samplers._tpe._defaults import (
    default_gamma,
    default_gamma_multiobjective,
    default_weights,
    hyperopt_default_gamma,
)
from ferrotune.samplers._tpe.sampler import TPESampler

__all__ = [
    "TPESampler",
    "default_gamma",
    "default_gamma_multiobjective",
    "default_weights",
    "hyperopt_default_gamma",
]
