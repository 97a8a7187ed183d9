"""The Study: a set of trials optimizing one objective function (Optuna's API)."""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

import ferrotune.storages as _storages
from ferrotune import distributions as _dists
from ferrotune import logging as _logging
from ferrotune._experimental import experimental_func
from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from ferrotune.study._frozen import StudySummary
from ferrotune.study._multi_objective import pareto_front_rows
from ferrotune.study._optimize import optimize
from ferrotune.study._study_direction import StudyDirection
from ferrotune.study._tell import tell_trial
from ferrotune.trial import FrozenTrial, Trial, TrialState, create_trial
from ferrotune.trial._trial import FIXED_PARAMS_KEY

if TYPE_CHECKING:
    import pandas as pd

    from ferrotune.pruners import BasePruner
    from ferrotune.samplers import BaseSampler
    from ferrotune.storages import BaseStorage
    from ferrotune.storages._history import TrialHistory

ObjectiveFuncType = Callable[[Trial], float | Sequence[float]]

_logger = _logging.get_logger(__name__)
_METRIC_NAMES_KEY = "study:metric_names"
_SYSTEM_ATTR_METRIC_NAMES = _METRIC_NAMES_KEY  # Optuna's name, read by its tests


class _ThreadLocal(threading.local):
    in_optimize_loop: bool = False


def _default_sampler(n_objectives: int) -> BaseSampler:
    from ferrotune import samplers

    tpe = getattr(samplers, "TPESampler", None)
    if tpe is not None:
        sampler: BaseSampler = tpe()
        return sampler
    return samplers.RandomSampler()


def _default_pruner() -> BasePruner:
    from ferrotune import pruners

    median = getattr(pruners, "MedianPruner", None)
    if median is not None:
        pruner: BasePruner = median()
        return pruner
    return pruners.NopPruner()


