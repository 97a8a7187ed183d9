"""Automatic termination of studies (Optuna 5.0's ``optuna.terminator``).

A :class:`Terminator` stops a study once the room left for improvement, from an improvement
evaluator, falls below the statistical error of the objective, from an error evaluator.
:class:`TerminatorCallback` asks it after every trial of :meth:`Study.optimize`. As in
Optuna 5.0, the module is deprecated (``FutureWarning``: removal planned for v6.0.0) and
most evaluators are experimental.
"""

from ferrotune.terminator.callback import TerminatorCallback
from ferrotune.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from ferrotune.terminator.improvement.emmr import EMMREvaluator
from ferrotune.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from ferrotune.terminator.median_erroreval import MedianErrorEvaluator
from ferrotune.terminator.terminator import BaseTerminator, Terminator

__all__ = [
    "BaseErrorEvaluator",
    "BaseImprovementEvaluator",
    "BaseTerminator",
    "BestValueStagnationEvaluator",
    "CrossValidationErrorEvaluator",
    "EMMREvaluator",
    "MedianErrorEvaluator",
    "RegretBoundEvaluator",
    "StaticErrorEvaluator",
    "Terminator",
    "TerminatorCallback",
    "report_cross_validation_scores",
]
