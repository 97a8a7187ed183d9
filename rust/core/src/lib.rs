//! ferrotune-core: the numerical algorithms behind ferrotune.
//!
//! Nothing in this crate knows about Python. Functions take slices or
//! `ndarray` views and return owned arrays or `Result<_, CoreError>`; the
//! `ferrotune-py` crate is the only place that talks to the interpreter.

pub mod cmaes;
pub mod error;
pub mod fanova;
pub mod gp;
pub mod multiobjective;
pub mod simd;
pub mod tpe;
pub mod truncnorm;

pub use error::CoreError;
