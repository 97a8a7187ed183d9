//! The single error type of the core crate.

use thiserror::Error;

/// Errors raised by core algorithms; the bindings map each to a Python exception.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// An argument has an invalid value (mapped to `ValueError`).
    #[error("{0}")]
    InvalidArgument(String),
    /// Array arguments have incompatible shapes (mapped to `ValueError`).
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// A numerical routine failed (mapped to `RuntimeError`).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// Shorthand for results of core functions.
pub type CoreResult<T> = Result<T, CoreError>;
