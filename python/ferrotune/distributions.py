"""Search-space distributions (Optuna-compatible).

Every parameter has an *external* value (what the objective sees: a float, an int or a
categorical choice) and an *internal* float representation used by samplers and stored in
the columnar trial history: the value itself for numbers, the index of the choice for
categoricals.
"""

from __future__ import annotations

import abc
import decimal
import json
import math
import warnings
from collections.abc import Callable, Hashable, Sequence
from numbers import Real
from typing import Any, TypeVar

from ferrotune._deprecated import deprecated_class

CategoricalChoiceType = None | bool | int | float | str
_D = TypeVar("_D", bound="BaseDistribution")

__all__ = [
    "DISTRIBUTION_CLASSES",
    "BaseDistribution",
    "CategoricalChoiceType",
    "CategoricalDistribution",
    "DiscreteUniformDistribution",
    "FloatDistribution",
    "IntDistribution",
    "IntLogUniformDistribution",
    "IntUniformDistribution",
    "LogUniformDistribution",
    "UniformDistribution",
    "check_distribution_compatibility",
    "distribution_to_json",
    "json_to_distribution",
]


class BaseDistribution(abc.ABC):
    """Base class of distributions."""

    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """Convert an internal float to the value the objective sees."""
        return param_value_in_internal_repr

    @abc.abstractmethod
    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        """Convert an external value to its internal float representation."""

    @abc.abstractmethod
    def single(self) -> bool:
        """Return whether the distribution has exactly one possible value."""

    @abc.abstractmethod
    def _contains(self, param_value_in_internal_repr: float) -> bool:
        """Return whether an internal value lies in the distribution's support."""

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseDistribution):
            return NotImplemented
        if type(self) is not type(other):
            return False
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self.__class__, *sorted(self.__dict__.items())))

    def __repr__(self) -> str:
        kwargs = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{self.__class__.__name__}({kwargs})"


def _check_number(label: str, value: Any, *, optional: bool = False) -> None:
    """Require a finite real number (Python or numpy scalar) for argument ``label``.

    Raises ``TypeError`` for a non-number (a string, a list, ...) and ``ValueError`` for
    NaN or an infinity, naming the argument and the value.
    """
    if optional and value is None:
        return
    if not isinstance(value, Real):
        raise TypeError(
            f"`{label}` must be a real number, but got {label}={value!r} of type "
            f"{type(value).__name__}."
        )
    try:
        finite = math.isfinite(float(value))
    except OverflowError:  # an int beyond the float range: samplers work in floats
        finite = False
    if not finite:
        text = str(value)
        if len(text) > 40:
            text = f"{text[:20]}...({len(text)} digits)"
        raise ValueError(f"`{label}` must be finite, but got {label}={text}.")


def _check_bound(label: str, value: Any) -> None:
    """Require a real number for the bound ``label`` of a ``FloatDistribution``.

    Infinities and NaN are accepted, as Optuna accepts them (only a single-value range such as
    ``[inf, inf]`` can be sampled; ``suggest_float`` rejects the others). An int beyond the
    float range is a ``ValueError``, anything but a number a ``TypeError``.
    """
    if not isinstance(value, Real):
        raise TypeError(
            f"`{label}` must be a real number, but got {label}={value!r} of type "
            f"{type(value).__name__}."
        )
    try:
        float(value)
    except OverflowError:
        _check_number(label, value)


def _for_param(name: str, make: Callable[[], _D]) -> _D:
    """Build a distribution for parameter ``name``, naming it in any argument error."""
    try:
        return make()
    except (TypeError, ValueError) as e:
        raise type(e)(f"Invalid distribution for parameter '{name}': {e}") from e


def _internal_for_param(name: str, dist: BaseDistribution, value: Any) -> float:
    """``dist.to_internal_repr(value)``, naming parameter ``name`` in its error."""
    try:
        return dist.to_internal_repr(value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"Invalid value for parameter '{name}': {e}") from e


def _float_to_internal(value: Any, log: bool) -> float:
    try:
        internal = float(value)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"'{value}' is not a valid type. float-castable value is expected."
        ) from e
    if math.isnan(internal):
        raise ValueError(f"`{value}` is invalid value.")
    if log and internal <= 0.0:
        raise ValueError(f"`{value}` is invalid value for the case log=True.")
    return internal


