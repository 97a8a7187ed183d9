"""Pruners: stop unpromising trials early."""

from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._hyperband import HyperbandPruner
from ferrotune.pruners._median import MedianPruner
from ferrotune.pruners._nop import NopPruner
from ferrotune.pruners._patient import PatientPruner
from ferrotune.pruners._percentile import PercentilePruner
from ferrotune.pruners._successive_halving import SuccessiveHalvingPruner
from ferrotune.pruners._threshold import ThresholdPruner
from ferrotune.pruners._wilcoxon import WilcoxonPruner

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]