class Study:
    """A study: trials of one objective, kept in a storage.

    Create one with :func:`create_study` or :func:`load_study` rather than directly.
    """

    def __init__(
        self,
        study_name: str,
        storage: str | BaseStorage,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
    ) -> None:
        _check_components(sampler, pruner)
        self.study_name = study_name
        self._storage = _storages.get_storage(storage)
        self._study_id = self._storage.get_study_id_from_name(study_name)
        self._directions = self._storage.get_study_directions(self._study_id)
        self.sampler = sampler if sampler is not None else _default_sampler(len(self._directions))
        self.pruner = pruner if pruner is not None else _default_pruner()
        self._thread_local = _ThreadLocal()
        self._stop_flag = False

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_thread_local"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._thread_local = _ThreadLocal()

    # -- directions and attributes ---------------------------------------------------------
    @property
    def directions(self) -> list[StudyDirection]:
        """Directions of the objectives."""
        return self._directions

    @property
    def direction(self) -> StudyDirection:
        """Direction of the objective (single-objective studies only)."""
        if self._is_multi_objective():
            raise RuntimeError(
                "A single direction cannot be retrieved from a multi-objective study. Consider "
                "using Study.directions to retrieve a list containing all directions."
            )
        return self._directions[0]

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes of the study."""
        return copy.deepcopy(self._storage.get_study_user_attrs(self._study_id))

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes of the study."""
        return copy.deepcopy(self._storage.get_study_system_attrs(self._study_id))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute of the study."""
        self._storage.set_study_user_attr(self._study_id, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        """Set a system attribute of the study (library use)."""
        self._storage.set_study_system_attr(self._study_id, key, value)

    @property
    def metric_names(self) -> list[str] | None:
        """Names of the objectives set by :meth:`set_metric_names`, or ``None``."""
        names = self._storage.get_study_system_attrs(self._study_id).get(_METRIC_NAMES_KEY)
        return None if names is None else list(names)

    @experimental_func("3.2.0")
    def set_metric_names(self, metric_names: list[str]) -> None:
        """Name the objectives (one name per direction)."""
        if len(self._directions) != len(metric_names):
            raise ValueError(
                f"The number of objectives ({len(self._directions)}) must match the number of "
                f"metric names ({len(metric_names)}): {metric_names!r}."
            )
        self._storage.set_study_system_attr(self._study_id, _METRIC_NAMES_KEY, list(metric_names))

    # -- trials ----------------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials ordered by number (deep copies)."""
        return self.get_trials(deepcopy=True, states=None)

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """All trials, optionally filtered by state.

        Parameters
        ----------
        deepcopy
            Return copies (``False`` is faster; do not modify the results then).
        states
            Keep only trials in these states.
        """
        return self._storage.get_all_trials(self._study_id, deepcopy=deepcopy, states=states)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        return self.get_trials(deepcopy=deepcopy, states=states)

    def _get_trial_history(self) -> TrialHistory:
        """Columnar history of finished trials, synced with the storage."""
        return self._storage.get_trial_history(self._study_id)

    def _whole_study(self) -> Study:
        """The study with all its trials, undoing :meth:`_filtered_for_sampler` (samplers
        that must see every trial, e.g. the grid samplers, as Optuna's read the storage)."""
        return self

    def _filtered_for_sampler(self, trial: FrozenTrial) -> Study:
        """The study as the sampler should see it (a pruner may restrict it, e.g. Hyperband)."""
        hook = getattr(self.pruner, "_filter_study", None)
        if hook is None:
            return self
        filtered: Study = hook(self, trial)
        return filtered

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE (and feasible) trial of a single-objective study."""
        return copy.deepcopy(self._get_best_trial())

    @property
    def best_params(self) -> dict[str, Any]:
        """Parameters of :attr:`best_trial`."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """Objective value of :attr:`best_trial`."""
        value = self._get_best_trial().value
        assert value is not None
        return value

    def _get_best_trial(self) -> FrozenTrial:
        if self._is_multi_objective():
            raise RuntimeError(
                "A single best trial cannot be retrieved from a multi-objective study. Consider "
                "using Study.best_trials to retrieve a list containing the best trials."
            )
        try:
            best = self._storage.get_best_trial(self._study_id)
        except ValueError:
            raise ValueError(
                f"No trials are completed yet in study '{self.study_name}'."
            ) from None
        if not any(v > 0.0 for v in best.constraints.values()):
            return best
        history = self._get_trial_history()
        violation = history.constraint_violation
        feasible = (history.states == TrialState.COMPLETE) & ~(violation > 0)
        rows = np.flatnonzero(feasible)
        if rows.size == 0:
            raise ValueError("No feasible trials are completed yet.")
        objective = history.values[rows, 0]
        pick = np.argmax(objective) if self.direction == StudyDirection.MAXIMIZE else None
        if pick is None:
            pick = np.argmin(objective)
        return history.trials[int(rows[pick])]

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """Trials on the Pareto front (feasible ones only in constrained studies)."""
        history = self._get_trial_history()
        complete = history.states == TrialState.COMPLETE
        violation = history.constraint_violation
        if np.any(~np.isnan(violation[complete])):
            complete &= ~(violation > 0)
        rows = np.flatnonzero(complete)
        if rows.size == 0:
            return []
        signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in self.directions])
        front = rows[pareto_front_rows(history.values[rows] * signs)]
        trials = [history.trials[int(r)] for r in front]
        trials.sort(key=lambda t: t.number)
        return copy.deepcopy(trials)

    # -- optimize / ask / tell -------------------------------------------------------------
    def optimize(
        self,
        func: ObjectiveFuncType,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Run ``func`` on new trials until ``n_trials``, ``timeout`` or :meth:`stop`.

        Parameters
        ----------
        func
            Objective taking a :class:`Trial` and returning a float (or a sequence of floats
            for multi-objective studies).
        n_trials
            Number of trials to run (``None``: until timeout or stop).
        timeout
            Seconds after which no new trial starts.
        n_jobs
            Threads running trials in parallel (-1: one per CPU).
        catch
            Exception types that mark the trial FAIL without stopping the study.
        callbacks
            Called as ``callback(study, frozen_trial)`` after each trial.
        gc_after_trial
            Run ``gc.collect()`` after each trial.
        show_progress_bar
            Draw a tqdm progress bar.
        """
        optimize(
            self,
            func,
            n_trials=n_trials,
            timeout=timeout,
            n_jobs=n_jobs,
            catch=catch,
            callbacks=callbacks,
            gc_after_trial=gc_after_trial,
            show_progress_bar=show_progress_bar,
        )

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = None) -> Trial:
        """Start a new trial (the next enqueued one first) for the ask-and-tell interface.

        Parameters
        ----------
        fixed_distributions
            Distributions to suggest right away, as if the objective had suggested them.
        """
        new_live = getattr(self._storage, "_new_live_trial", None)
        live = None if new_live is None else new_live(self._study_id)
        if live is not None:  # in memory, nothing enqueued: one storage call
            trial = Trial(self, live[0], live)
        else:
            trial_id = self._pop_waiting_trial_id()
            if trial_id is None:
                trial_id = self._storage.create_new_trial(self._study_id)
            trial = Trial(self, trial_id)
        if fixed_distributions:
            for name, distribution in fixed_distributions.items():
                # Deprecated classes (UniformDistribution, ...) become the current ones, with
                # Optuna's FutureWarning.
                trial._suggest(
                    name, _dists._convert_old_distribution_to_new_distribution(distribution)
                )
        return trial

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial started by :meth:`ask`.

        Parameters
        ----------
        trial
            The :class:`Trial` or its number.
        values
            Objective value(s); required for COMPLETE.
        state
            COMPLETE (default when values are given), PRUNED or FAIL.
        skip_if_finished
            Return quietly if the trial is already finished instead of raising.
        """
        frozen, _ = tell_trial(
            self, trial, values, state, skip_if_finished=skip_if_finished, from_optimize=False
        )
        return frozen

    def stop(self) -> None:
        """Stop :meth:`optimize` after the running trial(s) finish."""
        if not self._thread_local.in_optimize_loop:
            raise RuntimeError(
                "`Study.stop` is supposed to be invoked inside an objective function or a "
                "callback."
            )
        self._stop_flag = True

    def _pop_waiting_trial_id(self) -> int | None:
        has_waiting = getattr(self._storage, "_has_waiting", None)
        if has_waiting is not None and not has_waiting(self._study_id):
            return None
        waiting_records = getattr(self._storage, "_waiting_records", None)
        if waiting_records is not None:
            waiting: list[FrozenTrial] = waiting_records(self._study_id)
        else:
            waiting = self._storage.get_all_trials(
                self._study_id, deepcopy=False, states=(TrialState.WAITING,)
            )
        for trial in waiting:
            try:  # another process may have popped and even finished it meanwhile
                if self._storage.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
                    return trial._trial_id
            except UpdateFinishedTrialError:
                continue
        return None

    # -- adding trials ---------------------------------------------------------------------
    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue parameters to be evaluated by the next trial.

        Parameters
        ----------
        params
            ``{name: value}``; parameters not given are sampled as usual.
        user_attrs
            User attributes of the queued trial.
        skip_if_exists
            Do nothing if a trial with the same parameters already exists.
        """
        if not isinstance(params, Mapping):
            raise TypeError(f"`params` must be a dict, but got {params!r}.")
        if skip_if_exists and self._should_skip_enqueue(params):
            _logger.info(f"Trial with params {params} already exists. Skipping enqueue.")
            return
        self.add_trial(
            create_trial(
                state=TrialState.WAITING,
                system_attrs={FIXED_PARAMS_KEY: dict(params)},
                user_attrs=user_attrs,
            )
        )

    def _should_skip_enqueue(self, params: Mapping[str, Any]) -> bool:
        for trial in self.get_trials(deepcopy=False):
            existing = trial.params
            if trial.state == TrialState.WAITING:
                existing = trial.system_attrs.get(FIXED_PARAMS_KEY, {})
            if existing.keys() != params.keys():
                continue
            if all(_same_value(existing[k], v) for k, v in params.items()):
                return True
        return False

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished (or WAITING) trial, e.g. one made with :func:`create_trial`."""
        trial._validate()
        if trial.values is not None and len(trial.values) != len(self._directions):
            raise ValueError(
                f"The added trial has {len(trial.values)} values but the study has "
                f"{len(self._directions)} objectives: {trial.values}."
            )
        self._storage.create_new_trial(self._study_id, template_trial=trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add several trials with :meth:`add_trial`."""
        for trial in trials:
            self.add_trial(trial)

    # -- export ----------------------------------------------------------------------------
    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> pd.DataFrame:
        """Export the trials as a pandas DataFrame (needs ``pandas``).

        Parameters
        ----------
        attrs
            FrozenTrial attributes to export; dict attributes become one column per key.
        multi_index
            Keep two-level column names instead of joining them with ``_``.
        """
        from ferrotune.study._dataframe import trials_dataframe

        return trials_dataframe(self, attrs, multi_index)

    def _log_completed_trial(self, values: Sequence[float], number: int, params: Any) -> None:
        if not _logger.isEnabledFor(_logging.INFO):
            return
        names = self.metric_names
        if len(values) > 1:
            shown: Any = list(values) if names is None else dict(zip(names, values))
            _logger.info(f"Trial {number} finished with values: {shown} and parameters: {params}.")
            return
        shown = values[0] if names is None else {names[0]: values[0]}
        message = f"Trial {number} finished with value: {shown} and parameters: {params}."
        try:
            best = self._get_best_trial()
            message += f" Best is trial {best.number} with value: {best.value}."
        except ValueError:
            pass
        _logger.info(message)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Real) and isinstance(b, Real) and not isinstance(a, bool):
        return bool(a == b) or (math.isnan(float(a)) and math.isnan(float(b)))
    return bool(a == b)


