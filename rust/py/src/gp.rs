//! Bindings for `ferrotune_core::gp`: kernel parameters, the fitted GP, acquisition
//! functions and their optimiser (GPSampler). Every fit and optimisation runs with the
//! interpreter lock released.

use std::sync::Arc;

use ferrotune_core::gp::acqf::{standard_logei, Acqf, ConditionalGp, Term};
use ferrotune_core::gp::fit::{fit_warm, Curvature, FitOptions};
use ferrotune_core::gp::likelihood::{log_marginal_likelihood, NoiseModel};
use ferrotune_core::gp::model::GpModel;
use ferrotune_core::gp::optim::{optimize_acqf_mixed, Dim, OptimOptions};
use ferrotune_core::gp::prior::log_prior;
use ferrotune_core::gp::{qmc, Inputs, KernelParams};
use ferrotune_core::CoreError;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use crate::error::{ArrayArg, BindingResult};
use crate::util;

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);
type ValuesGrads<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>);

fn matrix(
    name: &str,
    arr: &PyReadonlyArray2<'_, f64>,
    cols: Option<usize>,
) -> Result<(Vec<f64>, usize, usize), CoreError> {
    let arg = ArrayArg::new(name, arr);
    let shape = arg.shape(&[None, cols])?;
    Ok((arg.to_vec(), shape[0], shape[1]))
}

fn to_2d<'py>(
    py: Python<'py>,
    v: Vec<f64>,
    r: usize,
    c: usize,
) -> BindingResult<Bound<'py, PyArray2<f64>>> {
    let a = numpy::ndarray::Array2::from_shape_vec((r, c), v)
        .map_err(|e| CoreError::ShapeMismatch(e.to_string()))?;
    Ok(a.into_pyarray(py))
}

/// Kernel hyperparameters (natural parameterisation).
#[pyclass(frozen, module = "ferrotune._core", name = "GPKernelParams")]
#[derive(Clone)]
pub struct PyKernelParams {
    inner: KernelParams,
}

#[pymethods]
impl PyKernelParams {
    #[new]
    #[pyo3(signature = (*, inverse_squared_lengthscales, kernel_scale, noise_var))]
    fn new(
        inverse_squared_lengthscales: PyReadonlyArray1<'_, f64>,
        kernel_scale: f64,
        noise_var: f64,
    ) -> BindingResult<Self> {
        let inner = KernelParams {
            inverse_squared_lengthscales: inverse_squared_lengthscales.as_array().to_vec(),
            kernel_scale,
            noise_var,
        };
        inner.check(inner.inverse_squared_lengthscales.len())?;
        Ok(Self { inner })
    }

    /// `1 / lengthscale^2` per dimension.
    #[getter]
    fn inverse_squared_lengthscales<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner
            .inverse_squared_lengthscales
            .clone()
            .into_pyarray(py)
    }

    /// The kernel's output scale.
    #[getter]
    fn kernel_scale(&self) -> f64 {
        self.inner.kernel_scale
    }

    /// The noise variance.
    #[getter]
    fn noise_var(&self) -> f64 {
        self.inner.noise_var
    }
}

fn inputs(
    x: &PyReadonlyArray2<'_, f64>,
    is_categorical: &PyReadonlyArray1<'_, bool>,
) -> Result<Inputs, CoreError> {
    let (xv, n, d) = matrix("x", x, None)?;
    let cat = is_categorical.as_array().to_vec();
    Inputs::new(xv, n, d, cat)
}

/// A GP conditioned on normalised inputs and standardised (maximised) outputs.
#[pyclass(frozen, module = "ferrotune._core", name = "GPModel")]
pub struct PyGpModel {
    inner: Arc<GpModel>,
    y: Vec<f64>,
    curvature: Curvature,
}

