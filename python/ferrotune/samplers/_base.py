"""The sampler interface (Optuna's ``BaseSampler``)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.distributions import BaseDistribution
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

INDEPENDENT_SAMPLING_WARNING_TEMPLATE = (
    "The parameter '{param_name}' in trial#{trial_number} is sampled independently by using "
    "`{independent_sampler_name}` instead of `{sampler_name}` (optimization performance may "
    "be degraded). You can suppress this warning by setting `warn_independent_sampling` to "
    "`False` in the constructor of `{sampler_name}`, if this independent sampling is "
    "intended behavior. ({fallback_reason})"
)


class BaseSampler(abc.ABC):
    """Base class of samplers.

    A trial first gets *relative* parameters, sampled jointly over the search space that
    :meth:`infer_relative_search_space` returns; parameters outside it are drawn one at a
    time by :meth:`sample_independent`.
    """

    def __str__(self) -> str:
        return self.__class__.__name__

    @abc.abstractmethod
    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """Return the search space for :meth:`sample_relative`."""

    @abc.abstractmethod
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Sample parameters of ``search_space`` jointly (external representation)."""

    @abc.abstractmethod
    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Sample one parameter (external representation)."""

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Hook run when a trial starts, before any sampling."""

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Hook run when a trial finishes, before its state is stored."""

    def reseed_rng(self) -> None:
        """Reseed the random generator (used for each worker thread with ``n_jobs > 1``)."""

    def _raise_error_if_multi_objective(self, study: Study) -> None:
        """Raise ``ValueError`` for a multi-objective study (Optuna's helper for subclasses)."""
        if study._is_multi_objective():
            raise ValueError(
                "If the study is being used for multi-objective optimization, "
                f"{self.__class__.__name__} cannot be used."
            )