# -- module-level functions ------------------------------------------------------------------
def _check_components(sampler: Any, pruner: Any) -> None:
    """A sampler and a pruner, or None: anything else is a TypeError at creation, not an
    AttributeError at the first trial."""
    if sampler is not None and not callable(getattr(sampler, "sample_independent", None)):
        raise TypeError(f"`sampler` must be a BaseSampler or None, but got {sampler!r:.200}.")
    if pruner is not None and not callable(getattr(pruner, "prune", None)):
        raise TypeError(f"`pruner` must be a BasePruner or None, but got {pruner!r:.200}.")


def _parse_directions(
    direction: str | StudyDirection | None,
    directions: Sequence[str | StudyDirection] | None,
) -> list[StudyDirection]:
    if direction is not None and directions is not None:
        raise ValueError("Specify only one of `direction` and `directions`.")
    label = "directions"
    if directions is None:
        directions = ["minimize" if direction is None else direction]
        label = "direction"
    if isinstance(directions, str):
        # A bare string is a Sequence of characters: Optuna rejects it with ValueError.
        raise ValueError(
            "`directions` must be a list of `minimize` or `maximize`, "
            f"but got {directions!r:.200}. For single-objective optimization, "
            "please use `direction` instead of `directions`."
        )
    if isinstance(directions, bytes) or not isinstance(directions, Sequence):
        raise TypeError(f"`directions` must be a list of directions, but got {directions!r}.")
    if len(directions) == 0:
        raise ValueError("`directions` must contain at least one direction.")
    parsed: list[StudyDirection] = []
    for d in directions:
        if isinstance(d, StudyDirection) and d != StudyDirection.NOT_SET:
            parsed.append(d)
        elif isinstance(d, str) and d in ("minimize", "maximize"):
            parsed.append(StudyDirection[d.upper()])
        else:
            # Case-sensitive, as Optuna 5.0: "MINIMIZE" is rejected, not silently accepted.
            raise ValueError(
                "Please set either 'minimize' or 'maximize' (lowercase) or a StudyDirection "
                f"to `{label}`, but got {d!r:.200}."
            )
    return parsed


