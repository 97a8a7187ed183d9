"""Study callbacks."""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study.study import Study


class MaxTrialsCallback:
    """Stop the study once ``n_trials`` trials are in ``states``.

    The count comes from the storage's indexes, so the check costs O(1) per trial.

    Parameters
    ----------
    n_trials
        Number of trials after which the study stops.
    states
        States that count (default: COMPLETE only); ``None`` counts all trials.
    """

    def __init__(
        self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)
    ) -> None:
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._states is None:
            count = study._storage.get_n_trials(study._study_id)
        else:
            wanted = tuple(s for s in TrialState if s in self._states)
            count = study._storage.get_n_trials(study._study_id, wanted)
        if count >= self._n_trials:
            study.stop()
