"""Search-space inference over a study's trials."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ferrotune.distributions import BaseDistribution
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

__all__ = ["IntersectionSearchSpace", "intersection_search_space"]


def _intersect(
    space: dict[str, BaseDistribution] | None, trial: FrozenTrial
) -> dict[str, BaseDistribution]:
    if space is None:
        return dict(trial.distributions)
    return {
        name: dist
        for name, dist in space.items()
        if trial.distributions.get(name) == dist  # same name and identical distribution
    }


def _same(space: dict[str, BaseDistribution], dists: dict[str, BaseDistribution]) -> bool:
    """Whether intersecting ``space`` with ``dists`` leaves it unchanged."""
    get = dists.get
    for name, dist in space.items():
        other = get(name)
        if other is not dist and other != dist:
            return False
    return True


class IntersectionSearchSpace:
    """Parameters present, with identical distributions, in every completed trial.

    The result is updated incrementally from the study's columnar history: each call only
    looks at trials finished since the previous call. An instance serves one study: passing
    a study with another study id to :meth:`calculate` raises ``ValueError``, as in Optuna.

    Parameters
    ----------
    include_pruned
        Also intersect over PRUNED trials.
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._include_pruned = include_pruned
        self._states = (
            (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
        )
        self._cursor = 0
        self._space: dict[str, BaseDistribution] | None = None
        self._sorted: dict[str, BaseDistribution] = {}
        self._study_key: tuple[int, int] | None = None
        self._study_id: int | None = None

    def calculate(self, study: Study, use_cache: bool = False) -> dict[str, BaseDistribution]:
        """Return the intersection search space of ``study``, sorted by name.

        Raises
        ------
        ValueError
            If an earlier call was given a study with another study id.
        """
        if self._study_id is None:
            self._study_id = study._study_id
        elif self._study_id != study._study_id:
            raise ValueError(
                "`IntersectionSearchSpace` cannot handle multiple studies: it was used for "
                f"study id {self._study_id} and is now given study id {study._study_id}."
            )
        return dict(self._shared(study))

    def _shared(self, study: Study) -> dict[str, BaseDistribution]:
        """:meth:`calculate` without the copy: the same dict object until the space
        changes (callers may cache on its identity and must not modify it). Samplers use
        this: it starts over for another study instead of raising, so a sampler can be
        reused across studies."""
        key = (id(study._storage), study._study_id)
        if key != self._study_key:
            self._study_key, self._cursor, self._space, self._sorted = key, 0, None, {}
        history = study._get_trial_history()
        n = history.n
        if self._cursor < n:
            states = self._states
            space = self._space
            changed = False
            for trial in history.trials_from(self._cursor):
                if trial.state not in states:
                    continue
                if space is not None and (
                    space == trial.distributions or _same(space, trial.distributions)
                ):
                    continue  # the usual case: this trial had every parameter, unchanged
                space = _intersect(space, trial)
                changed = True
            self._cursor = n
            if changed:
                self._space = space
                self._sorted = dict(sorted(space.items())) if space else {}
        return self._sorted


def intersection_search_space(
    trials: Iterable[FrozenTrial], include_pruned: bool = False
) -> dict[str, BaseDistribution]:
    """Intersection search space of ``trials`` (COMPLETE, and PRUNED if asked)."""
    states = (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
    space: dict[str, BaseDistribution] | None = None
    for trial in trials:
        if trial.state in states:
            space = _intersect(space, trial)
    return dict(sorted((space or {}).items()))