def create_study(
    *,
    storage: str | BaseStorage | None = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    load_if_exists: bool = False,
    directions: Sequence[str | StudyDirection] | None = None,
) -> Study:
    """Create a new study.

    Parameters
    ----------
    storage
        ``None`` (in memory), a database URL such as ``"sqlite:///study.db"``, or a storage.
    sampler
        Defaults to :class:`~ferrotune.samplers.TPESampler` (Random until TPE is built in).
    pruner
        Defaults to :class:`~ferrotune.pruners.MedianPruner` when available.
    study_name
        Name, generated when ``None``.
    direction, directions
        ``"minimize"`` (default) or ``"maximize"``, or one per objective.
    load_if_exists
        Load the study if one with ``study_name`` exists instead of raising.
    """
    parsed = _parse_directions(direction, directions)
    if study_name is not None and not isinstance(study_name, str):
        raise TypeError(f"`study_name` must be a str or None, but got {study_name!r:.200}.")
    _check_components(sampler, pruner)
    storage_obj = _storages.get_storage(storage)
    try:
        study_id = storage_obj.create_new_study(parsed, study_name)
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        assert study_name is not None
        _logger.info(
            f"Using an existing study with name '{study_name}' instead of creating a new one."
        )
        study_id = storage_obj.get_study_id_from_name(study_name)
        stored = storage_obj.get_study_directions(study_id)
        if (direction is not None or directions is not None) and stored != parsed:
            raise ValueError(
                f"Cannot overwrite study direction from {stored} to {parsed}."
            ) from None
    name = storage_obj.get_study_name_from_id(study_id)
    return Study(study_name=name, storage=storage_obj, sampler=sampler, pruner=pruner)


