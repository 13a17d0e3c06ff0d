//! The one boundary where core failures become the Python exceptions of
//! `edgeworker._errors`. Messages and codes pass through verbatim: the core owns them.

use edgeworker_core::address::{AllocationError, PoolError};
use edgeworker_core::context::ContextError;
use edgeworker_core::dhcp::DhcpError;
use edgeworker_core::excerpt::excerpt;
use edgeworker_core::plan::{PlanError, Problem, WriteError};
use edgeworker_core::upgrade::UpgradeError;
use edgeworker_core::validate::Rejection;
use edgeworker_core::violation::Violation;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

/// Builds an instance of the exception class `name` from `edgeworker._errors`.
pub fn raise<'py, A>(py: Python<'py>, name: &'static str, args: A) -> PyErr
where
    A: pyo3::call::PyCallArgs<'py>,
{
    match class(py, name).and_then(|cls| cls.call1(args)) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

fn class<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module =
        MODULE.get_or_try_init(py, || py.import("edgeworker._errors").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

/// Issues one `edgeworker.DhcpWarning` per host name left out of a dnsmasq file (the
/// return value stays the file's lines; `warnings` filters decide what the caller sees).
pub fn dhcp_warnings(
    py: Python<'_>,
    warnings: &[edgeworker_core::dhcp::DhcpWarning],
) -> PyResult<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    let category = class(py, "DhcpWarning")?;
    for warning in warnings {
        // Validated names hold no NUL; the conversion error is still an exception, not a panic.
        let message = std::ffi::CString::new(warning.to_string())?;
        PyErr::warn(py, &category, &message, 1)?;
    }
    Ok(())
}

/// Issues one `edgeworker.NoReservationWarning` per node the profile gives no reservation.
pub fn no_reservation_warnings(
    py: Python<'_>,
    nodes: &[edgeworker_core::dhcp::NoReservation],
) -> PyResult<()> {
    if nodes.is_empty() {
        return Ok(());
    }
    let category = class(py, "NoReservationWarning")?;
    for node in nodes {
        let message = std::ffi::CString::new(node.to_string())?;
        PyErr::warn(py, &category, &message, 1)?;
    }
    Ok(())
}

/// A violation as the dict sysinv code reads: `code`, `field`, `message`, `status` (the
/// shape `Violation` serializes to in the CLI's JSON).
pub fn violation<'py>(py: Python<'py>, v: &Violation) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("code", v.code().as_str())?;
    dict.set_item("field", v.field())?;
    dict.set_item("message", v.message())?;
    dict.set_item("status", v.status())?;
    Ok(dict)
}

/// A list of violation dicts.
pub fn violations<'py>(py: Python<'py>, list: &[Violation]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for v in list {
        out.append(violation(py, v)?)?;
    }
    Ok(out)
}

/// A refused host-add or host-update: `HostValidationError(errors, warnings)`.
pub fn rejection(py: Python<'_>, rejection: &Rejection) -> PyErr {
    match (
        violations(py, rejection.errors()),
        violations(py, rejection.warnings()),
    ) {
        (Ok(errors), Ok(warnings)) => raise(py, "HostValidationError", (errors, warnings)),
        (Err(err), _) | (_, Err(err)) => err,
    }
}

/// An operation the personality does not allow: `OperationNotSupportedError`, with sysinv's
/// refusal text.
pub fn refusal(py: Python<'_>, v: &Violation) -> PyErr {
    raise(
        py,
        "OperationNotSupportedError",
        (v.message(), v.code().as_str(), v.status()),
    )
}

/// A context the core cannot use: `ContextError(message, code)`, the message led by the
/// argument's name and the core's JSON path inside it.
pub fn context(py: Python<'_>, err: &ContextError) -> PyErr {
    raise(py, "ContextError", (format!("context: {err}"), err.code()))
}

