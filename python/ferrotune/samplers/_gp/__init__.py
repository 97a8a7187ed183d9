"""Gaussian-process sampler (Optuna 5.0's ``GPSampler``), maths in the Rust core."""

from ferrotune.samplers._gp._sampler import GPSampler

__all__ = ["GPSampler"]
