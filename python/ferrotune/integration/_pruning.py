"""What every pruning callback does at the end of a training round."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.exceptions import TrialPruned
from ferrotune.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from ferrotune.trial import Trial


def report_and_maybe_prune(trial: Trial, value: float, step: int) -> None:
    """Report ``value`` at ``step`` and raise :class:`TrialPruned` if the pruner says so."""
    trial.report(value, step=step)
    if trial.should_prune():
        raise TrialPruned(f"Trial was pruned at iteration {step}.")


def check_direction(trial: Trial, higher_is_better: bool, callback: str) -> None:
    """Raise ``ValueError`` if the metric's direction contradicts the study's."""
    wanted = StudyDirection.MAXIMIZE if higher_is_better else StudyDirection.MINIMIZE
    if trial.study.direction != wanted:
        other = "minimized" if higher_is_better else "maximized"
        raise ValueError(
            "The intermediate values are inconsistent with the objective values in terms of "
            f"study directions. Please specify a metric to be {other} for {callback}."
        )


def missing(library: str, name: str) -> ImportError:
    """The error raised when ``name`` is used without ``library`` installed."""
    return ImportError(
        f"{name} requires the {library!r} package. Install it with `pip install {library}`."
    )
