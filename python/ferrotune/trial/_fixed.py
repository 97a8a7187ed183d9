"""A trial with fixed parameters, for re-running an objective outside a study."""

from __future__ import annotations

import datetime
from typing import Any

from ferrotune.distributions import BaseDistribution
from ferrotune.trial._base import ReplayTrial
from ferrotune.trial._constraints import constraint_key, constraints_from_system_attrs


class FixedTrial(ReplayTrial):
    """A trial whose ``suggest_*`` calls return the given ``params``.

    Parameters
    ----------
    params
        ``{name: value}`` returned by the suggest calls.
    number
        Trial number reported by :attr:`number`.
    """

    _replay_kind = "FixedTrial"

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = params
        self._suggested_params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def _replay_source(self) -> dict[str, Any]:
        return self._params

    def _replay_distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    def _replay_record(self, name: str, value: Any, distribution: BaseDistribution) -> None:
        self._suggested_params[name] = value
        self._distributions[name] = distribution

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; the trial is feasible when all values are <= 0.

        Parameters
        ----------
        key
            The constraint's name. Setting it again warns and keeps the first value.
        value
            A number (anything ``float()`` accepts); NaN raises ``ValueError``.
        """
        full = constraint_key(key, value, self._system_attrs)
        if full is not None:
            self._system_attrs[full] = float(value)

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values set so far."""
        return constraints_from_system_attrs(self._system_attrs)

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
