"""ferrotune's samplers inside Optuna studies.

:class:`TPESampler` and :class:`CmaEsSampler` are :class:`optuna.samplers.BaseSampler`
subclasses for Optuna users who cannot migrate their code: pass them to
``optuna.create_study(sampler=...)`` and the study samples with ferrotune's Rust core.

Each bridge keeps, per Optuna study, a ferrotune :class:`~ferrotune.storages._history.TrialHistory`
(columnar, append-only) that is synchronised incrementally: on every trial only the trials
that finished since the previous call are converted, so the per-trial cost of the bridge
does not grow with the number of past trials the way Optuna's own samplers do (Optuna's
in-memory storage is read directly; other storages through ``get_all_trials`` without
copies).

Examples
--------
.. code-block:: python

    import optuna
    from ferrotune.integration.optuna import TPESampler

    study = optuna.create_study(sampler=TPESampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=200)
"""

from __future__ import annotations

import threading
from collections.abc import Container, Sequence
from typing import Any

import optuna
import optuna.distributions as od

from ferrotune import distributions as fd
from ferrotune.samplers import BaseSampler as _FerroSampler
from ferrotune.samplers import CmaEsSampler as _FerroCmaEs
from ferrotune.samplers import TPESampler as _FerroTPE
from ferrotune.storages._history import TrialHistory
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState

__all__ = ["CmaEsSampler", "TPESampler"]

_OTrialState = optuna.trial.TrialState
_FINISHED = (_OTrialState.COMPLETE, _OTrialState.PRUNED, _OTrialState.FAIL)
_STATES = {s: TrialState(s.value) for s in _OTrialState}


class _DistributionMap:
    """Two-way conversion between Optuna and ferrotune distributions (memoised)."""

    def __init__(self) -> None:
        self._to_ferro: dict[od.BaseDistribution, fd.BaseDistribution] = {}
        self._to_optuna: dict[fd.BaseDistribution, od.BaseDistribution] = {}

    def ferro(self, dist: od.BaseDistribution) -> fd.BaseDistribution:
        out = self._to_ferro.get(dist)
        if out is None:
            out = self._convert_to_ferro(dist)
            self._to_ferro[dist] = out
            self._to_optuna.setdefault(out, dist)
        return out

    def optuna(self, dist: fd.BaseDistribution) -> od.BaseDistribution:
        out = self._to_optuna.get(dist)
        if out is None:
            out = self._convert_to_optuna(dist)
            self._to_optuna[dist] = out
            self._to_ferro.setdefault(out, dist)
        return out

    @staticmethod
    def _convert_to_ferro(dist: od.BaseDistribution) -> fd.BaseDistribution:
        if isinstance(dist, od.FloatDistribution):
            return fd.FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        if isinstance(dist, od.IntDistribution):
            return fd.IntDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        if isinstance(dist, od.CategoricalDistribution):
            return fd.CategoricalDistribution(dist.choices)
        # Deprecated Optuna distributions (UniformDistribution, ...) go through JSON.
        return fd._json_to_distribution(od.distribution_to_json(dist))

    @staticmethod
    def _convert_to_optuna(dist: fd.BaseDistribution) -> od.BaseDistribution:
        if isinstance(dist, fd.FloatDistribution):
            return od.FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        if isinstance(dist, fd.IntDistribution):
            return od.IntDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
        if isinstance(dist, fd.CategoricalDistribution):
            return od.CategoricalDistribution(dist.choices)
        raise TypeError(f"Cannot convert the distribution {dist!r} to Optuna.")


class _StorageView:
    """What ferrotune samplers call on ``study._storage``, forwarded to Optuna's storage."""

    def __init__(self, view: _StudyView) -> None:
        self._view = view
        self._storage = view.optuna_storage

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._storage.set_trial_system_attr(trial_id, key, value)

    def get_running_trials(self, study_id: int) -> list[optuna.trial.FrozenTrial]:
        return self._view.running_trials()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[optuna.trial.FrozenTrial]:
        ostates = None
        if states is not None:
            ostates = tuple(s for s in _OTrialState if _STATES[s] in states)
        return self._storage.get_all_trials(study_id, deepcopy=deepcopy, states=ostates)


