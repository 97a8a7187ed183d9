"""Parity of the Rust GP pieces with Optuna 5.0's ``optuna._gp`` on fixed data.

The reference values were computed once with Optuna 5.0.0 + torch by ``make_reference.py``
(``data/optuna_gp_reference.json``, schema in ``README.md``); no torch is needed here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ferrotune import _core
from ferrotune.samplers._gp._pareto import box_bounds, per_sample_box_bounds

DATA = json.loads((Path(__file__).parent / "data" / "optuna_gp_reference.json").read_text())
CASES = DATA["cases"]
IDS = [c["name"] for c in CASES]
MIN_NOISE = DATA["meta"]["minimum_noise"]


def _arr(v: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(v, dtype=np.float64))


def _params(p: dict[str, Any]) -> _core.GPKernelParams:
    return _core.GPKernelParams(
        inverse_squared_lengthscales=_arr(p["inverse_squared_lengthscales"]),
        kernel_scale=float(p["kernel_scale"]),
        noise_var=float(p["noise_var"]),
    )


def _model(case: dict[str, Any], y: Any = None, params: Any = None) -> _core.GPModel:
    return _core.GPModel(
        x=_arr(case["X"]),
        y=_arr(case["y"] if y is None else y),
        is_categorical=np.asarray(case["is_categorical"], dtype=bool),
        params=_params(case["kernel_params"] if params is None else params),
    )


def _check_grads(got: np.ndarray, ref: dict[str, Any]) -> None:
    exact = np.asarray(ref["grads"], dtype=np.float64)
    finite = np.isfinite(exact)
    np.testing.assert_allclose(got[finite], exact[finite], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, np.asarray(ref["grads_fd"]), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_kernel_matrices(case: dict[str, Any]) -> None:
    m = _model(case)
    x, xt = _arr(case["X"]), _arr(case["X_test"])
    np.testing.assert_allclose(m.kernel(x1=x, x2=x), case["K_train"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.kernel(x1=xt, x2=x), case["K_test_train"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.kernel(x1=xt, x2=xt), case["K_test_test"], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("where", ["likelihood", "likelihood_at_ones"])
def test_log_marginal_likelihood_prior_and_gradients(case: dict[str, Any], where: str) -> None:
    ref = case[where]
    params = (
        case["kernel_params"]
        if where == "likelihood"
        else {
            "inverse_squared_lengthscales": [1.0] * len(case["is_categorical"]),
            "kernel_scale": 1.0,
            "noise_var": 1.0,
        }
    )
    m = _model(case, params=params)
    mll, grad = m.log_marginal_likelihood()
    prior, grad_prior = _core.gp_log_prior(params=m.params)
    assert mll == pytest.approx(ref["mll"], rel=1e-10, abs=1e-10)
    assert prior == pytest.approx(ref["log_prior"], rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, ref["grad_mll_natural"], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(grad_prior, ref["grad_log_prior_natural"], rtol=1e-12, atol=1e-12)
    # Optuna's raw-parameter loss and gradient follow by the chain rule.
    p = m.params
    d = len(p.inverse_squared_lengthscales)
    total = -(np.asarray(grad) + np.asarray(grad_prior))
    scale = np.concatenate(
        [p.inverse_squared_lengthscales, [p.kernel_scale, p.noise_var - MIN_NOISE]]
    )
    assert -(mll + prior) == pytest.approx(ref["loss_raw_noisy"], rel=1e-10, abs=1e-10)
    np.testing.assert_allclose(total * scale, ref["grad_loss_raw_noisy"], rtol=1e-7, atol=1e-8)
    assert ref["grad_loss_raw_deterministic"][d + 1] == 0.0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fitted_parameters_are_as_good_as_optunas(case: dict[str, Any]) -> None:
    x, y = _arr(case["X"]), _arr(case["y"])
    cat = np.asarray(case["is_categorical"], dtype=bool)
    for fit in case["fits"]:
        initial = None if fit["init"] == "default" else _params(fit["initial_params"])
        model, ok = _core.gp_fit_kernel_params(
            x=x,
            y=y,
            is_categorical=cat,
            initial=initial,
            options=_core.GPFitOptions(deterministic_objective=fit["deterministic_objective"]),
        )
        assert ok
        mll, _ = model.log_marginal_likelihood()
        prior, _ = _core.gp_log_prior(params=model.params)
        loss = -(mll + prior)
        ref = fit["fitted_loss"]
        assert loss <= ref + 1e-3 * max(1.0, abs(ref)), (fit["init"], loss, ref)
        if fit["deterministic_objective"]:
            assert model.params.noise_var == MIN_NOISE


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_posterior(case: dict[str, Any]) -> None:
    mean, var = _model(case).posterior(x=_arr(case["X_test"]))
    np.testing.assert_allclose(mean, case["posterior_mean"], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(var, case["posterior_var"], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("which", ["logei", "logei_high_threshold"])
def test_logei_values_and_gradients(case: dict[str, Any], which: str) -> None:
    ref = case[which]
    acqf = _core.GPAcqf.log_ei(model=_model(case), threshold=float(ref["threshold"]))
    values, grads = acqf.evaluate(x=_arr(case["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-9, atol=1e-9)
    _check_grads(grads, ref)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_constrained_logei(case: dict[str, Any]) -> None:
    ref = case["logcei"]
    cy = np.asarray(ref["constraint_y"], dtype=np.float64)
    constraints = [
        (_model(case, y=cy[:, i], params=p), float(t))
        for i, (p, t) in enumerate(
            zip(ref["constraint_kernel_params"], ref["constraint_thresholds"], strict=True)
        )
    ]
    acqf = _core.GPAcqf.log_ei(
        model=_model(case), threshold=float(ref["threshold"]), constraints=constraints
    )
    values, grads = acqf.evaluate(x=_arr(case["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-9, atol=1e-9)
    _check_grads(grads, ref)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_qlogei_with_running_trials(case: dict[str, Any]) -> None:
    ref = case["qlogei"]
    acqf = _core.GPAcqf.q_log_ei(
        model=_model(case),
        threshold=float(ref["threshold"]),
        x_running=_arr(ref["X_running"]),
        qmc_samples=_arr(ref["base_samples"]),
    )
    values, grads = acqf.evaluate(x=_arr(case["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-7, atol=1e-8)
    _check_grads(grads, {"grads": ref["grads"], "grads_fd": ref["grads_fd"]})


def _ehvi_models() -> list[_core.GPModel]:
    e = DATA["ehvi"]
    y = np.asarray(e["Y"], dtype=np.float64)
    return [_model(e, y=y[:, i], params=p) for i, p in enumerate(e["kernel_params"])]


def test_ehvi_posteriors() -> None:
    e = DATA["ehvi"]
    for m, ref in zip(_ehvi_models(), e["posterior"], strict=True):
        mean, var = m.posterior(x=_arr(e["X_test"]))
        np.testing.assert_allclose(mean, ref["mean"], rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(var, ref["var"], rtol=1e-7, atol=1e-10)


def test_logehvi_values_and_gradients_on_optunas_boxes() -> None:
    e = DATA["ehvi"]
    ref = e["logehvi"]
    acqf = _core.GPAcqf.log_ehvi(
        models=_ehvi_models(),
        box_lower_bounds=_arr(ref["box_lower_bounds"]),
        box_intervals=_arr(ref["box_intervals"]),
        qmc_samples=_arr(ref["base_samples"]),
    )
    values, grads = acqf.evaluate(x=_arr(e["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-9, atol=1e-9)
    _check_grads(grads, ref)


def test_own_box_decomposition_gives_optunas_logehvi() -> None:
    # A different partition of the same region gives the same hypervolume improvement.
    e = DATA["ehvi"]
    ref = e["logehvi"]
    lower, intervals = box_bounds(np.asarray(e["Y"], dtype=np.float64))
    acqf = _core.GPAcqf.log_ehvi(
        models=_ehvi_models(),
        box_lower_bounds=lower,
        box_intervals=intervals,
        qmc_samples=_arr(ref["base_samples"]),
    )
    values, _ = acqf.evaluate(x=_arr(e["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-9, atol=1e-9)


def test_qlogehvi_with_running_trials() -> None:
    e = DATA["ehvi"]
    ref = e["qlogehvi"]
    models = _ehvi_models()
    xr = _arr(ref["X_running"])
    samples = [_arr(s) for s in ref["base_samples_per_objective"]]
    fantasies = np.stack(
        [
            _core.gp_fantasies(model=m, x_running=xr, qmc_samples=s)
            for m, s in zip(models, samples, strict=True)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(fantasies, ref["fantasy_samples"], rtol=1e-9, atol=1e-10)
    lower, widths = per_sample_box_bounds(np.asarray(e["Y"], dtype=np.float64), fantasies)
    acqf = _core.GPAcqf.q_log_ehvi(
        models=models,
        x_running=xr,
        qmc_samples=samples,
        box_lower_bounds=lower,
        box_intervals=widths,
    )
    values, grads = acqf.evaluate(x=_arr(e["X_test"]))
    np.testing.assert_allclose(values, ref["values"], rtol=1e-7, atol=1e-8)
    _check_grads(grads, ref)


def test_standard_logei() -> None:
    ref = DATA["standard_logei"]
    z = _arr(ref["z"])
    got = _core.gp_standard_logei(z=z)
    np.testing.assert_allclose(got, ref["values_exact"], rtol=1e-12, atol=1e-12)
    # Optuna's own values agree where its first branch does not lose digits.
    ok = z > -20
    np.testing.assert_allclose(got[ok], np.asarray(ref["values"])[ok], rtol=1e-12, atol=1e-12)
    assert all(math.isfinite(v) for v in got)
