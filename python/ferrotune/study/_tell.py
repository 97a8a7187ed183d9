"""Finishing a trial: validation of the told values and state, then storage."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from ferrotune.study.study import Study

FAIL_REASON_KEY = "fail_reason"
# Bound once: ``TrialState.X`` goes through the enum metaclass's ``__getattr__`` hook.
_RUNNING = TrialState.RUNNING
_COMPLETE = TrialState.COMPLETE


def _frozen_trial(study: Study, trial: Trial | int) -> FrozenTrial:
    if isinstance(trial, Trial):
        if trial._registry is not None:  # the trial holds the stored record itself
            return trial._cached_frozen_trial
        return study._storage.get_trial(trial._trial_id)
    if isinstance(trial, int) and not isinstance(trial, bool):
        try:
            trial_id = study._storage.get_trial_id_from_study_id_trial_number(
                study._study_id, trial
            )
        except KeyError as e:
            raise ValueError(
                f"Cannot tell for trial with number {trial} since it has not been created."
            ) from e
        return study._storage.get_trial(trial_id)
    raise TypeError(f"Trial must be a trial object or trial number, but got {trial!r}.")


def values_problem(study: Study, values: Sequence[Any]) -> str | None:
    """Why ``values`` cannot complete a trial of ``study``, or ``None`` if they can."""
    errors = []
    for v in values:
        try:
            number = float(v)
        except (ValueError, TypeError, OverflowError):
            errors.append(f"The value {v!r} could not be cast to float")
            continue
        if isinstance(v, (str, bytes, bytearray)):
            # ``float("1.5")`` works, but a string is not an objective value: Optuna 5.0
            # rejects it too (tell raises, optimize fails), ferrotune marks the trial FAIL.
            errors.append(f"The value {v!r} is a {type(v).__name__}, not a number")
            continue
        if math.isnan(number):
            errors.append(f"The value {v} is not acceptable")
    if errors:
        return "; ".join(errors)
    if len(study.directions) != len(values):
        return (
            f"The number of the values {len(values)} did not match the number of the objectives "
            f"{len(study.directions)} (values: {list(values)!r:.200})"
        )
    return None


def tell_trial(
    study: Study,
    trial: Trial | int,
    value_or_values: Any,
    state: TrialState | None,
    *,
    skip_if_finished: bool,
    from_optimize: bool,
) -> tuple[FrozenTrial, str | None]:
    """Validate and store a trial's outcome.

    Returns the stored trial and, when the values were unusable and the trial was marked
    FAIL, the reason.
    """
    is_trial = isinstance(trial, Trial)
    # ``live``: ``frozen`` is the in-memory stored record itself
    live = is_trial and trial._registry is not None  # type: ignore[union-attr]
    frozen = trial._cached_frozen_trial if live else _frozen_trial(study, trial)  # type: ignore[union-attr]
    # The in-memory study record, when this storage created the trial with _new_live_trial.
    study_record = (
        trial._study_record  # type: ignore[union-attr]
        if live and trial._storage is study._storage  # type: ignore[union-attr]
        else None
    )
    if (
        state is None
        and type(value_or_values) is float
        and value_or_values == value_or_values  # not NaN
        and len(study._directions) == 1
        and frozen.state is _RUNNING
    ):  # fast path: an objective returned one float
        sampler_study = trial._sampler_study if is_trial else None  # type: ignore[union-attr]
        return _store(
            study,
            frozen,
            _COMPLETE,
            [value_or_values],
            from_optimize,
            sampler_study,
            study_record,
        ), None
    if frozen.state.is_finished():
        if skip_if_finished:
            return frozen, None
        raise ValueError(f"Cannot tell a {frozen.state.name} trial (trial {frozen.number}).")
    if frozen.state != TrialState.RUNNING:
        raise ValueError(f"Cannot tell a {frozen.state.name} trial (trial {frozen.number}).")

    values: Sequence[Any] | None
    if value_or_values is None:
        values = None
    elif isinstance(value_or_values, Sequence) and not isinstance(
        value_or_values, (str, bytes, bytearray)
    ):
        values = value_or_values
    else:
        values = [value_or_values]

    if state == TrialState.COMPLETE:
        if values is None:
            raise ValueError(
                "No values were told. Values are required when state is TrialState.COMPLETE."
            )
    elif state in (TrialState.PRUNED, TrialState.FAIL):
        if values is not None:
            raise ValueError(
                "Values were told. Values cannot be specified when state is "
                f"TrialState.PRUNED or TrialState.FAIL, but got {value_or_values!r}."
            )
    elif state is not None:
        raise ValueError(f"Cannot tell with state {state}.")

    reason: str | None = None
    if state == TrialState.COMPLETE:
        assert values is not None
        problem = values_problem(study, values)
        if problem is not None:
            raise ValueError(problem)
    elif state == TrialState.PRUNED:
        last_step = frozen.last_step
        if last_step is not None:
            last = frozen.intermediate_values[last_step]
            if values_problem(study, [last]) is None:
                values = [last]
    elif state is None:
        reason = (
            "The value None could not be cast to float."
            if values is None
            else values_problem(study, values)
        )
        if reason is None:
            state = TrialState.COMPLETE
        else:
            state = TrialState.FAIL
            values = None
            if not from_optimize:
                warnings.warn(reason, UserWarning, stacklevel=3)
    assert state is not None
    float_values = None if values is None else [float(v) for v in values]

    if state == TrialState.FAIL and reason is not None:
        study._storage.set_trial_system_attr(frozen._trial_id, FAIL_REASON_KEY, reason)
    return _store(study, frozen, state, float_values, from_optimize), reason


def _store(
    study: Study,
    frozen: FrozenTrial,
    state: TrialState,
    float_values: list[float] | None,
    from_optimize: bool,
    sampler_study: Study | None = None,
    study_record: Any = None,
) -> FrozenTrial:
    storage = study._storage
    try:
        if sampler_study is None:
            sampler_study = study._filtered_for_sampler(frozen)
        study.sampler.after_trial(sampler_study, frozen, state, float_values)
    finally:
        # ``study_record``: ``frozen`` is a live in-memory record of that study, finished
        # without the id lookup (the generic call below when that cannot be done).
        if not (
            study_record is not None
            and float_values is not None
            and storage._finish_live(study_record, frozen, state, float_values)  # type: ignore[attr-defined]
        ):
            storage.set_trial_state_values(frozen._trial_id, state, float_values)
    if from_optimize:  # the caller only needs state and values: skip a storage round trip
        frozen.state = state
        frozen._values = float_values
        return frozen
    return storage.get_trial(frozen._trial_id)
