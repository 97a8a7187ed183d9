"""Genetic-algorithm samplers' base class (Optuna's ``optuna.samplers._ga``)."""

from ferrotune.samplers._ga._base import BaseGASampler

__all__ = ["BaseGASampler"]
