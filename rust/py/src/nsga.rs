//! Bindings for `ferrotune_core::nsga`: NSGA-II's sorting, crowding, elite selection and
//! child generation.
//!
//! The operators ([`NSGAOperators`]), the search space ([`NSGASpace`]) and a generation's
//! parents ([`NSGAPopulation`]) are checked once when built and reused by every call of
//! [`nsga_children`], which generates a whole batch of children with the lock released.

use ferrotune_core::nsga::{
    self, Children, Crossover, Mutation, Operators, Population, SbxParams, Space,
};
use ferrotune_core::CoreError;
use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{ArrayArg, BindingResult};
use crate::util;

/// An owned copy of a 2-D array argument, its columns checked when `ncols` is given.
fn owned<T: numpy::Element + Copy>(
    name: &str,
    arr: &PyReadonlyArray2<'_, T>,
    ncols: Option<usize>,
) -> Result<Array2<T>, CoreError> {
    ArrayArg::new(name, arr).shape(&[None, ncols])?;
    Ok(arr.as_array().to_owned())
}

fn penalty_vec(
    penalty: Option<&PyReadonlyArray1<'_, f64>>,
    n: usize,
) -> Result<Option<Vec<f64>>, CoreError> {
    penalty
        .map(|p| {
            ArrayArg::new("penalty", p).shape(&[Some(n)])?;
            Ok(p.as_array().to_vec())
        })
        .transpose()
}

fn indices<'py>(py: Python<'py>, v: Vec<usize>) -> Bound<'py, PyArray1<i64>> {
    v.into_iter()
        .map(|i| i as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py)
}

/// A crossover of numerical genes with its parameters (Optuna's built-in crossovers).
#[pyclass(frozen, module = "ferrotune._core")]
#[derive(Clone)]
struct NSGACrossover {
    inner: Crossover,
}

fn checked(inner: Crossover) -> BindingResult<NSGACrossover> {
    inner.validate()?;
    Ok(NSGACrossover { inner })
}

#[pymethods]
impl NSGACrossover {
    #[staticmethod]
    #[pyo3(signature = (*, swapping_prob))]
    fn uniform(swapping_prob: f64) -> BindingResult<Self> {
        checked(Crossover::Uniform { swapping_prob })
    }

    #[staticmethod]
    #[pyo3(signature = (*, alpha))]
    fn blx_alpha(alpha: f64) -> BindingResult<Self> {
        checked(Crossover::BlxAlpha { alpha })
    }

    #[staticmethod]
    #[pyo3(signature = (*, epsilon=None))]
    fn spx(epsilon: Option<f64>) -> BindingResult<Self> {
        checked(Crossover::Spx { epsilon })
    }

