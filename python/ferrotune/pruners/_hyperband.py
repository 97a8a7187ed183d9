"""Hyperband (Li et al., JMLR 18(185), 2018) on top of asynchronous Successive Halving.

Each trial belongs to one bracket, chosen as Optuna does from
``crc32(f"{study_name}_{trial_number}")`` modulo the total trial budget, so the same study
name and trial numbers give the same brackets in ferrotune and Optuna. Bracket ``b`` is a
:class:`SuccessiveHalvingPruner` with ``min_early_stopping_rate = b``; pruning decisions and
the sampler see only the trials of the bracket.

The bracket's trials are served by a study view whose storage filters by bracket. Its
columnar history is kept incrementally: every finished trial is routed once to the history
of its bracket.
"""

from __future__ import annotations

import binascii
import math
import threading
import weakref
from collections.abc import Container
from typing import TYPE_CHECKING, Any, cast

from ferrotune import logging as _logging
from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._percentile import _check_int
from ferrotune.pruners._successive_halving import SuccessiveHalvingPruner
from ferrotune.storages._history import TrialHistory
from ferrotune.study._study_direction import StudyDirection
from ferrotune.study.study import Study
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages import BaseStorage

_logger = _logging.get_logger(__name__)


class _Partition:
    """A study's finished trials split into per-bracket histories, updated incrementally."""

    def __init__(self, study: Study, pruner: HyperbandPruner) -> None:
        self.study_name = study.study_name
        self.study_id = study._study_id
        self.storage = study._storage
        self.pruner = pruner
        n_brackets = pruner._n_brackets or 1
        n_objectives = len(study._directions)
        self.histories = [TrialHistory(n_objectives) for _ in range(n_brackets)]
        self.consumed = 0
        self.brackets: list[int] = []  # bracket id by trial number
        self.lock = threading.Lock()

    def bracket_of(self, number: int) -> int:
        brackets = self.brackets
        if number >= len(brackets):
            with self.lock:
                for n in range(len(brackets), number + 1):
                    brackets.append(self.pruner._bracket_of_number(self.study_name, n))
        return brackets[number]

    def history(self, bracket_id: int) -> TrialHistory:
        main = self.storage.get_trial_history(self.study_id)
        if self.consumed < main.n:
            with self.lock:
                trials = main.trials
                for row in range(self.consumed, main.n):
                    trial = trials[row]
                    self.histories[self._bracket_unlocked(trial.number)].append(trial)
                self.consumed = main.n
        return self.histories[bracket_id].sync()

    def _bracket_unlocked(self, number: int) -> int:
        brackets = self.brackets
        while len(brackets) <= number:
            brackets.append(self.pruner._bracket_of_number(self.study_name, len(brackets)))
        return brackets[number]


