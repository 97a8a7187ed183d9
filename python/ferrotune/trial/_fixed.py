"""A trial with fixed parameters, for re-running an objective outside a study."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from typing import Any

from ferrotune import distributions as _dists
from ferrotune.distributions import BaseDistribution, CategoricalChoiceType
from ferrotune.trial._base import BaseTrial


class FixedTrial(BaseTrial):
    """A trial whose ``suggest_*`` calls return the given ``params``.

    Parameters
    ----------
    params
        ``{name: value}`` returned by the suggest calls.
    number
        Trial number reported by :attr:`number`.
    """

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = params
        self._suggested_params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        return float(self._suggest(name, _dists.FloatDistribution(low, high, log=log, step=step)))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        return int(self._suggest(name, _dists.IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        return self._suggest(name, _dists.CategoricalDistribution(choices))  # type: ignore[no-any-return]

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The value of the parameter '{name}' is not found. Please set it at the "
                "construction of the FixedTrial object."
            )
        value = self._params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            warnings.warn(
                f"The value {value} of the parameter '{name}' is out of the range of the "
                f"distribution {distribution}.",
                UserWarning,
                stacklevel=3,
            )
        if name in self._distributions:
            _dists.check_distribution_compatibility(self._distributions[name], distribution)
        self._suggested_params[name] = value
        self._distributions[name] = distribution
        return value

    def report(self, value: float, step: int) -> None:
        """Do nothing."""

    def should_prune(self) -> bool:
        """Return ``False``."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value

    @property
    def params(self) -> dict[str, Any]:
        return self._suggested_params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number
