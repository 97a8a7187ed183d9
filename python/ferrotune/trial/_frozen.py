"""Immutable record of a trial, and ``create_trial``."""

from __future__ import annotations

import datetime
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from ferrotune.distributions import BaseDistribution, _convert_old_distribution_to_new_distribution
from ferrotune.trial._base import ReplayTrial
from ferrotune.trial._constraints import constraint_key, constraints_from_system_attrs
from ferrotune.trial._state import TrialState

_FIELDS = (
    "number",
    "state",
    "_values",
    "datetime_start",
    "datetime_complete",
    "params",
    "distributions",
    "user_attrs",
    "system_attrs",
    "intermediate_values",
    "_trial_id",
)


class FrozenTrial(ReplayTrial):
    """Status and results of a trial.

    Used both as the record returned by a study (``study.trials``) and as a trial object
    that replays its stored parameters: ``objective(study.best_trial)`` re-evaluates the
    best parameters.

    Parameters
    ----------
    number
        Unique, consecutive number of the trial within its study.
    state
        A :class:`TrialState`.
    value, values
        Objective value(s); give at most one of the two.
    datetime_start, datetime_complete
        Start and finish times.
    params, distributions
        Parameter values (external representation) and their distributions.
    user_attrs, system_attrs
        Attributes set by the user and by ferrotune.
    intermediate_values
        ``{step: value}`` reported with :meth:`Trial.report`.
    trial_id
        Storage-wide identifier.
    """

    # ``datetime_start`` and ``datetime_complete`` are properties over ``_datetime_*``
    # slots, which may hold a ``time.time()`` float that becomes a datetime on first read:
    # storages stamp every trial twice, and a local datetime costs 3x a timestamp.
    __slots__ = (
        *(f for f in _FIELDS if not f.startswith("datetime_")),
        "_datetime_start",
        "_datetime_complete",
        "_internal_params",
    )
    _datetime_start: datetime.datetime | float | None
    _datetime_complete: datetime.datetime | float | None

    def __init__(
        self,
        number: int,
        state: TrialState,
        value: float | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
        *,
        values: Sequence[float] | None = None,
    ) -> None:
        if value is not None and values is not None:
            raise ValueError("Specify only one of `value` and `values`.")
        self.number = number
        self.state = state
        self._values: list[float] | None = (
            [value] if value is not None else (list(values) if values is not None else None)
        )
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self.params = params
        self.distributions = distributions
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self.intermediate_values = intermediate_values
        self._trial_id = trial_id
        # Internal representation of params, kept by storages that have it at hand.
        self._internal_params: dict[str, float] | None = None

    # -- comparison and display ------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.number < other.number

    def __le__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.number <= other.number

    def __hash__(self) -> int:
        return hash((self._trial_id, self.number))

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.lstrip('_')}={getattr(self, f)!r}" for f in _FIELDS)
        return f"FrozenTrial({fields})"

    def __copy__(self) -> FrozenTrial:
        # Unrolled (8x faster than a loop over _FIELDS): Trial.should_prune copies per call.
        new = FrozenTrial.__new__(FrozenTrial)
        new.number = self.number
        new.state = self.state
        new._values = self._values
        new._datetime_start = self._datetime_start
        new._datetime_complete = self._datetime_complete
        new.params = self.params
        new.distributions = self.distributions
        new.user_attrs = self.user_attrs
        new.system_attrs = self.system_attrs
        new.intermediate_values = self.intermediate_values
        new._trial_id = self._trial_id
        new._internal_params = self._internal_params
        return new

    @classmethod
    def _empty(
        cls,
        number: int,
        state: TrialState,
        datetime_start: datetime.datetime | float | None,
        datetime_complete: datetime.datetime | float | None,
        trial_id: int,
    ) -> FrozenTrial:
        """A trial without values, parameters or attributes, for a storage to fill in.

        The times may be ``time.time()`` floats: they become datetimes on first read.
        """
        # Slots set directly: storages create one per trial, ``__init__`` costs 3x more.
        trial = cls.__new__(cls)
        trial.number = number
        trial.state = state
        trial._values = None
        trial._datetime_start = datetime_start
        trial._datetime_complete = datetime_complete
        trial.params = {}
        trial.distributions = {}
        trial.user_attrs = {}
        trial.system_attrs = {}
        trial.intermediate_values = {}
        trial._trial_id = trial_id
        trial._internal_params = {}
        return trial

    def _copy_mutable(self) -> FrozenTrial:
        """A copy with its own containers (values, params, attributes, ...).

        Storages hand these out: changing a returned trial's containers leaves the stored
        record as it was, and later writes to the record leave the returned trial as it was.
        The attribute values themselves are shared (unlike :func:`copy.deepcopy`).
        """
        new = self.__copy__()
        if self._values is not None:
            new._values = list(self._values)
        new.params = dict(self.params)
        new.distributions = dict(self.distributions)
        new.user_attrs = dict(self.user_attrs)
        new.system_attrs = dict(self.system_attrs)
        new.intermediate_values = dict(self.intermediate_values)
        if self._internal_params is not None:
            new._internal_params = dict(self._internal_params)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        import copy

        new = FrozenTrial.__new__(FrozenTrial)
        new.number = self.number
        new.state = self.state
        new._values = None if self._values is None else list(self._values)
        new._datetime_start = self._datetime_start
        new._datetime_complete = self._datetime_complete
        new.params = copy.deepcopy(self.params, memo)
        new.distributions = dict(self.distributions)  # distributions are immutable
        new.user_attrs = copy.deepcopy(self.user_attrs, memo)
        new.system_attrs = copy.deepcopy(self.system_attrs, memo)
        new.intermediate_values = dict(self.intermediate_values)
        new._trial_id = self._trial_id
        new._internal_params = (
            None if self._internal_params is None else dict(self._internal_params)
        )
        return new

    def __getstate__(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in (*_FIELDS, "_internal_params")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for f, v in state.items():
            object.__setattr__(self, f, v)

    # -- times -----------------------------------------------------------------------------
    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started (``None`` while WAITING)."""
        when = self._datetime_start = _as_datetime(self._datetime_start)
        return when

    @datetime_start.setter
    def datetime_start(self, when: datetime.datetime | None) -> None:
        self._datetime_start = when

    @property
    def datetime_complete(self) -> datetime.datetime | None:
        """When the trial finished (``None`` while unfinished)."""
        when = self._datetime_complete = _as_datetime(self._datetime_complete)
        return when

    @datetime_complete.setter
    def datetime_complete(self, when: datetime.datetime | None) -> None:
        self._datetime_complete = when

    # -- values ----------------------------------------------------------------------------
    @property
    def value(self) -> float | None:
        """The objective value (single-objective studies only)."""
        if self._values is None:
            return None
        if len(self._values) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization."
            )
        return self._values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        if self._values is not None and len(self._values) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization."
            )
        self._values = None if v is None else [v]

    @property
    def values(self) -> list[float] | None:
        """The objective values."""
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else list(v)

    @property
    def last_step(self) -> int | None:
        """The largest step reported, or ``None``."""
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def duration(self) -> datetime.timedelta | None:
        """Time from start to finish, or ``None`` while unfinished."""
        if self.datetime_start and self.datetime_complete:
            return self.datetime_complete - self.datetime_start
        return None

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values; the trial is feasible when all are <= 0."""
        return constraints_from_system_attrs(self.system_attrs)

    def set_constraint(self, key: str, value: float) -> None:
        """Set one constraint value (feasible when <= 0)."""
        full = constraint_key(key, value, self.system_attrs)
        if full is not None:
            self.system_attrs[full] = float(value)

    # -- ReplayTrial interface: replay stored params ---------------------------------------
    _replay_kind = "FrozenTrial"

    def _replay_source(self) -> dict[str, Any]:
        return self.params

    def _replay_distributions(self) -> dict[str, BaseDistribution]:
        return self.distributions

    def _replay_record(self, name: str, value: Any, distribution: BaseDistribution) -> None:
        self.distributions[name] = distribution

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value

    def _validate(self) -> None:
        if self.state != TrialState.WAITING and self.datetime_start is None:
            raise ValueError(
                "`datetime_start` is supposed to be set when the trial state is not waiting."
            )
        if self.state.is_finished():
            if self.datetime_complete is None:
                raise ValueError("`datetime_complete` is supposed to be set for a finished trial.")
        elif self.datetime_complete is not None:
            raise ValueError("`datetime_complete` is supposed to be None for an unfinished trial.")
        if self.state == TrialState.FAIL and self._values is not None:
            raise ValueError(f"values should be None for a failed trial, but got {self._values}.")
        if self.state == TrialState.COMPLETE:
            if self._values is None:
                raise ValueError(
                    "values should be set for a complete trial (`value` or `values`)."
                )
            if any(math.isnan(x) for x in self._values):
                raise ValueError(f"values should not contain NaN, but got {self._values}.")
        if set(self.params) != set(self.distributions):
            raise ValueError(
                f"Inconsistent parameters: `params` has {set(self.params)} and "
                f"`distributions` has {set(self.distributions)}."
            )
        for step in self.intermediate_values:
            if isinstance(step, bool) or not isinstance(step, (int, numbers.Integral)):
                raise TypeError(
                    f"Intermediate value steps must be integers, but got step={step!r:.200}."
                )
            # Storages keep steps as signed 64-bit integers (``Trial.report`` checks too).
            if isinstance(step, (int, numbers.Integral)) and not -(2**63) <= step <= 2**63 - 1:
                raise ValueError(
                    "Intermediate value steps must fit a signed 64-bit integer, but got "
                    f"step={step}."
                )
        for name, value in self.params.items():
            dist = self.distributions[name]
            if not dist._contains(dist.to_internal_repr(value)):
                raise ValueError(
                    f"The value {value} of parameter '{name}' isn't contained in the "
                    f"distribution {dist}."
                )


def _as_datetime(when: datetime.datetime | float | None) -> datetime.datetime | None:
    """A stored trial time as a datetime: ``time.time()`` floats become local datetimes."""
    return datetime.datetime.fromtimestamp(when) if isinstance(when, float) else when


def _real(label: str, value: Any) -> float:
    """``value`` as a float: a TypeError or ValueError naming ``label`` and the value."""
    if isinstance(value, str | bytes) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{label}` must hold real numbers, but got {value!r:.200}.")
    try:
        return float(value)
    except (OverflowError, ValueError) as e:
        raise ValueError(f"`{label}` must hold floats, but got {value!r:.200} ({e}).") from None


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, float] | None = None,
    constraints: dict[str, float] | None = None,
) -> FrozenTrial:
    """Create a validated :class:`FrozenTrial`, e.g. for :meth:`Study.add_trial`.

    A COMPLETE trial needs ``params``, ``distributions`` and ``value`` or ``values``.
    """
    if not isinstance(state, TrialState):
        # Optuna's own TrialState (code written for Optuna) maps by name.
        if type(state).__name__ != "TrialState" or state.name not in TrialState.__members__:
            raise TypeError(f"`state` must be a TrialState, but got {state!r:.200}.")
        state = TrialState[state.name]
    for label, mapping in (
        ("params", params),
        ("distributions", distributions),
        ("user_attrs", user_attrs),
        ("system_attrs", system_attrs),
        ("intermediate_values", intermediate_values),
        ("constraints", constraints),
    ):
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise TypeError(f"`{label}` must be a dict, but got {mapping!r:.200}.")
        if label != "intermediate_values":
            for key in mapping:
                if not isinstance(key, str):
                    raise TypeError(f"The keys of `{label}` must be str, but got {key!r:.200}.")
    if value is not None:
        value = _real("value", value)
    if values is not None:
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise TypeError(f"`values` must be a sequence of numbers, but got {values!r:.200}.")
        values = [_real("values", v) for v in values]
    if intermediate_values is not None:
        intermediate_values = {
            k: _real("intermediate_values", v) for k, v in intermediate_values.items()
        }
    start = None if state == TrialState.WAITING else datetime.datetime.now()
    trial = FrozenTrial(
        number=-1,
        trial_id=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=start,
        datetime_complete=start if state.is_finished() else None,
        params=dict(params or {}),
        distributions={
            name: _convert_old_distribution_to_new_distribution(dist)
            for name, dist in (distributions or {}).items()
        },
        user_attrs=dict(user_attrs or {}),
        system_attrs=dict(system_attrs or {}),
        intermediate_values=dict(intermediate_values or {}),
    )
    for key, constraint_value in (constraints or {}).items():
        trial.set_constraint(key, constraint_value)
    trial._validate()
    return trial
