//! The `edgeworker` Python module: a thin layer over `edgeworker-core` for sysinv.
use pyo3::prelude::*;

/// The compiled part of the `edgeworker` package.
#[pymodule]
mod _edgeworker {
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
