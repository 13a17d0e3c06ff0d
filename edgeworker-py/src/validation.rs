//! Personalities, the operation gate and host-add / host-update validation (RULES §1–3).

use edgeworker_core::context::{HostRecord, Relevance};
use edgeworker_core::host::{ChangeSet, HostAddRequest};
use edgeworker_core::personality::{Operation, Personality, UnknownOperation, UnknownPersonality};
use edgeworker_core::profile::{Profile, UnknownProfile};
use edgeworker_core::validate::{self, Batch, Options};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde::Deserialize;
use serde_json::Value;

use crate::context::context_arg;
use crate::convert::{self, bool_arg, str_arg, to_json};
use crate::errors;

fn personality(py: Python<'_>, name: &str) -> PyResult<Personality> {
    name.parse().map_err(|err: UnknownPersonality| {
        errors::unknown_name(py, "personality", name, err.code(), &err)
    })
}

fn operation(py: Python<'_>, name: &str) -> PyResult<Operation> {
    name.parse().map_err(|err: UnknownOperation| {
        errors::unknown_name(py, "operation", name, err.code(), &err)
    })
}

/// Whether a host of ``personality`` may undergo ``operation`` now.
///
/// ``personality`` is one of ``PERSONALITIES``; ``operation`` one of ``host-upgrade``,
/// ``host-downgrade``, ``kube-host-upgrade-kubelet``, ``kube-host-upgrade-control-plane``,
/// ``power-on``, ``power-off``, ``reset``, ``reinstall``, ``lock``, ``unlock``,
/// ``interface-modify``, ``label-assign``. ``profile``: the release profile whose rules
/// apply, ``"classic"`` (stx.5.0 to stx.8.0) or ``"stx10"`` (stx.10.0 to master, where
/// ``host-upgrade`` and ``host-downgrade`` are deprecated for every personality).
///
/// Raises ``UnknownNameError`` for a name that is neither (``code``
/// ``personality.invalid``, ``operation.unknown`` or ``profile.unknown``), ``TypeError``
/// for a non-str.
///
/// >>> supports("edgeworker", "host-upgrade")
/// False
/// >>> supports("worker", "lock")
/// True
/// >>> supports("worker", "host-upgrade", profile="stx10")
/// False
#[pyfunction]
#[pyo3(
    signature = (personality, operation, *, profile = None),
    text_signature = "(personality, operation, *, profile='classic')"
)]
pub fn supports(
    py: Python<'_>,
    personality: &Bound<'_, PyAny>,
    operation: &Bound<'_, PyAny>,
    profile: Option<&Bound<'_, PyAny>>,
) -> PyResult<bool> {
    let (p, op) = gate_args(py, personality, operation)?;
    let profile = profile_arg(py, profile)?;
    Ok(validate::check_operation_under(profile, p, op).is_ok())
}

/// The ``profile`` keyword: absent or ``None`` is ``classic``; a str must name a profile.
pub fn profile_arg(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Profile> {
    match obj {
        None => Ok(Profile::default()),
        Some(obj) if obj.is_none() => Ok(Profile::default()),
        Some(obj) => {
            let name = str_arg(obj, "profile")?;
            name.parse().map_err(|err: UnknownProfile| {
                errors::unknown_name(py, "profile", &name, err.code(), &err)
            })
        }
    }
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

/// Returns if a host of ``personality`` may undergo ``operation``, else raises.
///
/// The guard sysinv puts in front of host-upgrade, kube-host-upgrade, power and reset
/// actions; names and ``profile`` as for ``supports``.
///
/// Raises ``OperationNotSupportedError`` with sysinv's refusal text, ``code``
/// ``operation.not_supported`` or ``operation.not_yet_supported`` and ``status`` 400;
/// ``UnknownNameError`` for an unknown name.
///
/// >>> check_operation("edgeworker", "host-upgrade")
/// Traceback (most recent call last):
/// edgeworker._errors.OperationNotSupportedError: host-upgrade rejected: Not supported for EDGEWORKER node.
/// >>> check_operation("worker", "host-upgrade", profile="stx10")
/// Traceback (most recent call last):
/// edgeworker._errors.OperationNotSupportedError: This API is deprecated.
#[pyfunction]
#[pyo3(
    signature = (personality, operation, *, profile = None),
    text_signature = "(personality, operation, *, profile='classic')"
)]
pub fn check_operation(
    py: Python<'_>,
    personality: &Bound<'_, PyAny>,
    operation: &Bound<'_, PyAny>,
    profile: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let (p, op) = gate_args(py, personality, operation)?;
    let profile = profile_arg(py, profile)?;
    validate::check_operation_under(profile, p, op).map_err(|refusal| errors::refusal(py, &refusal))
}