    #[staticmethod]
    #[pyo3(signature = (*, eta, uniform_crossover_prob, use_child_gene_prob))]
    fn sbx(eta: f64, uniform_crossover_prob: f64, use_child_gene_prob: f64) -> BindingResult<Self> {
        checked(Crossover::Sbx(SbxParams {
            eta,
            uniform_crossover_prob,
            use_child_gene_prob,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, eta, uniform_crossover_prob, use_child_gene_prob))]
    fn vsbx(
        eta: f64,
        uniform_crossover_prob: f64,
        use_child_gene_prob: f64,
    ) -> BindingResult<Self> {
        checked(Crossover::Vsbx(SbxParams {
            eta,
            uniform_crossover_prob,
            use_child_gene_prob,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, sigma_xi, sigma_eta=None))]
    fn undx(sigma_xi: f64, sigma_eta: Option<f64>) -> BindingResult<Self> {
        checked(Crossover::Undx {
            sigma_xi,
            sigma_eta,
        })
    }

    /// Number of parents the crossover takes.
    #[getter]
    fn n_parents(&self) -> usize {
        self.inner.n_parents()
    }
}

/// Crossover, mutation and their probabilities.
#[pyclass(frozen, module = "ferrotune._core")]
struct NSGAOperators {
    inner: Operators,
}

#[pymethods]
impl NSGAOperators {
    #[new]
    #[pyo3(signature = (*, crossover, crossover_prob, swapping_prob, mutation_prob, mutation="uniform", mutation_eta=20.0))]
    fn new(
        crossover: PyRef<'_, NSGACrossover>,
        crossover_prob: f64,
        swapping_prob: f64,
        mutation_prob: f64,
        mutation: &str,
        mutation_eta: f64,
    ) -> BindingResult<Self> {
        let mutation = match mutation {
            "uniform" => Mutation::Uniform,
            "polynomial" => Mutation::Polynomial { eta: mutation_eta },
            "flag" => Mutation::Flag,
            other => {
                return Err(CoreError::InvalidArgument(format!(
                    "`mutation` must be 'uniform', 'polynomial' or 'flag', got {other:?}"
                ))
                .into())
            }
        };
        let inner = Operators {
            crossover: crossover.inner.clone(),
            crossover_prob,
            swapping_prob,
            mutation_prob,
            mutation,
        };
        inner.validate()?;
        Ok(Self { inner })
    }
}

/// Transformed bounds `(d, 2)` and lower limits `(d,)` of the numerical genes and the
/// number of choices `(c,)` of the categorical ones.
#[pyclass(frozen, module = "ferrotune._core")]
struct NSGASpace {
    inner: Space,
}

#[pymethods]
impl NSGASpace {
    #[new]
    #[pyo3(signature = (*, bounds, lower_limit, n_choices))]
    fn new(
        bounds: PyReadonlyArray2<'_, f64>,
        lower_limit: PyReadonlyArray1<'_, f64>,
        n_choices: PyReadonlyArray1<'_, i64>,
    ) -> BindingResult<Self> {
        let b = owned("bounds", &bounds, Some(2))?;
        let d = b.nrows();
        ArrayArg::new("lower_limit", &lower_limit).shape(&[Some(d)])?;
        let choices = n_choices.as_array();
        if choices.iter().any(|&n| n < 1) {
            return Err(
                CoreError::InvalidArgument("`n_choices` must all be at least 1".into()).into(),
            );
        }
        let inner = Space {
            bounds: b.rows().into_iter().map(|r| [r[0], r[1]]).collect(),
            lower_limit: lower_limit.as_array().to_vec(),
            n_choices: choices.iter().map(|&n| n as usize).collect(),
        };
        inner.validate()?;
        Ok(Self { inner })
    }
}

/// One generation's parents: transformed numerical genes `(p, d)`, categorical indices
/// `(p, c)`, losses `(p, m)` (minimised) and total constraint violations `(p,)` or `None`.
#[pyclass(frozen, module = "ferrotune._core")]
struct NSGAPopulation {
    inner: Population,
}

#[pymethods]
impl NSGAPopulation {
    #[new]
    #[pyo3(signature = (*, numeric, categorical, loss, penalty=None))]
    fn new(
        numeric: PyReadonlyArray2<'_, f64>,
        categorical: PyReadonlyArray2<'_, i64>,
        loss: PyReadonlyArray2<'_, f64>,
        penalty: Option<PyReadonlyArray1<'_, f64>>,
    ) -> BindingResult<Self> {
        let numeric = owned("numeric", &numeric, None)?;
        let p = numeric.nrows();
        ArrayArg::new("categorical", &categorical).shape(&[Some(p), None])?;
        ArrayArg::new("loss", &loss).shape(&[Some(p), None])?;
        let cat = categorical.as_array();
        if cat.iter().any(|&i| i < 0) {
            return Err(CoreError::InvalidArgument(
                "`categorical` indices must be non-negative".into(),
            )
            .into());
        }
        let loss = loss.as_array().to_owned();
        if loss.iter().any(|v| v.is_nan()) {
            return Err(CoreError::InvalidArgument("`loss` must not contain NaN".into()).into());
        }
        let penalty = penalty_vec(penalty.as_ref(), p)?;
        Ok(Self {
            inner: Population {
                numeric,
                categorical: cat.mapv(|i| i as usize),
                loss,
                penalty,
            },
        })
    }

    fn __len__(&self) -> usize {
        self.inner.numeric.nrows()
    }
}

type ChildArrays<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray2<bool>>,
);

/// `n_children` children of `parents`: `(numeric, categorical, source, mutated)`.
#[pyfunction]
#[pyo3(signature = (*, operators, space, parents, n_children, seed))]
fn nsga_children<'py>(
    py: Python<'py>,
    operators: PyRef<'py, NSGAOperators>,
    space: PyRef<'py, NSGASpace>,
    parents: PyRef<'py, NSGAPopulation>,
    n_children: usize,
    seed: u64,
) -> BindingResult<ChildArrays<'py>> {
    let (ops, sp, pop) = (&operators.inner, &space.inner, &parents.inner);
    let Children {
        numeric,
        categorical,
        source,
        mutated,
    } = util::run(py, || {
        nsga::generate_children(ops, sp, pop, n_children, seed)
    })?;
    Ok((
        numeric.into_pyarray(py),
        categorical.into_pyarray(py),
        source.into_pyarray(py),
        mutated.into_pyarray(py),
    ))
}

