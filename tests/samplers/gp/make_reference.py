"""Compute GPSampler reference values with Optuna 5.0.0's ``optuna._gp`` and write them as JSON.

The committed output is ``tests/samplers/gp/data/optuna_gp_reference.json``; the schema (every
key, shape and convention) is documented in ``tests/samplers/gp/README.md``. This script is the
only thing that needs torch: the parity tests read the JSON and never import torch or Optuna's
private modules.

Regenerate (from the repository root) in a venv with optuna 5.0.0, torch (CPU) and scipy::

    python3 -m venv /tmp/venv-gp
    /tmp/venv-gp/bin/pip install optuna==5.0.0 scipy torch numpy
    /tmp/venv-gp/bin/python tests/samplers/gp/make_reference.py

The inputs are drawn from fixed numpy seeds, torch runs on one thread in float64, so the output
is reproducible up to floating-point summation order (expect ~1e-12 relative differences
between machines; the fitted kernel parameters, which come out of L-BFGS-B, may differ more).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import optuna
import torch
from optuna._gp import acqf as acqf_module
from optuna._gp import gp, prior
from optuna._gp.qmc import sample_from_normal_sobol
from optuna._gp.search_space import SearchSpace
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.samplers._gp.sampler import _standardize_values

OUT = Path(__file__).resolve().parent / "data" / "optuna_gp_reference.json"
MINIMUM_NOISE = prior.DEFAULT_MINIMUM_NOISE_VAR
N_QMC = 128  # Optuna 5.0 GPSampler: _n_qmc_samples_qei = _n_qmc_samples_ehvi = 128


def arr(x: Any) -> Any:
    """Tensor / ndarray / scalar -> nested lists of Python floats (bools stay bools)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.dtype == bool:
        return x.tolist()
    return x.astype(float).tolist()