/// A stored host (the `host` of a host-update) that is not a host record of the context:
/// the same error a bad host inside the context gets, naming the `host` argument.
pub fn stored_host(py: Python<'_>, err: &serde_json::Error) -> PyErr {
    let err = ContextError::Invalid {
        path: "host".to_owned(),
        problem: err.to_string(),
    };
    raise(py, "ContextError", (err.to_string(), err.code()))
}

/// A name that is not one of a closed set (a personality, an operation): `UnknownNameError`
/// with the core's code, the message naming the argument and quoting the value as the core
/// quotes input.
pub fn unknown_name(
    py: Python<'_>,
    argument: &str,
    value: &str,
    code: &str,
    problem: &dyn std::fmt::Display,
) -> PyErr {
    raise(
        py,
        "UnknownNameError",
        (
            format!("{argument} {:?}: {problem}", excerpt(value)),
            code,
            argument,
        ),
    )
}

/// A pool definition the core refuses: `AddressPoolError` with its `pool.*` code.
pub fn pool(py: Python<'_>, err: &PoolError) -> PyErr {
    raise(
        py,
        "AddressPoolError",
        (err.to_string(), err.code(), err.status()),
    )
}

/// A refused allocation, reservation or set of rows: `PoolExhaustedError` when nothing is
/// free, else `AddressPoolError`, with sysinv's messages.
pub fn allocation(py: Python<'_>, err: &AllocationError) -> PyErr {
    let class = match err {
        AllocationError::Exhausted { .. } => "PoolExhaustedError",
        _ => "AddressPoolError",
    };
    raise(py, class, (err.to_string(), err.code(), err.status()))
}

/// Text given as an address that is not one: the core's `address.invalid`, the message led
/// by the argument's name (`address`, `rows[3]`).
pub fn invalid_address(py: Python<'_>, what: &str, err: &AllocationError) -> PyErr {
    raise(
        py,
        "AddressPoolError",
        (format!("{what}: {err}"), err.code(), err.status()),
    )
}

/// Rows or MACs that cannot be written to dnsmasq's files: `DhcpError` with its `dhcp.*`
/// code.
pub fn dhcp(py: Python<'_>, err: &DhcpError) -> PyErr {
    raise(py, "DhcpError", (err.to_string(), err.code()))
}

/// A provisioning input the core refuses: `PlanError` with its code, node and field.
pub fn plan(py: Python<'_>, err: &PlanError) -> PyErr {
    raise(
        py,
        "PlanError",
        (err.to_string(), err.code(), err.node(), err.field()),
    )
}

/// An upgrade plan refused: `PlanError` with the core's code, the node when there is one,
/// and the field: the plan's, `kube_nodes` for the cluster's view, `kubernetes_version`
/// (the target) for a refusal of the policy.
pub fn upgrade(py: Python<'_>, err: &UpgradeError) -> PyErr {
    let field = match err {
        UpgradeError::Input(err) => return plan(py, err),
        _ if err.is_refusal() => "kubernetes_version",
        _ => "kube_nodes",
    };
    raise(
        py,
        "PlanError",
        (err.to_string(), err.code(), err.node(), field),
    )
}

/// A problem with one argument of a plan-level function (`skew_check`'s versions):
/// `PlanError` naming the argument as the field.
pub fn plan_argument(py: Python<'_>, argument: &str, problem: &Problem) -> PyErr {
    raise(
        py,
        "PlanError",
        (
            format!("{argument}: {problem}"),
            problem.code(),
            None::<String>,
            argument,
        ),
    )
}

/// Rendering or writing the Ansible files failed: `PlanError` with the core's code
/// (`plan.write_refused`, `plan.write_failed`, `plan.render_failed`) and no node or field.
pub fn plan_write(py: Python<'_>, err: &WriteError) -> PyErr {
    raise(
        py,
        "PlanError",
        (err.to_string(), err.code(), None::<String>, None::<String>),
    )
}
