"""The live trial handed to objective functions."""

from __future__ import annotations

import contextlib
import copy
import datetime
import math
import warnings
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from ferrotune import distributions as _dists
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import UpdateFinishedTrialError
from ferrotune.trial._base import BaseTrial
from ferrotune.trial._constraints import constraint_key, constraints_from_system_attrs
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages import BaseStorage
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial

FIXED_PARAMS_KEY = "fixed_params"
# The fixed params of every trial without any (shared: never written to; a plain dict so
# trials still pickle).
_NO_FIXED: Mapping[str, Any] = {}
# Largest step ``report`` accepts: storages keep steps as signed 64-bit integers.
_MAX_STEP = 2**63 - 1
_RUNNING = TrialState.RUNNING

# Validated distributions keyed by their arguments, with their ``single()`` flag. Building
# and validating a distribution costs more than the rest of a suggest call, and objectives
# ask for the same ranges on every trial.
_DIST_CACHE: dict[tuple[Any, ...], tuple[BaseDistribution, bool]] = {}
_DIST_CACHE_LIMIT = 8192
# The continuous uniform FloatDistributions of ``_DIST_CACHE`` keyed by ``(low, high)`` only:
# ``suggest_float(name, low, high)`` without step or log, the common call, looks up here.
# Values: the distribution and its float ``low`` and ``high``.
_UNIFORM: dict[tuple[Any, Any], tuple[FloatDistribution, float, float]] = {}


def _cache_get(key: tuple[Any, ...]) -> tuple[BaseDistribution, bool] | None:
    try:
        return _DIST_CACHE.get(key)
    except TypeError:  # an unhashable argument (a list step, ...): the constructor names it
        return None


def _cached(key: tuple[Any, ...], name: Any, make: Any) -> tuple[BaseDistribution, bool]:
    hit = _cache_get(key)
    if hit is not None:
        return hit
    _check_name(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = _dists._for_param(name, make)
    for w in caught:  # re-emit (e.g. "range not divisible by step") at the caller
        warnings.warn(w.message, w.category, stacklevel=4)
    entry = (dist, dist.single())
    if not caught and (entry[1] or _dists._samplable(dist)):
        # Only silent constructions are cached, so warnings repeat as in Optuna; so are only
        # ranges a sampler can draw from, so that every suggest of another one reaches the
        # check of ``Trial._suggest`` (the fast paths need the cached object).
        if len(_DIST_CACHE) >= _DIST_CACHE_LIMIT:
            _DIST_CACHE.clear()
        # An unhashable argument the constructor accepts (``log=[]``) is not cached.
        with contextlib.suppress(TypeError):
            _DIST_CACHE[key] = entry
    return entry


def _int_distribution(low: Any, high: Any, step: Any, log: bool) -> IntDistribution:
    """``IntDistribution`` of ``suggest_int``, which also rejects non-integral floats."""
    for label, v in (("low", low), ("high", high), ("step", step)):
        if (
            isinstance(v, Real)
            and not isinstance(v, Integral)
            and math.isfinite(v)
            and not float(v).is_integer()
        ):  # floats and numpy floats alike
            raise ValueError(f"`{label}` must be an integer, but got {label}={v}.")
    return IntDistribution(low, high, log=log, step=step)


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"Parameter names must be str, but got {name!r}.")


def _plain_float(dist: Any, value: Any) -> bool:
    """Whether ``value`` is a float inside the FloatDistribution ``dist`` (fast paths)."""
    return (
        type(value) is float and dist.low <= value <= dist.high and (not dist.log or value > 0.0)
    )


def _record_float(frozen: FrozenTrial, name: str, dist: BaseDistribution, value: Any) -> float:
    """Store a checked float parameter on the running trial's record and return it."""
    frozen.params[name] = value
    frozen.distributions[name] = dist
    frozen._internal_params[name] = value  # type: ignore[index]
    return float(value)


