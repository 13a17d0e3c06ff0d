//! The compiled part of the `edgeworker` Python package: a thin layer over `edgeworker-core`
//! for the sysinv conductor. No rule lives here: arguments are converted, the core decides,
//! failures become the exceptions of `edgeworker._errors` at one boundary (`errors.rs`).
//!
//! The doc comments of everything exported to Python are its Python docstrings (`help()`),
//! written in reST like the type stub `python/edgeworker/_edgeworker.pyi`, whose docstrings
//! are the same text: `tests/test_docs.py` fails when the two differ.

// Doc comments of the exported items are Python docstrings in reST, not rustdoc markdown.
#![allow(clippy::doc_link_with_quotes, clippy::doc_markdown)]

mod context;
mod convert;
mod dhcp;
mod errors;
mod plan;
mod pool;
mod validation;

use pyo3::prelude::*;

/// The compiled part of the ``edgeworker`` package: a thin layer over ``edgeworker-core``.
///
/// Argument conventions, for every function here:
///
/// - An argument of the wrong Python type (a list where a dict is required, a dict key that is
///   not a ``str``, ``bytes``, NaN, an int beyond 64 bits) raises ``TypeError`` naming the
///   argument and the path inside it (``context["hosts"][2]: keys must be str, not int``).
/// - Dicts and lists nested deeper than 128 levels (the limit the CLI sets for JSON text)
///   raise ``InputTooDeepError`` (code ``input.too_deep``) naming the path, never
///   ``RecursionError``.
/// - A well-typed value the core refuses raises an ``EdgeworkerError`` subclass whose message
///   and ``code`` are the core's: ``ContextError`` for a context or stored host the core cannot
///   read (``context.invalid``, ``context.unknown_field``, ``context.duplicate``),
///   ``HostValidationError`` for a request that breaks a rule.
/// - Nothing raises ``PanicException``.
#[pymodule]
mod _edgeworker {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::validation::{
        check_operation, supports, validate_host_add, validate_host_add_batch, validate_host_update,
    };

    #[pymodule_export]
    use crate::context::PyContext;

    #[pymodule_export]
    use crate::pool::Pool;

    #[pymodule_export]
    use crate::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};

    #[pymodule_export]
    use crate::plan::{Plan, UpgradePlan, plan, skew_check, upgrade_plan};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("PERSONALITIES", crate::validation::personalities(m.py())?)
    }
}
