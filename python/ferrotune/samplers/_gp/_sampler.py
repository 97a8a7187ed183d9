"""GPSampler: Gaussian-process Bayesian optimisation with Optuna 5.0's semantics.

The history is read column by column (``storages/_history.py``); the fit and the
acquisition optimisation run in the Rust core with the interpreter lock released. The
fitted kernel parameters are stored on the trial they proposed (system attribute
``gp:kernel_params``) and the next proposal warm-starts from the latest stored ones, and
every proposal's random stream is derived from ``(seed, trial.number)``, so a study
resumed in a new process proposes what an uninterrupted run would have.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune._experimental import warn_experimental_argument
from ferrotune.distributions import BaseDistribution
from ferrotune.samplers._base import INDEPENDENT_SAMPLING_WARNING_TEMPLATE, BaseSampler
from ferrotune.samplers._lazy_random_state import LazyRandomState
from ferrotune.samplers._lock import Factories, PicklableLocksMixin
from ferrotune.samplers._random import RandomSampler
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

FloatArray = npt.NDArray[np.float64]
_logger = logging.getLogger(__name__)

EPS = 1e-10
_MINIMUM_NOISE = 1e-6
_RELATIVE_PARAMS_KEY = "gp:relative_params"
KERNEL_PARAMS_KEY = "gp:kernel_params"
_SYSTEM_ATTR_MAX_LENGTH = 2045
_SEED_MOD = 2**32


def standardize(values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Clip non-finite values to the finite range (warning as Optuna), then standardise."""
    finite = np.isfinite(values)
    if not np.all(finite):
        warnings.warn(
            "Clip non-finite values to the min/max finite values for GP fittings.",
            UserWarning,
            stacklevel=4,
        )
        any_finite = np.any(finite, axis=0)
        lo = np.where(any_finite, np.min(np.where(finite, values, np.inf), axis=0), 0.0)
        hi = np.where(any_finite, np.max(np.where(finite, values, -np.inf), axis=0), 0.0)
        values = np.clip(np.nan_to_num(values, nan=0.0), lo, hi)
    means = np.mean(values, axis=0)
    stds = np.std(values, axis=0)
    return (values - means) / np.maximum(EPS, stds), means, stds


def kernel_params_to_list(p: _core.GPKernelParams) -> list[Any]:
    return [p.inverse_squared_lengthscales.tolist(), p.kernel_scale, p.noise_var]


def kernel_params_from_list(raw: Any, dim: int) -> _core.GPKernelParams | None:
    try:
        ils, scale, noise = raw
        if len(ils) != dim:
            return None
        return _core.GPKernelParams(
            inverse_squared_lengthscales=np.asarray(ils, dtype=np.float64),
            kernel_scale=float(scale),
            noise_var=float(noise),
        )
    except (TypeError, ValueError):
        return None


def curvature_from_list(raw: Any) -> list[tuple[list[float], list[float]]] | None:
    """L-BFGS curvature pairs read back from a stored state (``None`` if malformed)."""
    try:
        return [([float(v) for v in s], [float(v) for v in y]) for s, y in raw]
    except (TypeError, ValueError):
        return None


def write_chunked(study: Study, trial: FrozenTrial, key: str, text: str) -> None:
    """Store ``text`` under ``key:0``, ``key:1``, ... (RDB caps one attribute's length)."""
    for i in range(0, max(len(text), 1), _SYSTEM_ATTR_MAX_LENGTH):
        study._storage.set_trial_system_attr(
            trial._trial_id,
            f"{key}:{i // _SYSTEM_ATTR_MAX_LENGTH}",
            text[i : i + _SYSTEM_ATTR_MAX_LENGTH],
        )


def read_chunked(system_attrs: dict[str, Any], key: str) -> str | None:
    """The text :func:`write_chunked` stored under ``key``, or ``None``."""
    chunks = []
    i = 0
    while isinstance(chunk := system_attrs.get(f"{key}:{i}"), str) and chunk:
        chunks.append(chunk)
        i += 1
    return "".join(chunks) if chunks else None


def _get_params(trial: FrozenTrial) -> dict[str, Any]:
    """Parameters of ``trial``, with the relative ones another process stored for it."""
    if trial.state.is_finished():
        return trial.params
    text = read_chunked(trial.system_attrs, _RELATIVE_PARAMS_KEY)
    if text is None:
        return trial.params
    params: dict[str, Any] = json.loads(text)
    params.update(trial.params)
    return params


def _empty_cache() -> dict[int, tuple[Any, list[tuple[float, ...]]]]:
    return {}


