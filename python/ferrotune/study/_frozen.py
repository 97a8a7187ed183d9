"""Read-only study records returned by storages and ``get_all_study_summaries``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial


class _Directions:
    """``direction`` / ``directions`` of a study record."""

    _directions: list[StudyDirection]

    def _set_directions(
        self, direction: StudyDirection | None, directions: Sequence[StudyDirection] | None
    ) -> None:
        if (direction is None) == (directions is None):
            raise ValueError("Specify only one of `direction` and `directions`.")
        self._directions = [direction] if direction is not None else list(directions or [])

    @property
    def direction(self) -> StudyDirection:
        """The direction (single-objective studies only)."""
        if len(self._directions) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization."
            )
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """All directions."""
        return self._directions


class FrozenStudy(_Directions):
    """A study's name, directions and attributes, without its trials.

    Parameters
    ----------
    study_name, direction, directions, user_attrs, system_attrs, study_id
        As stored; give exactly one of ``direction`` and ``directions``.
    """

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self.study_name = study_name
        self._set_directions(direction, directions)
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self._study_id = study_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenStudy) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash(self._study_id)

    def __repr__(self) -> str:
        return f"FrozenStudy(study_name={self.study_name!r}, directions={self._directions})"


class StudySummary(_Directions):
    """Summary of a study for ``get_all_study_summaries``.

    Summaries compare equal when all their fields are equal, and order by study id.

    Parameters
    ----------
    study_name, direction, best_trial, user_attrs, n_trials, datetime_start, study_id
        As stored; give exactly one of ``direction`` and ``directions``.
    """

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        best_trial: FrozenTrial | None,
        user_attrs: dict[str, Any],
        n_trials: int,
        datetime_start: datetime.datetime | None,
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self.study_name = study_name
        self._set_directions(direction, directions)
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return other.__dict__ == self.__dict__

    # Mutable, compared by value (as in Optuna): not hashable.
    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id < other._study_id

    def __le__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id <= other._study_id

    def __repr__(self) -> str:
        return f"StudySummary(study_name={self.study_name!r}, n_trials={self.n_trials})"
