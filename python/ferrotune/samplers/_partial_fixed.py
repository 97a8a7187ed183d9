"""Fix some parameters and let another sampler choose the rest."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._experimental import experimental_class
from ferrotune.distributions import BaseDistribution
from ferrotune.samplers._base import BaseSampler
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


@experimental_class("2.4.0")
class PartialFixedSampler(BaseSampler):
    """Return ``fixed_params`` for their names and delegate everything else.

    Parameters
    ----------
    fixed_params
        ``{name: value}`` to keep fixed.
    base_sampler
        Sampler used for the other parameters.
    """

    def __init__(self, fixed_params: dict[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(f"`base_sampler` must be a BaseSampler, but got {base_sampler!r}.")
        if not isinstance(fixed_params, Mapping) or not all(
            isinstance(k, str) for k in fixed_params
        ):
            raise TypeError(
                "`fixed_params` must be a dict of parameter names to values, but got "
                f"{fixed_params!r:.200}."
            )
        self._fixed_params = dict(fixed_params)
        self._base_sampler = base_sampler

    def reseed_rng(self) -> None:
        self._base_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._base_sampler.infer_relative_search_space(study, trial)
        return {n: d for n, d in space.items() if n not in self._fixed_params}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._fixed_params:
            return self._base_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )
        value = self._fixed_params[param_name]
        if not param_distribution._contains(param_distribution.to_internal_repr(value)):
            warnings.warn(
                f"Fixed parameter '{param_name}' with value {value} is out of range for "
                f"distribution {param_distribution}.",
                UserWarning,
                stacklevel=2,
            )
        return value

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._base_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._base_sampler.after_trial(study, trial, state, values)
