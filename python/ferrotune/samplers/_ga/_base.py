"""``BaseGASampler``: generations and parent populations of genetic-algorithm samplers.

Optuna 5.0's public base class (``optuna.samplers.BaseGASampler``) that NSGA-II, NSGA-III and
OptunaHub's genetic samplers subclass. Each trial gets a generation number in its system
attributes (``"<ClassName>:generation"``); each generation's parent population is chosen once
by :meth:`BaseGASampler.select_parent` and its trial ids stored in the study's system
attributes (``"<ClassName>:parent:<generation>"``), so workers sharing a storage evolve one
population.

On a ferrotune study the bookkeeping reads the columnar trial history incrementally (O(1)
amortised per trial). Any other study object (a duck-typed or mocked one) goes through
``study._get_trials`` as Optuna does.
"""

from __future__ import annotations

import abc
import threading
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none
from ferrotune.samplers.nsgaii._population import GenerationIndex, IntArray
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial


class BaseGASampler(PicklableLocksMixin, BaseSampler, abc.ABC):
    """Base class of genetic-algorithm samplers.

    Subclasses implement :meth:`select_parent` (called once per generation; its result is
    cached in the study) and the :class:`~ferrotune.samplers.BaseSampler` methods; a typical
    ``sample_relative`` calls :meth:`get_trial_generation` and then
    :meth:`get_parent_population` for that generation.

    Parameters
    ----------
    population_size
        Trials per generation (may be set later through :attr:`population_size`).
    """

    _GENERATION_KEY = "BaseGASampler:generation"
    _PARENT_CACHE_KEY_PREFIX = "BaseGASampler:parent:"
    _LOCKS: ClassVar[Factories] = {"_lock": threading.RLock}
    # Caches are keyed by id(storage), meaningless in another process: reset on unpickling.
    _PROCESS_CACHES: ClassVar[Factories] = {"_study_key": reset_to_none}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._GENERATION_KEY = f"{cls.__name__}:generation"
        cls._PARENT_CACHE_KEY_PREFIX = f"{cls.__name__}:parent:"

    @classmethod
    def _get_generation_key(cls) -> str:
        return cls._GENERATION_KEY

    @classmethod
    def _get_parent_cache_key_prefix(cls) -> str:
        return cls._PARENT_CACHE_KEY_PREFIX

    def __init__(self, population_size: int | None) -> None:
        self._population_size = population_size
        self._create_locks()
        self._reset_cache(None)

    @property
    def population_size(self) -> int | None:
        """Trials per generation."""
        return self._population_size

    @population_size.setter
    def population_size(self, value: int) -> None:
        self._population_size = value

    @abc.abstractmethod
    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Choose the parent population of ``generation`` (called once per generation).

        The result is cached in the study's system attributes by
        :meth:`get_parent_population`.
        """

    # -- public bookkeeping ---------------------------------------------------------------
    def get_trial_generation(self, study: Study, trial: FrozenTrial) -> int:
        """Generation of ``trial``; assigned (and stored in its system attrs) on first call.

        A new trial joins the latest generation of COMPLETE trials unless that generation
        already holds :attr:`population_size` trials, in which case it starts the next one.
        """
        generation = trial.system_attrs.get(self._get_generation_key(), None)
        if generation is not None:
            return generation  # type: ignore[no-any-return]
        with self._ga_lock():
            history = self._history_or_none(study)
            if history is not None:
                return self._trial_generation(study, trial)
            trials = study._get_trials(
                deepcopy=False, states=[TrialState.COMPLETE], use_cache=True
            )
            latest, count = 0, 0
            for t in trials:
                g = t.system_attrs.get(self._get_generation_key(), -1)
                if g > latest:
                    latest, count = g, 1
                elif g == latest:
                    count += 1
            return self._assign_generation(study, trial, latest, count)

    def get_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The COMPLETE trials of ``generation``, in trial order."""
        with self._ga_lock():
            history = self._history_or_none(study)
            key = self._get_generation_key()
            if history is None:
                trials = study._get_trials(
                    deepcopy=False, states=[TrialState.COMPLETE], use_cache=True
                )
                return [t for t in trials if t.system_attrs.get(key, None) == generation]
            rows = self._generations.population(generation)
            return history.trials_at(
                rows[np.argsort(history.numbers[rows], kind="stable")].tolist()
            )

    def get_parent_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents of ``generation`` (empty for generation 0), cached in the study.

        The first call for a generation runs :meth:`select_parent` and stores the parents'
        trial ids under ``"<ClassName>:parent:<generation>"``; later calls (from any worker)
        read them back.
        """
        if generation == 0:
            return []
        with self._ga_lock():
            history = self._history_or_none(study)
            if history is not None:
                # Optuna returns select_parent's own order on the call that selects, and
                # trial order once the selection is cached.
                _, returned = self._load_parent_rows(study, history, generation)
                return history.trials_at(returned.tolist())
            key = self._get_parent_cache_key_prefix() + str(generation)
            cached = study._storage.get_study_system_attrs(study._study_id).get(key, None)
            if cached is not None:
                ids = set(cached)
                return [t for t in study._get_trials(deepcopy=False) if t._trial_id in ids]
            parents = self.select_parent(study, generation)
            study._storage.set_study_system_attr(
                study._study_id, key, [t._trial_id for t in parents]
            )
            return parents

    # -- columnar machinery (used by subclasses' fast paths) --------------------------------
    def _ga_lock(self) -> threading.RLock:
        lock = self.__dict__.get("_lock")
        if lock is None:  # a subclass that did not call BaseGASampler.__init__
            self._create_locks()
            lock = self._lock
        return lock  # type: ignore[return-value]

    def _reset_cache(self, key: tuple[int, int] | None) -> None:
        """Forget per-study caches (a subclass extends this with its own)."""
        self._study_key = key
        self._generations = GenerationIndex(self._get_generation_key())
        self._parent_rows: dict[int, IntArray] = {}

    def _sync(self, study: Study) -> TrialHistory:
        """The study's columnar history with the generation index brought up to date."""
        history = self._history_or_none(study)
        if history is None:
            raise TypeError(f"{type(self).__name__} needs a ferrotune Study, got {study!r}.")
        return history

    def _history_or_none(self, study: Study) -> TrialHistory | None:
        """:meth:`_sync`, or ``None`` when ``study`` has no columnar history (not ours)."""
        from ferrotune.study import Study

        if not isinstance(study, Study):
            return None
        key = (id(study._storage), study._study_id)
        if key != self.__dict__.get("_study_key"):
            self._reset_cache(key)
        history = study._get_trial_history()
        self._generations.sync(history)
        return history

    def _trial_generation(self, study: Study, trial: FrozenTrial) -> int:
        """:meth:`get_trial_generation` after :meth:`_sync` (lock held)."""
        generation = trial.system_attrs.get(self._get_generation_key())
        if generation is not None:
            return int(generation)
        index = self._generations
        return self._assign_generation(
            study, trial, index.max_generation, index.max_generation_count
        )

    def _assign_generation(self, study: Study, trial: FrozenTrial, latest: int, count: int) -> int:
        """Store and return the generation of a new trial given the latest one's size."""
        if self._population_size is None:
            raise ValueError(f"{type(self).__name__}.population_size must be set.")
        generation = latest + 1 if count >= self._population_size else latest
        study._storage.set_trial_system_attr(
            trial._trial_id, self._get_generation_key(), generation
        )
        return generation

    def _previous_rows(self, study: Study, history: TrialHistory, generation: int) -> IntArray:
        """Rows of generation ``generation - 1`` followed by that generation's parents."""
        return np.concatenate(
            (
                self._generations.population(generation - 1),
                self._parent_rows_of(study, history, generation - 1),
            )
        )

    def _select_parent_rows(
        self, study: Study, history: TrialHistory, generation: int
    ) -> IntArray:
        """History rows of :meth:`select_parent`'s choice (subclasses select on arrays)."""
        chosen = self.select_parent(study, generation)
        index = self._generations.row_by_trial_id
        return np.array([index[t._trial_id] for t in chosen], dtype=np.int64)

    def _parent_rows_of(self, study: Study, history: TrialHistory, generation: int) -> IntArray:
        """History rows of the parents of ``generation``, in trial order (lock held)."""
        return self._load_parent_rows(study, history, generation)[0]

    def _load_parent_rows(
        self, study: Study, history: TrialHistory, generation: int
    ) -> tuple[IntArray, IntArray]:
        """Parent rows in trial order, and as :meth:`get_parent_population` returns them
        (selection order when this call selected them, else trial order)."""
        if generation <= 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        cached = self._parent_rows.get(generation)
        if cached is not None:
            return cached, cached
        key = self._get_parent_cache_key_prefix() + str(generation)
        stored = study._storage.get_study_system_attrs(study._study_id).get(key)
        if stored is not None:
            index = self._generations.row_by_trial_id
            selected = np.array([index[i] for i in stored if i in index], dtype=np.int64)
        else:
            selected = self._select_parent_rows(study, history, generation)
            trial_ids = [t._trial_id for t in history.trials_at(selected.tolist())]
            study._storage.set_study_system_attr(study._study_id, key, trial_ids)
        rows = selected[np.argsort(history.numbers[selected], kind="stable")]
        self._parent_rows[generation] = rows
        return rows, (rows if stored is not None else selected)
