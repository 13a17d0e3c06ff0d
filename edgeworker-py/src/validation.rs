//! Personalities, the operation gate and host-add / host-update validation (RULES §1–3).

use edgeworker_core::context::HostRecord;
use edgeworker_core::personality::{Operation, Personality};
use edgeworker_core::validate::{self, Options};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde::Deserialize;
use serde_json::Value;

use crate::context::context_arg;
use crate::convert::{self, bool_arg, str_arg, to_json};
use crate::errors;

fn personality(py: Python<'_>, name: &str) -> PyResult<Personality> {
    name.parse()
        .map_err(|err| errors::unknown(py, "personality", name, &err))
}

fn operation(py: Python<'_>, name: &str) -> PyResult<Operation> {
    name.parse()
        .map_err(|err| errors::unknown(py, "operation", name, &err))
}

/// Whether a host of `personality` may undergo `operation` now.
#[pyfunction]
pub fn supports(
    py: Python<'_>,
    personality: &Bound<'_, PyAny>,
    operation: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let (p, op) = gate_args(py, personality, operation)?;
    Ok(p.supports(op))
}

fn gate_args(
    py: Python<'_>,
    personality: &Bound<'_, PyAny>,
    operation: &Bound<'_, PyAny>,
) -> PyResult<(Personality, Operation)> {
    let p = self::personality(py, &str_arg(personality, "personality")?)?;
    let op = self::operation(py, &str_arg(operation, "operation")?)?;
    Ok((p, op))
}

/// Allows `operation` on a host of `personality`, or raises `OperationNotSupportedError`
/// with sysinv's refusal text.
#[pyfunction]
pub fn check_operation(
    py: Python<'_>,
    personality: &Bound<'_, PyAny>,
    operation: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let (p, op) = gate_args(py, personality, operation)?;
    validate::check_operation(p, op).map_err(|refusal| errors::refusal(py, &refusal))
}

/// A dict argument as JSON; anything else is a `TypeError` naming the argument.
fn dict_arg(arg: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if !arg.is_instance_of::<PyDict>() {
        return Err(convert::type_error(what, "dict", arg));
    }
    to_json(arg, what)
}

/// Validates a host-add request as sysinv's host API does.
#[pyfunction]
#[pyo3(
    signature = (request, context = None, *, strict = None),
    text_signature = "(request, context=None, *, strict=False)"
)]
pub fn validate_host_add<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    context: Option<&Bound<'py, PyAny>>,
    strict: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let request = dict_arg(request, "request")?;
    let context = context_arg(py, context)?;
    let options = Options {
        strict: bool_arg(strict, "strict")?,
    };
    let result = validate::validate_host_add_value(&request, context?.get(), options);
    let outcome = result.map_err(|rejection| errors::rejection(py, &rejection))?;
    let out = PyDict::new(py);
    out.set_item("host", convert::serialized(py, &outcome.host)?)?;
    out.set_item("warnings", errors::violations(py, &outcome.warnings)?)?;
    out.set_item("effect", outcome.effect.as_str())?;
    Ok(out)
}

/// Validates a host-update change set against the stored host.
#[pyfunction]
#[pyo3(
    signature = (host, changes, context = None, *, strict = None),
    text_signature = "(host, changes, context=None, *, strict=False)"
)]
pub fn validate_host_update<'py>(
    py: Python<'py>,
    host: &Bound<'py, PyAny>,
    changes: &Bound<'py, PyAny>,
    context: Option<&Bound<'py, PyAny>>,
    strict: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    // Every argument's Python type first, so a TypeError never hides behind a core error.
    let host = dict_arg(host, "host")?;
    let changes = dict_arg(changes, "changes")?;
    let context = context_arg(py, context)?;
    let options = Options {
        strict: bool_arg(strict, "strict")?,
    };
    let host = HostRecord::deserialize(&host).map_err(|err| errors::stored_host(py, &err))?;
    let result = validate::validate_host_update_value(&host, &changes, context?.get(), options);
    let outcome = result.map_err(|rejection| errors::rejection(py, &rejection))?;
    let out = PyDict::new(py);
    out.set_item("host", convert::serialized(py, &outcome.host)?)?;
    out.set_item("warnings", errors::violations(py, &outcome.warnings)?)?;
    out.set_item("effect", "update")?;
    out.set_item("configure", outcome.configure)?;
    Ok(out)
}

/// The personality names, in the core's order.
pub fn personalities(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(py, Personality::ALL.map(Personality::as_str))
}
