//! Bindings for `ferrotune_core::multiobjective` (non-dominated sort, hypervolume, HSSP,
//! MOTPE's below set).

use ferrotune_core::multiobjective as mo;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::util;

fn flat(points: &PyReadonlyArray2<'_, f64>) -> (Vec<f64>, usize) {
    let a = points.as_array();
    (a.iter().copied().collect(), a.ncols())
}

/// Non-domination rank of each row of `loss_values` (minimised); `n_below=0` ranks all.
#[pyfunction]
#[pyo3(signature = (loss_values, n_below=0))]
fn nondomination_rank<'py>(
    py: Python<'py>,
    loss_values: PyReadonlyArray2<'py, f64>,
    n_below: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (pts, m) = flat(&loss_values);
    let r = util::run(py, || mo::nondomination_rank(&pts, m.max(1), n_below))?;
    Ok(r.into_iter()
        .map(|v| v as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// Exact hypervolume of `loss_values` (minimised) w.r.t. `reference_point`.
#[pyfunction]
fn hypervolume(
    py: Python<'_>,
    loss_values: PyReadonlyArray2<'_, f64>,
    reference_point: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    let (pts, m) = flat(&loss_values);
    let r = reference_point.as_array().to_vec();
    let m = if pts.is_empty() { r.len() } else { m };
    util::run(py, || mo::hypervolume(&pts, m, &r))
}

/// Greedy hypervolume subset selection: row indices of `subset_size` points.
#[pyfunction]
fn solve_hssp<'py>(
    py: Python<'py>,
    loss_values: PyReadonlyArray2<'py, f64>,
    subset_size: usize,
    reference_point: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (pts, m) = flat(&loss_values);
    let r = reference_point.as_array().to_vec();
    let s = util::run(py, || mo::hssp_greedy(&pts, m.max(1), subset_size, &r))?;
    Ok(s.into_iter()
        .map(|v| v as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// MOTPE's below set: sorted row indices of the `n_below` best rows of `loss_values`
/// (minimised, trial order) by non-domination rank, the first front that does not fit
/// broken by greedy hypervolume subset selection (Optuna 5.0's split).
#[pyfunction]
fn select_below<'py>(
    py: Python<'py>,
    loss_values: PyReadonlyArray2<'py, f64>,
    n_below: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (pts, m) = flat(&loss_values);
    let s = util::run(py, || mo::select_below(&pts, m.max(1), n_below))?;
    Ok(s.into_iter()
        .map(|v| v as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(nondomination_rank, m)?)?;
    m.add_function(wrap_pyfunction!(hypervolume, m)?)?;
    m.add_function(wrap_pyfunction!(solve_hssp, m)?)?;
    m.add_function(wrap_pyfunction!(select_below, m)?)?;
    Ok(())
}