class FloatDistribution(BaseDistribution):
    """A distribution on floats, optionally log-scaled or discretised by ``step``.

    Parameters
    ----------
    low, high
        Inclusive bounds, ``low <= high`` (``low > 0`` when ``log``). As in Optuna they may
        be infinite or NaN (finite with ``step``); samplers only draw from a finite range or
        a single value such as ``[inf, inf]``.
    log
        Sample in the log domain. Not combinable with ``step``.
    step
        Discretisation step; ``high`` is lowered to the last reachable grid point.
    """

    def __init__(
        self, low: float, high: float, log: bool = False, step: float | None = None
    ) -> None:
        _check_bound("low", low)
        _check_bound("high", high)
        _check_number("step", step, optional=True)
        if log and step is not None:
            raise ValueError("The parameter `step` is not supported when `log` is true.")
        if step is not None:
            for label, bound in (("low", low), ("high", high)):
                if not math.isfinite(bound):
                    raise ValueError(
                        f"`{label}` must be finite when `step` is given, but got {label}={bound}."
                    )
        if low > high:
            raise ValueError(f"`low <= high` must hold, but got ({low=}, {high=}).")
        if log and low <= 0.0:
            raise ValueError(f"`low > 0` must hold for `log=True`, but got ({low=}, {high=}).")
        if step is not None and step <= 0:
            raise ValueError(f"`step > 0` must hold, but got {step=}.")
        self.step: float | None = None
        if step is not None:
            high = _adjust_float_high(low, high, step)
            self.step = float(step)
        self.low = float(low)
        self.high = float(high)
        self.log = bool(log)

    def single(self) -> bool:
        if self.step is None or self.low == self.high:
            return self.low == self.high
        d_high = decimal.Decimal(str(self.high))
        d_low = decimal.Decimal(str(self.low))
        return (d_high - d_low) < decimal.Decimal(str(self.step))

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        if self.step is None:
            return self.low <= value <= self.high
        k = (value - self.low) / self.step
        return self.low <= value <= self.high and abs(k - round(k)) < 1.0e-8

    def to_internal_repr(self, param_value_in_external_repr: float) -> float:
        return _float_to_internal(param_value_in_external_repr, self.log)


class IntDistribution(BaseDistribution):
    """A distribution on integers, optionally log-scaled or with a ``step``.

    Parameters
    ----------
    low, high
        Inclusive bounds, ``low <= high`` (``low >= 1`` when ``log``).
    log
        Sample in the log domain (``step`` must then be 1).
    step
        Spacing between values; ``high`` is lowered to the last reachable value.
    """

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        _check_number("low", low)
        _check_number("high", high)
        _check_number("step", step)
        if log and step != 1:
            raise ValueError(
                "Samplers and other components in ferrotune only accept step is 1 "
                f"when `log` argument is True, but got {step=}."
            )
        if low > high:
            raise ValueError(f"`low <= high` must hold, but got ({low=}, {high=}).")
        if log and low < 1:
            raise ValueError(f"`low >= 1` must hold for `log=True`, but got ({low=}, {high=}).")
        if step <= 0 or int(step) == 0:
            raise ValueError(f"`step > 0` must hold, but got {step=}.")
        self.log = bool(log)
        self.step = int(step)
        self.low = int(low)
        self.high = _adjust_int_high(self.low, int(high), self.step)

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(param_value_in_internal_repr)

    def to_internal_repr(self, param_value_in_external_repr: int) -> float:
        return _float_to_internal(param_value_in_external_repr, self.log)

    def single(self) -> bool:
        if self.log:
            return self.low == self.high
        return self.low == self.high or (self.high - self.low) < self.step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        return self.low <= value <= self.high and (value - self.low) % self.step == 0


def _choice_equal(a: Any, b: Any) -> bool:
    """Equality of two choices: NaN equals NaN, and a comparison that does not give one
    truth value (numpy's "truth value of an array is ambiguous", for array-like choices)
    counts as different."""
    if a is b:
        return True
    try:
        if bool(a == b):
            return True
    except (TypeError, ValueError):
        return False
    a_nan = isinstance(a, Real) and math.isnan(float(a))
    b_nan = isinstance(b, Real) and math.isnan(float(b))
    return a_nan and b_nan


def _check_hashable_choices(choices: Sequence[Any]) -> None:
    """Raise ``TypeError`` naming the first unhashable choice (a trial caches by choices)."""
    for choice in choices:
        try:  # a tuple is Hashable but not hashable when it holds a list or array
            hashable = isinstance(choice, Hashable) and hash(choice) is not None
        except TypeError:
            hashable = False
        if not hashable:
            raise TypeError(
                f"Categorical choices must be hashable, but {choice!r} is of "
                f"unhashable type {type(choice).__name__}."
            )