class _BracketStorage:
    """Storage proxy showing only the trials of one bracket of one study.

    Reads of that study's trials (``get_all_trials``, ``get_trial_history``,
    ``get_n_trials``, ``get_best_trial``, ``get_running_trials``) are filtered; every other
    call, including writes, goes to the real storage.
    """

    def __init__(self, partition: _Partition, bracket_id: int) -> None:
        self._partition = partition
        self._bracket_id = bracket_id
        self._storage = partition.storage

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def _mine(self, trials: list[FrozenTrial]) -> list[FrozenTrial]:
        bracket_of = self._partition.bracket_of
        b = self._bracket_id
        return [t for t in trials if bracket_of(t.number) == b]

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        trials = self._storage.get_all_trials(study_id, deepcopy=deepcopy, states=states)
        return self._mine(trials) if study_id == self._partition.study_id else trials

    def get_running_trials(self, study_id: int) -> list[FrozenTrial]:
        return self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))

    def get_trial_history(self, study_id: int) -> TrialHistory:
        if study_id != self._partition.study_id:
            return self._storage.get_trial_history(study_id)
        return self._partition.history(self._bracket_id)

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        if study_id != self._partition.study_id:
            return int(self._storage.get_n_trials(study_id, state))
        if isinstance(state, TrialState):
            state = (state,)
        return len(self.get_all_trials(study_id, deepcopy=False, states=state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        if study_id != self._partition.study_id:
            return self._storage.get_best_trial(study_id)
        history = self.get_trial_history(study_id)
        best: FrozenTrial | None = None
        maximize = self._storage.get_study_directions(study_id)[0] == StudyDirection.MAXIMIZE
        complete = history.states == int(TrialState.COMPLETE)
        if complete.any():
            values = history.values[:, 0]
            masked = values.copy()
            masked[~complete] = -math.inf if maximize else math.inf
            row = int(masked.argmax() if maximize else masked.argmin())
            best = history.trials[row]
        if best is None:
            raise ValueError("No trials are completed yet.")
        return best


class _BracketStudy(Study):
    """The study as seen from one Hyperband bracket (for the sampler and the bracket pruner)."""

    def __init__(
        self, study: Study, pruner: HyperbandPruner, bracket_id: int, partition: _Partition
    ) -> None:
        # Not Study.__init__: the view shares the study's identity and components.
        self.study_name = study.study_name
        self._study_id = study._study_id
        self._directions = study._directions
        self.sampler = study.sampler
        self.pruner = pruner
        self._thread_local = study._thread_local
        self._stop_flag = False
        self._study = study
        self._bracket_id = bracket_id
        self._storage = cast("BaseStorage", _BracketStorage(partition, bracket_id))

    def __getattr__(self, name: str) -> Any:
        # Attributes a future Study.__init__ may add come from the underlying study.
        if name in ("_study", "__setstate__", "__getstate__"):
            raise AttributeError(name)
        return getattr(self._study, name)

    def stop(self) -> None:
        """Stop the optimization loop of the underlying study."""
        self._study.stop()

    def _filtered_for_sampler(self, trial: FrozenTrial) -> Study:
        return self

    def _whole_study(self) -> Study:
        return self._study


class HyperbandPruner(BasePruner):
    """Hyperband: several Successive Halving brackets with different early-stopping rates.

    Parameters
    ----------
    min_resource
        Steps before the first rung of the most aggressive bracket.
    max_resource
        Steps of a trial that is never stopped, or ``"auto"``: one more than the largest
        last step of the completed trials, estimated once a trial completes.
    reduction_factor
        ``eta`` of Successive Halving; there are
        ``floor(log_eta(max_resource / min_resource)) + 1`` brackets.
    bootstrap_count
        Trials needed at a rung before any is promoted (needs an integer ``max_resource``).

    Raises
    ------
    ValueError
        If a value is out of range or ``bootstrap_count > 0`` with ``max_resource="auto"``.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        if isinstance(max_resource, bool) or (
            not isinstance(max_resource, int) and max_resource != "auto"
        ):
            raise ValueError(
                "The 'max_resource' should be integer or 'auto'. "
                f"But max_resource = {max_resource}"
            )
        min_resource = _check_int("min_resource", min_resource)
        reduction_factor = _check_int("reduction_factor", reduction_factor)
        bootstrap_count = _check_int("bootstrap_count", bootstrap_count)
        if bootstrap_count > 0 and max_resource == "auto":
            raise ValueError(
                "bootstrap_count > 0 and max_resource == 'auto' "
                f"are mutually incompatible, bootstrap_count is {bootstrap_count}"
            )
        # Checked here rather than when the brackets are built, as Successive Halving does.
        if min_resource < 1:
            raise ValueError(
                f"The value of `min_resource` is {min_resource}, "
                "but must be either `min_resource >= 1` or 'auto'"
            )
        if reduction_factor < 2:
            raise ValueError(
                f"The value of `reduction_factor` is {reduction_factor}, "
                "but must be `reduction_factor >= 2`"
            )
        if bootstrap_count < 0:
            raise ValueError(
                f"The value of `bootstrap_count` is {bootstrap_count}, "
                "but must be `bootstrap_count >= 0`"
            )
        if isinstance(max_resource, int) and max_resource < min_resource:
            raise ValueError(
                f"`max_resource` must be at least `min_resource` ({min_resource}), but got "
                f"max_resource={max_resource}."
            )
        self._min_resource = min_resource
        self._max_resource: str | int = max_resource
        self._reduction_factor = reduction_factor
        self._bootstrap_count = bootstrap_count
        self._pruners: list[SuccessiveHalvingPruner] = []
        self._total_trial_allocation_budget = 0
        self._trial_allocation_budgets: list[int] = []
        self._n_brackets: int | None = None
        self._lock = threading.Lock()
        self._partitions: weakref.WeakKeyDictionary[Any, dict[int, _Partition]] = (
            weakref.WeakKeyDictionary()
        )
        self._views: weakref.WeakKeyDictionary[Study, list[_BracketStudy]] = (
            weakref.WeakKeyDictionary()
        )
        # The last study seen with its partition and views: skips two weak-dict lookups.
        self._last: tuple[weakref.ref[Study], _Partition, list[_BracketStudy]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_lock", "_partitions", "_views", "_last"):
            del state[key]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._partitions = weakref.WeakKeyDictionary()
        self._views = weakref.WeakKeyDictionary()
        self._last = None

    # -- pruning ---------------------------------------------------------------------------
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Prune with the Successive Halving pruner of the trial's bracket."""
        if isinstance(study, _BracketStudy):
            study = study._study
        if not self._pruners:
            self._try_initialization(study)
            if not self._pruners:
                return False
        bracket_id = self._get_bracket_id(study, trial)
        _logger.debug(f"{bracket_id}th bracket is selected")
        view = self._bracket_study(study, bracket_id)
        return self._pruners[bracket_id].prune(view, trial)

    def _try_initialization(self, study: Study) -> None:
        with self._lock:
            if self._pruners:
                return
            if self._max_resource == "auto":
                history = study._get_trial_history()
                last = history.last_step[history.states == int(TrialState.COMPLETE)]
                last = last[last >= 0]
                if last.size == 0:
                    return
                self._max_resource = int(last.max()) + 1
            assert isinstance(self._max_resource, int)
            if self._n_brackets is None:
                # s_max + 1 = floor(log_eta(R)) + 1 (Algorithm 1 of the paper), with R the
                # ratio of max to min resource as in ASHA.
                self._n_brackets = (
                    math.floor(
                        math.log(self._max_resource / self._min_resource, self._reduction_factor)
                    )
                    + 1
                )
            _logger.debug(f"Hyperband has {self._n_brackets} brackets")
            budgets = []
            pruners = []
            for bracket_id in range(self._n_brackets):
                budgets.append(self._calculate_trial_allocation_budget(bracket_id))
                pruners.append(
                    SuccessiveHalvingPruner(
                        min_resource=self._min_resource,
                        reduction_factor=self._reduction_factor,
                        min_early_stopping_rate=bracket_id,
                        bootstrap_count=self._bootstrap_count,
                    )
                )
            self._trial_allocation_budgets = budgets
            self._total_trial_allocation_budget = sum(budgets)
            self._pruners = pruners

    def _calculate_trial_allocation_budget(self, bracket_id: int) -> int:
        """Trials allotted to a bracket: ``ceil(n_brackets * eta**s / (s + 1))``, ``s`` the
        bracket's number of rungs minus one (the ``n`` of Algorithm 1 of the paper)."""
        assert self._n_brackets is not None
        s = self._n_brackets - 1 - bracket_id
        return math.ceil(self._n_brackets * int(self._reduction_factor**s) / (s + 1))

    def _bracket_of_number(self, study_name: str, number: int) -> int:
        n = binascii.crc32(f"{study_name}_{number}".encode()) % self._total_trial_allocation_budget
        for bracket_id, budget in enumerate(self._trial_allocation_budgets):
            n -= budget
            if n < 0:
                return bracket_id
        raise RuntimeError("unreachable: the budgets sum to the modulus")

    def _get_bracket_id(self, study: Study, trial: FrozenTrial) -> int:
        """The trial's bracket (0 until the brackets exist)."""
        if not self._pruners:
            return 0
        if isinstance(study, _BracketStudy):
            study = study._study
        return self._state(study)[0].bracket_of(trial.number)

    # -- bracket views -----------------------------------------------------------------------
    def _state(self, study: Study) -> tuple[_Partition, list[_BracketStudy]]:
        last = self._last
        if last is not None and last[0]() is study:
            return last[1], last[2]
        partition = self._partition(study)
        views = self._views.get(study)
        if views is None:
            with self._lock:
                views = self._views.get(study)
                if views is None:
                    views = [
                        _BracketStudy(study, self, b, partition) for b in range(len(self._pruners))
                    ]
                    self._views[study] = views
        self._last = (weakref.ref(study), partition, views)
        return partition, views

    def _partition(self, study: Study) -> _Partition:
        with self._lock:
            per_storage = self._partitions.get(study._storage)
            if per_storage is None:
                per_storage = self._partitions[study._storage] = {}
            partition = per_storage.get(study._study_id)
            if partition is None:
                partition = per_storage[study._study_id] = _Partition(study, self)
            return partition

    def _bracket_study(self, study: Study, bracket_id: int) -> _BracketStudy:
        return self._state(study)[1][bracket_id]

    def _create_bracket_study(self, study: Study, bracket_id: int) -> Study:
        """Optuna's name for the bracket view."""
        if isinstance(study, _BracketStudy):
            study = study._study
        return self._bracket_study(study, bracket_id)

    def _filter_study(self, study: Study, trial: FrozenTrial) -> Study:
        """The study restricted to the trial's bracket (the whole study before the brackets
        exist, where every trial counts as bracket 0)."""
        if isinstance(study, _BracketStudy):
            study = study._study
        if not self._pruners:
            return study
        return self._bracket_study(study, self._get_bracket_id(study, trial))
