"""Data of ``plot_param_importances``: one bar per parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ferrotune.logging import get_logger
from ferrotune.trial import FrozenTrial
from ferrotune.visualization._info._common import (
    Target,
    check_plot_args,
    complete_trials,
    first_distributions,
)

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class ImportanceBars:
    target_name: str
    names: list[str]  # least to most important (bottom to top of a horizontal bar chart)
    values: list[float]
    labels: list[str]
    kinds: list[str]  # distribution class name per parameter


def _objective(index: int) -> Target:
    def _target(trial: FrozenTrial) -> float:
        return float((trial.values or [])[index])

    return _target


def param_importances_info(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Target | None,
    target_name: str,
) -> list[ImportanceBars]:
    from ferrotune.importance import get_param_importances

    metric_names = study.metric_names
    jobs: list[tuple[Target | None, str]]
    if target is not None or not study._is_multi_objective():
        check_plot_args([study], target, target_name)
        name = metric_names[0] if metric_names is not None and target is None else target_name
        jobs = [(target, name)]
    else:
        names = metric_names or [f"{target_name} {i}" for i in range(len(study.directions))]
        jobs = [(_objective(i), n) for i, n in enumerate(names)]
    out = []
    for job_target, name in jobs:
        data = complete_trials(study, job_target, warn=False)
        if not data.trials:
            _logger.warning("Study instance does not contain completed trials.")
            out.append(ImportanceBars(name, [], [], [], []))
            continue
        imp = get_param_importances(study, evaluator=evaluator, params=params, target=job_target)
        items = list(reversed(list(imp.items())))
        dists = first_distributions(data)
        out.append(
            ImportanceBars(
                name,
                [k for k, _ in items],
                [float(v) for _, v in items],
                [f"{v:.2f}" if v >= 0.01 else "<0.01" for _, v in items],
                [type(dists[k]).__name__ if k in dists else "" for k, _ in items],
            )
        )
    return out
