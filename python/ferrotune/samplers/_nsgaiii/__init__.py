"""NSGA-III (Optuna's ``optuna.samplers._nsgaiii``); exported as
:class:`ferrotune.samplers.NSGAIIISampler`."""

from ferrotune.samplers._nsgaiii._sampler import NSGAIIISampler

__all__ = ["NSGAIIISampler"]
