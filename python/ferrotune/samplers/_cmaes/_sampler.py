"""CMA-ES sampler backed by the native Rust CMA-ES (``ferrotune._core.CmaEsOptimizer``)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ferrotune import logging
from ferrotune._core import CmaEsOptimizer
from ferrotune.distributions import BaseDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._base import INDEPENDENT_SAMPLING_WARNING_TEMPLATE, BaseSampler
from ferrotune.samplers._cmaes._optimizer import (
    _Run,
    margin_steps,
    read_optimizer,
    warm_start,
    write_optimizer,
    x0_to_unit,
)
from ferrotune.samplers._cmaes._space import FloatArray, _Space
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none
from ferrotune.samplers._random import RandomSampler, _check_flag, _check_seed
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState
from ferrotune.trial._constraints import has_constraints

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study

_logger = logging.get_logger(__name__)

_EPS = 1e-10
_RESTART_STRATEGIES = (None, "ipop", "bipop")


def _warn_experimental(name: str) -> None:
    warnings.warn(
        f"Argument ``{name}`` is an experimental feature. The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )


def _check_count(name: str, value: Any, minimum: int) -> int:
    """An integer argument (numpy integers too) of at least ``minimum``, as a Python int."""
    if isinstance(value, bool) or not isinstance(value, (int, numbers.Integral)):
        raise TypeError(f"`{name}` must be an integer, but got {value!r:.200}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, but got {value!r}.")
    return int(value)


class CmaEsSampler(PicklableLocksMixin, BaseSampler):
    """A sampler using CMA-ES, implemented natively in Rust.

    Same interface and behaviour as Optuna's ``CmaEsSampler``: float and int parameters of
    the intersection search space are sampled jointly by CMA-ES in the unit cube (log and
    step handled through the internal representation); categorical parameters and
    parameters outside that space go to ``independent_sampler``. The optimizer state is
    stored, per generation, in the system attributes of the trial that performed the
    update, so several workers sharing a storage continue the same run and a resumed study
    continues rather than restarting. A changed search space starts a fresh optimizer.

    Parameters
    ----------
    x0
        Initial mean as external values ``{name: value}``; defaults to the centre of the
        search space. Every value must lie inside its distribution's bounds.
    sigma0
        Initial step size in the unit cube; defaults to ``1/6``. Must be positive.
    n_startup_trials
        Trials sampled by ``independent_sampler`` before CMA-ES starts.
    independent_sampler
        Sampler for parameters CMA-ES does not handle; ``RandomSampler(seed)`` by default.
    warn_independent_sampling
        Log a warning whenever a parameter is sampled independently.
    seed
        Seed; the same seed gives the same trials.
    consider_pruned_trials
        Use pruned trials (with their last intermediate value) in the updates.
    restart_strategy
        ``None``, ``"ipop"`` (restart with ``inc_popsize`` times larger populations) or
        ``"bipop"`` (alternating large and small populations) when the run stalls.
    popsize
        Population size; ``4 + floor(3 ln d)`` by default.
    inc_popsize
        Population multiplier of IPOP/BIPOP restarts.
    use_separable_cma
        Diagonal covariance (separable CMA-ES), linear time and memory per sample.
    with_margin
        CMA-ES with margin: keeps integer/stepped dimensions from fixing too early.
    lr_adapt
        Learning-rate adaptation (LRA-CMA-ES) for multimodal or noisy problems.
    source_trials
        Finished trials of a similar task to warm start from (WS-CMA-ES).
    """

    # Runs are keyed by ``id(storage)``: an index of this process only.
    _PROCESS_CACHES: ClassVar[Factories] = {"_runs": dict, "_last_run": reset_to_none}

    def __init__(
        self,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 1,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        *,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = None,
        popsize: int | None = None,
        inc_popsize: int = 2,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        source_trials: list[FrozenTrial] | None = None,
    ) -> None:
        seed = _check_seed(seed)
        if x0 is not None and not isinstance(x0, dict):
            raise TypeError(f"`x0` must be a dict of parameter values, got {x0!r}.")
        n_startup_trials = _check_count("n_startup_trials", n_startup_trials, 0)
        warn_independent_sampling = _check_flag(
            "warn_independent_sampling", warn_independent_sampling
        )
        consider_pruned_trials = _check_flag("consider_pruned_trials", consider_pruned_trials)
        use_separable_cma = _check_flag("use_separable_cma", use_separable_cma)
        with_margin = _check_flag("with_margin", with_margin)
        lr_adapt = _check_flag("lr_adapt", lr_adapt)
        if popsize is not None:
            popsize = _check_count("popsize", popsize, 2)
        if independent_sampler is not None and not callable(
            getattr(independent_sampler, "sample_independent", None)
        ):
            raise TypeError(
                "`independent_sampler` must be a BaseSampler or None, but got "
                f"{independent_sampler!r:.200}."
            )
        if source_trials is not None and (
            isinstance(source_trials, str | bytes)
            or not isinstance(source_trials, Sequence)
            or not all(isinstance(t, FrozenTrial) for t in source_trials)
        ):
            raise TypeError(
                f"`source_trials` must be a list of FrozenTrials, but got {source_trials!r:.200}."
            )
        if sigma0 is not None and (
            isinstance(sigma0, bool) or not isinstance(sigma0, (int, float, numbers.Real))
        ):
            raise TypeError(f"`sigma0` must be a positive number, got {sigma0!r:.200}.")
        if sigma0 is not None and not (isinstance(sigma0, (int, float)) and sigma0 > 0):
            raise ValueError(f"`sigma0` must be a positive number, got {sigma0!r}.")
        if sigma0 is not None and not math.isfinite(sigma0):
            raise ValueError(f"`sigma0` must be finite, got {sigma0!r}.")
        if restart_strategy not in _RESTART_STRATEGIES:
            raise ValueError(
                f"`restart_strategy` must be None, 'ipop' or 'bipop', got {restart_strategy!r}."
            )
        if popsize is not None and (isinstance(popsize, bool) or popsize < 2):
            raise ValueError(f"`popsize` must be an integer >= 2, got {popsize!r}.")
        if (
            isinstance(inc_popsize, bool)
            or not isinstance(inc_popsize, (int, numbers.Integral))
            or inc_popsize < 1
        ):
            raise ValueError(f"`inc_popsize` must be an integer >= 1, got {inc_popsize!r}.")
        inc_popsize = int(inc_popsize)
        if source_trials is not None and (x0 is not None or sigma0 is not None):
            raise ValueError(
                "It is prohibited to pass `source_trials` argument when x0 or sigma0 is specified."
            )
        if source_trials is not None and use_separable_cma:
            raise ValueError(
                "It is prohibited to pass `source_trials` argument when using separable CMA-ES."
            )
        if lr_adapt and (use_separable_cma or with_margin):
            raise ValueError(
                "It is prohibited to pass `use_separable_cma` or `with_margin` argument when "
                "using `lr_adapt`."
            )
        if use_separable_cma and with_margin:
            raise ValueError(
                "Currently, we do not support `use_separable_cma=True` and `with_margin=True`."
            )
        if consider_pruned_trials:
            _warn_experimental("consider_pruned_trials")
        if use_separable_cma:
            _warn_experimental("use_separable_cma")
        if source_trials is not None:
            _warn_experimental("source_trials")
        if with_margin:
            _warn_experimental("with_margin")
        if lr_adapt:
            _warn_experimental("lr_adapt")

        self._x0 = x0
        self._sigma0 = sigma0
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._n_startup_trials = n_startup_trials
        self._warn_independent_sampling = warn_independent_sampling
        self._cma_rng = np.random.RandomState(seed)
        self._search_space = IntersectionSearchSpace()
        self._consider_pruned_trials = consider_pruned_trials
        self._restart_strategy = restart_strategy
        self._popsize = popsize
        self._inc_popsize = inc_popsize
        self._use_separable_cma = use_separable_cma
        self._with_margin = with_margin
        self._lr_adapt = lr_adapt
        self._source_trials = source_trials
        if use_separable_cma:
            self._attr_prefix = "sepcma:"
        elif with_margin:
            self._attr_prefix = "cmawm:"
        else:
            self._attr_prefix = "cma:"
        self._create_locks()
        self._spaces: dict[tuple[tuple[str, BaseDistribution], ...], _Space] = {}
        self._last_space: tuple[dict[str, BaseDistribution], _Space] | None = None
        self._last_inferred: (
            tuple[dict[str, BaseDistribution], dict[str, BaseDistribution]] | None
        ) = None
        self._runs: dict[tuple[int, int, str], _Run] = {}
        self._key_cache: dict[str, tuple[str, str, str]] = {}
        # The run of the last trial: (storage, study id, space key, run).
        self._last_run: tuple[object, int, str, _Run] | None = None

    def reseed_rng(self) -> None:
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        # ``_shared`` hands out the same dict object until the space changes.
        space = self._search_space._shared(study)
        last = self._last_inferred
        if last is not None and last[0] is space:
            return dict(last[1])
        result: dict[str, BaseDistribution] = {
            name: dist
            for name, dist in space.items()
            if not dist.single() and isinstance(dist, (FloatDistribution, IntDistribution))
        }
        self._last_inferred = (space, result)
        return dict(result)

    # -- helpers ---------------------------------------------------------------------------
    def _keys(self, space: _Space) -> tuple[str, str, str]:
        """System-attr keys: generation, optimizer-state prefix, first state chunk."""
        keys = self._key_cache.get(space.key)
        if keys is None:
            base = f"{self._attr_prefix}{space.key}:"
            keys = (base + "generation", base + "optimizer", base + "optimizer:0")
            self._key_cache[space.key] = keys
        return keys

    def _n_completed(self, history: TrialHistory) -> int:
        n = history.count(TrialState.COMPLETE)
        if self._consider_pruned_trials:
            n += history.count(TrialState.PRUNED)
        return n

    def _space(self, search_space: dict[str, BaseDistribution]) -> _Space:
        last = self._last_space
        # Dict equality compares the values by identity first: no distribution ``__eq__``
        # when the trial has the same distribution objects as the last one (the usual case).
        if last is not None and last[0] == search_space:
            return last[1]
        key = tuple(search_space.items())
        space = self._spaces.get(key)
        if space is None:
            space = self._spaces[key] = _Space(search_space, transform_step=not self._with_margin)
        self._last_space = (dict(search_space), space)
        return space

    def _sync(self, study: Study, space: _Space, history: TrialHistory) -> _Run:
        """Index the trials finished since the last call (each row is visited once)."""
        last = self._last_run
        storage = study._storage
        if (
            last is not None
            and last[0] is storage
            and last[1] == study._study_id
            and last[2] == space.key
        ):
            run = last[3]
        else:
            run_key = (id(storage), study._study_id, space.key)
            found = self._runs.get(run_key)
            if found is None:
                found = self._runs[run_key] = _Run()
            run = found
            self._last_run = (storage, study._study_id, space.key, run)
        n = history.n
        if run.cursor >= n:
            return run
        gen_key, _, opt_key0 = self._keys(space)
        gen_rows = run.gen_rows
        for row, trial in enumerate(history.trials_from(run.cursor), run.cursor):
            attrs = trial.system_attrs
            generation = attrs.get(gen_key)
            if generation is None:
                continue
            rows = gen_rows.get(generation)
            if rows is None:
                gen_rows[generation] = [row]
            else:
                rows.append(row)
            if opt_key0 in attrs:
                number = trial.number
                if run.state is None or (generation, number) > run.state[:2]:
                    run.state = (generation, number, row)
        run.cursor = n
        return run

    def _restore(self, run: _Run, space: _Space, history: TrialHistory) -> CmaEsOptimizer | None:
        if run.state is None:
            return run.optimizer
        generation, _, row = run.state
        if run.optimizer is not None and run.optimizer.generation >= generation:
            return run.optimizer
        run.optimizer = read_optimizer(history.trials[row].system_attrs, self._keys(space)[1])
        return run.optimizer

    def _init_optimizer(self, space: _Space, direction: StudyDirection) -> CmaEsOptimizer:
        d = space.dim
        cov: FloatArray | None = None
        if self._source_trials is not None:
            mean, sigma0, cov = warm_start(
                space, self._source_trials, direction, self._consider_pruned_trials
            )
        else:
            mean = np.full(d, 0.5) if self._x0 is None else x0_to_unit(space, self._x0)
            sigma0 = self._sigma0 if self._sigma0 is not None else 1.0 / 6.0
        sigma0 = max(float(sigma0), _EPS)
        variant = "cma"
        if self._use_separable_cma:
            if d == 1:
                warnings.warn(
                    "Separable CMA-ES does not operate meaningfully on single-dimensional "
                    "search spaces. The setting `use_separable_cma=True` will be ignored.",
                    UserWarning,
                    stacklevel=4,
                )
            else:
                variant = "sepcma"
        steps: FloatArray | None = None
        if self._with_margin:
            variant = "cmawm"
            steps = margin_steps(space)
        return CmaEsOptimizer(
            mean,
            sigma0,
            bounds=np.tile([0.0, 1.0], (d, 1)),
            cov=cov,
            seed=int(self._cma_rng.randint(1, 2**31 - 2)),
            popsize=self._popsize,
            variant=variant,
            lr_adapt=self._lr_adapt,
            steps=steps,
            n_max_resampling=10 * d,
            restart_strategy=self._restart_strategy,
            inc_popsize=self._inc_popsize,
        )

    def _solutions(
        self, run: _Run, opt: CmaEsOptimizer, space: _Space, history: TrialHistory, sign: float
    ) -> tuple[FloatArray, FloatArray] | None:
        rows_list = run.gen_rows.get(opt.generation)
        popsize = opt.population_size
        if rows_list is None or len(rows_list) < popsize:
            return None
        # A population is a handful of rows: plain Python over the finished trials beats a
        # dozen small numpy gathers here.
        trials = history.trials_at(rows_list)
        complete = TrialState.COMPLETE
        pruned = TrialState.PRUNED if self._consider_pruned_trials else None
        picked: list[tuple[int, float, FrozenTrial]] = []
        for t in trials:
            state = t.state
            if state == complete:
                assert t.values is not None
                picked.append((t.number, t.values[0], t))
            elif pruned is not None and state == pruned and t.intermediate_values:
                value = t.intermediate_values[max(t.intermediate_values)]
                if not math.isnan(value):
                    picked.append((t.number, value, t))
        if len(picked) < popsize:
            return None
        picked.sort(key=lambda item: item[0])
        del picked[popsize:]
        values = np.array([item[1] for item in picked], dtype=np.float64)
        if self._with_margin:
            x = np.array([t.system_attrs["x_for_tell"] for _, _, t in picked], dtype=np.float64)
        else:
            names = space.all_names
            internal = []
            for _, _, t in picked:
                ip = t._internal_params
                if ip is None:
                    ip = {
                        n: dist.to_internal_repr(t.params[n])
                        for n, dist in t.distributions.items()
                    }
                internal.append([ip[n] for n in names])
            x = space.transform(np.array(internal, dtype=np.float64))
        return x, sign * values

    # -- sampling --------------------------------------------------------------------------
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if study._is_multi_objective():
            raise ValueError(
                "If the study is being used for multi-objective optimization, "
                f"{self.__class__.__name__} cannot be used."
            )
        if not search_space:
            return {}
        history = study._get_trial_history()
        if self._n_completed(history) < self._n_startup_trials:
            return {}
        space = self._space(search_space)
        gen_key = self._keys(space)[0]
        sign = 1.0 if study._directions[0] == StudyDirection.MINIMIZE else -1.0
        storage = study._storage
        with self._lock:
            run = self._sync(study, space, history)
            opt = self._restore(run, space, history)
            if opt is None:
                opt = run.optimizer = self._init_optimizer(space, study.direction)
            solutions = self._solutions(run, opt, space, history, sign)
            if solutions is not None:
                opt.tell(*solutions)
                write_optimizer(storage, trial._trial_id, self._keys(space)[1], opt)
            generation = opt.generation
            if (
                run.batch_owner is None
                or run.batch_owner[0] is not opt
                or (run.batch_owner[1] != generation or not run.batch)
            ):
                # One batch of a whole population per generation: candidates of one
                # generation are i.i.d., so drawing them together changes nothing but the
                # per-trial cost. The trial number in the seed keeps workers that share a
                # storage (and a sampler seed) from drawing the same candidates.
                opt.reseed(int(self._cma_rng.randint(1, 2**16)) + trial.number)
                if self._with_margin:
                    x, raw = opt.ask_with_raw(opt.population_size)
                    run.batch_raw = raw[::-1].tolist()
                else:
                    x = opt.ask(opt.population_size)
                run.batch = space.untransform_rows(x[::-1])
                run.batch_owner = (opt, generation)
            params = run.batch.pop()
            if self._with_margin:
                x_for_tell = run.batch_raw.pop()
        if self._with_margin:
            storage.set_trial_system_attr(trial._trial_id, "x_for_tell", x_for_tell)
        storage.set_trial_system_attr(trial._trial_id, gen_key, generation)
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if study._is_multi_objective():
            raise ValueError(
                "If the study is being used for multi-objective optimization, "
                f"{self.__class__.__name__} cannot be used."
            )
        if self._warn_independent_sampling:
            history = study._get_trial_history()
            if self._n_completed(history) >= self._n_startup_trials:
                _logger.warning(
                    INDEPENDENT_SAMPLING_WARNING_TEMPLATE.format(
                        param_name=param_name,
                        trial_number=trial.number,
                        independent_sampler_name=self._independent_sampler.__class__.__name__,
                        sampler_name=self.__class__.__name__,
                        fallback_reason=(
                            "dynamic search space and `CategoricalDistribution` are not "
                            "supported by `CmaEsSampler`"
                        ),
                    )
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if trial.system_attrs and has_constraints(trial.system_attrs):
            warnings.warn(
                "Constraints have been set, but CmaEsSampler will not use them for optimization.",
                UserWarning,
                stacklevel=2,
            )
        self._independent_sampler.after_trial(study, trial, state, values)