#[pymethods]
impl PyGpModel {
    #[new]
    #[pyo3(signature = (*, x, y, is_categorical, params))]
    fn new(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        is_categorical: PyReadonlyArray1<'_, bool>,
        params: &PyKernelParams,
    ) -> BindingResult<Self> {
        let inp = inputs(&x, &is_categorical)?;
        let yv = y.as_array().to_vec();
        let p = params.inner.clone();
        let y2 = yv.clone();
        let inner = util::run(py, move || GpModel::new(inp, &y2, p))?;
        Ok(Self {
            inner: Arc::new(inner),
            y: yv,
            curvature: Vec::new(),
        })
    }

    /// The L-BFGS curvature pairs `(s, y)` the fit ended with (empty when not fitted):
    /// pass them as `curvature` to the next fit, warm-started from these parameters.
    #[getter]
    fn fit_curvature(&self) -> Curvature {
        self.curvature.clone()
    }

    /// The kernel parameters.
    #[getter]
    fn params(&self) -> PyKernelParams {
        PyKernelParams {
            inner: self.inner.params().clone(),
        }
    }

    /// `K(x1, x2)` without noise.
    #[pyo3(signature = (*, x1, x2))]
    fn kernel<'py>(
        &self,
        py: Python<'py>,
        x1: PyReadonlyArray2<'py, f64>,
        x2: PyReadonlyArray2<'py, f64>,
    ) -> BindingResult<Bound<'py, PyArray2<f64>>> {
        let d = self.inner.dim();
        let (a, n1, _) = matrix("x1", &x1, Some(d))?;
        let (b, n2, _) = matrix("x2", &x2, Some(d))?;
        let m = self.inner.clone();
        let k = util::run(py, move || Ok(m.kernel(&a, n1, &b, n2)))?;
        to_2d(py, k, n1, n2)
    }

    /// Posterior mean and variance at each row of `x`.
    #[pyo3(signature = (*, x))]
    fn posterior<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> BindingResult<Pair<'py>> {
        let (a, m, _) = matrix("x", &x, Some(self.inner.dim()))?;
        let model = self.inner.clone();
        let (mean, var) = util::run(py, move || Ok(model.posterior_batch(&a, m)))?;
        Ok((mean.into_pyarray(py), var.into_pyarray(py)))
    }

    /// Log marginal likelihood (constant omitted) and its gradient with respect to
    /// `[ils_1..ils_d, kernel_scale, noise_var]`.
    fn log_marginal_likelihood<'py>(
        &self,
        py: Python<'py>,
    ) -> BindingResult<(f64, Bound<'py, PyArray1<f64>>)> {
        let model = self.inner.clone();
        let y = self.y.clone();
        let (v, g) = util::run(py, move || {
            log_marginal_likelihood(model.inputs(), &y, model.params())
        })?;
        Ok((v, g.into_pyarray(py)))
    }
}

/// Optuna's default log-prior and its gradient in the natural parameters.
#[pyfunction]
#[pyo3(signature = (*, params))]
fn gp_log_prior<'py>(py: Python<'py>, params: &PyKernelParams) -> (f64, Bound<'py, PyArray1<f64>>) {
    let (v, g) = log_prior(&params.inner);
    (v, g.into_pyarray(py))
}

/// Options of the kernel-parameter fit (Optuna's defaults).
#[pyclass(frozen, module = "ferrotune._core", name = "GPFitOptions")]
#[derive(Clone)]
pub struct PyFitOptions {
    inner: FitOptions,
}

#[pymethods]
impl PyFitOptions {
    #[new]
    #[pyo3(signature = (*, minimum_noise=1e-6, deterministic_objective=false, gtol=1e-2))]
    fn new(minimum_noise: f64, deterministic_objective: bool, gtol: f64) -> BindingResult<Self> {
        if !(minimum_noise.is_finite() && minimum_noise > 0.0) {
            return Err(CoreError::InvalidArgument(format!(
                "`minimum_noise` must be finite and positive, got {minimum_noise}"
            ))
            .into());
        }
        if !(gtol.is_finite() && gtol > 0.0) {
            return Err(CoreError::InvalidArgument(format!(
                "`gtol` must be finite and positive, got {gtol}"
            ))
            .into());
        }
        Ok(Self {
            inner: FitOptions {
                noise: NoiseModel {
                    minimum_noise,
                    deterministic: deterministic_objective,
                },
                gtol,
            },
        })
    }

