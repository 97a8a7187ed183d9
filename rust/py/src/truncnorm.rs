//! Bindings for `ferrotune_core::truncnorm`: element-wise over 1-D float64 arrays.

use ferrotune_core::truncnorm as tn;
use ferrotune_core::CoreError;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::error::{ArrayArg, BindingResult};
use crate::util;

/// The elements of the 1-D argument `name`, which must be contiguous.
fn slice<'a>(
    arr: &'a PyReadonlyArray1<'_, f64>,
    name: &'static str,
) -> Result<&'a [f64], CoreError> {
    ArrayArg::new(name, arr).contiguous()
}

/// `log Phi(x)` element-wise.
#[pyfunction]
fn log_ndtr<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let x = slice(&x, "x")?;
    let out = util::run(py, || Ok(tn::log_ndtr_vec(x)))?;
    Ok(out.into_pyarray(py))
}

/// Inverse of `log_ndtr` element-wise.
#[pyfunction]
fn ndtri_exp<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let y = slice(&y, "y")?;
    let out = util::run(py, || Ok(tn::ndtri_exp_vec(y)))?;
    Ok(out.into_pyarray(py))
}

/// `log(Phi(b) - Phi(a))` element-wise.
#[pyfunction]
fn log_gauss_mass<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let (a, b) = (slice(&a, "a")?, slice(&b, "b")?);
    let out = util::run(py, || tn::log_gauss_mass_vec(a, b))?;
    Ok(out.into_pyarray(py))
}

/// Truncated standard normal quantile element-wise.
#[pyfunction]
fn truncnorm_ppf<'py>(
    py: Python<'py>,
    q: PyReadonlyArray1<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let (q, a, b) = (slice(&q, "q")?, slice(&a, "a")?, slice(&b, "b")?);
    let out = util::run(py, || tn::ppf_vec(q, a, b))?;
    Ok(out.into_pyarray(py))
}

/// Truncated normal log-density element-wise (scipy's `a`, `b`, `loc`, `scale`).
#[pyfunction]
fn truncnorm_logpdf<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    loc: PyReadonlyArray1<'py, f64>,
    scale: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let (x, a, b) = (slice(&x, "x")?, slice(&a, "a")?, slice(&b, "b")?);
    let (loc, scale) = (slice(&loc, "loc")?, slice(&scale, "scale")?);
    let out = util::run(py, || tn::logpdf_vec(x, a, b, loc, scale))?;
    Ok(out.into_pyarray(py))
}

/// Truncated normal samples from given uniforms by inverse CDF.
#[pyfunction]
fn truncnorm_sample<'py>(
    py: Python<'py>,
    u: PyReadonlyArray1<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    loc: PyReadonlyArray1<'py, f64>,
    scale: PyReadonlyArray1<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let (u, a, b) = (slice(&u, "u")?, slice(&a, "a")?, slice(&b, "b")?);
    let (loc, scale) = (slice(&loc, "loc")?, slice(&scale, "scale")?);
    let out = util::run(py, || tn::sample_vec(u, a, b, loc, scale))?;
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(log_ndtr, m)?)?;
    m.add_function(wrap_pyfunction!(ndtri_exp, m)?)?;
    m.add_function(wrap_pyfunction!(log_gauss_mass, m)?)?;
    m.add_function(wrap_pyfunction!(truncnorm_ppf, m)?)?;
    m.add_function(wrap_pyfunction!(truncnorm_logpdf, m)?)?;
    m.add_function(wrap_pyfunction!(truncnorm_sample, m)?)?;
    Ok(())
}