class CategoricalDistribution(BaseDistribution):
    """A categorical distribution over a tuple of choices.

    Parameters
    ----------
    choices
        One or more candidate values. ``None``, ``bool``, ``int``, ``float`` and ``str``
        are portable across storages; other types warn, as in Optuna (a trial's
        ``suggest_categorical`` still rejects unhashable ones with a ``TypeError``).
    """

    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        if isinstance(choices, str) or not isinstance(choices, Sequence):
            raise TypeError(f"`choices` must be a sequence, but got {choices!r}.")
        if len(choices) == 0:
            raise ValueError("The `choices` must contain one or more elements.")
        for choice in choices:
            # Unhashable choices (a dict, ...) only warn here, as in Optuna 5.0.
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                warnings.warn(
                    "Choices for a categorical distribution should be a tuple of None, bool, "
                    f"int, float and str for persistent storage but contains {choice} which is "
                    f"of type {type(choice).__name__}.",
                    UserWarning,
                    stacklevel=2,
                )
        self.choices: tuple[CategoricalChoiceType, ...] = tuple(choices)

    def to_external_repr(self, param_value_in_internal_repr: float) -> CategoricalChoiceType:
        return self.choices[int(param_value_in_internal_repr)]

    def to_internal_repr(self, param_value_in_external_repr: CategoricalChoiceType) -> float:
        try:
            return float(self.choices.index(param_value_in_external_repr))
        except (TypeError, ValueError):  # not found, or an array-valued comparison
            for index, choice in enumerate(self.choices):
                if _choice_equal(param_value_in_external_repr, choice):
                    return float(index)
        raise ValueError(f"'{param_value_in_external_repr}' not in {self.choices}.")

    def single(self) -> bool:
        return len(self.choices) == 1

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        index = int(param_value_in_internal_repr)
        return 0 <= index < len(self.choices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseDistribution):
            return NotImplemented
        if not isinstance(other, CategoricalDistribution):
            return False
        if len(self.choices) != len(other.choices):
            return False
        return all(_choice_equal(a, b) for a, b in zip(self.choices, other.choices))

    def __hash__(self) -> int:
        return hash((self.__class__, self.choices))


_FLOAT_DEPRECATED = "Use :class:`~optuna.distributions.FloatDistribution` instead."
_INT_DEPRECATED = "Use :class:`~optuna.distributions.IntDistribution` instead."


@deprecated_class("3.0.0", "6.0.0", text=_FLOAT_DEPRECATED)
class UniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high)``.

    Parameters
    ----------
    low, high
        Inclusive bounds.
    """

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low=low, high=high, log=False, step=None)

    def _asdict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["log"], d["step"]
        return d


@deprecated_class("3.0.0", "6.0.0", text=_FLOAT_DEPRECATED)
class LogUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, log=True)``.

    Parameters
    ----------
    low, high
        Inclusive bounds, ``0 < low <= high``.
    """

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low=low, high=high, log=True, step=None)

    def _asdict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["log"], d["step"]
        return d


@deprecated_class("3.0.0", "6.0.0", text=_FLOAT_DEPRECATED)
class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, step=q)``.

    Parameters
    ----------
    low, high
        Inclusive bounds.
    q
        Discretisation step (also readable as ``step``).
    """

    def __init__(self, low: float, high: float, q: float) -> None:
        super().__init__(low=low, high=high, step=q)

    def _asdict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["log"]
        d["q"] = d.pop("step")
        return d

    @property
    def q(self) -> float:
        """The discretisation step (``step``)."""
        assert self.step is not None
        return self.step

    @q.setter
    def q(self, v: float) -> None:
        self.step = v


@deprecated_class("3.0.0", "6.0.0", text=_INT_DEPRECATED)
class IntUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, step=step)``.

    Parameters
    ----------
    low, high
        Inclusive bounds.
    step
        Spacing between values.
    """

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low=low, high=high, log=False, step=step)

    def _asdict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["log"]
        return d