/// A dict argument as JSON; anything else is a `TypeError` naming the argument.
fn dict_arg(arg: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if !arg.is_instance_of::<PyDict>() {
        return Err(convert::type_error(what, "dict", arg));
    }
    to_json(arg, what)
}

/// Validates a host-add request as sysinv's host API does.
///
/// Arguments:
///
/// - ``request``: sysinv's host-add fields (``hostname``, ``personality``, ``mgmt_mac``,
///   ``mgmt_ip``, ``bm_*``, ...). A field of the wrong JSON type or an unknown field is a
///   rule violation (``request.invalid_type``, ``request.unknown_field``), not a
///   ``TypeError``.
/// - ``context``: what sysinv reads from its database for the check: ``system`` (mode,
///   type and ``vswitch_type``), ``mgmt_network`` (``dynamic`` and its ``pool``), ``hosts``
///   (the host records) and ``addresses`` (the pool's rows, ``name`` and ``address``); a
///   ``Context`` read once, or a dict, read on every call for what the request needs: of
///   every host, the fields that decide whether it can matter to the request (``hostname``
///   and ``mgmt_mac`` always; ``personality``, ``mgmt_ip``, ``bm_ip`` when the request
///   reaches controllers, storage hosts or addresses) and of every row its ``name`` (its
///   ``address`` when the request reaches addresses) are read and checked; the hosts and
///   rows that can matter are read whole. Fields of hosts that cannot matter are not
///   checked, nor are duplicates among them: ``Context(dict)`` checks the whole snapshot
///   and is the way to reuse it. ``None`` is the empty system:
///   a Standard duplex system with a dynamic management network 192.168.204.0/24 and no
///   hosts or address rows; a key left out of the dict is that part of the empty system.
///   ``profile`` names the release whose rules apply: ``"classic"`` (the default;
///   stx.5.0 to stx.8.0) or ``"stx10"`` (stx.10.0 to master: ``mgmt_ip`` ignored with
///   the warning ``mgmt_ip.ignored``, sysinv's later BMC checks, whose BMC address family
///   check reads ``oam_family``, 4 or 6, absent when the system has no OAM network).
/// - ``strict``: the host-name warnings become errors.
///
/// Returns ``{"host": {...}, "warnings": [...], "effect": "create" | "update_discovered"}``
/// (the shapes of ``edgeworker-cli validate --format json``): the normalized host, the
/// concerns that did not fail it (each a dict with ``code``, ``field``, ``message``,
/// ``status``), and whether a new host is created or an auto-discovered one (same MAC)
/// gets its identity.
///
/// Raises:
///
/// - ``HostValidationError``: the request breaks a rule; ``.errors`` lists every violation
///   in sysinv's order, ``str(e)`` is sysinv's message and ``e.status`` its HTTP status.
/// - ``ContextError``: a context the core cannot read (``context.*`` code; the message
///   names the path inside ``context``).
/// - ``TypeError``: an argument of the wrong Python type.
///
/// >>> validate_host_add({"hostname": "edge-1", "personality": "edgeworker",
/// ...                    "mgmt_mac": "08:00:27:AA:00:09"})["host"]["mgmt_mac"]
/// '08:00:27:aa:00:09'
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
    let options = Options::default().with_strict(bool_arg(strict, "strict")?);
    let context = context?;
    // Read under the context's profile, then a dict context only for what it reaches.
    let read = HostAddRequest::from_value_under(&request, context.profile());
    let ctx = context.for_request(py, || {
        read.as_ref()
            .map_or_else(|_| Relevance::none(), Relevance::host_add)
    })??;
    let result = validate::validate_host_add_read(read, ctx.get(), options);
    let outcome = result.map_err(|rejection| errors::rejection(py, &rejection))?;
    let out = PyDict::new(py);
    out.set_item("host", convert::serialized(py, &outcome.host)?)?;
    out.set_item("warnings", errors::violations(py, &outcome.warnings)?)?;
    out.set_item("effect", outcome.effect.as_str())?;
    Ok(out)
}