class GPSampler(PicklableLocksMixin, BaseSampler):
    """Sampler using Gaussian-process Bayesian optimisation (Optuna 5.0's ``GPSampler``).

    A Matérn-5/2 ARD kernel (Hamming distance on categorical parameters) is fitted by MAP
    with Optuna's priors; the next point maximises logEI (one objective), logEHVI
    (several), their constrained forms when trials carry constraints, or q-batch logEI
    over running trials. No torch or scipy is needed: the maths runs in Rust.

    Parameters
    ----------
    seed
        Seed of the sampler's random streams (``None``: random).
    independent_sampler
        Sampler for the startup trials and for parameters outside the relative search
        space (default: ``RandomSampler`` with the same seed).
    n_startup_trials
        Completed trials before the GP is used.
    deterministic_objective
        Fix the observation noise at its minimum (experimental, as in Optuna).
    constraints_func
        Deprecated since 5.0.0: use ``Trial.set_constraint``. Returns constraint values of
        a finished trial (feasible when all are ``<= 0``).
    warn_independent_sampling
        Warn when a parameter is sampled by the independent sampler after startup.
    """

    _PROCESS_CACHES: ClassVar[Factories] = {"_constraint_cache": _empty_cache}

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        warn_independent_sampling: bool = True,
    ) -> None:
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
        ):
            raise TypeError(f"`seed` must be an int or None, got {seed!r}.")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                "`independent_sampler` must be a BaseSampler or None, "
                f"got {independent_sampler!r}."
            )
        if isinstance(n_startup_trials, bool) or not isinstance(
            n_startup_trials, (int, np.integer)
        ):
            raise TypeError(f"`n_startup_trials` must be an int, got {n_startup_trials!r}.")
        if n_startup_trials < 0:
            raise ValueError(f"`n_startup_trials` must be >= 0, got {n_startup_trials}.")
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(
                f"`constraints_func` must be callable or None, got {constraints_func!r}."
            )
        # The per-trial streams derive from ``_seed`` and the trial number (resumable);
        # ``_rng`` is the LazyRandomState Optuna's samplers expose, reseeded with it.
        self._rng = LazyRandomState(None if seed is None else int(seed) % _SEED_MOD)
        self._seed = int(self._rng.rng.randint(_SEED_MOD, dtype=np.int64))
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._intersection_search_space = IntersectionSearchSpace()
        self._n_startup_trials = int(n_startup_trials)
        self._deterministic = bool(deterministic_objective)
        self._constraints_func = constraints_func
        self._warn_independent_sampling = bool(warn_independent_sampling)
        if constraints_func is not None:
            warnings.warn(
                "`constraints_func` has been deprecated in v5.0.0. This feature will be removed "
                "in v7.0.0. See https://github.com/optuna/optuna/releases/tag/v5.0.0. "
                "Use `optuna.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if deterministic_objective:
            warn_experimental_argument("deterministic_objective")
        self._n_preliminary_samples = 2048
        self._n_local_search = 10
        self._tol = 1e-4
        self._n_qmc_samples_qei = 128
        self._n_qmc_samples_ehvi = 128
        # Constraint values per history row (rows never change), shared by worker threads.
        self._constraint_cache = _empty_cache()
        self._create_locks()

    def reseed_rng(self) -> None:
        """Draw a new random seed (and reseed the independent sampler)."""
        self._rng.rng.seed()
        self._seed = int(self._rng.rng.randint(_SEED_MOD, dtype=np.int64))
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """The intersection search space of completed trials, minus single-value params."""
        return {
            name: dist
            for name, dist in self._intersection_search_space.calculate(study).items()
            if not dist.single()
        }

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Sample with the independent sampler (warning after the startup trials)."""
        if self._warn_independent_sampling:
            history = study._get_trial_history()
            if history.count(TrialState.COMPLETE) >= self._n_startup_trials:
                _logger.warning(
                    INDEPENDENT_SAMPLING_WARNING_TEMPLATE.format(
                        param_name=param_name,
                        trial_number=trial.number,
                        independent_sampler_name=self._independent_sampler.__class__.__name__,
                        sampler_name=self.__class__.__name__,
                        fallback_reason="dynamic search space is not supported by GPSampler",
                    )
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Forward to the independent sampler."""
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Store ``constraints_func`` values (if any), then forward."""
        if self._constraints_func is not None:
            from ferrotune.samplers.nsgaii._sampler import _store_constraints

            _store_constraints(self._constraints_func, study, trial, state)
        self._independent_sampler.after_trial(study, trial, state, values)

    # -- relative sampling -------------------------------------------------------------------
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Propose the search-space parameters by maximising the acquisition function."""
        if not search_space:
            return {}
        history = study._get_trial_history()
        n_complete = history.count(TrialState.COMPLETE)
        if n_complete < self._n_startup_trials or n_complete == 0:
            return {}
        from ferrotune.samplers._gp._propose import propose

        params = propose(self, study, trial, search_space, history)
        if params:
            # Share the proposal with other processes (running trials, as Optuna does).
            write_chunked(study, trial, _RELATIVE_PARAMS_KEY, json.dumps(params))
        return params

    # -- helpers used by _propose ------------------------------------------------------------
    def _trial_rng(self, trial: FrozenTrial) -> np.random.RandomState:
        return np.random.RandomState((self._seed + 1_000_003 * (trial.number + 1)) % _SEED_MOD)

    def _constraints(
        self, history: TrialHistory, rows: npt.NDArray[np.int64]
    ) -> list[tuple[float, ...]]:
        """Constraint values of ``rows`` (cached per history row: rows never change)."""
        key = id(history.root)
        cached = self._constraint_cache.get(key)
        if cached is None or cached[0] is not history.root:
            cached = (history.root, [])
            self._constraint_cache = {key: cached}
        values = cached[1]
        if len(values) < history.n:
            values.extend(tuple(t.constraints.values()) for t in history.trials_from(len(values)))
        return [values[r] for r in rows]


def warm_start(history: TrialHistory, space_key: str) -> dict[str, Any] | None:
    """The kernel parameters stored by the latest finished proposal over ``space_key``."""
    trials = history.trials
    order = np.argsort(history.numbers, kind="stable")
    for row in order[::-1][:64]:
        raw = read_chunked(trials[int(row)].system_attrs, KERNEL_PARAMS_KEY)
        if raw is None:
            continue
        try:
            state = json.loads(raw)
        except ValueError:
            continue
        if isinstance(state, dict) and state.get("space") == space_key:
            return state
    return None


def direction_signs(study: Study) -> FloatArray:
    return np.array(
        [-1.0 if d == StudyDirection.MINIMIZE else 1.0 for d in study.directions],
        dtype=np.float64,
    )