@deprecated_class("3.0.0", "6.0.0", text=_INT_DEPRECATED)
class IntLogUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, log=True)``.

    Parameters
    ----------
    low, high
        Inclusive bounds, ``1 <= low <= high``.
    step
        Must be 1.
    """

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low=low, high=high, log=True, step=step)

    def _asdict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["log"]
        return d


DISTRIBUTION_CLASSES = (
    IntDistribution,
    IntLogUniformDistribution,
    IntUniformDistribution,
    FloatDistribution,
    UniformDistribution,
    LogUniformDistribution,
    DiscreteUniformDistribution,
    CategoricalDistribution,
)


def _convert_old_distribution_to_new_distribution(
    distribution: BaseDistribution, suppress_warning: bool = False
) -> BaseDistribution:
    """A deprecated distribution as the current class (with Optuna's ``FutureWarning``)."""
    new: BaseDistribution
    if isinstance(distribution, (UniformDistribution, LogUniformDistribution)):
        new = FloatDistribution(distribution.low, distribution.high, log=distribution.log)
    elif isinstance(distribution, DiscreteUniformDistribution):
        new = FloatDistribution(distribution.low, distribution.high, step=distribution.step)
    elif isinstance(distribution, (IntUniformDistribution, IntLogUniformDistribution)):
        new = IntDistribution(
            distribution.low, distribution.high, log=distribution.log, step=distribution.step
        )
    else:
        return distribution
    if not suppress_warning:
        warnings.warn(
            f"{distribution} is deprecated and internally converted to {new}. "
            "See https://github.com/optuna/optuna/issues/2941.",
            FutureWarning,
            stacklevel=3,
        )
    return new


# Optuna < 3 distribution names, still found in old storages: read as the current classes.
def _legacy(name: str, attrs: dict[str, Any]) -> BaseDistribution | None:
    if name == "UniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"])
    if name == "LogUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], log=True)
    if name == "DiscreteUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], step=attrs["q"])
    if name == "IntUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], step=attrs.get("step", 1))
    if name == "IntLogUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], log=True)
    return None


_DEPRECATED_BY_NAME: dict[str, type[BaseDistribution]] = {
    cls.__name__: cls
    for cls in (
        UniformDistribution,
        LogUniformDistribution,
        DiscreteUniformDistribution,
        IntUniformDistribution,
        IntLogUniformDistribution,
    )
}


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Deserialize a distribution from the JSON written by :func:`distribution_to_json`.

    Also accepts Optuna's abbreviated form (``{"type": "float", "low": ..., ...}``). The
    deprecated names (``"UniformDistribution"``, ...) give instances of the deprecated
    classes, with their ``FutureWarning``, as in Optuna.
    """
    data = json.loads(json_str)
    if "name" in data and data["name"] in _DEPRECATED_BY_NAME:
        return _DEPRECATED_BY_NAME[data["name"]](**data["attributes"])
    return _json_to_distribution(json_str)


def _json_to_distribution(json_str: str) -> BaseDistribution:
    """:func:`json_to_distribution` for storages: deprecated names are read, silently, as
    the current classes (``FloatDistribution`` / ``IntDistribution``)."""
    data = json.loads(json_str)
    if "name" in data:
        name, attrs = data["name"], dict(data["attributes"])
        if name == "CategoricalDistribution":
            return CategoricalDistribution(tuple(attrs["choices"]))
        if name == "FloatDistribution":
            return FloatDistribution(**attrs)
        if name == "IntDistribution":
            return IntDistribution(**attrs)
        legacy = _legacy(name, attrs)
        if legacy is not None:
            return legacy
        raise ValueError(f"Unknown distribution class: {name}")
    kind = data.get("type")
    if kind == "categorical":
        return CategoricalDistribution(data["choices"])
    if kind == "float":
        return FloatDistribution(
            data["low"], data["high"], log=data.get("log", False), step=data.get("step")
        )
    if kind == "int":
        step = data.get("step")
        return IntDistribution(
            data["low"], data["high"], log=data.get("log", False), step=1 if step is None else step
        )
    raise ValueError(f"Unknown distribution type: {kind}")


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serialize a distribution to JSON (Optuna's format)."""
    attrs = dist._asdict()
    if isinstance(dist, CategoricalDistribution):
        attrs = {"choices": list(dist.choices)}
    try:
        return json.dumps({"name": dist.__class__.__name__, "attributes": attrs})
    except (TypeError, ValueError) as e:
        if not isinstance(dist, CategoricalDistribution):
            raise
        for choice in dist.choices:
            try:
                json.dumps(choice)
            except (TypeError, ValueError):
                raise TypeError(
                    "Choices for a categorical distribution must be None, bool, int, float or "
                    f"str to be stored, but got the choice {choice!r} of type "
                    f"{type(choice).__name__}."
                ) from e
        raise


