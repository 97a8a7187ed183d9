//! Shared glue: release the interpreter lock for core work and map errors.

use ferrotune_core::CoreError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Convert a core error into the matching Python exception.
#[allow(dead_code)]
pub fn to_py_err(err: CoreError) -> PyErr {
    match err {
        CoreError::InvalidArgument(_) | CoreError::ShapeMismatch(_) => {
            PyValueError::new_err(err.to_string())
        }
        CoreError::Numerical(_) => PyRuntimeError::new_err(err.to_string()),
    }
}

/// Run `work` with the interpreter lock released and map its error.
#[allow(dead_code)]
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: Send + FnOnce() -> Result<T, CoreError>,
{
    py.detach(work).map_err(to_py_err)
}
