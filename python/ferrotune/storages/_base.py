"""The storage interface (Optuna's ``BaseStorage`` methods) plus the columnar history."""

from __future__ import annotations

import abc
import copy
from collections.abc import Container, Sequence
from typing import Any

from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import UpdateFinishedTrialError
from ferrotune.storages._history import TrialHistory
from ferrotune.study._frozen import FrozenStudy
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

DEFAULT_STUDY_NAME_PREFIX = "no-name-"
FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
# Bound once: ``TrialState.X`` goes through the enum metaclass's ``__getattr__`` hook,
# ~10x a global lookup, and updated_best_trial runs once per finished trial.
_COMPLETE = TrialState.COMPLETE
_MAXIMIZE = StudyDirection.MAXIMIZE


def updated_best_trial(
    directions: Sequence[StudyDirection], best: FrozenTrial | None, trial: FrozenTrial
) -> FrozenTrial | None:
    """The best trial of a study once ``trial`` has finished (``best``: the best before).

    Only COMPLETE trials of single-objective studies count; on a tie the earlier trial
    stays best (as Optuna's ``min``/``max`` over the trials in order).
    """
    if trial.state != _COMPLETE or len(directions) != 1:
        return best
    if best is None:
        return trial
    values, best_values = trial._values, best._values
    assert values is not None and best_values is not None
    if directions[0] == _MAXIMIZE:
        return trial if values[0] > best_values[0] else best
    return trial if values[0] < best_values[0] else best


def checked_best_trial(
    directions: Sequence[StudyDirection], best: FrozenTrial | None
) -> FrozenTrial:
    """``best`` as :meth:`BaseStorage.get_best_trial` returns it, or Optuna's error.

    Raises ``RuntimeError`` for a multi-objective study and ``ValueError`` when no trial
    is complete (``best`` is ``None``).
    """
    if len(directions) > 1:
        raise RuntimeError("Best trial can be obtained only for single-objective optimization.")
    if best is None:
        raise ValueError("No trials are completed yet.")
    return best


class BaseStorage(abc.ABC):
    """Base class of storages, with Optuna's method names and semantics.

    A third-party storage implements the abstract methods; ferrotune additionally asks for
    :meth:`get_trial_history`, which has a generic incremental implementation here and a
    cheaper one in ferrotune's own storages.
    """

    # -- studies ---------------------------------------------------------------------------
    @abc.abstractmethod
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        """Create a study; raise ``DuplicatedStudyError`` if the name exists."""

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and its trials; ``KeyError`` if it does not exist."""

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a study user attribute."""

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a study system attribute."""

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Study id for a name; ``KeyError`` if absent."""

    @abc.abstractmethod
    def get_study_name_from_id(self, study_id: int) -> str:
        """Study name for an id; ``KeyError`` if absent."""

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Optimization directions of a study."""

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Study user attributes."""

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        """Study system attributes."""

    @abc.abstractmethod
    def get_all_studies(self) -> list[FrozenStudy]:
        """All studies in the storage."""

    # -- trials ----------------------------------------------------------------------------
    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        """Create a RUNNING trial (or a copy of ``template_trial``) and return its id."""

    @abc.abstractmethod
    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        """Record a parameter in internal representation."""

    @abc.abstractmethod
    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        """Trial id for a trial number; ``KeyError`` if absent."""

    def get_trial_number_from_id(self, trial_id: int) -> int:
        """Trial number for a trial id."""
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        """Internal value of one parameter of a trial."""
        trial = self.get_trial(trial_id)
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    @abc.abstractmethod
    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        """Set state and values; return ``False`` if a WAITING trial was already taken."""

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        """Record an intermediate value."""

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a trial user attribute."""

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a trial system attribute."""

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial:
        """A trial by id; ``KeyError`` if absent."""

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """All trials of a study ordered by number, optionally filtered by state."""

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        """Number of trials, optionally in the given state(s)."""
        if isinstance(state, TrialState):
            state = (state,)
        return len(self.get_all_trials(study_id, deepcopy=False, states=state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """Best COMPLETE trial of a single-objective study; ``ValueError`` if none."""
        trials = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.COMPLETE,))
        if not trials:
            raise ValueError("No trials are completed yet.")
        directions = self.get_study_directions(study_id)
        best: FrozenTrial | None = None
        for trial in trials:
            best = updated_best_trial(directions, best, trial)
        return checked_best_trial(directions, best)

    def get_trial_params(self, trial_id: int) -> dict[str, Any]:
        """Parameters of a trial (external representation)."""
        return self.get_trial(trial_id).params

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        """User attributes of a trial."""
        return self.get_trial(trial_id).user_attrs

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        """System attributes of a trial."""
        return self.get_trial(trial_id).system_attrs

    def remove_session(self) -> None:
        """Release per-thread resources (database sessions); nothing by default."""

    def check_trial_is_updatable(self, trial_id: int, trial_state: TrialState) -> None:
        """Raise ``UpdateFinishedTrialError`` if the trial is finished."""
        if trial_state.is_finished():
            trial = self.get_trial(trial_id)
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished and can not be updated."
            )

    # -- ferrotune additions ---------------------------------------------------------------
    def get_trial_history(self, study_id: int) -> TrialHistory:
        """Columnar history of the study's finished trials, synced to the storage.

        This generic version asks :meth:`get_all_trials` for finished trials and appends the
        ones it has not seen yet; ferrotune's storages override it with a cheaper path.
        """
        cache: dict[int, tuple[TrialHistory, set[int]]] = self.__dict__.setdefault(
            "_ferrotune_histories", {}
        )
        entry = cache.get(study_id)
        if entry is None:
            n_objectives = len(self.get_study_directions(study_id))
            entry = cache[study_id] = (TrialHistory(n_objectives), set())
        history, seen = entry
        for trial in self.get_all_trials(study_id, deepcopy=False, states=FINISHED_STATES):
            if trial.number not in seen:
                seen.add(trial.number)
                history.append(copy.copy(trial))
        return history.sync()

    def get_running_trials(self, study_id: int) -> list[FrozenTrial]:
        """RUNNING trials of a study (used e.g. by constant-liar TPE)."""
        return self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))

    def _count_finished(self, study_id: int, states: Sequence[TrialState]) -> int:
        history = self.get_trial_history(study_id)
        return sum(history.count(s) for s in states)
