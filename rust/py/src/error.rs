//! The one place where errors become Python exceptions.
//!
//! Binding functions return `PyResult<T>` or [`BindingResult<T>`] and use `?` on
//! core results and on pyo3 calls alike: [`BindingError`] wraps either, and PyO3
//! accepts it as the error of a `#[pyfunction]` because it converts into `PyErr`.
//! The mapping of [`CoreError`] variants to exception types lives only in
//! [`to_py_err`]. [`ArrayArg`] checks numpy array arguments (contiguity, shape)
//! with messages that name the argument.
//!
//! Modelled on polars' `crates/polars-python/src/error.rs` and pydantic-core's
//! single error module.

use ferrotune_core::CoreError;
use numpy::ndarray::Dimension;
use numpy::{Element, PyReadonlyArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::PyErr;
use std::any::Any;

/// An error raised by a binding: from the core, or already a Python exception.
#[derive(Debug)]
pub enum BindingError {
    /// A core algorithm or an argument check failed (see [`to_py_err`]).
    Core(CoreError),
    /// A Python exception raised while talking to the interpreter.
    Python(PyErr),
    /// A panic in the core, caught: a bug, never a user error (`RuntimeError`, not
    /// pyo3's `PanicException`, which derives from `BaseException` and escapes
    /// `except Exception`). Holds the panic message.
    Panic(String),
}

impl BindingError {
    /// The error for a caught panic whose payload is `payload`.
    pub fn from_panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown panic");
        Self::Panic(what.to_owned())
    }
}

/// Result of a binding function: `?` works on core and pyo3 results alike.
pub type BindingResult<T> = Result<T, BindingError>;

impl From<CoreError> for BindingError {
    fn from(err: CoreError) -> Self {
        Self::Core(err)
    }
}

impl From<PyErr> for BindingError {
    fn from(err: PyErr) -> Self {
        Self::Python(err)
    }
}

impl From<BindingError> for PyErr {
    fn from(err: BindingError) -> Self {
        match err {
            BindingError::Core(err) => to_py_err(err),
            BindingError::Python(err) => err,
            BindingError::Panic(what) => {
                PyRuntimeError::new_err(format!("internal error in ferrotune core: {what}"))
            }
        }
    }
}

/// Convert a core error into the matching Python exception: invalid arguments and
/// shape mismatches are the caller's fault (`ValueError`), numerical failures are not
/// (`RuntimeError`).
pub fn to_py_err(err: CoreError) -> PyErr {
    match err {
        CoreError::InvalidArgument(_) | CoreError::ShapeMismatch(_) => {
            PyValueError::new_err(err.to_string())
        }
        CoreError::Numerical(_) => PyRuntimeError::new_err(err.to_string()),
    }
}

/// A numpy array argument with its Python name, for checks whose messages name it.
pub struct ArrayArg<'a, 'py, T: Element, D: Dimension> {
    name: &'a str,
    array: &'a PyReadonlyArray<'py, T, D>,
}

impl<'a, 'py, T: Element, D: Dimension> ArrayArg<'a, 'py, T, D> {
    /// The argument `name` holding `array`.
    pub fn new(name: &'a str, array: &'a PyReadonlyArray<'py, T, D>) -> Self {
        Self { name, array }
    }

    /// The elements in memory order; fails unless the array is C-contiguous.
    pub fn contiguous(&self) -> Result<&'a [T], CoreError> {
        self.array.as_slice().map_err(|_| {
            CoreError::InvalidArgument(format!("`{}` must be a contiguous array", self.name))
        })
    }

    /// The shape, after checking it against `expected` (`None`: any length on that axis).
    pub fn shape(&self, expected: &[Option<usize>]) -> Result<&'a [usize], CoreError> {
        let actual = self.array.shape();
        let matches = actual.len() == expected.len()
            && actual
                .iter()
                .zip(expected)
                .all(|(&got, want)| want.is_none_or(|w| w == got));
        if matches {
            return Ok(actual);
        }
        let wanted: Vec<String> = expected
            .iter()
            .map(|axis| axis.map_or_else(|| "_".to_owned(), |n| n.to_string()))
            .collect();
        let got: Vec<String> = actual.iter().map(usize::to_string).collect();
        Err(CoreError::ShapeMismatch(format!(
            "`{}` must have shape {}, got {}",
            self.name,
            python_tuple(&wanted),
            python_tuple(&got)
        )))
    }

    /// A copy of the elements in logical (row-major) order, whatever the memory layout.
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Copy,
    {
        self.array.as_array().iter().copied().collect()
    }
}

/// `items` written as a Python tuple: `(3, 2)`, `(3,)`.
fn python_tuple(items: &[String]) -> String {
    match items {
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}