class _StudyView:
    """A ferrotune-``Study``-shaped view of an Optuna study, for ferrotune samplers.

    Holds the study's :class:`TrialHistory` and the scan position over Optuna's trial list:
    ``cursor`` trials were looked at, ``pending`` are those (by number) that had not
    finished then. A sync only looks at ``pending`` and at trials created since.
    """

    def __init__(self, study: optuna.Study, distributions: _DistributionMap) -> None:
        self.optuna_study = study
        self.optuna_storage = study._storage
        self._study_id = study._study_id
        self._directions = [StudyDirection(d.value) for d in study.directions]
        self._dists = distributions
        self._history = TrialHistory(len(self._directions))
        self._cursor = 0
        self._pending: list[int] = []
        self._synced_for: int | None = None
        self._lock = threading.Lock()
        self._storage = _StorageView(self)
        inner = getattr(self.optuna_storage, "_studies", None)
        in_memory = isinstance(self.optuna_storage, optuna.storages.InMemoryStorage)
        self._direct = inner if in_memory else None

    # -- what ferrotune samplers read --------------------------------------------------------
    @property
    def directions(self) -> list[StudyDirection]:
        return list(self._directions)

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise RuntimeError(
                "A single best trial cannot be retrieved from a multi-objective study."
            )
        return self._directions[0]

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    def _get_trial_history(self) -> TrialHistory:
        # A read-only snapshot: its rows stay fixed while other threads sync newer trials.
        with self._lock:
            return self._history.sync()

    # -- synchronisation ---------------------------------------------------------------------
    def _trial_list(self) -> list[optuna.trial.FrozenTrial]:
        if self._direct is not None:
            # Optuna's InMemoryStorage keeps one list per study, indexed by trial number.
            trials: list[optuna.trial.FrozenTrial] = self._direct[self._study_id].trials
            return trials
        return self.optuna_storage.get_all_trials(self._study_id, deepcopy=False)

    def sync(self, trial_number: int | None) -> None:
        """Append the trials finished since the last sync (once per asking trial)."""
        with self._lock:
            if trial_number is not None and trial_number == self._synced_for:
                return
            trials = self._trial_list()
            finished: list[optuna.trial.FrozenTrial] = []
            still: list[int] = []
            n = len(trials)
            for index in [*self._pending, *range(self._cursor, n)]:
                trial = trials[index]
                if trial.state in _FINISHED:
                    finished.append(trial)
                else:
                    still.append(index)
            self._pending = still
            self._cursor = n
            self._synced_for = trial_number
            if finished:
                self._history.extend(self._convert(t) for t in finished)
                self._history.sync()

    def running_trials(self) -> list[optuna.trial.FrozenTrial]:
        trials = self._trial_list()
        return [
            trials[i]
            for i in self._pending
            if i < len(trials) and trials[i].state == _OTrialState.RUNNING
        ]

    def _convert(self, trial: optuna.trial.FrozenTrial) -> FrozenTrial:
        dists = self._dists
        return FrozenTrial(
            number=trial.number,
            state=_STATES[trial.state],
            value=None,
            values=trial.values,
            datetime_start=trial.datetime_start,
            datetime_complete=trial.datetime_complete,
            params=trial.params,
            distributions={name: dists.ferro(d) for name, d in trial.distributions.items()},
            user_attrs=trial.user_attrs,
            system_attrs=trial.system_attrs,
            intermediate_values=trial.intermediate_values,
            trial_id=trial._trial_id,
        )


