//! The compiled part of the `edgeworker` Python package: a thin layer over `edgeworker-core`
//! for the sysinv conductor. No rule lives here: arguments are converted, the core decides,
//! failures become the exceptions of `edgeworker._errors` at one boundary (`errors.rs`).

mod context;
mod convert;
mod dhcp;
mod errors;
mod plan;
mod pool;
mod validation;

use pyo3::prelude::*;

/// The compiled part of the `edgeworker` package.
#[pymodule]
mod _edgeworker {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::validation::{check_operation, supports, validate_host_add, validate_host_update};

    #[pymodule_export]
    use crate::context::PyContext;

    #[pymodule_export]
    use crate::pool::Pool;

    #[pymodule_export]
    use crate::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};

    #[pymodule_export]
    use crate::plan::{Plan, plan, skew_check};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("PERSONALITIES", crate::validation::personalities(m.py())?)
    }
}