/// Positions of the NSGA-II survivors among the rows of `values` (rank, then crowding).
#[pyfunction]
#[pyo3(signature = (*, values, signs, population_size, penalty=None))]
fn nsga_select_elite<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
    signs: PyReadonlyArray1<'py, f64>,
    population_size: usize,
    penalty: Option<PyReadonlyArray1<'py, f64>>,
) -> BindingResult<Bound<'py, PyArray1<i64>>> {
    let v = values.as_array();
    let s = signs.as_array().to_vec();
    let p = penalty_vec(penalty.as_ref(), v.nrows())?;
    let elite = util::run(py, || {
        nsga::select_elite(v, &s, p.as_deref(), population_size)
    })?;
    Ok(indices(py, elite))
}

/// Constrained non-domination rank of each row of `loss` (minimised).
#[pyfunction]
#[pyo3(signature = (*, loss, penalty=None))]
fn nsga_nondomination_ranks<'py>(
    py: Python<'py>,
    loss: PyReadonlyArray2<'py, f64>,
    penalty: Option<PyReadonlyArray1<'py, f64>>,
) -> BindingResult<Bound<'py, PyArray1<i64>>> {
    let l = loss.as_array();
    let p = penalty_vec(penalty.as_ref(), l.nrows())?;
    let ranks = util::run(py, || nsga::nondomination_ranks(l, p.as_deref()))?;
    Ok(indices(py, ranks))
}

/// Positions of the rows of `values` by decreasing crowding distance (Optuna's ties).
#[pyfunction]
#[pyo3(signature = (*, values))]
fn nsga_crowding_order<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<i64>>> {
    let v = values.as_array();
    if v.iter().any(|x| x.is_nan()) {
        return Err(CoreError::InvalidArgument("`values` must not contain NaN".into()).into());
    }
    let order = util::run(py, || Ok(nsga::crowding_order(v)))?;
    Ok(indices(py, order))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NSGACrossover>()?;
    m.add_class::<NSGAOperators>()?;
    m.add_class::<NSGASpace>()?;
    m.add_class::<NSGAPopulation>()?;
    m.add_function(wrap_pyfunction!(nsga_children, m)?)?;
    m.add_function(wrap_pyfunction!(nsga_select_elite, m)?)?;
    m.add_function(wrap_pyfunction!(nsga_nondomination_ranks, m)?)?;
    m.add_function(wrap_pyfunction!(nsga_crowding_order, m)?)?;
    Ok(())
}
