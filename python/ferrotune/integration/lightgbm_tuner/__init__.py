"""Stepwise LightGBM tuning (``LightGBMTuner``, ``LightGBMTunerCV``), as in optuna-integration."""

from ferrotune.integration.lightgbm_tuner._tuner import LightGBMTuner, LightGBMTunerCV, train

__all__ = ["LightGBMTuner", "LightGBMTunerCV", "train"]
