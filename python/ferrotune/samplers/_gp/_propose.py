"""One GPSampler proposal: read the history, fit the GPs, build and maximise the
acquisition function (Optuna 5.0's ``GPSampler._sample_relative_impl``)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ferrotune import _core
from ferrotune.samplers._gp._pareto import box_bounds, pareto_mask, per_sample_box_bounds
from ferrotune.samplers._gp._sampler import (
    EPS,
    KERNEL_PARAMS_KEY,
    _get_params,
    curvature_from_list,
    direction_signs,
    kernel_params_from_list,
    kernel_params_to_list,
    standardize,
    warm_start,
    write_chunked,
)
from ferrotune.samplers._gp._search_space import GPSearchSpace
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.distributions import BaseDistribution
    from ferrotune.samplers._gp._sampler import GPSampler
    from ferrotune.storages._history import TrialHistory
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial

FloatArray = npt.NDArray[np.float64]
_MAX_QMC_SEED = 1 << 30


def _space_key(search_space: dict[str, BaseDistribution]) -> str:
    text = "|".join(f"{name}={dist!r}" for name, dist in search_space.items())
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class _Fitter:
    """Fits GPs on one set of inputs, warm-started from stored parameters."""

    def __init__(self, sampler: GPSampler, x: FloatArray, space: GPSearchSpace) -> None:
        self.sampler = sampler
        self.x = x
        self.space = space
        self.options = _core.GPFitOptions(deterministic_objective=sampler._deterministic)

    def fit(self, y: FloatArray, initial: Any, curvature: Any) -> _core.GPModel:
        model, _ = _core.gp_fit_kernel_params(
            x=self.x,
            y=np.ascontiguousarray(y, dtype=np.float64),
            is_categorical=self.space.is_categorical,
            initial=kernel_params_from_list(initial, self.space.dim),
            options=self.options,
            curvature=curvature_from_list(curvature),
        )
        return model

    def fit_all(
        self, ys: FloatArray, stored: list[Any], curvatures: list[Any]
    ) -> list[_core.GPModel]:
        return [
            self.fit(
                ys[:, i],
                stored[i] if i < len(stored) else None,
                curvatures[i] if i < len(curvatures) else None,
            )
            for i in range(ys.shape[1])
        ]


def _pareto_starts(
    sampler: GPSampler, x: FloatArray, y: FloatArray, rng: np.random.RandomState
) -> FloatArray:
    front = x[pareto_mask(-y)]
    size = min(sampler._n_local_search // 2, len(front))
    return front[rng.choice(len(front), size=size, replace=False)]


def _running_points(
    study: Study, trial: FrozenTrial, space: GPSearchSpace, search_space: dict[str, Any]
) -> FloatArray | None:
    running = study._get_trials(deepcopy=False, states=(TrialState.RUNNING,), use_cache=False)
    params = [
        p
        for t in running
        if t.number != trial.number and search_space.keys() <= (p := _get_params(t)).keys()
    ]
    return space.normalize_params(params) if params else None


def running_fantasies(
    models: list[_core.GPModel], x_running: FloatArray, samples: list[FloatArray]
) -> FloatArray:
    """Fantasy values at the running points, ``(S, r, n_objectives)``."""
    return np.stack(
        [
            _core.gp_fantasies(model=m, x_running=x_running, qmc_samples=s)
            for m, s in zip(models, samples, strict=True)
        ],
        axis=-1,
    )


def _q_log_ehvi(
    models: list[_core.GPModel],
    y: FloatArray,
    x_running: FloatArray,
    cons: list[tuple[_core.GPModel, float]],
    sampler: GPSampler,
    rng: np.random.RandomState,
) -> _core.GPAcqf:
    """Optuna's qLogEHVI / qLogCEHVI: per QMC sample, the (feasible) history plus that
    sample's fantasies (only those all constraints' fantasies deem feasible)."""
    base = int(rng.randint(_MAX_QMC_SEED))
    xr = np.ascontiguousarray(x_running)

    def qmc(seed: int) -> FloatArray:
        return _core.gp_normal_qmc_samples(
            n_samples=sampler._n_qmc_samples_ehvi, dim=len(xr) + 1, seed=seed
        )

    samples = [qmc(base + i) for i in range(len(models))]
    fantasies = running_fantasies(models, xr, samples)
    constraints = [(m, t, qmc(base + len(models) + i)) for i, (m, t) in enumerate(cons)]
    feasible = np.ones(fantasies.shape[:2], dtype=bool)
    for m, t, q in constraints:
        feasible &= _core.gp_fantasies(model=m, x_running=xr, qmc_samples=q) >= t
    lower, widths = per_sample_box_bounds(
        y, [f[ok] for f, ok in zip(fantasies, feasible, strict=True)]
    )
    return _core.GPAcqf.q_log_ehvi(
        models=models,
        x_running=xr,
        qmc_samples=samples,
        boxes=(lower, widths),
        constraints=constraints,
    )


def propose(
    sampler: GPSampler,
    study: Study,
    trial: FrozenTrial,
    search_space: dict[str, BaseDistribution],
    history: TrialHistory,
) -> dict[str, Any]:
    """The relative parameters GPSampler proposes for ``trial`` (``{}``: none)."""
    space = GPSearchSpace(search_space)
    rows = np.flatnonzero(history.states == int(TrialState.COMPLETE))
    columns = [history.param(name)[rows] for name in space.names]
    present = np.all(np.isfinite(np.array(columns)), axis=0) if columns else np.ones(0, bool)
    rows = rows[present]
    if len(rows) == 0:
        return {}
    rows = rows[np.argsort(history.numbers[rows], kind="stable")]
    x = np.ascontiguousarray(
        space.normalize_internal([history.param(n)[rows] for n in space.names])
    )
    y, _, _ = standardize(history.values[rows] * direction_signs(study))
    n_obj = y.shape[1]
    rng = sampler._trial_rng(trial)
    key = _space_key(search_space)
    stored = warm_start(history, key) or {}
    fitter = _Fitter(sampler, x, space)
    models = fitter.fit_all(y, stored.get("objectives", []), stored.get("objective_curvature", []))

    constraints = sampler._constraints(history, rows)
    constrained = any(len(c) > 0 for c in constraints)
    cons: list[tuple[_core.GPModel, float]] = []
    feasible = np.ones(len(rows), dtype=bool)
    if constrained:
        if any(len(c) != len(constraints[0]) for c in constraints):
            raise ValueError("The number of constraints must be the same for all trials.")
        cvals = np.array(constraints, dtype=np.float64)
        feasible = np.all(cvals <= 0, axis=1)
        cstd, means, stds = standardize(-cvals)
        thresholds = (-means / np.maximum(EPS, stds)).tolist()
        cmodels = fitter.fit_all(
            cstd, stored.get("constraints", []), stored.get("constraint_curvature", [])
        )
        cons = list(zip(cmodels, thresholds, strict=True))
    x_running = _running_points(study, trial, space, search_space)

    best: FloatArray | None
    if n_obj == 1:
        yk = np.where(feasible, y[:, 0], -np.inf)
        i_opt = int(np.argmax(yk))
        threshold = float(yk[i_opt])
        best = None if np.isneginf(threshold) else x[i_opt : i_opt + 1]
        if x_running is None:
            acqf = _core.GPAcqf.log_ei(model=models[0], threshold=threshold, constraints=cons)
        else:
            qmc_seed = int(rng.randint(_MAX_QMC_SEED))

            def qmc(offset: int) -> FloatArray:
                assert x_running is not None
                return _core.gp_normal_qmc_samples(
                    n_samples=sampler._n_qmc_samples_qei,
                    dim=len(x_running) + 1,
                    seed=qmc_seed + offset,
                )

            # Constraint i draws its own samples (seed + i + 1), as Optuna's qLogCEI.
            acqf = _core.GPAcqf.q_log_ei(
                model=models[0],
                threshold=threshold,
                x_running=np.ascontiguousarray(x_running),
                qmc_samples=qmc(0),
                constraints=[(m, t, qmc(i + 1)) for i, (m, t) in enumerate(cons)],
            )
    else:
        y_use, x_use = y[feasible], x[feasible]
        if len(y_use):
            lower, intervals = box_bounds(y_use)
            best = _pareto_starts(sampler, x_use, y_use, rng)
        else:
            lower = intervals = np.empty((0, n_obj))
            best = None
        samples = _core.gp_normal_qmc_samples(
            n_samples=sampler._n_qmc_samples_ehvi, dim=n_obj, seed=int(rng.randint(_MAX_QMC_SEED))
        )
        if x_running is not None and len(y_use):
            acqf = _q_log_ehvi(models, y_use, x_running, cons, sampler, rng)
        else:
            # No feasible point yet: the constraints' marginal logPI alone (Optuna: the
            # expectation over running fantasies reduces to it).
            acqf = _core.GPAcqf.log_ehvi(
                models=models,
                box_lower_bounds=lower,
                box_intervals=intervals,
                qmc_samples=samples,
                constraints=cons,
            )
    warm = np.ascontiguousarray(best if best is not None else np.empty((0, space.dim)))
    point, _ = acqf.optimize(
        dims=space.core_dims,
        warmstart=warm,
        seed=int(rng.randint(0, 2**62, dtype=np.int64)),
        options=_core.GPOptimizerOptions(
            n_preliminary_samples=sampler._n_preliminary_samples,
            n_local_search=sampler._n_local_search,
            tol=sampler._tol,
        ),
    )
    state = {
        "space": key,
        "objectives": [kernel_params_to_list(m.params) for m in models],
        "constraints": [kernel_params_to_list(m.params) for m, _ in cons],
        # The fits' L-BFGS memory: the next fit starts from it (fewer evaluations), and a
        # resumed study reads it back, so it proposes what an uninterrupted run would.
        "objective_curvature": [m.fit_curvature for m in models],
        "constraint_curvature": [m.fit_curvature for m, _ in cons],
    }
    write_chunked(study, trial, KERNEL_PARAMS_KEY, json.dumps(state))
    return space.unnormalize(point)
