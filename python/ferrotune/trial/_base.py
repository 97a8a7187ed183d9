"""Abstract trial interface shared by Trial, FixedTrial and FrozenTrial."""

from __future__ import annotations

import abc
import warnings
from collections.abc import Sequence
from typing import Any

from ferrotune import distributions as _dists
from ferrotune.distributions import BaseDistribution, CategoricalChoiceType


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

    @abc.abstractmethod
    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; the trial is feasible when all values are <= 0."""

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values set so far."""
        raise NotImplementedError

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated alias of ``suggest_float(name, low, high, step=q)``."""
        return self.suggest_float(name, low, high, step=q)


class ReplayTrial(BaseTrial):
    """A trial whose ``suggest_*`` calls return values fixed in advance.

    Subclasses provide ``_replay_source`` (the fixed ``{name: value}``), ``_replay_record``
    (where replayed distributions are kept) and ``_replay_kind`` (their name for messages).
    """

    __slots__ = ()

    def _replay_source(self) -> dict[str, Any]:
        raise NotImplementedError

    def _replay_record(self, name: str, value: Any, distribution: BaseDistribution) -> None:
        raise NotImplementedError

    def _replay_distributions(self) -> dict[str, BaseDistribution]:
        raise NotImplementedError

    _replay_kind = "trial"

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        # The given value as is (``1`` stays an int), as in Optuna.
        dist = _dists._for_param(
            name, lambda: _dists.FloatDistribution(low, high, log=log, step=step)
        )
        value: float = self._suggest(name, dist)
        return value

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        dist = _dists._for_param(
            name, lambda: _dists.IntDistribution(low, high, log=log, step=step)
        )
        return int(self._suggest(name, dist))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        value: CategoricalChoiceType = self._suggest(name, _dists.CategoricalDistribution(choices))
        return value

    def report(self, value: float, step: int) -> None:
        """Do nothing: intermediate values are not recorded outside a study."""

    def should_prune(self) -> bool:
        """Return ``False``: a replayed trial is never pruned."""
        return False

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        source = self._replay_source()
        if name not in source:
            raise ValueError(
                f"The value of the parameter '{name}' is not found. "
                f"Please set it at the construction of the {self._replay_kind} object."
            )
        value = source[name]
        if not distribution._contains(_dists._internal_for_param(name, distribution, value)):
            warnings.warn(
                f"The value {value} of the parameter '{name}' is out of the range of the "
                f"distribution {distribution}.",
                UserWarning,
                stacklevel=3,
            )
        known = self._replay_distributions().get(name)
        if known is not None:
            _dists.check_distribution_compatibility(known, distribution)
        self._replay_record(name, value, distribution)
        return value
