"""Conversions between ferrotune's records and the messages of Optuna's proxy protocol.

The encodings are the protocol's: attribute values are JSON text, distributions are
``distribution_to_json`` text, parameters travel in internal representation and datetimes
as local-time ``"%Y-%m-%d %H:%M:%S.%f"`` text (``""`` for none).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ferrotune.distributions import distribution_to_json, json_to_distribution
from ferrotune.storages._grpc import api_pb2
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_STATE_TO_WIRE = {
    TrialState.RUNNING: api_pb2.RUNNING,
    TrialState.COMPLETE: api_pb2.COMPLETE,
    TrialState.PRUNED: api_pb2.PRUNED,
    TrialState.FAIL: api_pb2.FAIL,
    TrialState.WAITING: api_pb2.WAITING,
}
_STATE_FROM_WIRE = {wire: state for state, wire in _STATE_TO_WIRE.items()}


def state_to_wire(state: TrialState) -> int:
    """The protocol's ``TrialState`` number of a trial state."""
    return int(_STATE_TO_WIRE[state])


def state_from_wire(wire: int) -> TrialState:
    """The trial state of a protocol ``TrialState`` number; ``ValueError`` if unknown."""
    try:
        return _STATE_FROM_WIRE[wire]
    except KeyError:
        raise ValueError(f"Unknown trial state {wire!r} in a gRPC message.") from None


def directions_to_wire(directions: Iterable[StudyDirection]) -> list[int]:
    """Protocol ``StudyDirection`` numbers of study directions."""
    return [
        api_pb2.MAXIMIZE if d == StudyDirection.MAXIMIZE else api_pb2.MINIMIZE for d in directions
    ]


def directions_from_wire(wire: Iterable[int]) -> list[StudyDirection]:
    """Study directions of protocol ``StudyDirection`` numbers."""
    return [
        StudyDirection.MAXIMIZE if d == api_pb2.MAXIMIZE else StudyDirection.MINIMIZE for d in wire
    ]


def attrs_to_wire(attrs: Mapping[str, Any]) -> dict[str, str]:
    """Attributes with their values as JSON text."""
    return {key: json.dumps(value) for key, value in attrs.items()}


def attrs_from_wire(attrs: Mapping[str, str]) -> dict[str, Any]:
    """Attributes decoded from JSON text."""
    return {key: json.loads(text) for key, text in attrs.items()}


def _datetime_to_wire(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.strftime(DATETIME_FORMAT)


def _datetime_from_wire(text: str) -> datetime.datetime | None:
    return datetime.datetime.strptime(text, DATETIME_FORMAT) if text else None


def trial_to_wire(trial: FrozenTrial) -> Any:
    """The protocol's ``Trial`` message of a trial."""
    distributions = trial.distributions
    return api_pb2.Trial(
        trial_id=trial._trial_id,
        number=trial.number,
        state=state_to_wire(trial.state),
        values=trial.values or [],
        datetime_start=_datetime_to_wire(trial.datetime_start),
        datetime_complete=_datetime_to_wire(trial.datetime_complete),
        params={
            name: distributions[name].to_internal_repr(value)
            for name, value in trial.params.items()
        },
        distributions={name: distribution_to_json(d) for name, d in distributions.items()},
        user_attributes=attrs_to_wire(trial.user_attrs),
        system_attributes=attrs_to_wire(trial.system_attrs),
        intermediate_values=dict(trial.intermediate_values),
    )


def trial_from_wire(message: Any, distribution_cache: dict[str, Any] | None = None) -> FrozenTrial:
    """A trial decoded from the protocol's ``Trial`` message.

    ``distribution_cache`` (JSON text -> distribution) saves re-parsing the same
    distributions, which repeat in every trial of a study.
    """
    distributions = {}
    for name, text in message.distributions.items():
        dist = distribution_cache.get(text) if distribution_cache is not None else None
        if dist is None:
            dist = json_to_distribution(text)
            if distribution_cache is not None:
                distribution_cache[text] = dist
        distributions[name] = dist
    values: Sequence[float] | None = list(message.values) if message.values else None
    return FrozenTrial(
        number=message.number,
        state=state_from_wire(message.state),
        value=None,
        values=values,
        datetime_start=_datetime_from_wire(message.datetime_start),
        datetime_complete=_datetime_from_wire(message.datetime_complete),
        params={
            name: distributions[name].to_external_repr(value)
            for name, value in message.params.items()
        },
        distributions=distributions,
        user_attrs=attrs_from_wire(message.user_attributes),
        system_attrs=attrs_from_wire(message.system_attributes),
        intermediate_values=dict(message.intermediate_values),
        trial_id=message.trial_id,
    )


def study_to_wire(study: FrozenStudy) -> Any:
    """The protocol's ``Study`` message of a study."""
    return api_pb2.Study(
        study_id=study._study_id,
        study_name=study.study_name,
        directions=directions_to_wire(study.directions),
        user_attributes=attrs_to_wire(study.user_attrs),
        system_attributes=attrs_to_wire(study.system_attrs),
    )


def study_from_wire(message: Any) -> FrozenStudy:
    """A study decoded from the protocol's ``Study`` message."""
    return FrozenStudy(
        study_name=message.study_name,
        direction=None,
        user_attrs=attrs_from_wire(message.user_attributes),
        system_attrs=attrs_from_wire(message.system_attributes),
        study_id=message.study_id,
        directions=directions_from_wire(message.directions),
    )