class _OptunaSamplerInside(_FerroSampler):
    """Lets a ferrotune sampler delegate to an Optuna sampler (e.g. ``independent_sampler``)."""

    def __init__(self, sampler: optuna.samplers.BaseSampler, dists: _DistributionMap) -> None:
        self._sampler = sampler
        self._dists = dists

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        return {}

    def sample_relative(
        self, study: Any, trial: Any, search_space: dict[str, Any]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self, study: Any, trial: Any, param_name: str, param_distribution: fd.BaseDistribution
    ) -> Any:
        return self._sampler.sample_independent(
            study.optuna_study, trial, param_name, self._dists.optuna(param_distribution)
        )

    def before_trial(self, study: Any, trial: Any) -> None:
        self._sampler.before_trial(study.optuna_study, trial)

    def after_trial(
        self, study: Any, trial: Any, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._sampler.after_trial(study.optuna_study, trial, _OTrialState(int(state)), values)

    def reseed_rng(self) -> None:
        self._sampler.reseed_rng()


class _Bridge(optuna.samplers.BaseSampler):
    """Forward Optuna's sampler protocol to a ferrotune sampler through a study view."""

    _inner: _FerroSampler

    def __init__(self) -> None:
        self._dists = _DistributionMap()
        self._views: dict[tuple[int, int], _StudyView] = {}
        self._views_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_views"] = {}
        del state["_views_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._views_lock = threading.Lock()

    def __str__(self) -> str:
        return type(self).__name__

    def _view(self, study: optuna.Study, trial: optuna.trial.FrozenTrial | None) -> _StudyView:
        key = (id(study._storage), study._study_id)
        view = self._views.get(key)
        if view is None or view.optuna_storage is not study._storage:
            with self._views_lock:
                view = self._views.get(key)
                if view is None or view.optuna_storage is not study._storage:
                    view = self._views[key] = _StudyView(study, self._dists)
        view.sync(None if trial is None else trial.number)
        return view

    def infer_relative_search_space(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial
    ) -> dict[str, od.BaseDistribution]:
        view = self._view(study, trial)
        space = self._inner.infer_relative_search_space(view, trial)  # type: ignore[arg-type]
        to_optuna = self._dists.optuna
        return {name: to_optuna(dist) for name, dist in space.items()}

    def sample_relative(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        search_space: dict[str, od.BaseDistribution],
    ) -> dict[str, Any]:
        view = self._view(study, trial)
        to_ferro = self._dists.ferro
        space = {name: to_ferro(dist) for name, dist in search_space.items()}
        return self._inner.sample_relative(view, trial, space)  # type: ignore[arg-type]

    def sample_independent(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        param_name: str,
        param_distribution: od.BaseDistribution,
    ) -> Any:
        view = self._view(study, trial)
        dist = self._dists.ferro(param_distribution)
        return self._inner.sample_independent(view, trial, param_name, dist)  # type: ignore[arg-type]

    def before_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self._inner.before_trial(self._view(study, trial), trial)  # type: ignore[arg-type]

    def after_trial(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        state: optuna.trial.TrialState,
        values: Sequence[float] | None,
    ) -> None:
        view = self._view(study, None)
        self._inner.after_trial(view, trial, _STATES[state], values)  # type: ignore[arg-type]

    def reseed_rng(self) -> None:
        self._inner.reseed_rng()


class TPESampler(_Bridge):
    """ferrotune's :class:`~ferrotune.samplers.TPESampler` as an Optuna sampler.

    Takes the same keyword arguments as :class:`optuna.samplers.TPESampler` (Optuna 5.0
    defaults: multivariate with constant liar for single-objective studies); ``gamma``,
    ``weights`` and ``constraints_func`` receive the same inputs as in Optuna
    (``constraints_func`` gets Optuna's ``FrozenTrial``).

    Parameters
    ----------
    **kwargs
        Forwarded to :class:`ferrotune.samplers.TPESampler` (``seed``, ``n_startup_trials``,
        ``n_ei_candidates``, ``multivariate``, ``group``, ``constant_liar``, ...).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self._inner = _FerroTPE(**kwargs)


class CmaEsSampler(_Bridge):
    """ferrotune's :class:`~ferrotune.samplers.CmaEsSampler` as an Optuna sampler.

    Takes the same keyword arguments as :class:`optuna.samplers.CmaEsSampler`.
    ``source_trials`` may be Optuna ``FrozenTrial`` objects and ``independent_sampler`` an
    Optuna sampler; both are converted.

    Parameters
    ----------
    **kwargs
        Forwarded to :class:`ferrotune.samplers.CmaEsSampler` (``x0``, ``sigma0``, ``seed``,
        ``n_startup_trials``, ``restart_strategy``, ``popsize``, ``with_margin``, ...).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        independent = kwargs.get("independent_sampler")
        if isinstance(independent, optuna.samplers.BaseSampler):
            kwargs["independent_sampler"] = _OptunaSamplerInside(independent, self._dists)
        source = kwargs.get("source_trials")
        if source is not None:
            kwargs["source_trials"] = [self._source_trial(t) for t in source]
        self._inner = _FerroCmaEs(**kwargs)

    def _source_trial(self, trial: Any) -> Any:
        if not isinstance(trial, optuna.trial.FrozenTrial):
            return trial
        return FrozenTrial(
            number=trial.number,
            state=_STATES[trial.state],
            value=None,
            values=trial.values,
            datetime_start=trial.datetime_start,
            datetime_complete=trial.datetime_complete,
            params=trial.params,
            distributions={n: self._dists.ferro(d) for n, d in trial.distributions.items()},
            user_attrs=trial.user_attrs,
            system_attrs=trial.system_attrs,
            intermediate_values=trial.intermediate_values,
            trial_id=trial._trial_id,
        )
