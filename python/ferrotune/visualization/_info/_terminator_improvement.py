"""Data of ``plot_terminator_improvement``: improvement (and error) after each trial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import tqdm

from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

PADDING_RATIO_Y = 0.05


@dataclass
class ImprovementInfo:
    trial_numbers: list[int]
    improvements: list[float]
    errors: list[float] | None


def improvement_info(
    study: Study,
    get_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
) -> ImprovementInfo:
    """Evaluate the improvement (and the error) on the COMPLETE trials up to each trial."""
    from ferrotune.terminator import RegretBoundEvaluator
    from ferrotune.terminator.terminator import default_error_evaluator

    if study._is_multi_objective():
        raise ValueError("This function does not support multi-objective optimization study.")
    improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
    error_evaluator = error_evaluator or default_error_evaluator(improvement_evaluator)
    direction = study.direction

    numbers: list[int] = []
    improvements: list[float] = []
    errors: list[float] = []
    complete = []
    for trial in tqdm.tqdm(study.get_trials(deepcopy=False)):
        if trial.state == TrialState.COMPLETE:
            complete.append(trial)
        if not complete:
            continue
        numbers.append(trial.number)
        improvements.append(improvement_evaluator.evaluate(list(complete), direction))
        if get_error:
            errors.append(error_evaluator.evaluate(list(complete), direction))
    return ImprovementInfo(numbers, improvements, errors if errors else None)


def improvement_y_range(info: ImprovementInfo, min_n_trials: int) -> tuple[float, float]:
    """The y range: all values from below, values after ``min_n_trials`` (all if there are
    no more) and the errors from above, padded by 5% on each side."""
    low = min(info.improvements)
    high = (
        max(info.improvements[min_n_trials:])
        if len(info.trial_numbers) > min_n_trials
        else max(info.improvements)
    )
    if info.errors is not None:
        low = min(low, min(info.errors))
        high = max(high, max(info.errors))
    padding = (high - low) * PADDING_RATIO_Y
    return low - padding, high + padding
