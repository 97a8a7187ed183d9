//! Bindings for `ferrotune_core::nsga3` (reference-line association of NSGA-III).

use ferrotune_core::nsga3;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{ArrayArg, BindingResult};
use crate::util;

/// `(closest, distance)`: one reference-point index and one distance per individual.
type Association<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// Nearest reference line of each row of `points` and the distance to it.
#[pyfunction]
fn nsga3_associate<'py>(
    py: Python<'py>,
    points: PyReadonlyArray2<'py, f64>,
    reference_points: PyReadonlyArray2<'py, f64>,
) -> BindingResult<Association<'py>> {
    let pts = ArrayArg::new("points", &points);
    let m = pts.shape(&[None, None])?[1];
    let refs = ArrayArg::new("reference_points", &reference_points);
    refs.shape(&[None, Some(m)])?;
    let (pts, refs) = (pts.contiguous()?, refs.contiguous()?);
    let a = util::run(py, || nsga3::associate(pts, refs, m))?;
    let closest: Vec<i64> = a.closest.into_iter().map(|j| j as i64).collect();
    Ok((closest.into_pyarray(py), a.distance.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(nsga3_associate, m)?)?;
    Ok(())
}
