//! PyO3 bindings: the private extension module `ferrotune._core`.
//!
//! Each submodule adapts one core module and registers its functions; the
//! maths lives in `ferrotune-core`. `util::run` is the one helper that
//! releases the interpreter lock; `error` is the one module that turns errors
//! into Python exceptions (`CoreError` mapping, numpy argument checks).

use pyo3::prelude::*;

mod cmaes;
mod error;
mod fanova;
mod gp;
mod multiobjective;
mod tpe;
mod truncnorm;
mod util;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    truncnorm::register(m)?;
    tpe::register(m)?;
    cmaes::register(m)?;
    fanova::register(m)?;
    multiobjective::register(m)?;
    gp::register(m)?;
    m.add_function(wrap_pyfunction!(util::_panic_for_tests, m)?)?;
    Ok(())
}