def load_study(
    *,
    study_name: str | None,
    storage: str | BaseStorage,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """Load an existing study; ``study_name=None`` works when the storage has one study."""
    storage_obj = _storages.get_storage(storage)
    if study_name is None:
        names = get_all_study_names(storage_obj)
        if len(names) != 1:
            raise ValueError(
                f"Could not determine the study name since the storage {storage!r} does not "
                f"contain exactly 1 study (it has {len(names)})."
            )
        study_name = names[0]
    try:
        storage_obj.get_study_id_from_name(study_name)
    except KeyError:
        raise KeyError(f"Record does not exist: no study named {study_name!r}.") from None
    return Study(study_name=study_name, storage=storage_obj, sampler=sampler, pruner=pruner)


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    """Delete a study and all its trials."""
    storage_obj = _storages.get_storage(storage)
    storage_obj.delete_study(storage_obj.get_study_id_from_name(study_name))


def copy_study(
    *,
    from_study_name: str,
    from_storage: str | BaseStorage,
    to_storage: str | BaseStorage,
    to_study_name: str | None = None,
) -> None:
    """Copy a study, with its attributes and trials, to another storage (or name)."""
    source = load_study(study_name=from_study_name, storage=from_storage)
    target = create_study(
        study_name=to_study_name or from_study_name,
        storage=to_storage,
        directions=source.directions,
        load_if_exists=False,
    )
    for key, value in source._storage.get_study_system_attrs(source._study_id).items():
        target.set_system_attr(key, value)
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    target.add_trials(source.get_trials(deepcopy=False))


def get_all_study_summaries(
    storage: str | BaseStorage, include_best_trial: bool = True
) -> list[StudySummary]:
    """Summaries (name, directions, best trial, counts, start time) of all studies."""
    storage_obj = _storages.get_storage(storage)
    summaries = []
    for frozen in storage_obj.get_all_studies():
        sid = frozen._study_id
        trials = storage_obj.get_all_trials(sid, deepcopy=False)
        best = None
        if include_best_trial and len(frozen.directions) == 1:
            try:
                best = copy.deepcopy(storage_obj.get_best_trial(sid))
            except ValueError:
                best = None
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(
            StudySummary(
                study_name=frozen.study_name,
                direction=None,
                directions=frozen.directions,
                best_trial=best,
                user_attrs=frozen.user_attrs,
                n_trials=len(trials),
                datetime_start=min(starts) if starts else None,
                study_id=sid,
            )
        )
    return summaries


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    """Names of all studies in a storage."""
    return [s.study_name for s in _storages.get_storage(storage).get_all_studies()]
