//! Bindings for `ferrotune_core::fanova`: random-forest importances (fANOVA and MDI).

use ferrotune_core::fanova::{self as fa, ForestParams};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::util;

/// `(mean, std)` arrays returned to Python.
type MeanStd<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// Hyper-parameters of the random forest behind both importances.
#[pyclass(module = "ferrotune._core", name = "ForestParams", frozen)]
pub struct PyForestParams {
    inner: ForestParams,
}

#[pymethods]
impl PyForestParams {
    #[new]
    #[pyo3(signature = (*, n_trees, max_depth, min_samples_split, min_samples_leaf, seed))]
    fn new(
        n_trees: usize,
        max_depth: usize,
        min_samples_split: usize,
        min_samples_leaf: usize,
        seed: u64,
    ) -> Self {
        let inner = ForestParams {
            n_trees,
            max_depth,
            min_samples_split,
            min_samples_leaf,
            seed,
        };
        Self { inner }
    }
}

/// fANOVA main-effect importances of column groups: `(mean, std)` over trees.
#[pyfunction]
#[pyo3(signature = (x, y, bounds, groups, *, forest))]
fn fanova_importances<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    bounds: PyReadonlyArray2<'py, f64>,
    groups: Vec<Vec<usize>>,
    forest: PyRef<'py, PyForestParams>,
) -> PyResult<MeanStd<'py>> {
    let (x, y, bounds) = (x.as_array(), y.as_array(), bounds.as_array());
    let params = forest.inner;
    let (mean, std) = util::run(py, || {
        fa::fanova_importances(x, y, bounds, &groups, &params)
    })?;
    Ok((mean.into_pyarray(py), std.into_pyarray(py)))
}

/// Mean-decrease-impurity importance per column of `x` (sums to one unless no tree splits).
#[pyfunction]
#[pyo3(signature = (x, y, *, forest))]
fn forest_mdi_importances<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    forest: PyRef<'py, PyForestParams>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (x, y) = (x.as_array(), y.as_array());
    let params = forest.inner;
    let out = util::run(py, || fa::mdi_importances(x, y, &params))?;
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyForestParams>()?;
    m.add_function(wrap_pyfunction!(fanova_importances, m)?)?;
    m.add_function(wrap_pyfunction!(forest_mdi_importances, m)?)?;
    Ok(())
}
