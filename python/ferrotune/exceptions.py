"""Exceptions raised by ferrotune (Optuna-compatible names)."""

from __future__ import annotations


class OptunaError(Exception):
    """Base class for ferrotune errors (named as Optuna's for drop-in compatibility)."""


FerrotuneError = OptunaError


class TrialPruned(OptunaError):
    """Raised by an objective to tell the study that the trial was pruned."""


class CLIUsageError(OptunaError):
    """Raised when the command line interface is used incorrectly."""


class StorageInternalError(OptunaError):
    """Raised when a storage backend fails internally."""


class DuplicatedStudyError(OptunaError):
    """Raised when a study with the same name already exists in the storage."""


class UpdateFinishedTrialError(OptunaError, RuntimeError):
    """Raised when a finished trial is modified."""


class ExperimentalWarning(Warning):
    """Warning for experimental features."""
