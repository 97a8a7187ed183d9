//! Shared glue: release the interpreter lock for core work (errors: [`crate::error`]).

use ferrotune_core::simd::clear_upper_simd_state;
use ferrotune_core::CoreError;
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{to_py_err, BindingError};

/// Run `work` with the interpreter lock released and map its error.
///
/// A panic in the core is a bug, never a user error: it is caught here and raised as
/// `RuntimeError("internal error in ferrotune core: ...")` instead of pyo3's
/// `PanicException`, which derives from `BaseException` and escapes `except Exception`.
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
        catch_unwind(AssertUnwindSafe(work))
    })
    .map_err(|payload| BindingError::from_panic(payload.as_ref()))?
    .map_err(to_py_err)
}

/// Panic inside [`run`] on purpose: lets the Python tests check that a core panic
/// surfaces as `RuntimeError` (not part of the public API).
#[pyfunction]
pub fn _panic_for_tests(py: Python<'_>, message: String) -> PyResult<()> {
    run(py, move || -> Result<(), CoreError> { panic!("{message}") })
}
