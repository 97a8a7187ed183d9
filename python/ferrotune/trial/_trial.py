"""The live trial handed to objective functions."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import distributions as _dists
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.trial._base import BaseTrial
from ferrotune.trial._constraints import constraint_key, constraints_from_system_attrs

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial

FIXED_PARAMS_KEY = "fixed_params"

# Validated distributions keyed by their arguments, with their ``single()`` flag. Building
# and validating a distribution costs more than the rest of a suggest call, and objectives
# ask for the same ranges on every trial.
_DIST_CACHE: dict[tuple[Any, ...], tuple[BaseDistribution, bool]] = {}
_DIST_CACHE_LIMIT = 8192


def _cached(key: tuple[Any, ...], make: Any) -> tuple[BaseDistribution, bool]:
    hit = _DIST_CACHE.get(key)
    if hit is not None:
        return hit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = make()
    for w in caught:  # re-emit (e.g. "range not divisible by step") at the caller
        warnings.warn(w.message, w.category, stacklevel=4)
    entry = (dist, dist.single())
    if not caught:  # only cache silent constructions so warnings repeat as in Optuna
        if len(_DIST_CACHE) >= _DIST_CACHE_LIMIT:
            _DIST_CACHE.clear()
        _DIST_CACHE[key] = entry
    return entry


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"Parameter names must be str, but got {name!r}.")


class Trial(BaseTrial):
    """A trial in progress: suggests parameters and reports intermediate values.

    Created by :meth:`Study.ask` or :meth:`Study.optimize`; not meant to be built directly.
    """

    __slots__ = (
        "_cached_frozen_trial",
        "_fixed_params",
        "_relative_params",
        "_storage",
        "_trial_id",
        "relative_search_space",
        "study",
    )

    def __init__(self, study: Study, trial_id: int) -> None:
        self.study = study
        self._trial_id = trial_id
        self._storage = study._storage
        frozen = self._storage.get_trial(trial_id)
        if frozen._internal_params is None:
            frozen._internal_params = {
                n: d.to_internal_repr(frozen.params[n]) for n, d in frozen.distributions.items()
            }
        self._cached_frozen_trial: FrozenTrial = frozen
        self._fixed_params: dict[str, Any] = frozen.system_attrs.get(FIXED_PARAMS_KEY) or {}
        sampler_study = study._filtered_for_sampler(frozen)
        sampler = study.sampler
        sampler.before_trial(sampler_study, frozen)
        self.relative_search_space = sampler.infer_relative_search_space(sampler_study, frozen)
        self._relative_params: dict[str, Any] | None = None

    @property
    def relative_params(self) -> dict[str, Any]:
        """Parameters sampled jointly by the sampler's relative sampling."""
        if self._relative_params is None:
            study = self.study._filtered_for_sampler(self._cached_frozen_trial)
            self._relative_params = self.study.sampler.sample_relative(
                study, self._cached_frozen_trial, self.relative_search_space
            )
        return self._relative_params

    # -- suggest API -----------------------------------------------------------------------
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float parameter.

        Parameters
        ----------
        name
            Parameter name; suggesting the same name again returns the first value.
        low, high
            Inclusive range (``low > 0`` when ``log``).
        step
            Optional discretisation step (not with ``log``).
        log
            Sample in the log domain.
        """
        entry = _DIST_CACHE.get((0, low, high, step, log))
        if entry is None:
            entry = _cached(
                (0, low, high, step, log),
                lambda: FloatDistribution(low, high, log=log, step=step),
            )
        return float(self._suggest(name, entry[0], entry[1]))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an integer parameter in ``[low, high]`` (``step`` spacing or ``log``)."""
        entry = _DIST_CACHE.get((1, low, high, step, log))
        if entry is None:
            for label, v in (("low", low), ("high", high), ("step", step)):
                if isinstance(v, float) and not v.is_integer():
                    raise ValueError(f"`{label}` must be an integer, but got {label}={v!r}.")
            entry = _cached(
                (1, low, high, step, log), lambda: IntDistribution(low, high, log=log, step=step)
            )
        return int(self._suggest(name, entry[0], entry[1]))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices`` (a non-empty sequence of hashable values)."""
        _check_name(name)
        try:
            key = (2, tuple(choices), tuple(type(c) for c in choices))
            hash(key)
        except TypeError:  # unhashable choices: let the distribution raise a clear error
            CategoricalDistribution(choices)
            raise
        entry = _cached(key, lambda: CategoricalDistribution(choices))
        return self._suggest(name, entry[0], entry[1])

    def _suggest(self, name: str, dist: BaseDistribution, single: bool | None = None) -> Any:
        if type(name) is not str:
            _check_name(name)
        frozen = self._cached_frozen_trial
        previous = frozen.distributions.get(name)
        if previous is not None:
            if previous is not dist:
                _dists.check_distribution_compatibility(previous, dist)
            return frozen.params[name]
        if name in self._fixed_params:
            value = self._fixed_params[name]
            internal = dist.to_internal_repr(value)
            if not dist._contains(internal):
                warnings.warn(
                    f"Fixed parameter '{name}' with value {value} is out of range for "
                    f"distribution {dist}.",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            if single is None:
                single = dist.single()
            if single:
                value = _dists._get_single_value(dist)
            else:
                relative = self.relative_params
                if name in relative and name in self.relative_search_space:
                    expected = self.relative_search_space[name]
                    if expected is not dist and expected != dist:
                        _dists.check_distribution_compatibility(expected, dist)
                    value = relative[name]
                    if not dist._contains(dist.to_internal_repr(value)):
                        value = self._sample_independent(name, dist)
                else:
                    value = self._sample_independent(name, dist)
            internal = dist.to_internal_repr(value)
        self._storage.set_trial_param(self._trial_id, name, internal, dist)
        frozen.distributions[name] = dist
        frozen.params[name] = value
        assert frozen._internal_params is not None
        frozen._internal_params[name] = internal
        return value

    def _sample_independent(self, name: str, dist: BaseDistribution) -> Any:
        study = self.study._filtered_for_sampler(self._cached_frozen_trial)
        return self.study.sampler.sample_independent(study, self._cached_frozen_trial, name, dist)

    # -- pruning ---------------------------------------------------------------------------
    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value at ``step`` (a non-negative int).

        A repeated step warns and keeps the first value. Multi-objective studies cannot
        report.
        """
        if len(self.study.directions) > 1:
            raise NotImplementedError(
                "Trial.report is not supported for multi-objective optimization."
            )
        try:
            value = float(value)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"The `value` argument is of type '{type(value).__name__}' but supposed to be "
                "a float."
            ) from e
        if isinstance(step, bool) or not isinstance(step, int):
            try:
                if isinstance(step, bool) or int(step) != step:
                    raise TypeError
                step = int(step)
            except (TypeError, ValueError) as e:
                raise TypeError(
                    f"The `step` argument is of type '{type(step).__name__}' but supposed to "
                    "be an int."
                ) from e
        if step < 0:
            raise ValueError(f"The `step` argument is {step} but cannot be negative.")
        frozen = self._cached_frozen_trial
        if step in frozen.intermediate_values:
            warnings.warn(
                f"The reported value is ignored because this `step` {step} is already reported.",
                UserWarning,
                stacklevel=2,
            )
            return
        self._storage.set_trial_intermediate_value(self._trial_id, step, value)
        frozen.intermediate_values[step] = value

    def should_prune(self) -> bool:
        """Return whether the study's pruner decides to stop this trial now."""
        if len(self.study.directions) > 1:
            raise NotImplementedError(
                "Trial.should_prune is not supported for multi-objective optimization."
            )
        frozen = self._storage.get_trial(self._trial_id)
        study = self.study._filtered_for_sampler(frozen)
        return bool(self.study.pruner.prune(study, frozen))

    # -- attributes ------------------------------------------------------------------------
    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a user attribute (JSON-serialisable for persistent storages)."""
        self._storage.set_trial_user_attr(self._trial_id, key, value)
        self._cached_frozen_trial.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach a system attribute (for samplers and other library code)."""
        self._storage.set_trial_system_attr(self._trial_id, key, value)
        self._cached_frozen_trial.system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; the trial is feasible when all values are <= 0."""
        full = constraint_key(key, value, self._cached_frozen_trial.system_attrs)
        if full is not None:
            self.set_system_attr(full, float(value))

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values set so far."""
        return constraints_from_system_attrs(self._cached_frozen_trial.system_attrs)

    @property
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far (a copy)."""
        return dict(self._cached_frozen_trial.params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far (a copy)."""
        return dict(self._cached_frozen_trial.distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes (a copy)."""
        return dict(self._cached_frozen_trial.user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes (a copy)."""
        return dict(self._storage.get_trial_system_attrs(self._trial_id))

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""
        return self._cached_frozen_trial.datetime_start

    @property
    def number(self) -> int:
        """Trial number, unique and consecutive within the study."""
        return self._cached_frozen_trial.number

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"

