"""TPESampler: Optuna 5.0's Tree-structured Parzen Estimator on a Rust core.

In the common case (no PRUNED or constrained trial, default gamma and weights, no running
trial to treat as a bad observation; one objective or several) one Rust call does the
whole step: ``_core.tpe_propose_split`` splits the columnar trial history into the
"below" (good) and "above" (bad) sets (``rust/core/src/tpe/split.rs`` and, for MOTPE's
non-domination ranks and hypervolume subset selection, ``split_mo.rs``; kept up to date
across trials), weighs them, builds both Parzen estimators, samples candidates from l(x)
and ranks them by log l(x) - log g(x) (``rust/core/src/tpe/``) with the interpreter lock
released. A univariate trial's parameters are proposed together at its first ask
(``_batch.py``, ``_core.tpe_propose_split_batch``). Otherwise the split is done here with
numpy (``_split.py``) and ``_core.tpe_propose`` does the rest; all paths propose exactly
the same values. All take the search space as a ``_core.TPESpace`` built once per space
(``_state.py``).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import numbers
import threading
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune._deprecated import deprecated_func
from ferrotune.distributions import (
    BaseDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._base import INDEPENDENT_SAMPLING_WARNING_TEMPLATE, BaseSampler
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none
from ferrotune.samplers._random import RandomSampler, _check_callable, _check_flag, _check_seed
from ferrotune.samplers._tpe._batch import MISSING, propose_batch
from ferrotune.samplers._tpe._defaults import (
    _DEPRECATION,
    _call_weights,
    _deprecated_arg,
    default_gamma,
    default_gamma_multiobjective,
    default_weights,
    hyperopt_default_gamma,
)
from ferrotune.samplers._tpe._group import GroupDecomposedSearchSpace
from ferrotune.samplers._tpe._split import split_history
from ferrotune.samplers._tpe._state import ParzenOptions, StudyCache
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_logger = logging.getLogger("ferrotune.samplers._tpe.sampler")

_RELATIVE_PARAMS_KEY = "tpe:relative_params"
_SYSTEM_ATTR_MAX_LENGTH = 2045
_CONSTRAINTS_KEY = "constraints"
_COMPLETE_INT = int(TrialState.COMPLETE)
_PRUNED_INT = int(TrialState.PRUNED)

# Take the one-call Rust path (``_core.tpe_propose_split``) in the common case; tests turn
# it off to check that it proposes exactly what the general path does.
_SPLIT_IN_RUST = True


class TPESampler(PicklableLocksMixin, BaseSampler):
    """Sampler using the Tree-structured Parzen Estimator (TPE), as in Optuna 5.0.

    On each trial, the finished trials are split into a "good" set (the best
    ``gamma(n)``) and the rest; one Parzen estimator is fitted to each, ``n_ei_candidates``
    candidates are drawn from the good one, l(x), and the candidate maximising
    l(x) / g(x) is returned. Parzen estimators, sampling and ranking run in Rust.

    Parameters
    ----------
    consider_prior
        Deprecated in Optuna 4.3 (always ``True``); passing it emits a ``FutureWarning``.
    prior_weight
        Weight of the prior kernel (default 1.0). Deprecated in Optuna 4.9.
    consider_magic_clip
        Clip the smallest bandwidths (default ``True``). Deprecated in Optuna 4.9.
    consider_endpoints
        Use domain endpoints for the extreme kernels' bandwidths (default ``False``).
        Deprecated in Optuna 4.9.
    n_startup_trials
        Number of finished trials sampled randomly before TPE starts.
    n_ei_candidates
        Number of candidates drawn from l(x) per sampling.
    gamma
        ``n -> number of good trials``; default :func:`default_gamma`
        (:func:`default_gamma_multiobjective` for several objectives). Deprecated in 4.9.
    weights
        ``n -> weights`` of the observations (oldest first); default
        :func:`default_weights`. In multi-objective studies only g(x) uses it.
        Deprecated in 4.9.
    seed
        Seed of the random generator; the same seed gives the same trials.
    multivariate
        Use the multivariate (joint) TPE. ``None`` (default): ``True`` for single-objective
        studies, ``False`` for multi-objective ones.
    group
        With ``multivariate``, decompose conditional search spaces into groups sampled
        jointly.
    warn_independent_sampling
        Log a warning when a parameter falls back to independent sampling in multivariate
        mode (default ``False`` as in Optuna 5.0). Deprecated in 4.9.
    constant_liar
        Treat running trials as bad observations so parallel workers spread out.
    constraints_func
        Deprecated in Optuna 5.0 (use ``Trial.set_constraint``): ``FrozenTrial -> sequence
        of constraint values`` (``> 0`` is infeasible), evaluated after each trial.
    """

    _LOCKS: ClassVar[Factories] = {"_caches_lock": threading.Lock, "_rng_lock": threading.Lock}
    _PROCESS_CACHES: ClassVar[Factories] = {"_caches": dict, "_relative_space": reset_to_none}
    _caches_lock: threading.Lock
    _rng_lock: threading.Lock

    def __init__(
        self,
        *,
        consider_prior: bool | None = None,
        prior_weight: float | None = None,
        consider_magic_clip: bool | None = None,
        consider_endpoints: bool | None = None,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        weights: Callable[[int], Any] | None = None,
        seed: int | None = None,
        multivariate: bool | None = None,
        group: bool = False,
        warn_independent_sampling: bool | None = None,
        constant_liar: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        _deprecated_arg("`consider_prior`", consider_prior, True, "4.3.0", "6.0.0")
        prior_weight = _deprecated_arg("`prior_weight`", prior_weight, 1.0, "4.9.0", "6.0.0")
        consider_magic_clip = _deprecated_arg(
            "`consider_magic_clip`", consider_magic_clip, True, "4.9.0", "6.0.0"
        )
        consider_endpoints = _deprecated_arg(
            "`consider_endpoints`", consider_endpoints, False, "4.9.0", "6.0.0"
        )
        gamma = _deprecated_arg("`gamma`", gamma, None, "4.9.0", "6.0.0")
        weights = _deprecated_arg("`weights`", weights, default_weights, "4.9.0", "6.0.0")
        warn_independent_sampling = _deprecated_arg(
            "`warn_independent_sampling`", warn_independent_sampling, False, "4.9.0", "6.0.0"
        )
        seed = _check_seed(seed)
        if not isinstance(n_startup_trials, (int, numbers.Integral)) or n_startup_trials < 0:
            raise ValueError(
                f"`n_startup_trials` must be a non-negative int, but got {n_startup_trials!r}."
            )
        if not isinstance(n_ei_candidates, (int, numbers.Integral)) or n_ei_candidates < 1:
            raise ValueError(
                f"`n_ei_candidates` must be a positive int, but got {n_ei_candidates!r}."
            )
        n_startup_trials, n_ei_candidates = int(n_startup_trials), int(n_ei_candidates)
        if not (
            isinstance(prior_weight, (int, float))
            and prior_weight >= 0
            and math.isfinite(prior_weight)
        ):
            raise ValueError(
                "A non-negative finite value must be specified for prior_weight, but got "
                f"{prior_weight}."
            )
        _check_callable("constraints_func", constraints_func)
        if multivariate is not None:
            multivariate = _check_flag("multivariate", multivariate)
        group = _check_flag("group", group)
        constant_liar = _check_flag("constant_liar", constant_liar)
        if gamma is not None and not callable(gamma):
            raise TypeError(f"`gamma` must be callable, but got {gamma!r}.")
        if not callable(weights):
            raise TypeError(f"`weights` must be callable, but got {weights!r}.")
        if group and multivariate is False:
            raise ValueError(
                "``group`` option can only be enabled when ``multivariate`` is enabled."
            )
        if group:
            warnings.warn(
                "Argument ``group`` is an experimental feature. The interface can change in "
                "the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
        if constraints_func is not None:
            msg = _DEPRECATION.format(name="`constraints_func`", d_ver="5.0.0", r_ver="7.0.0")
            warnings.warn(
                f"{msg} Use `optuna.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        self._prior_weight = float(prior_weight)
        self._consider_magic_clip = bool(consider_magic_clip)
        self._consider_endpoints = bool(consider_endpoints)
        self._n_startup_trials = n_startup_trials
        self._n_ei_candidates = n_ei_candidates
        self._gamma = gamma
        self._weights: Callable[[int], Any] = weights
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        # Seeds drawn ahead of use (batched proposals); ``_next_seed`` hands them out first.
        self._seed_queue: deque[int] = deque()
        self._random_sampler = RandomSampler(seed=seed)
        self._multivariate = multivariate
        self._group = group
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._constant_liar = constant_liar
        self._constraints_func = constraints_func
        self._search_space = IntersectionSearchSpace(include_pruned=True)
        # (intersection space, its non-single part) of the last infer_relative_search_space.
        self._relative_space: (
            tuple[dict[str, BaseDistribution], dict[str, BaseDistribution]] | None
        ) = None
        self._caches: dict[tuple[int, int], StudyCache] = {}
        # Keep the above estimator across trials (exact; off only to test against rebuilds).
        self._incremental_above = True
        self._create_locks()

    # -- reseeding -----------------------------------------------------------------------------
    def reseed_rng(self) -> None:
        self._rng = np.random.default_rng()
        self._seed_queue.clear()
        self._random_sampler.reseed_rng()

    @staticmethod
    @deprecated_func("4.9.0", "6.0.0")
    def hyperopt_parameters() -> dict[str, Any]:
        """Return the default parameters of hyperopt (v0.1.2) for this sampler."""
        return {
            "consider_prior": True,
            "prior_weight": 1.0,
            "consider_magic_clip": True,
            "consider_endpoints": False,
            "n_startup_trials": 20,
            "n_ei_candidates": 24,
            "gamma": hyperopt_default_gamma,
            "weights": default_weights,
        }

    # -- helpers -----------------------------------------------------------------------------
    def _is_multivariate(self, study: Study) -> bool:
        if self._multivariate is not None:
            return self._multivariate
        if self._group:
            if study._is_multi_objective():
                warnings.warn(
                    "``multivariate`` defaults to False for multi-objective optimization, but"
                    " it is treated as True because ``group`` can only be enabled with the"
                    " multivariate TPE. Set ``multivariate=True`` explicitly to suppress this"
                    " warning.",
                    UserWarning,
                    stacklevel=2,
                )
            return True
        return not study._is_multi_objective()

    def _cache(self, study: Study, history: TrialHistory | None = None) -> StudyCache:
        key = (id(study._storage), study._study_id)
        if history is None:
            history = study._get_trial_history()  # a consistent snapshot of the shared arrays
        with self._caches_lock:
            cache = self._caches.get(key)
            if cache is None or history.root is not cache.root or history.n < cache.n_perm:
                options = ParzenOptions(
                    self._prior_weight,
                    self._consider_magic_clip,
                    self._consider_endpoints,
                    self._n_ei_candidates,
                )
                cache = self._caches[key] = StudyCache(history, options)
            elif history.n >= cache.history.n:
                cache.history = history
        return cache

    def _gamma_func(self, study: Study) -> Callable[[int], int]:
        if self._gamma is not None:
            return self._gamma
        return default_gamma_multiobjective if study._is_multi_objective() else default_gamma

    def _n_finished(self, history: TrialHistory) -> int:
        return history.count(TrialState.COMPLETE) + history.count(TrialState.PRUNED)

    def _next_seed(self) -> int:
        with self._rng_lock:
            if self._seed_queue:
                return self._seed_queue.popleft()
            return int(self._rng.integers(0, 2**63 - 1))

    def _peek_seeds(self, k: int) -> list[int]:
        """The next ``k`` seeds ``_next_seed`` will return, without consuming them."""
        with self._rng_lock:
            missing = k - len(self._seed_queue)
            if missing > 0:
                # One vector draw gives the same values as ``missing`` scalar draws.
                self._seed_queue.extend(self._rng.integers(0, 2**63 - 1, size=missing).tolist())
            return list(itertools.islice(self._seed_queue, k))

    # -- BaseSampler API ---------------------------------------------------------------------
    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if not self._is_multivariate(study):
            return {}
        search_space: dict[str, BaseDistribution] = {}
        if self._group:
            cache = self._cache(study)
            if cache.group is None:
                cache.group = GroupDecomposedSearchSpace(include_pruned=True)
            for sub_space in cache.group.calculate(cache.history):
                for name, distribution in sorted(sub_space.items()):
                    if not distribution.single():
                        search_space[name] = distribution
            return search_space
        # The intersection only changes when a finished trial changes it: filter it once.
        space = self._search_space._shared(study)
        cached = self._relative_space
        if cached is None or cached[0] is not space:
            filtered = {name: dist for name, dist in space.items() if not dist.single()}
            self._relative_space = cached = (space, filtered)
        return dict(cached[1])

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        if self._group:
            cache = self._cache(study)
            groups = cache.group.calculate(cache.history) if cache.group is not None else []
            params: dict[str, Any] = {}
            for sub_space in groups:
                part = {
                    name: dist
                    for name, dist in sorted(sub_space.items())
                    if not dist.single() and name in search_space
                }
                params.update(self._sample_relative(study, trial, part))
        else:
            params = self._sample_relative(study, trial, search_space)
        if params and self._constant_liar:
            text = json.dumps(params)
            for i in range(0, len(text), _SYSTEM_ATTR_MAX_LENGTH):
                study._storage.set_trial_system_attr(
                    trial._trial_id,
                    f"{_RELATIVE_PARAMS_KEY}:{i // _SYSTEM_ATTR_MAX_LENGTH}",
                    text[i : i + _SYSTEM_ATTR_MAX_LENGTH],
                )
        return params

    def _sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        history = study._get_trial_history()
        if self._n_finished(history) < self._n_startup_trials:
            return {}
        return self._sample(study, trial, search_space, history)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        history = study._get_trial_history()
        if self._n_finished(history) < self._n_startup_trials:
            return self._random_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )
        if (
            self._warn_independent_sampling
            and self._is_multivariate(study)
            and param_name in history.param_names
        ):
            _logger.warning(
                INDEPENDENT_SAMPLING_WARNING_TEMPLATE.format(
                    param_name=param_name,
                    trial_number=trial.number,
                    independent_sampler_name=self._random_sampler.__class__.__name__,
                    sampler_name=self.__class__.__name__,
                    fallback_reason=(
                        "`multivariate=True,group=False` does not support dynamic search space"
                        " (but `multivariate=True,group=True` works)"
                    ),
                )
            )
        if _SPLIT_IN_RUST and self._gamma is None and self._weights is default_weights:
            return self._sample_batched(study, trial, param_name, param_distribution, history)
        return self._sample(study, trial, {param_name: param_distribution}, history)[param_name]

    def _sample_batched(
        self,
        study: Study,
        trial: FrozenTrial,
        name: str,
        dist: BaseDistribution,
        history: TrialHistory,
    ) -> Any:
        """``_sample`` of one parameter, served from the trial's batch when valid."""
        cache = self._cache(study, history)
        batch = cache.batch
        if batch.note(trial._trial_id, name, dist):
            batch.reset(trial._trial_id, -1)
            order = batch.predicted()
            if order and not self._others_running(study, trial):
                seeds = self._peek_seeds(len(order))
                minimize = [d == StudyDirection.MINIMIZE for d in study.directions]
                with cache.lock:
                    newest = study._get_trial_history()
                    entries = propose_batch(
                        cache, newest, order, seeds, minimize, self._incremental_above
                    )
                    if entries:
                        batch.reset(trial._trial_id, newest.n)
                        batch.entries = entries
        seed = self._next_seed()
        if batch.entries and not self._others_running(study, trial):
            n = study._get_trial_history().n
            value = batch.take(trial._trial_id, n, name, dist, seed)
            if value is not MISSING:
                return value
        return self._sample(study, trial, {name: dist}, history, seed)[name]

    def _others_running(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether a running trial other than ``trial`` could be a constant-liar observation."""
        if not self._constant_liar:
            return False
        getter = getattr(study._storage, "get_running_trials", None)
        if getter is not None:
            running: list[FrozenTrial] = getter(study._study_id)
        else:
            running = study._storage.get_all_trials(
                study._study_id, deepcopy=False, states=(TrialState.RUNNING,)
            )
        return any(t.number != trial.number for t in running)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._random_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._constraints_func is not None and state in (
            TrialState.COMPLETE,
            TrialState.PRUNED,
        ):
            constraints = None
            try:
                con = self._constraints_func(trial)
                if np.any(np.isnan(np.asarray(con, dtype=np.float64))):
                    raise ValueError("Constraint values cannot be NaN.")
                if not isinstance(con, (tuple, list)):
                    warnings.warn(
                        f"Constraints should be a sequence of floats but got "
                        f"{type(con).__name__}.",
                        UserWarning,
                        stacklevel=2,
                    )
                constraints = tuple(float(c) for c in con)
            finally:
                study._storage.set_trial_system_attr(
                    trial._trial_id, _CONSTRAINTS_KEY, constraints
                )
        self._random_sampler.after_trial(study, trial, state, values)

    # -- the TPE step ------------------------------------------------------------------------
    def _running_params(self, trial: FrozenTrial, multivariate: bool) -> dict[str, Any]:
        if not multivariate:
            return trial.params
        chunks = []
        i = 0
        while chunk := trial.system_attrs.get(f"{_RELATIVE_PARAMS_KEY}:{i}"):
            chunks.append(chunk)
            i += 1
        if not chunks:
            return trial.params
        try:
            params: dict[str, Any] = json.loads("".join(chunks))
        except json.JSONDecodeError:
            return trial.params
        params.update(trial.params)
        return params

    def _running_observations(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> tuple[FloatArray, IntArray]:
        d = len(search_space)
        if not self._constant_liar:
            return np.empty((0, d)), np.empty(0, dtype=np.int64)
        storage = study._storage
        getter = getattr(storage, "get_running_trials", None)
        if getter is not None:
            running: list[FrozenTrial] = getter(study._study_id)
        else:
            running = storage.get_all_trials(
                study._study_id, deepcopy=False, states=(TrialState.RUNNING,)
            )
        multivariate = self._is_multivariate(study)
        rows: list[list[float]] = []
        numbers: list[int] = []
        for t in running:
            if t.number == trial.number:
                continue
            params = self._running_params(t, multivariate)
            if not search_space.keys() <= params.keys():
                continue
            try:
                rows.append([dist.to_internal_repr(params[n]) for n, dist in search_space.items()])
            except (ValueError, TypeError):
                continue
            numbers.append(t.number)
        if not rows:
            return np.empty((0, d)), np.empty(0, dtype=np.int64)
        return np.asarray(rows, dtype=np.float64), np.asarray(numbers, dtype=np.int64)

    def _split(
        self, study: Study, cache: StudyCache, history: TrialHistory, trial: FrozenTrial
    ) -> tuple[IntArray, IntArray]:
        key = (trial.number, history.n)
        if cache.split_cache is not None and cache.split_cache[0] == key:
            return cache.split_cache[1]
        states = history.states
        n_finished = int(np.count_nonzero((states == _COMPLETE_INT) | (states == _PRUNED_INT)))
        gamma_value = self._gamma_func(study)(n_finished)
        try:
            n_below = int(gamma_value)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(
                f"`gamma({n_finished})` must return an integer, but returned {gamma_value!r}."
            ) from e
        minimize = [d == StudyDirection.MINIMIZE for d in study.directions]
        below, above_mask = split_history(history, n_below, minimize)
        perm = cache.rows_by_number(history)
        above = perm[above_mask[perm]]
        below = below[np.argsort(history.numbers[below], kind="stable")]
        cache.split_cache = (key, (below, above))
        return below, above

    def _sample(
        self,
        study: Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        history: TrialHistory | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        cache = self._cache(study, history)
        names = list(search_space)
        dists = [search_space[n] for n in names]
        extra, extra_numbers = self._running_observations(study, trial, search_space)
        if seed is None:
            seed = self._next_seed()
        with cache.lock:
            history = study._get_trial_history()  # newest snapshot, monotone under the lock
            if (
                _SPLIT_IN_RUST
                and extra_numbers.shape[0] == 0
                and self._gamma is None
                and self._weights is default_weights
            ):
                proposed = self._propose_split(study, cache, history, names, dists, seed)
                if proposed is not None:
                    return proposed
            below, above = self._split(study, cache, history, trial)
            plan = cache.plan(names, dists)
            columns = [np.ascontiguousarray(history.param(n)) for n in names]
            for sc, col in zip(plan.sorted, columns, strict=True):
                if sc is not None:
                    sc.sync(col)
            # Trials lacking one of the params are left out; a synced sorted column holds
            # the non-NaN rows, so only columns with gaps need gathers.
            gappy = [
                col
                for col, sc in zip(columns, plan.sorted, strict=True)
                if (len(sc) != sc.n_seen if sc is not None else bool(np.isnan(col).any()))
            ]
            if gappy:
                has_all_below = np.ones(below.shape[0], dtype=bool)
                has_all_above = np.ones(above.shape[0], dtype=bool)
                for col in gappy:
                    has_all_below &= ~np.isnan(col[below])
                    has_all_above &= ~np.isnan(col[above])
                below = below[has_all_below]
                above = above[has_all_above]
            below_obs = (
                np.column_stack([col[below] for col in columns])
                if below.size
                else np.empty((0, len(names)))
            )
            if study._is_multi_objective():
                below_w = np.ones(below.shape[0])
            else:
                below_w = _call_weights(self._weights, below.shape[0])
            row_w, extra_w = self._above_weights(history.numbers[above], extra_numbers)
            best, candidates, _, _, _ = _core.tpe_propose(
                space=plan.space,
                below={
                    "obs": np.ascontiguousarray(below_obs, dtype=np.float64),
                    "weights": below_w,
                },
                above={
                    "columns": columns,
                    "sorted": plan.sorted,
                    "rows": above,
                    "row_weights": row_w,
                    "extra": np.ascontiguousarray(extra, dtype=np.float64),
                    "extra_weights": extra_w,
                },
                seed=seed,
                above_state=plan.above if self._incremental_above else None,
            )
        return {
            name: dist.to_external_repr(float(candidates[best, j]))
            for j, (name, dist) in enumerate(zip(names, dists, strict=True))
        }

    def _propose_split(
        self,
        study: Study,
        cache: StudyCache,
        history: TrialHistory,
        names: list[str],
        dists: list[BaseDistribution],
        seed: int,
    ) -> dict[str, Any] | None:
        """The whole TPE step in one Rust call; ``None`` outside the common case."""
        plan = cache.plan(names, dists)
        params = history.materialize()._params
        try:
            columns = [params[name] for name in names]
        except KeyError:  # never seen in a finished trial
            return None
        values = _core.tpe_propose_split(
            space=plan.space,
            history={
                "n": history.n,
                "states": history._states,
                "values": history._values,
                "violation": history._violation,
                "numbers": history._numbers,
                "columns": columns,
                "minimize": [d == StudyDirection.MINIMIZE for d in study.directions],
            },
            state={
                "sorted": plan.sorted,
                "split": cache.split_state,
                "above": plan.above if self._incremental_above else None,
            },
            seed=seed,
        )
        if values is None:
            return None
        if plan.floats_only:
            return dict(zip(names, values, strict=True))
        return {
            name: dist.to_external_repr(v)
            for name, dist, v in zip(names, dists, values, strict=True)
        }

    def _above_weights(
        self, row_numbers: IntArray, extra_numbers: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Weights of the above set in trial-number order, split into rows and extras."""
        n_rows, n_extra = row_numbers.shape[0], extra_numbers.shape[0]
        w = _call_weights(self._weights, n_rows + n_extra)
        if n_extra == 0:
            return w, np.empty(0)
        order = np.argsort(extra_numbers, kind="stable")
        pos = np.searchsorted(row_numbers, extra_numbers[order]) + np.arange(n_extra)
        is_extra = np.zeros(n_rows + n_extra, dtype=bool)
        is_extra[pos] = True
        extra_w = np.empty(n_extra)
        extra_w[order] = w[pos]
        return np.ascontiguousarray(w[~is_extra]), extra_w