    /// Lower bound of the noise variance.
    #[getter]
    fn minimum_noise(&self) -> f64 {
        self.inner.noise.minimum_noise
    }

    /// Whether the noise is fixed at `minimum_noise`.
    #[getter]
    fn deterministic_objective(&self) -> bool {
        self.inner.noise.deterministic
    }

    /// Projected-gradient tolerance of L-BFGS-B.
    #[getter]
    fn gtol(&self) -> f64 {
        self.inner.gtol
    }
}

/// MAP fit of the kernel parameters, warm-started from `initial`; returns the model and
/// whether the fit succeeded (`False`: Optuna's default parameters were used).
#[pyfunction]
#[pyo3(signature = (*, x, y, is_categorical, initial=None, options=None, curvature=None))]
fn gp_fit_kernel_params(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray1<'_, f64>,
    is_categorical: PyReadonlyArray1<'_, bool>,
    initial: Option<&PyKernelParams>,
    options: Option<&PyFitOptions>,
    curvature: Option<Curvature>,
) -> BindingResult<(PyGpModel, bool)> {
    let inp = inputs(&x, &is_categorical)?;
    let yv = y.as_array().to_vec();
    if yv.len() != inp.n {
        return Err(CoreError::ShapeMismatch(format!(
            "`y` must have {} entries, got {}",
            inp.n,
            yv.len()
        ))
        .into());
    }
    if let Some(v) = yv.iter().find(|v| !v.is_finite()) {
        return Err(CoreError::InvalidArgument(format!("`y` must be finite, got {v}")).into());
    }
    let init = initial.map(|p| p.inner.clone());
    let opts = match options {
        Some(o) => o.inner,
        None => PyFitOptions::new(1e-6, false, 1e-2)?.inner,
    };
    let y2 = yv.clone();
    let mem = curvature.unwrap_or_default();
    let fitted = util::run(py, move || fit_warm(&inp, &y2, init.as_ref(), &mem, &opts))?;
    Ok((
        PyGpModel {
            inner: Arc::new(fitted.model),
            y: yv,
            curvature: fitted.curvature,
        },
        fitted.ok,
    ))
}

/// Optuna's `standard_logei`: `log E[max(0, x + z)]`, `x ~ N(0, 1)`.
#[pyfunction]
#[pyo3(signature = (*, z))]
fn gp_standard_logei<'py>(
    py: Python<'py>,
    z: PyReadonlyArray1<'py, f64>,
) -> Bound<'py, PyArray1<f64>> {
    z.as_array()
        .iter()
        .map(|&v| standard_logei(v).0)
        .collect::<Vec<_>>()
        .into_pyarray(py)
}

/// `n_samples x dim` standard normal quasi-random points.
#[pyfunction]
#[pyo3(signature = (*, n_samples, dim, seed))]
fn gp_normal_qmc_samples<'py>(
    py: Python<'py>,
    n_samples: usize,
    dim: usize,
    seed: u64,
) -> BindingResult<Bound<'py, PyArray2<f64>>> {
    to_2d(py, qmc::normal(n_samples, dim, seed), n_samples, dim)
}

