"""Abstract trial interface shared by Trial, FixedTrial and FrozenTrial."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from ferrotune.distributions import CategoricalChoiceType


class BaseTrial(abc.ABC):
    """The interface an objective function receives.

    Implementations also expose ``params``, ``distributions``, ``user_attrs``,
    ``datetime_start`` and ``number``.
    """

    __slots__ = ()

    @abc.abstractmethod
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]`` (log-scaled or stepped)."""

    @abc.abstractmethod
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices``."""

    @abc.abstractmethod
    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value at ``step``."""

    @abc.abstractmethod
    def should_prune(self) -> bool:
        """Ask the pruner whether the trial should stop."""

    @abc.abstractmethod
    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute."""

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high, step=q)``."""
        return self.suggest_float(name, low, high, step=q)
