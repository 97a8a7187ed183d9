"""Data of ``plot_timeline``: one bar per trial from start to end."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ferrotune.logging import get_logger
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class TimelineBar:
    number: int
    start: datetime.datetime
    complete: datetime.datetime
    state: str  # TrialState name
    infeasible: bool
    hovertext: str


def make_hovertext(trial: FrozenTrial) -> str:
    """JSON summary of a trial (number, values, params, user attributes) for hover boxes."""
    attrs = {}
    for key, value in trial.user_attrs.items():
        try:
            json.dumps(value)
            attrs[key] = value
        except TypeError:
            attrs[key] = str(value)
    body: dict[str, Any] = {"number": trial.number, "values": trial.values, "params": trial.params}
    if attrs:
        body["user_attrs"] = attrs
    return json.dumps(body, indent=2).replace("\n", "<br>")


def _max_datetime(trials: Sequence[FrozenTrial]) -> datetime.datetime:
    """Latest completion time, or now if some trial still seems to be running (Optuna's rule:
    a RUNNING trial started less than five longest run times ago)."""
    durations = [
        t.datetime_complete - t.datetime_start
        for t in trials
        if t.datetime_complete is not None and t.datetime_start is not None
    ]
    now = datetime.datetime.now()
    running = [t for t in trials if t.state == TrialState.RUNNING]
    if durations:
        longest = max(durations)
        if any(t.datetime_start and now - t.datetime_start < 5 * longest for t in running):
            return now
    elif running:
        return now
    return max((t.datetime_complete for t in trials if t.datetime_complete), default=now)


def timeline_info(study: Study, n_recent_trials: int | None) -> list[TimelineBar]:
    if n_recent_trials is not None and (
        isinstance(n_recent_trials, bool)
        or not isinstance(n_recent_trials, int)
        or n_recent_trials <= 0
    ):
        raise ValueError(
            f"n_recent_trials must be a positive integer or None, got {n_recent_trials!r}."
        )
    all_trials = study.get_trials(deepcopy=False)
    latest = _max_datetime(all_trials)
    trials = all_trials[-n_recent_trials:] if n_recent_trials is not None else all_trials
    small = datetime.timedelta(seconds=1)
    bars = []
    for t in trials:
        start = t.datetime_start or latest
        if t.state == TrialState.RUNNING:
            complete = latest + small
        else:
            complete = t.datetime_complete or start + small
        if complete < start:
            _logger.warning(
                f"The start and end times for Trial {t.number} seem to be reversed. "
                f"The start time is {start} and the end time is {complete}."
            )
        infeasible = any(v > 0 for v in t.constraints.values())
        bars.append(
            TimelineBar(t.number, start, complete, t.state.name, infeasible, make_hovertext(t))
        )
    if not bars:
        _logger.warning("Your study does not have any trials.")
    return bars


def timeline_groups(bars: list[TimelineBar]) -> list[tuple[str, list[TimelineBar]]]:
    """Bars per legend entry in Optuna's order: states by name, infeasible before COMPLETE."""
    groups = []
    for state in sorted(TrialState, key=lambda s: s.name):
        same = [b for b in bars if b.state == state.name]
        if state == TrialState.COMPLETE:
            groups.append(("INFEASIBLE", [b for b in same if b.infeasible]))
            groups.append(("COMPLETE", [b for b in same if not b.infeasible]))
        else:
            groups.append((state.name, same))
    return [(name, group) for name, group in groups if group]