/// Fantasy values at the `r` running points, `(S, r)`, drawn as Optuna's conditional GP
/// does from `(S, r + 1)` standard normal `qmc_samples` (the last column is unused here).
#[pyfunction]
#[pyo3(signature = (*, model, x_running, qmc_samples, stabilizing_noise=1e-12))]
fn gp_fantasies<'py>(
    py: Python<'py>,
    model: PyRef<'py, PyGpModel>,
    x_running: PyReadonlyArray2<'py, f64>,
    qmc_samples: PyReadonlyArray2<'py, f64>,
    stabilizing_noise: f64,
) -> BindingResult<Bound<'py, PyArray2<f64>>> {
    let d = model.inner.dim();
    let (xr, r, _) = matrix("x_running", &x_running, Some(d))?;
    let (s, ns, _) = matrix("qmc_samples", &qmc_samples, Some(r + 1))?;
    let m = model.inner.clone();
    let cond = util::run(py, move || {
        ConditionalGp::new(m, xr, &s, ns, stabilizing_noise)
    })?;
    to_2d(py, cond.fantasies().to_vec(), ns, r)
}

/// One dimension of the normalised search space of the acquisition optimiser.
#[pyclass(frozen, module = "ferrotune._core", name = "GPDim")]
#[derive(Clone)]
pub struct PyDim {
    inner: Dim,
}

#[pymethods]
impl PyDim {
    /// A continuous dimension on `[0, 1]`.
    #[staticmethod]
    fn continuous() -> Self {
        Self {
            inner: Dim::Continuous,
        }
    }

    /// A sorted grid of normalised values (int and stepped parameters).
    #[staticmethod]
    #[pyo3(signature = (*, values))]
    fn grid(values: PyReadonlyArray1<'_, f64>) -> BindingResult<Self> {
        let v = values.as_array().to_vec();
        if v.is_empty() || v.windows(2).any(|w| w[0] >= w[1]) || v.iter().any(|x| !x.is_finite()) {
            return Err(CoreError::InvalidArgument(
                "`values` must be a non-empty, strictly increasing, finite grid".into(),
            )
            .into());
        }
        Ok(Self {
            inner: Dim::Grid(v),
        })
    }

    /// `n_choices` unordered choices, coded `0..n_choices`.
    #[staticmethod]
    #[pyo3(signature = (*, n_choices))]
    fn categorical(n_choices: usize) -> BindingResult<Self> {
        if n_choices == 0 {
            return Err(
                CoreError::InvalidArgument("`n_choices` must be positive, got 0".into()).into(),
            );
        }
        Ok(Self {
            inner: Dim::Categorical(n_choices),
        })
    }
}