def make_inputs(
    rng: np.random.RandomState, n: int, d: int, n_choices: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised X: continuous columns in [0, 1], categorical columns hold choice indices."""
    X = rng.uniform(0.0, 1.0, size=(n, d))
    for j, k in enumerate(n_choices):
        if k > 0:
            X[:, j] = rng.randint(0, k, size=n).astype(float)
    return X, np.array([k > 0 for k in n_choices])


def search_space_for(n_choices: list[int]) -> SearchSpace:
    dists: dict[str, Any] = {}
    for j, k in enumerate(n_choices):
        dists[f"x{j}"] = (
            CategoricalDistribution(list(range(k))) if k > 0 else FloatDistribution(0.0, 1.0)
        )
    return SearchSpace(dists)


def objective(X: np.ndarray, is_cat: np.ndarray, shift: float) -> np.ndarray:
    """A smooth test function (values to be *minimised*, as a study would store them)."""
    cont = X[:, ~is_cat]
    val = np.sum((cont - 0.3 - shift) ** 2, axis=1) + 0.3 * np.sin(6.0 * cont.sum(axis=1))
    for j in np.flatnonzero(is_cat):
        val += 0.25 * X[:, j]
    return val


def regressor(
    X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, isl: np.ndarray, ks: float, nv: float
) -> gp.GPRegressor:
    return gp.GPRegressor(
        is_categorical=torch.from_numpy(is_cat),
        X_train=torch.from_numpy(X),
        y_train=torch.from_numpy(y),
        inverse_squared_lengthscales=torch.from_numpy(np.asarray(isl, dtype=float)),
        kernel_scale=torch.tensor(ks, dtype=torch.float64),
        noise_var=torch.tensor(nv, dtype=torch.float64),
    )


def params_dict(isl: np.ndarray, ks: float, nv: float) -> dict[str, Any]:
    return {"inverse_squared_lengthscales": arr(isl), "kernel_scale": ks, "noise_var": nv}


def likelihood_block(
    X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, isl: np.ndarray, ks: float, nv: float
) -> dict[str, Any]:
    """mll, log prior and their gradients in natural and raw parameterisations."""
    d = X.shape[1]
    # Natural parameters: theta = (isl_1..isl_d, kernel_scale, noise_var).
    nat = torch.tensor([*isl, ks, nv], dtype=torch.float64, requires_grad=True)
    g = regressor(X, y, is_cat, isl, ks, nv)
    g.inverse_squared_lengthscales, g.kernel_scale, g.noise_var = nat[:d], nat[d], nat[d + 1]
    mll = g.marginal_log_likelihood()
    (grad_mll,) = torch.autograd.grad(mll, nat)
    lp = prior.default_log_prior(g)
    (grad_lp,) = torch.autograd.grad(lp, nat)
    out: dict[str, Any] = {
        "mll": mll.item(),
        "log_prior": lp.item(),
        "grad_mll_natural": arr(grad_mll),
        "grad_log_prior_natural": arr(grad_lp),
    }
    # Raw parameters as Optuna's _fit_kernel_params optimises them:
    # raw = (log isl_1..log isl_d, log kernel_scale, log(noise_var - minimum_noise)),
    # loss(raw) = -(mll + log_prior); deterministic: noise_var fixed to minimum_noise and the
    # last gradient entry is 0.
    for det in (False, True):
        raw = torch.tensor(
            [*np.log(isl), math.log(ks), math.log(max(nv - MINIMUM_NOISE, 1e-300))],
            dtype=torch.float64,
            requires_grad=True,
        )
        g = regressor(X, y, is_cat, isl, ks, nv)
        g.inverse_squared_lengthscales = torch.exp(raw[:d])
        g.kernel_scale = torch.exp(raw[d])
        g.noise_var = (
            torch.tensor(MINIMUM_NOISE, dtype=torch.float64)
            if det
            else torch.exp(raw[d + 1]) + MINIMUM_NOISE
        )
        loss = -g.marginal_log_likelihood() - prior.default_log_prior(g)
        (grad_raw,) = torch.autograd.grad(loss, raw, allow_unused=True)
        key = "deterministic" if det else "noisy"
        out[f"raw_params_{key}"] = arr(raw)
        out[f"loss_raw_{key}"] = loss.item()
        out[f"grad_loss_raw_{key}"] = arr(grad_raw)
    return out


def loss_at(X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, fitted: gp.GPRegressor) -> float:
    with torch.no_grad():
        g = regressor(
            X,
            y,
            is_cat,
            fitted.inverse_squared_lengthscales.numpy(),
            fitted.kernel_scale.item(),
            fitted.noise_var.item(),
        )
        return float((-g.marginal_log_likelihood() - prior.default_log_prior(g)).item())


def fit_block(X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, d: int) -> list[dict[str, Any]]:
    """Optuna's fit_kernel_params (default prior, gtol=1e-2) from two initial values."""
    inits = {
        "default": None,  # fit_kernel_params' own default: all ones
        "warm": (np.full(d, 0.5), 2.0, 0.01),
    }
    out = []
    for init_name, init in inits.items():
        for det in (False, True):
            cache = None if init is None else regressor(X, y, is_cat, *init)
            fitted = gp.fit_kernel_params(
                X=X,
                Y=y,
                is_categorical=is_cat,
                log_prior=prior.default_log_prior,
                minimum_noise=MINIMUM_NOISE,
                deterministic_objective=det,
                gpr_cache=cache,
                gtol=1e-2,
            )
            init_params = (np.ones(d), 1.0, 1.0) if init is None else init
            out.append(
                {
                    "init": init_name,
                    "initial_params": params_dict(*init_params),
                    "deterministic_objective": det,
                    "fitted_params": params_dict(
                        fitted.inverse_squared_lengthscales.numpy(),
                        fitted.kernel_scale.item(),
                        fitted.noise_var.item(),
                    ),
                    "fitted_loss": loss_at(X, y, is_cat, fitted),
                }
            )
    return out


def values_and_grads(
    acqf: acqf_module.BaseAcquisitionFunc, Xt: np.ndarray, is_cat: np.ndarray
) -> dict[str, Any]:
    """Values, autograd gradients (NaN where Optuna's gradient is NaN) and central differences.

    Optuna's autograd gradient is NaN where ``standard_logei``'s argument is below about -38
    (its first branch underflows to log(0) and the masked overwrite does not stop the NaN in
    the backward pass), so ``grads_fd`` gives central differences (h = 1e-6) of Optuna's value
    for every continuous coordinate; categorical coordinates get Optuna's gradient (0: the
    Hamming distance is piecewise constant).
    """
    vals = acqf.eval_acqf_no_grad(Xt)
    grads = np.array([acqf.eval_acqf_with_grad(x.copy())[1] for x in Xt])
    fd = grads.copy()
    h = 1e-6
    for j in np.flatnonzero(~is_cat):
        up, down = Xt.copy(), Xt.copy()
        up[:, j] += h
        down[:, j] -= h
        fd[:, j] = (acqf.eval_acqf_no_grad(up) - acqf.eval_acqf_no_grad(down)) / (2 * h)
    return {"values": arr(vals), "grads": arr(grads), "grads_fd": arr(fd)}


def gp_case(
    name: str, seed: int, n: int, n_choices: list[int], m: int, kernel: tuple[Any, float, float]
) -> dict[str, Any]:
    rng = np.random.RandomState(seed)
    d = len(n_choices)
    X, is_cat = make_inputs(rng, n, d, n_choices)
    Xt, _ = make_inputs(rng, m - 1, d, n_choices)
    Xt = np.vstack([Xt, X[:1]])  # last test point = first training point (tiny variance)
    values = objective(X, is_cat, 0.0)
    # Optuna: minimise -> sign -1, then standardise (mean 0, std 1; the GP maximises y).
    y, _, _ = _standardize_values(-values[:, None])
    y = y[:, 0]
    isl = np.asarray(kernel[0], dtype=float)
    ks, nv = kernel[1], kernel[2]
    g = regressor(X, y, is_cat, isl, ks, nv)
    with torch.no_grad():
        K = g.kernel()
        K_test = g.kernel(torch.from_numpy(Xt))
        K_tt = g.kernel(torch.from_numpy(Xt), torch.from_numpy(Xt))
    g._cache_matrix()
    with torch.no_grad():
        mean, var = g.posterior(torch.from_numpy(Xt))
    space = search_space_for(n_choices)
    threshold = float(y.max())
    logei = values_and_grads(acqf_module.LogEI(g, space, threshold), Xt, is_cat)
    logei_hi = values_and_grads(acqf_module.LogEI(g, space, threshold + 1.0), Xt, is_cat)

    # Constrained logEI: two constraint GPs (fixed kernel params, not fitted).
    c_raw = np.stack(
        [X[:, ~is_cat].sum(axis=1) - 0.4 * (~is_cat).sum(), 0.2 - X[:, ~is_cat][:, 0]], axis=1
    )
    c_std, c_mean, c_sd = _standardize_values(-c_raw)  # Optuna flips the sign of constraints
    c_thresholds = (-c_mean / np.maximum(1e-10, c_sd)).tolist()
    c_kernels = [(isl * 0.5, 1.5, 1e-3), (isl * 2.0, 0.7, 1e-4)]
    c_gprs = []
    for j, (c_isl, c_ks, c_nv) in enumerate(c_kernels):
        cg = regressor(X, c_std[:, j], is_cat, c_isl, c_ks, c_nv)
        cg._cache_matrix()
        c_gprs.append(cg)
    is_feasible = np.all(c_raw <= 0, axis=1)
    best_feasible = float(np.max(np.where(is_feasible, y, -np.inf)))
    logcei = values_and_grads(
        acqf_module.LogCEI(g, space, best_feasible, c_gprs, c_thresholds), Xt, is_cat
    )

    # qLogEI with two running trials (Optuna's conditional GP; QMC base samples stored).
    X_run, _ = make_inputs(rng, 2, d, n_choices)
    qmc_seed = 12345
    qacqf = acqf_module.qLogEI(g, space, threshold, N_QMC, qmc_seed, X_run)
    base = sample_from_normal_sobol(dim=X_run.shape[0] + 1, n_samples=N_QMC, seed=qmc_seed)
    qlogei = values_and_grads(qacqf, Xt, is_cat)

    return {
        "name": name,
        "seed": seed,
        "n_choices": n_choices,
        "is_categorical": arr(is_cat),
        "X": arr(X),
        "X_test": arr(Xt),
        "objective_values": arr(values),
        "y": arr(y),
        "kernel_params": params_dict(isl, ks, nv),
        "K_train": arr(K),
        "K_test_train": arr(K_test),
        "K_test_test": arr(K_tt),
        "likelihood": likelihood_block(X, y, is_cat, isl, ks, nv),
        "likelihood_at_ones": likelihood_block(X, y, is_cat, np.ones(d), 1.0, 1.0),
        "fits": fit_block(X, y, is_cat, d),
        "posterior_mean": arr(mean),
        "posterior_var": arr(var),
        "logei": {"threshold": threshold, **logei},
        "logei_high_threshold": {"threshold": threshold + 1.0, **logei_hi},
        "logcei": {
            "threshold": best_feasible,
            "constraint_values": arr(c_raw),
            "constraint_y": arr(c_std),
            "constraint_thresholds": c_thresholds,
            "constraint_kernel_params": [params_dict(*k) for k in c_kernels],
            **logcei,
        },
        "qlogei": {
            "threshold": threshold,
            "X_running": arr(X_run),
            "qmc_seed": qmc_seed,
            "base_samples": arr(base),
            "fantasy_samples": arr(qacqf._cond_gpr.get_fantasy_samples()),
            **qlogei,
        },
    }


def ehvi_case(seed: int) -> dict[str, Any]:
    rng = np.random.RandomState(seed)
    n, d, m = 14, 3, 6
    n_choices = [0, 0, 0]
    X, is_cat = make_inputs(rng, n, d, n_choices)
    Xt, _ = make_inputs(rng, m, d, n_choices)
    f1 = np.sum((X - 0.2) ** 2, axis=1)
    f2 = np.sum((X - 0.8) ** 2, axis=1) + 0.1 * np.sin(5 * X[:, 0])
    values = np.stack([f1, f2], axis=1)  # both minimised
    Y, _, _ = _standardize_values(-values)
    kernels = [(np.array([1.5, 0.8, 2.0]), 1.2, 1e-3), (np.array([0.6, 1.1, 0.9]), 0.9, 1e-2)]
    gprs = []
    for j, (isl, ks, nv) in enumerate(kernels):
        g = regressor(X, Y[:, j], is_cat, isl, ks, nv)
        g._cache_matrix()
        gprs.append(g)
    space = search_space_for(n_choices)
    qmc_seed = 42
    acqf = acqf_module.LogEHVI(gprs, space, torch.from_numpy(Y), N_QMC, qmc_seed)
    ref_point = acqf_module._get_reference_point(torch.from_numpy(Y))
    vg = values_and_grads(acqf, Xt, is_cat)

    # qLogEHVI with two running trials.
    X_run, _ = make_inputs(rng, 2, d, n_choices)
    q_seed = 7
    qacqf = acqf_module.qLogEHVI(gprs, space, torch.from_numpy(Y), N_QMC, q_seed, X_run)
    q_base = [
        arr(sample_from_normal_sobol(dim=X_run.shape[0] + 1, n_samples=N_QMC, seed=q_seed + i))
        for i in range(2)
    ]
    qvg = values_and_grads(qacqf, Xt, is_cat)
    return {
        "seed": seed,
        "X": arr(X),
        "X_test": arr(Xt),
        "is_categorical": arr(is_cat),
        "objective_values": arr(values),
        "Y": arr(Y),
        "kernel_params": [params_dict(*k) for k in kernels],
        "posterior": [
            {
                "mean": arr(g.posterior(torch.from_numpy(Xt))[0]),
                "var": arr(g.posterior(torch.from_numpy(Xt))[1]),
            }
            for g in gprs
        ],
        "logehvi": {
            "n_qmc_samples": N_QMC,
            "qmc_seed": qmc_seed,
            "base_samples": arr(acqf._fixed_samples),
            "reference_point": arr(ref_point),
            "box_lower_bounds": arr(acqf._non_dominated_box_lower_bounds),
            "box_intervals": arr(acqf._non_dominated_box_intervals),
            **vg,
        },
        "qlogehvi": {
            "n_qmc_samples": N_QMC,
            "qmc_seed": q_seed,
            "X_running": arr(X_run),
            "base_samples_per_objective": q_base,
            "fantasy_samples": arr(qacqf._cond_gpr.get_fantasy_samples()),
            **qvg,
        },
    }


def standard_logei_block() -> dict[str, Any]:
    z = np.concatenate(
        [
            -np.logspace(3, -3, 25),
            [-40.0, -30.0, -25.5, -25.0, -24.5, -20.0, -10.0, -5.0, -1.0, -1e-8],
            [0.0],
            np.logspace(-3, 2, 12),
        ]
    )
    z = np.unique(z)
    zt = torch.from_numpy(z).requires_grad_(True)
    out = acqf_module.standard_logei(zt)
    (grad,) = torch.autograd.grad(out.sum(), zt)
    # Exact values with 50 digits: ei(z) = z Phi(z) + phi(z), d/dz log ei(z) = Phi(z) / ei(z).
    mpmath.mp.dps = 50
    exact, exact_grad = [], []
    for zi in z:
        zm = mpmath.mpf(float(zi))
        cdf = mpmath.ncdf(zm)
        ei = zm * cdf + mpmath.npdf(zm)
        exact.append(float(mpmath.log(ei)))
        exact_grad.append(float(cdf / ei))
    return {
        "z": arr(z),
        "values": arr(out),
        "grad": arr(grad),
        "values_exact": exact,
        "grad_exact": exact_grad,
    }


def main() -> None:
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    ones3 = np.ones(3)
    data = {
        "meta": {
            "optuna_version": optuna.__version__,
            "torch_version": torch.__version__,
            "python": sys.version.split()[0],
            "minimum_noise": MINIMUM_NOISE,
            "stabilizing_noise": 1e-12,
            "n_qmc_samples": N_QMC,
            "fit_gtol": 1e-2,
            "schema": "tests/samplers/gp/README.md",
        },
        "cases": [
            gp_case("cont3_n12", 0, 12, [0, 0, 0], 6, (np.array([2.0, 0.5, 1.0]), 1.3, 0.01)),
            gp_case(
                "mixed4_n15", 1, 15, [0, 0, 3, 2], 6, (np.array([1.0, 3.0, 0.7, 1.5]), 0.8, 1e-4)
            ),
            gp_case("cont8_n40", 2, 40, [0] * 8, 8, (np.full(8, 0.9), 1.0, 1e-5)),
            gp_case("cont1_n3", 3, 3, [0], 4, (ones3[:1] * 4.0, 2.0, 0.05)),
        ],
        "ehvi": ehvi_case(5),
        "standard_logei": standard_logei_block(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
