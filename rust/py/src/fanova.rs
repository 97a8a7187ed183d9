//! Bindings for `ferrotune_core::fanova` (placeholder).

use pyo3::prelude::*;

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
