"""Data of ``plot_slice``: each parameter against the objective value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ferrotune.distributions import CategoricalDistribution
from ferrotune.logging import get_logger
from ferrotune.visualization._info._common import (
    Target,
    check_plot_args,
    complete_trials,
    external_values,
    first_distributions,
    is_log,
    resolve_params,
)

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class SliceSubplot:
    param: str
    x: list[Any]
    y: list[float]
    numbers: list[int]
    feasible: list[bool]
    is_log: bool
    is_numerical: bool
    choices: tuple[Any, ...] | None


def slice_info(
    study: Study, params: list[str] | None, target: Target | None, target_name: str
) -> list[SliceSubplot]:
    check_plot_args([study], target, target_name)
    data = complete_trials(study, target)
    if not data.trials:
        _logger.warning("Your study does not have any completed trials.")
        return []
    dists = first_distributions(data)
    out = []
    for name in resolve_params(list(dists), params):
        dist = dists[name]
        mask = data.has(name)
        categorical = isinstance(dist, CategoricalDistribution)
        out.append(
            SliceSubplot(
                param=name,
                x=external_values(data, name, dist),
                y=data.values[mask].tolist(),
                numbers=data.numbers[mask].tolist(),
                feasible=data.feasible[mask].tolist(),
                is_log=is_log(dist),
                is_numerical=not categorical,
                choices=tuple(dist.choices) if categorical else None,  # type: ignore[attr-defined]
            )
        )
    return out