/// Validates host-add requests in order, as ``edgeworker-cli validate`` does a JSON Lines file.
///
/// Each accepted host joins the context for the requests after it, so a later request with
/// the same hostname or MAC is refused as a duplicate, as sysinv's own adds one after the
/// other would be. ``context`` and ``strict`` as for ``validate_host_add``, except that a dict
/// is read whole, as ``Context(dict)`` reads it; ``requests`` is a list of request dicts.
///
/// Returns one dict per request, in order, the shape of a line of ``edgeworker-cli validate
/// --format json``: ``index``, ``valid``, ``errors`` and ``warnings`` (violation dicts),
/// ``host`` (the normalized host, or ``None``) and ``effect`` (``None`` when refused). A
/// refused request raises nothing: its ``errors`` say why.
///
/// Raises ``ContextError`` for a context the core cannot read, ``TypeError`` for an argument
/// of the wrong Python type.
///
/// >>> request = {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09"}
/// >>> [r["valid"] for r in validate_host_add_batch([request, request])]
/// [True, False]
#[pyfunction]
#[pyo3(
    signature = (requests, context = None, *, strict = None),
    text_signature = "(requests, context=None, *, strict=False)"
)]
pub fn validate_host_add_batch<'py>(
    py: Python<'py>,
    requests: &Bound<'py, PyAny>,
    context: Option<&Bound<'py, PyAny>>,
    strict: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    // Every argument's Python type first, so a TypeError never hides behind a core error.
    let Ok(list) = requests.cast::<PyList>() else {
        return Err(convert::type_error("requests", "list", requests));
    };
    let requests = list
        .iter()
        .enumerate()
        .map(|(i, request)| dict_arg(&request, &format!("requests[{i}]")))
        .collect::<PyResult<Vec<_>>>()?;
    let context = context_arg(py, context)?;
    let options = Options::default().with_strict(bool_arg(strict, "strict")?);
    // Each request reaches the hosts the ones before it added: the whole context.
    let context = context?.whole(py)??;
    let mut batch = Batch::new(context.get().clone(), options);
    let out = PyList::empty(py);
    for (index, request) in requests.iter().enumerate() {
        let verdict = batch
            .add_value(request)
            .map_err(|err| errors::context(py, &err))?;
        let report = PyDict::new(py);
        report.set_item("index", index)?;
        match verdict {
            Ok(outcome) => {
                report.set_item("valid", true)?;
                report.set_item("errors", PyList::empty(py))?;
                report.set_item("warnings", errors::violations(py, &outcome.warnings)?)?;
                report.set_item("host", convert::serialized(py, &outcome.host)?)?;
                report.set_item("effect", outcome.effect.as_str())?;
            }
            Err(rejection) => {
                report.set_item("valid", false)?;
                report.set_item("errors", errors::violations(py, rejection.errors())?)?;
                report.set_item("warnings", errors::violations(py, rejection.warnings())?)?;
                report.set_item("host", py.None())?;
                report.set_item("effect", py.None())?;
            }
        }
        out.append(report)?;
    }
    Ok(out)
}

/// Validates a host-update change set against the stored host, as sysinv's host API does.
///
/// Arguments:
///
/// - ``host``: the stored host record, as in ``context["hosts"]``.
/// - ``changes``: the fields to change (sysinv's patch, as a dict).
/// - ``context``, ``strict``: as for ``validate_host_add`` (a dict is read for what the
///   change set needs: the hosts and rows of its new name and BMC address, and the
///   controllers' names).
///
/// Returns ``{"changes": {...}, "host": {...}, "warnings": [...], "effect": "update",
/// "configure": bool}``: the changes as validated and normalized (only the fields given;
/// board management a personality ignores is ``bm_type: none`` with its other fields
/// dropped; never the password), the host as it will be stored, and whether the conductor
/// must now configure it (its personality is newly set: that is when its management
/// address is allocated).
///
/// Raises ``HostValidationError``, ``ContextError`` (also for a ``host`` that is not a host
/// record), or ``TypeError``.
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
    let options = Options::default().with_strict(bool_arg(strict, "strict")?);
    let host = HostRecord::deserialize(&host).map_err(|err| errors::stored_host(py, &err))?;
    let context = context?;
    let read = ChangeSet::from_value(&changes);
    let ctx = context.for_request(py, || {
        read.as_ref()
            .map_or_else(|_| Relevance::none(), Relevance::host_update)
    })??;
    let result = validate::validate_host_update_read(&host, read, ctx.get(), options);
    let outcome = result.map_err(|rejection| errors::rejection(py, &rejection))?;
    let out = PyDict::new(py);
    out.set_item("changes", convert::serialized(py, &outcome.changes)?)?;
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
