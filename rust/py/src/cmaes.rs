//! Bindings for `ferrotune_core::cmaes`: the `CmaEsOptimizer` class (ask/tell
//! over numpy batches, bytes state) and the WS-CMA-ES initial distribution.

use ferrotune_core::cmaes::{warm_start_mgd, CmaEs, Restart, Settings, Variant};
use ferrotune_core::CoreError;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::error::{ArrayArg, BindingResult};
use crate::util;

/// Two `(n, dim)` matrices: candidates to evaluate and the raw samples to tell.
type CandidatePair<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);
/// A multivariate Gaussian `(mean, sigma, cov)`.
type Gaussian<'py> = (Bound<'py, PyArray1<f64>>, f64, Bound<'py, PyArray2<f64>>);

/// The `(rows, columns)` of a matrix argument and its elements, row-major, after
/// checking its shape against `expected` (`None`: any length on that axis).
fn matrix(
    name: &str,
    arr: &PyReadonlyArray2<'_, f64>,
    expected: [Option<usize>; 2],
) -> Result<(Vec<f64>, usize, usize), CoreError> {
    let arg = ArrayArg::new(name, arr);
    let shape = arg.shape(&expected)?;
    Ok((arg.to_vec(), shape[0], shape[1]))
}

fn to_matrix(flat: Vec<f64>, r: usize, c: usize) -> Result<Array2<f64>, CoreError> {
    Array2::from_shape_vec((r, c), flat).map_err(|e| CoreError::ShapeMismatch(e.to_string()))
}

/// CMA-ES run (full, separable or with margin; optional LRA and IPOP/BIPOP).
#[pyclass(module = "ferrotune._core", name = "CmaEsOptimizer")]
pub struct PyCmaEs {
    inner: CmaEs,
}