def check_distribution_compatibility(
    dist_old: BaseDistribution, dist_new: BaseDistribution
) -> None:
    """Raise ``ValueError`` if two distributions cannot share one parameter name.

    They must be of the same kind with the same ``log`` flag; categoricals must have the
    same choices.
    """
    if dist_old.__class__ != dist_new.__class__:
        raise ValueError(
            "Cannot set different distribution kind to the same parameter name: "
            f"{dist_old} vs {dist_new}."
        )
    if isinstance(dist_old, (FloatDistribution, IntDistribution)):
        assert isinstance(dist_new, (FloatDistribution, IntDistribution))
        if dist_old.log != dist_new.log:
            raise ValueError(
                "Cannot set different log configuration to the same parameter name: "
                f"{dist_old} vs {dist_new}."
            )
    if isinstance(dist_old, CategoricalDistribution) and dist_old != dist_new:
        raise ValueError(
            f"CategoricalDistribution does not support dynamic value space: {dist_old} vs "
            f"{dist_new}."
        )


# Decimal context in which the grid arithmetic of float bounds and steps is exact: the
# quotient of a range by a step can have hundreds of digits (up to 1e308 / 5e-324), far
# beyond the default 28 (``decimal.DivisionImpossible`` for ``step=1e-300``).
_EXACT_DECIMAL = decimal.Context(prec=800, Emax=2000, Emin=-2000)


def _adjust_float_high(low: float, high: float, step: float) -> float:
    with decimal.localcontext(_EXACT_DECIMAL):
        d_low = decimal.Decimal(str(low))
        d_range = decimal.Decimal(str(high)) - d_low
        d_step = decimal.Decimal(str(step))
        divisible = d_range % d_step == 0
        if not divisible:
            new_high = float((d_range // d_step) * d_step + d_low)
    if not divisible:
        warnings.warn(
            f"The distribution is specified by [{low}, {high}] and {step=}, but the range is "
            f"not divisible by `step`. It will be replaced with [{low}, {new_high}].",
            UserWarning,
            stacklevel=3,
        )
        return new_high
    return high


def _adjust_int_high(low: int, high: int, step: int) -> int:
    if (high - low) % step != 0:
        new_high = (high - low) // step * step + low
        warnings.warn(
            f"The distribution is specified by [{low}, {high}] and {step=}, but the range is "
            f"not divisible by `step`. It will be replaced with [{low}, {new_high}].",
            UserWarning,
            stacklevel=3,
        )
        return new_high
    return high


def _samplable(dist: BaseDistribution) -> bool:
    """Whether samplers can draw from ``dist``: not a float range with an infinite or NaN
    bound or an infinite width (a single value such as ``[inf, inf]`` is never sampled)."""
    if type(dist) is FloatDistribution or isinstance(dist, FloatDistribution):
        low, high = dist.low, dist.high  # type: ignore[attr-defined]
        if dist.log:  # type: ignore[attr-defined]
            return math.isfinite(low) and math.isfinite(high)
        return math.isfinite(high - low)
    return True


def _reject_unsamplable(name: str, dist: BaseDistribution) -> None:
    """Raise the ``ValueError`` of ``suggest_float`` for a range samplers cannot draw from.

    Optuna builds such a distribution and fails in the sampler (numpy's ``OverflowError:
    Range exceeds valid bounds``); ferrotune names the parameter and the bound instead.
    """
    assert isinstance(dist, FloatDistribution)
    prefix = f"Invalid distribution for parameter '{name}': "
    if math.isfinite(dist.low) and math.isfinite(dist.high):
        raise ValueError(
            f"{prefix}the width high - low of [{dist.low}, {dist.high}] exceeds the float range."
        )
    label, bound = ("low", dist.low) if not math.isfinite(dist.low) else ("high", dist.high)
    raise ValueError(
        f"{prefix}`{label}` must be finite, but got {label}={bound} (only a single value "
        "such as [inf, inf] can be suggested)."
    )


def _get_single_value(distribution: BaseDistribution) -> Any:
    if isinstance(distribution, (FloatDistribution, IntDistribution)):
        return distribution.low
    assert isinstance(distribution, CategoricalDistribution)
    return distribution.choices[0]