fn constraint_terms(constraints: &[(PyRef<'_, PyGpModel>, f64)]) -> Vec<Term> {
    constraints
        .iter()
        .map(|(m, t)| Term::LogPi {
            model: m.inner.clone(),
            threshold: *t,
        })
        .collect()
}

/// An acquisition function (to be maximised), built by its static constructors.
#[pyclass(frozen, module = "ferrotune._core", name = "GPAcqf")]
pub struct PyAcqf {
    inner: Arc<Acqf>,
}

fn make(terms: Vec<Term>, stab: f64, ls_from: &[Arc<GpModel>]) -> BindingResult<PyAcqf> {
    let d = ls_from[0].dim();
    let mut ls = vec![0.0; d];
    for m in ls_from {
        if m.dim() != d {
            return Err(
                CoreError::ShapeMismatch("all models must have the same dimension".into()).into(),
            );
        }
        for (a, b) in ls.iter_mut().zip(m.lengthscales()) {
            *a += b / ls_from.len() as f64;
        }
    }
    Ok(PyAcqf {
        inner: Arc::new(Acqf::new(terms, stab, d, ls)?),
    })
}

#[pymethods]
impl PyAcqf {
    /// logEI over `threshold` plus one logPI per `(model, threshold)` constraint
    /// (Optuna's LogEI / LogCEI; a `-inf` threshold drops the logEI term).
    #[staticmethod]
    #[pyo3(signature = (*, model, threshold, constraints=Vec::new(), stabilizing_noise=1e-12))]
    fn log_ei(
        model: PyRef<'_, PyGpModel>,
        threshold: f64,
        constraints: Vec<(PyRef<'_, PyGpModel>, f64)>,
        stabilizing_noise: f64,
    ) -> BindingResult<Self> {
        let mut terms = vec![Term::LogEi {
            model: model.inner.clone(),
            threshold,
        }];
        terms.extend(constraint_terms(&constraints));
        make(terms, stabilizing_noise, std::slice::from_ref(&model.inner))
    }

    /// q-batch logEI with running trials at `x_running` (Optuna's qLogEI) given the
    /// standard normal `qmc_samples` of shape `(S, r + 1)`; with `constraints`, each
    /// `(model, threshold, qmc_samples)` conditioned likewise, Optuna's qLogCEI.
    #[staticmethod]
    #[pyo3(signature = (*, model, threshold, x_running, qmc_samples, constraints=Vec::new(), stabilizing_noise=1e-12))]
    fn q_log_ei(
        py: Python<'_>,
        model: PyRef<'_, PyGpModel>,
        threshold: f64,
        x_running: PyReadonlyArray2<'_, f64>,
        qmc_samples: PyReadonlyArray2<'_, f64>,
        constraints: Vec<(PyRef<'_, PyGpModel>, f64, PyReadonlyArray2<'_, f64>)>,
        stabilizing_noise: f64,
    ) -> BindingResult<Self> {
        let d = model.inner.dim();
        let (xr, r, _) = matrix("x_running", &x_running, Some(d))?;
        let condition =
            |m: &Arc<GpModel>, q: &PyReadonlyArray2<'_, f64>| -> BindingResult<ConditionalGp> {
                let (s, n_s, _) = matrix("qmc_samples", q, Some(r + 1))?;
                let m = m.clone();
                let xr = xr.clone();
                Ok(util::run(py, move || {
                    ConditionalGp::new(m, xr, &s, n_s, stabilizing_noise)
                })?)
            };
        let cond = Box::new(condition(&model.inner, &qmc_samples)?);
        let term = if constraints.is_empty() {
            Term::QLogEi { cond, threshold }
        } else {
            let mut cs = Vec::with_capacity(constraints.len());
            for (m, t, q) in &constraints {
                cs.push((condition(&m.inner, q)?, *t));
            }
            Term::QLogCei {
                cond,
                threshold,
                constraints: cs,
            }
        };
        make(
            vec![term],
            stabilizing_noise,
            std::slice::from_ref(&model.inner),
        )
    }

    /// Monte-Carlo logEHVI over the non-dominated boxes (maximisation convention; Optuna's
    /// LogEHVI), plus one logPI per constraint; no boxes (no feasible point): constraints only.
    #[staticmethod]
    #[pyo3(signature = (*, models, box_lower_bounds, box_intervals, qmc_samples, constraints=Vec::new(), stabilizing_noise=1e-12))]
    fn log_ehvi(
        models: Vec<PyRef<'_, PyGpModel>>,
        box_lower_bounds: PyReadonlyArray2<'_, f64>,
        box_intervals: PyReadonlyArray2<'_, f64>,
        qmc_samples: PyReadonlyArray2<'_, f64>,
        constraints: Vec<(PyRef<'_, PyGpModel>, f64)>,
        stabilizing_noise: f64,
    ) -> BindingResult<Self> {
        if models.is_empty() {
            return Err(CoreError::InvalidArgument("`models` must not be empty".into()).into());
        }
        let n_obj = models.len();
        let (lower, nb, _) = matrix("box_lower_bounds", &box_lower_bounds, Some(n_obj))?;
        let (intervals, nb2, _) = matrix("box_intervals", &box_intervals, Some(n_obj))?;
        let (samples, _, _) = matrix("qmc_samples", &qmc_samples, Some(n_obj))?;
        if nb != nb2 {
            return Err(CoreError::ShapeMismatch(
                "`box_lower_bounds` and `box_intervals` differ in rows".into(),
            )
            .into());
        }
        let ms: Vec<Arc<GpModel>> = models.iter().map(|m| m.inner.clone()).collect();
        let mut terms = Vec::new();
        if nb > 0 {
            terms.push(Term::LogEhvi {
                models: ms.clone(),
                lower,
                intervals,
                samples,
            });
        }
        terms.extend(constraint_terms(&constraints));
        make(terms, stabilizing_noise, &ms)
    }

    /// q-batch logEHVI with running trials at `x_running` (Optuna's qLogEHVI): objective
    /// `i` conditions on its own `(S, r + 1)` standard normal `qmc_samples[i]`; the boxes
    /// are per QMC sample, `boxes = (lower, widths)` each `(S, B, M)` (pad with lower 0 and
    /// width 1e-12, as Optuna does); with `constraints` `(model, threshold, qmc_samples)`,
    /// Optuna's qLogCEHVI (the boxes then hold only each sample's feasible fantasies).
    #[staticmethod]
    #[pyo3(signature = (*, models, x_running, qmc_samples, boxes, constraints=Vec::new(), stabilizing_noise=1e-12))]
    fn q_log_ehvi(
        py: Python<'_>,
        models: Vec<PyRef<'_, PyGpModel>>,
        x_running: PyReadonlyArray2<'_, f64>,
        qmc_samples: Vec<PyReadonlyArray2<'_, f64>>,
        boxes: (PyReadonlyArray3<'_, f64>, PyReadonlyArray3<'_, f64>),
        constraints: Vec<(PyRef<'_, PyGpModel>, f64, PyReadonlyArray2<'_, f64>)>,
        stabilizing_noise: f64,
    ) -> BindingResult<Self> {
        let (box_lower_bounds, box_intervals) = boxes;
        if models.is_empty() || models.len() != qmc_samples.len() {
            return Err(CoreError::InvalidArgument(
                "`models` and `qmc_samples` must be non-empty and of equal length".into(),
            )
            .into());
        }
        let n_obj = models.len();
        let d = models[0].inner.dim();
        let (xr, r, _) = matrix("x_running", &x_running, Some(d))?;
        let mut conds = Vec::with_capacity(n_obj);
        let mut n_s = 0;
        for (m, q) in models.iter().zip(&qmc_samples) {
            let (s, ns, _) = matrix("qmc_samples", q, Some(r + 1))?;
            n_s = ns;
            let model = m.inner.clone();
            let xr2 = xr.clone();
            conds.push(util::run(py, move || {
                ConditionalGp::new(model, xr2, &s, ns, stabilizing_noise)
            })?);
        }
        let shape = box_lower_bounds.shape().to_vec();
        if shape.len() != 3
            || shape[0] != n_s
            || shape[2] != n_obj
            || box_intervals.shape() != shape.as_slice()
        {
            return Err(CoreError::ShapeMismatch(format!(
                "`box_lower_bounds` and `box_intervals` must have shape ({n_s}, B, {n_obj})"
            ))
            .into());
        }
        let lower: Vec<f64> = box_lower_bounds.as_array().iter().copied().collect();
        let intervals: Vec<f64> = box_intervals.as_array().iter().copied().collect();
        let mut cons = Vec::with_capacity(constraints.len());
        for (m, t, q) in &constraints {
            let (s, ns, _) = matrix("qmc_samples", q, Some(r + 1))?;
            let model = m.inner.clone();
            let xr2 = xr.clone();
            let c = util::run(py, move || {
                ConditionalGp::new(model, xr2, &s, ns, stabilizing_noise)
            })?;
            cons.push((c, *t));
        }
        let ms: Vec<Arc<GpModel>> = models.iter().map(|m| m.inner.clone()).collect();
        make(
            vec![Term::QLogEhvi {
                conds,
                lower,
                intervals,
                constraints: cons,
            }],
            stabilizing_noise,
            &ms,
        )
    }

    /// Values and gradients at each row of `x`.
    #[pyo3(signature = (*, x))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> BindingResult<ValuesGrads<'py>> {
        let d = self.inner.dim();
        let (xs, m, _) = matrix("x", &x, Some(d))?;
        let acqf = self.inner.clone();
        let (v, g) = util::run(py, move || {
            let mut vals = vec![0.0; m];
            let mut grads = vec![0.0; m * d];
            for j in 0..m {
                vals[j] = acqf.eval(
                    &xs[j * d..(j + 1) * d],
                    Some(&mut grads[j * d..(j + 1) * d]),
                );
            }
            Ok((vals, grads))
        })?;
        Ok((v.into_pyarray(py), to_2d(py, g, m, d)?))
    }

    /// Maximise over `dims` (Optuna's `optimize_acqf_mixed`); returns `(x, value)`.
    #[pyo3(signature = (*, dims, warmstart, seed, options=None))]
    fn optimize<'py>(
        &self,
        py: Python<'py>,
        dims: Vec<PyRef<'py, PyDim>>,
        warmstart: PyReadonlyArray2<'py, f64>,
        seed: u64,
        options: Option<&PyOptimOptions>,
    ) -> BindingResult<(Bound<'py, PyArray1<f64>>, f64)> {
        let d = self.inner.dim();
        let (w, _, _) = matrix("warmstart", &warmstart, Some(d))?;
        let dims: Vec<Dim> = dims.iter().map(|x| x.inner.clone()).collect();
        let opts = OptimOptions {
            seed,
            ..options.map_or_else(OptimOptions::default, |o| o.inner.clone())
        };
        let acqf = self.inner.clone();
        let (x, v) = util::run(py, move || optimize_acqf_mixed(&acqf, &dims, &w, &opts))?;
        Ok((x.into_pyarray(py), v))
    }
}

/// Settings of the acquisition optimiser (Optuna's defaults).
#[pyclass(frozen, module = "ferrotune._core", name = "GPOptimizerOptions")]
#[derive(Clone)]
pub struct PyOptimOptions {
    inner: OptimOptions,
}

#[pymethods]
impl PyOptimOptions {
    #[new]
    #[pyo3(signature = (*, n_preliminary_samples=2048, n_local_search=10, tol=1e-4))]
    fn new(n_preliminary_samples: usize, n_local_search: usize, tol: f64) -> BindingResult<Self> {
        if n_preliminary_samples == 0 || n_local_search == 0 {
            return Err(CoreError::InvalidArgument(
                "`n_preliminary_samples` and `n_local_search` must be positive".into(),
            )
            .into());
        }
        if !(tol.is_finite() && tol > 0.0) {
            return Err(CoreError::InvalidArgument(format!(
                "`tol` must be finite and positive, got {tol}"
            ))
            .into());
        }
        Ok(Self {
            inner: OptimOptions {
                n_preliminary_samples,
                n_local_search,
                tol,
                ..OptimOptions::default()
            },
        })
    }

    /// Quasi-random points evaluated first.
    #[getter]
    fn n_preliminary_samples(&self) -> usize {
        self.inner.n_preliminary_samples
    }

    /// Number of local searches.
    #[getter]
    fn n_local_search(&self) -> usize {
        self.inner.n_local_search
    }

    /// Tolerance (L-BFGS-B's `pgtol` is its square root).
    #[getter]
    fn tol(&self) -> f64 {
        self.inner.tol
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyKernelParams>()?;
    m.add_class::<PyGpModel>()?;
    m.add_class::<PyDim>()?;
    m.add_class::<PyAcqf>()?;
    m.add_class::<PyFitOptions>()?;
    m.add_class::<PyOptimOptions>()?;
    m.add_function(wrap_pyfunction!(gp_log_prior, m)?)?;
    m.add_function(wrap_pyfunction!(gp_fit_kernel_params, m)?)?;
    m.add_function(wrap_pyfunction!(gp_standard_logei, m)?)?;
    m.add_function(wrap_pyfunction!(gp_normal_qmc_samples, m)?)?;
    m.add_function(wrap_pyfunction!(gp_fantasies, m)?)?;
    Ok(())
}