#[pymethods]
impl PyCmaEs {
    #[new]
    #[pyo3(signature = (
        mean, sigma, *, bounds=None, cov=None, seed=0, popsize=None, variant="cma",
        lr_adapt=false, steps=None, margin=None, n_max_resampling=None,
        restart_strategy=None, inc_popsize=2
    ))]
    // PyO3 maps each Python parameter to one Rust parameter, so the keyword-only options
    // of this public constructor cannot be a struct here without changing its Python
    // signature; they become the core `Settings` right below.
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        mean: PyReadonlyArray1<'_, f64>,
        sigma: f64,
        bounds: Option<PyReadonlyArray2<'_, f64>>,
        cov: Option<PyReadonlyArray2<'_, f64>>,
        seed: u64,
        popsize: Option<usize>,
        variant: &str,
        lr_adapt: bool,
        steps: Option<PyReadonlyArray1<'_, f64>>,
        margin: Option<f64>,
        n_max_resampling: Option<usize>,
        restart_strategy: Option<&str>,
        inc_popsize: usize,
    ) -> BindingResult<Self> {
        let variant = variant.parse::<Variant>()?;
        let restart = restart_strategy.map_or(Ok(Restart::None), str::parse)?;
        let mean: Vec<f64> = mean.as_array().iter().copied().collect();
        let n = mean.len();
        let bounds = match bounds {
            None => None,
            Some(b) => {
                let (flat, _, _) = matrix("bounds", &b, [Some(n), Some(2)])?;
                Some(flat.chunks(2).map(|p| [p[0], p[1]]).collect())
            }
        };
        let cov = match cov {
            None => None,
            Some(c) => Some(matrix("cov", &c, [Some(n), Some(n)])?.0),
        };
        let settings = Settings {
            variant,
            lr_adapt,
            bounds,
            steps: steps.map(|s| s.as_array().iter().copied().collect()),
            margin,
            n_max_resampling: n_max_resampling.unwrap_or(100),
            restart,
            inc_popsize,
            popsize,
        };
        let inner = util::run(py, || {
            CmaEs::new(settings, &mean, sigma, cov.as_deref(), seed)
        })?;
        Ok(Self { inner })
    }

    /// Number of coordinates.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Current population size.
    #[getter]
    fn population_size(&self) -> usize {
        self.inner.popsize()
    }

    /// Updates so far, across restarts.
    #[getter]
    fn generation(&self) -> u64 {
        self.inner.generation()
    }

    /// Restarts so far.
    #[getter]
    fn n_restarts(&self) -> u64 {
        self.inner.n_restarts()
    }

    /// Current mean.
    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.mean().to_vec().into_pyarray(py)
    }

    /// Current step size.
    #[getter]
    fn sigma(&self) -> f64 {
        self.inner.sigma()
    }

    /// Covariance matrix `C`.
    #[getter]
    fn cov<'py>(&self, py: Python<'py>) -> BindingResult<Bound<'py, PyArray2<f64>>> {
        let n = self.inner.dim();
        Ok(to_matrix(self.inner.cov(), n, n)?.into_pyarray(py))
    }

    /// Margin scaling `A` (ones unless the variant is "cmawm").
    #[getter]
    fn margin_scale<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.margin_scale().into_pyarray(py)
    }

    /// Re-seed the sampling generator.
    fn reseed(&mut self, seed: u64) {
        self.inner.reseed(seed);
    }

    /// Termination criteria of the current run.
    fn should_stop(&mut self, py: Python<'_>) -> PyResult<bool> {
        let inner = &mut self.inner;
        util::run(py, || inner.should_stop())
    }

    /// `n` candidates as an `(n, dim)` array.
    #[pyo3(signature = (n=1))]
    fn ask<'py>(&mut self, py: Python<'py>, n: usize) -> BindingResult<Bound<'py, PyArray2<f64>>> {
        let d = self.inner.dim();
        let inner = &mut self.inner;
        let flat = util::run(py, || Ok(inner.ask_many(n)?.0))?;
        Ok(to_matrix(flat, n, d)?.into_pyarray(py))
    }

    /// `n` candidates as `(x_to_evaluate, x_to_tell)`, two `(n, dim)` arrays
    /// (they differ only with margin).
    #[pyo3(signature = (n=1))]
    fn ask_with_raw<'py>(
        &mut self,
        py: Python<'py>,
        n: usize,
    ) -> BindingResult<CandidatePair<'py>> {
        let d = self.inner.dim();
        let inner = &mut self.inner;
        let (xs, raws) = util::run(py, || inner.ask_many(n))?;
        Ok((
            to_matrix(xs, n, d)?.into_pyarray(py),
            to_matrix(raws, n, d)?.into_pyarray(py),
        ))
    }

    /// Update with one population `x` (`(popsize, dim)`) and `values` (minimised).
    /// Returns True if the run restarted (IPOP/BIPOP).
    fn tell(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        values: PyReadonlyArray1<'_, f64>,
    ) -> BindingResult<bool> {
        let (flat, _, _) = matrix("x", &x, [None, Some(self.inner.dim())])?;
        let values: Vec<f64> = values.as_array().iter().copied().collect();
        let inner = &mut self.inner;
        Ok(util::run(py, || inner.tell(&flat, &values))?)
    }

    /// The whole state as bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// Rebuild from [`to_bytes`] output.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = util::run(py, || CmaEs::from_bytes(data))?;
        Ok(Self { inner })
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.to_bytes(py)
    }

    fn __setstate__(&mut self, py: Python<'_>, state: &[u8]) -> PyResult<()> {
        self.inner = util::run(py, || CmaEs::from_bytes(state))?;
        Ok(())
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_bytes")?;
        let state = slf.borrow().to_bytes(py);
        PyTuple::new(py, [ctor.into_any(), PyTuple::new(py, [state])?.into_any()])
    }
}

/// WS-CMA-ES initial distribution `(mean, sigma, cov)` from source solutions.
#[pyfunction]
#[pyo3(signature = (x, values, gamma=0.1, alpha=0.1))]
fn cmaes_warm_start_mgd<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    values: PyReadonlyArray1<'py, f64>,
    gamma: f64,
    alpha: f64,
) -> BindingResult<Gaussian<'py>> {
    let (flat, _, n) = matrix("x", &x, [None, None])?;
    let values: Vec<f64> = values.as_array().iter().copied().collect();
    let (mean, sigma, cov) = util::run(py, || warm_start_mgd(&flat, &values, n, gamma, alpha))?;
    Ok((
        mean.into_pyarray(py),
        sigma,
        to_matrix(cov, n, n)?.into_pyarray(py),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCmaEs>()?;
    m.add_function(wrap_pyfunction!(cmaes_warm_start_mgd, m)?)?;
    Ok(())
}