class Trial(BaseTrial):
    """A trial in progress: suggests parameters and reports intermediate values.

    Created by :meth:`Study.ask` or :meth:`Study.optimize`; not meant to be built directly.
    """

    __slots__ = (
        "_cached_frozen_trial",
        "_fixed_params",
        "_owned",
        "_owned_registry",
        "_plain",
        "_registry",
        "_relative_params",
        "_sample_independent_fn",
        "_sampler_study",
        "_storage",
        "_study_record",
        "_trial_id",
        "_uniform_names",
        "_uniform_sampler",
        "relative_search_space",
        "study",
    )

    def __init__(
        self,
        study: Study,
        trial_id: int,
        _live: tuple[int, FrozenTrial, dict[str, BaseDistribution], Any] | None = None,
    ) -> None:
        self.study = study
        self._trial_id = trial_id
        storage = self._storage = study._storage
        # Storages that keep FrozenTrial records in this process (InMemoryStorage) let the
        # trial write into the stored record directly: one write per parameter instead of
        # a storage call plus a copy. ``_live``: the record and registry, already fetched.
        self._registry: dict[str, BaseDistribution] | None = None
        # The in-memory study record of a trial from ``_new_live_trial`` (for tell).
        self._study_record: Any = None
        if _live is not None:
            _, frozen, self._registry, self._study_record = _live
        else:
            live = getattr(storage, "_live_record", None)
            if live is not None:
                frozen, self._registry = live(trial_id)
            else:
                frozen = storage.get_trial(trial_id)
        if frozen._internal_params is None:
            frozen._internal_params = {
                n: d.to_internal_repr(frozen.params[n]) for n, d in frozen.distributions.items()
            }
        self._cached_frozen_trial: FrozenTrial = frozen
        attrs = frozen.system_attrs
        self._fixed_params: Mapping[str, Any] = (
            attrs.get(FIXED_PARAMS_KEY) or _NO_FIXED if attrs else _NO_FIXED
        )
        sampler_study = self._sampler_study = study._filtered_for_sampler(frozen)
        sampler = study.sampler
        self._sample_independent_fn = sampler.sample_independent
        sampler.before_trial(sampler_study, frozen)
        if self._registry is None:
            # before_trial may have stored system attrs (e.g. GridSampler's grid id) that the
            # sampler reads back from the trial it is given.
            frozen.system_attrs = dict(storage.get_trial_system_attrs(trial_id))
        self.relative_search_space = sampler.infer_relative_search_space(sampler_study, frozen)
        self._relative_params: dict[str, Any] | None = None
        # Whether new parameters can take the fast paths of ``suggest_float``: independent
        # sampling (``_plain``) or relative sampling into a record this process owns.
        self._owned = self._registry is not None and not self._fixed_params
        self._owned_registry = self._registry if self._owned else None
        self._plain = self._owned and not self.relative_search_space
        # The study record's name -> continuous uniform range cache (see ``suggest_float``).
        record = self._study_record
        self._uniform_names: dict[str, Any] | None = (
            record.uniform_names if self._owned and record is not None else None
        )
        # A RandomSampler whose continuous uniform draw ``suggest_float`` may inline.
        # A RandomSampler itself (a subclass does not define _INLINE_UNIFORM) whose
        # sample_independent is its own (not patched on the class nor on the instance).
        members = sampler.__class__.__dict__
        inline = members.get("_INLINE_UNIFORM") if self._plain else None
        self._uniform_sampler: Any = (
            sampler
            if inline is not None
            and members.get("sample_independent") is inline
            and "sample_independent" not in getattr(sampler, "__dict__", _NO_FIXED)
            else None
        )

    @property
    def storage(self) -> BaseStorage:
        """The storage of the trial's study (where its parameters and values are written)."""
        return self._storage

    @property
    def relative_params(self) -> dict[str, Any]:
        """Parameters sampled jointly by the sampler's relative sampling."""
        if self._relative_params is None:
            self._relative_params = self.study.sampler.sample_relative(
                self._sampler_study, self._cached_frozen_trial, self.relative_search_space
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
        if step is None and log is False:
            # Fastest path: a continuous, uniform range seen before, a new name, a record
            # this process owns. The same checks as below, fewer lookups.
            uniform: Any = None
            names = self._uniform_names
            if names is not None:
                # The range registered under ``name``, if this call passes the very same
                # ``low`` and ``high`` objects as the call that cached it (constants at a
                # call site): one lookup by a string whose hash is cached.
                try:
                    uniform = names.get(name)
                except TypeError:  # unhashable name: rejected with its name below
                    uniform = None
                if uniform is not None and (uniform[0] is not low or uniform[1] is not high):
                    uniform = None
            if uniform is None:
                uniform = self._uniform_entry(name, low, high)
            if uniform is not None:
                udist = uniform[2]
                low_f = uniform[3]
                high_f = uniform[4]
                frozen = self._cached_frozen_trial
                params = frozen.params
                if name not in params and frozen.state is _RUNNING:
                    random = self._uniform_sampler
                    if random is not None:
                        stream = random._rng
                        if not stream.numpy_ahead:
                            # RandomSampler.sample_independent's draw for this case, inline
                            # (Optuna's arithmetic): a float in [low, high).
                            drawn: float = low_f + (high_f - low_f) * stream.draws.random()
                            if drawn >= high_f:
                                drawn = math.nextafter(high_f, high_f - 1)
                            params[name] = drawn
                            frozen.distributions[name] = udist
                            frozen._internal_params[name] = drawn  # type: ignore[index]
                            return drawn
                    value: Any
                    if self._plain:
                        value = self._sample_independent_fn(
                            self._sampler_study, frozen, name, udist
                        )
                    elif self.relative_search_space.get(name) is udist:
                        relative = self._relative_params
                        if relative is None:
                            relative = self.relative_params
                        value = relative.get(name)
                    else:
                        value = None
                    if type(value) is float and low_f <= value <= high_f:
                        params[name] = value
                        frozen.distributions[name] = udist
                        frozen._internal_params[name] = value  # type: ignore[index]
                        return value
        return self._suggest_float(name, low, high, step, log)

    def _uniform_entry(self, name: Any, low: Any, high: Any) -> tuple[Any, ...] | None:
        """``(low, high, distribution, float low, float high)`` when ``suggest_float(name,
        low, high)`` may take the fast path: a str name, a continuous uniform range built
        before (``_UNIFORM``) and registered under ``name`` in the record this trial owns.
        Cached in the study record's ``uniform_names`` for the next calls with the same
        ``low`` and ``high`` objects."""
        registry = self._owned_registry
        if registry is None or name.__class__ is not str:
            return None
        try:
            uniform = _UNIFORM.get((low, high))
        except TypeError:  # unhashable argument: rejected with its name by ``_cached``
            return None
        if uniform is None or registry.get(name) is not uniform[0]:
            return None
        entry = (low, high, *uniform)
        names = self._uniform_names
        if names is not None:
            names[name] = entry
        return entry

    def _suggest_float(self, name: str, low: Any, high: Any, step: Any, log: Any) -> float:
        """:meth:`suggest_float` past its fastest path (kept apart: the lambda below makes
        cells of the arguments, which would cost every call)."""
        try:
            entry = _DIST_CACHE.get((0, low, high, step, log))
        except TypeError:  # unhashable argument: rejected with its name by ``_cached``
            entry = None
        if entry is None:
            entry = _cached(
                (0, low, high, step, log),
                name,
                lambda: FloatDistribution(low, high, log=log, step=step),
            )
            made = entry[0]
            if not entry[1] and not _dists._samplable(made):
                # Never cached (see ``_cached``): every suggest of it comes here.
                return float(self._suggest(name, made, False, unsamplable=True))
            if (
                not entry[1]
                and step is None
                and log is False
                and isinstance(made, FloatDistribution)
                and made.step is None
            ):
                if len(_UNIFORM) >= _DIST_CACHE_LIMIT:
                    _UNIFORM.clear()
                with contextlib.suppress(TypeError):
                    _UNIFORM[(low, high)] = (made, made.low, made.high)
        dist = entry[0]
        frozen = self._cached_frozen_trial
        registry = self._registry
        # Fast path for the common case: a new float drawn by the independent sampler into
        # a record this process owns. Everything else goes through ``_suggest``.
        if (
            self._plain
            and not entry[1]
            and registry.get(name) is dist  # type: ignore[union-attr]
            and name not in frozen.distributions
            and frozen.state is _RUNNING
        ):
            value = self._sample_independent_fn(self._sampler_study, frozen, name, dist)
            if _plain_float(dist, value):
                return _record_float(frozen, name, dist, value)
            # Unusual sampler output: validate it like any other value.
            return float(self._store(name, dist, value))
        return float(self._suggest(name, dist, entry[1]))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an integer parameter in ``[low, high]`` (``step`` spacing or ``log``)."""
        entry = _cache_get((1, low, high, step, log))
        if entry is None:
            entry = _cached(
                (1, low, high, step, log), name, lambda: _int_distribution(low, high, step, log)
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
        except TypeError:  # unhashable choices: warn as Optuna does, then name the bad choice
            CategoricalDistribution(choices)
            _dists._check_hashable_choices(choices)
            raise
        entry = _cached(key, name, lambda: CategoricalDistribution(choices))
        choice: CategoricalChoiceType = self._suggest(name, entry[0], entry[1])
        return choice

    def _suggest(
        self,
        name: str,
        dist: BaseDistribution,
        single: bool | None = None,
        *,
        unsamplable: bool = False,
    ) -> Any:
        """Suggest ``name`` from ``dist`` (``single``: ``dist.single()`` when known).

        ``unsamplable``: ``dist`` is a float range samplers cannot draw from; only a fixed
        value can be suggested from it.
        """
        if type(name) is not str:
            _check_name(name)
        frozen = self._cached_frozen_trial
        previous = frozen.distributions.get(name)
        if previous is not None:
            if previous is not dist:
                _dists.check_distribution_compatibility(previous, dist)
                if previous != dist and not isinstance(dist, CategoricalDistribution):
                    warnings.warn(
                        f'Inconsistent parameter values for distribution with name "{name}"! '
                        "This might be a configuration mistake. ferrotune allows to call the "
                        "same distribution with the same name more than once in a trial. When "
                        "the parameter values are inconsistent ferrotune only uses the values "
                        "of the first call and ignores all following. Using these values: "
                        f"{previous._asdict()}",
                        RuntimeWarning,
                        stacklevel=3,
                    )
            return frozen.params[name]
        if name in self._fixed_params:
            value = self._fixed_params[name]
            internal = _dists._internal_for_param(name, dist, value)
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
                if unsamplable:
                    _dists._reject_unsamplable(name, dist)
                relative = self._relative_params
                if relative is None:
                    relative = self.relative_params
                if relative and name in relative and name in self.relative_search_space:
                    expected = self.relative_search_space[name]
                    if expected is not dist and expected != dist:
                        _dists.check_distribution_compatibility(expected, dist)
                    value = relative[name]
                    if not dist._contains(_dists._internal_for_param(name, dist, value)):
                        value = self._sample_independent_fn(
                            self._sampler_study, frozen, name, dist
                        )
                else:
                    value = self._sample_independent_fn(self._sampler_study, frozen, name, dist)
        return self._store(name, dist, value)

    def _store(self, name: str, dist: BaseDistribution, value: Any) -> Any:
        """Validate ``value`` and record it as the trial's value of ``name``."""
        frozen = self._cached_frozen_trial
        internal = _dists._internal_for_param(name, dist, value)
        registry = self._registry
        if registry is not None:  # ``frozen`` is the stored record itself
            if frozen.state is not _RUNNING:
                raise UpdateFinishedTrialError(
                    f"Trial#{frozen.number} has already finished and can not be updated."
                )
            registered = registry.setdefault(name, dist)
            if registered is not dist:
                _dists.check_distribution_compatibility(registered, dist)
            external = dist.to_external_repr(internal)
        else:
            self._storage.set_trial_param(self._trial_id, name, internal, dist)
            external = value
        params = frozen.params
        if frozen._internal_params is params and external is not internal:
            # The record's internal values were its ``params`` dict itself (see
            # ``_new_live_trial``): they part from here on.
            frozen._internal_params = dict(params)
        params[name] = external
        frozen.distributions[name] = dist
        assert frozen._internal_params is not None
        frozen._internal_params[name] = internal
        return value

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
                f"a float (got value={value!r})."
            ) from e
        if isinstance(step, bool) or not isinstance(step, int):
            try:
                if isinstance(step, bool) or int(step) != step:
                    raise TypeError
                step = int(step)
            except (TypeError, ValueError, OverflowError) as e:
                raise TypeError(
                    f"The `step` argument is of type '{type(step).__name__}' but supposed to "
                    f"be an int (got step={step!r})."
                ) from e
        else:
            step = int(step)  # numpy integers, int subclasses
        if step < 0:
            raise ValueError(f"The `step` argument is {step} but cannot be negative.")
        if step > _MAX_STEP:
            # Storages keep steps as signed 64-bit integers (and pruners in int64 arrays).
            raise ValueError(
                f"The `step` argument is {step} but must be at most 2**63 - 1 = {_MAX_STEP}."
            )
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
        if self._registry is not None:
            # The cached trial is the stored record itself: a shallow copy is up to date (as
            # Optuna's copy of its cached trial with live system attrs).
            frozen = copy.copy(self._cached_frozen_trial)
        else:
            frozen = self._storage.get_trial(self._trial_id)
        # Pruners get the whole study, as in Optuna (Hyperband builds its bracket view).
        return bool(self.study.pruner.prune(self.study, frozen))

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
