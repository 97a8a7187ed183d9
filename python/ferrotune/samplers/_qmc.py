"""Quasi-Monte Carlo sampling (Sobol' / Halton sequences of ``scipy.stats.qmc``)."""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
)
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.logging import get_logger
from ferrotune.samplers._base import INDEPENDENT_SAMPLING_WARNING_TEMPLATE, BaseSampler
from ferrotune.samplers._lock import Factories, PicklableLocksMixin, reset_to_none
from ferrotune.samplers._random import RandomSampler, _check_seed
from ferrotune.samplers.nsgaii._population import NumericalTransform
from ferrotune.trial._frozen import FrozenTrial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)
_SUGGESTED = np.array([int(TrialState.COMPLETE), int(TrialState.PRUNED)], dtype=np.int8)
# scipy's Sobol engine shares state between threads while it is being built.
_ENGINE_LOCK = threading.Lock()


def _scipy_qmc() -> ModuleType:
    try:
        return importlib.import_module("scipy.stats.qmc")
    except ImportError as e:  # pragma: no cover - scipy is a test dependency
        raise ImportError(
            "QMCSampler needs scipy (scipy.stats.qmc). Install it with `pip install scipy`."
        ) from e


class QMCSampler(PicklableLocksMixin, BaseSampler):
    """Sample from a Sobol' or Halton low-discrepancy sequence (``scipy.stats.qmc``).

    The ``k``-th trial takes the ``k``-th point of the sequence; the index is counted in the
    study's system attributes under Optuna's key, so parallel workers with the same seed
    share one sequence. The search space is the first trial's; other parameters go to the
    independent sampler.

    Parameters
    ----------
    qmc_type
        ``"sobol"`` or ``"halton"``.
    scramble
        Scramble the sequence (randomised QMC); the seed then selects the scrambling.
    seed
        Seed of the scrambling and of the default independent sampler.
    independent_sampler
        Sampler for the first trial and for parameters outside the search space;
        :class:`~ferrotune.samplers.RandomSampler` when ``None``.
    warn_asynchronous_seeding
        Log a warning when ``scramble=True`` without a seed.
    warn_independent_sampling
        Log a warning when a parameter is sampled by the independent sampler.
    """

    _PROCESS_CACHES: ClassVar[Factories] = {"_engine": reset_to_none, "_engine_key": reset_to_none}

    def __init__(
        self,
        *,
        qmc_type: str = "sobol",
        scramble: bool = False,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        warn_asynchronous_seeding: bool = True,
        warn_independent_sampling: bool = True,
    ) -> None:
        warnings.warn(
            "QMCSampler is experimental (supported from v3.0.0). "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        if qmc_type not in ("halton", "sobol"):
            raise ValueError(f"The `{qmc_type=}` is invalid. Choose either `halton` or `sobol`.")
        if not isinstance(scramble, bool):
            raise TypeError(f"`scramble` must be a bool, but got {scramble!r}.")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                f"`independent_sampler` must be a BaseSampler, but got {independent_sampler!r}."
            )
        seed = _check_seed(seed)
        self._qmc_type = qmc_type
        self._scramble = scramble
        self._seed: int = int(np.random.PCG64().random_raw()) if seed is None else seed
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        if seed is None and scramble and warn_asynchronous_seeding:
            _logger.warning(
                "No seed is provided for `QMCSampler` and the seed is set randomly. "
                "If you are running multiple `QMCSampler`s in parallel and/or distributed "
                " environment, the same seed must be used in all samplers to ensure that "
                "resulting samples are taken from the same QMC sequence. "
            )
        self._create_locks()
        self._study_key: tuple[int, int] | None = None
        self._cursor = 0
        self._first: tuple[int, dict[str, BaseDistribution]] | None = None
        self._engine: Any = None
        self._engine_key: tuple[str, int] | None = None
        self._engine_next = 0
        self._transforms: dict[tuple[tuple[str, BaseDistribution], ...], NumericalTransform] = {}

    def reseed_rng(self) -> None:
        # The sequence seed must stay: every worker has to draw from the same sequence.
        self._independent_sampler.reseed_rng()

    # -- search space ------------------------------------------------------------------------
    def _first_trial_space(self, study: Study) -> dict[str, BaseDistribution] | None:
        """Distributions of the lowest-numbered COMPLETE/PRUNED trial (incremental)."""
        key = (id(study._storage), study._study_id)
        if key != self._study_key:
            self._study_key, self._cursor, self._first = key, 0, None
        history = study._get_trial_history()
        if history.n > self._cursor:
            new = np.arange(self._cursor, history.n)
            new = new[np.isin(history.states[new], _SUGGESTED)]
            if new.size:
                row = int(new[np.argmin(history.numbers[new])])
                number = int(history.numbers[row])
                if self._first is None or number < self._first[0]:
                    self._first = (number, dict(history.trials[row].distributions))
            self._cursor = history.n
        return None if self._first is None else dict(self._first[1])

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        with self._lock:
            space = self._first_trial_space(study)
        if space is not None:
            return space
        running = study._storage.get_running_trials(study._study_id)
        union: dict[str, BaseDistribution] = {}
        common: set[str] | None = None
        for t in running:
            dists = t.distributions
            union.update(dists)
            if common is None:
                common = set(dists)
            elif dists:
                common &= set(dists)
        if common is not None and common != set(union):
            _logger.warning(
                "`QMCSampler` assumes that the search space does not include any conditions. "
                "Please make sure the provided search space is non-conditional."
            )
        return union

    # -- sampling ----------------------------------------------------------------------------
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        categorical = {
            name: dist
            for name, dist in search_space.items()
            if isinstance(dist, CategoricalDistribution)
        }
        # A categorical takes one coordinate scaled to [0, C); flooring gives a uniform index.
        space: dict[str, BaseDistribution] = {
            name: FloatDistribution(0, len(d.choices))
            if isinstance(d, CategoricalDistribution)
            else d
            for name, d in search_space.items()
        }
        with self._lock:
            point = self._sample_qmc(study, search_space)
            transform = self._transform(space)
        low, high = transform.bounds[:, 0], transform.bounds[:, 1]
        params = transform.untransform(low + point * (high - low))
        for name, dist in categorical.items():
            params[name] = dist.to_external_repr(int(params[name]))
        return params

    def _transform(self, space: dict[str, BaseDistribution]) -> NumericalTransform:
        key = tuple(space.items())
        transform = self._transforms.get(key)
        if transform is None:
            transform = NumericalTransform(space)
            self._transforms[key] = transform
        return transform

    def _sample_key(self, study: Study, search_space: dict[str, BaseDistribution]) -> str:
        described = {name: str(dist) for name, dist in sorted(search_space.items())}
        variables: dict[str, Any] = {"qmc_type": self._qmc_type, "search_space": described}
        if self._scramble:
            variables.update(scramble=True, seed=self._seed)
        else:
            variables.update(scramble=False)
        return "qmc:" + hashlib.sha256(json.dumps(variables).encode()).hexdigest()

    def _sample_qmc(self, study: Study, search_space: dict[str, BaseDistribution]) -> np.ndarray:
        qmc = _scipy_qmc()
        key = self._sample_key(study, search_space)
        storage = study._storage
        # Like Optuna: read-increment-write of the counter (each index is drawn at least once).
        sample_id = storage.get_study_system_attrs(study._study_id).get(key, -1) + 1
        storage.set_study_system_attr(study._study_id, key, sample_id)
        dim = len(search_space)
        engine_key = (key, dim)
        if (
            self._engine is None
            or self._engine_key != engine_key
            or self._engine_next != sample_id
        ):
            with _ENGINE_LOCK:
                if self._qmc_type == "halton":
                    engine = qmc.Halton(dim, seed=self._seed, scramble=self._scramble)
                else:
                    engine = qmc.Sobol(dim, seed=self._seed, scramble=self._scramble)
            if sample_id > 0:
                engine.fast_forward(sample_id)
            self._engine, self._engine_key = engine, engine_key
        sample: np.ndarray = np.asarray(self._engine.random(1), dtype=np.float64)[0]
        self._engine_next = sample_id + 1
        return sample

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling:
            with self._lock:
                has_first = self._first_trial_space(study) is not None
            if has_first:
                _logger.warning(
                    INDEPENDENT_SAMPLING_WARNING_TEMPLATE.format(
                        param_name=param_name,
                        trial_number=trial.number,
                        independent_sampler_name=type(self._independent_sampler).__name__,
                        sampler_name=type(self).__name__,
                        fallback_reason="dynamic search space is not supported by `QMCSampler`",
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
        self._independent_sampler.after_trial(study, trial, state, values)
