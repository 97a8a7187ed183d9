//! Shared glue: release the interpreter lock for core work and map errors.

use ferrotune_core::simd::clear_upper_simd_state;
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
///
/// Clears the upper halves of the vector registers first: the core is compiled for
/// baseline x86-64 (legacy-SSE encoded floating point), and when the caller (numpy's
/// AVX/AVX-512 kernels, say) left the upper register state dirty, every such
/// instruction pays a false dependency until a `vzeroupper` (CMA-ES `ask` ran up to ~5x
/// slower depending on which numpy call ran last).
#[allow(dead_code)]
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: Send + FnOnce() -> Result<T, CoreError>,
{
    py.detach(|| {
        clear_upper_simd_state();
        work()
    })
    .map_err(to_py_err)
}
