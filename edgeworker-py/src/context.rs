//! `edgeworker.Context`: a context read once and shared by any number of calls and threads,
//! and the `context` argument every function taking one accepts (a `Context`, a dict, or
//! `None` for the empty system, `Context::default()`).
//!
//! A dict is read straight into the core's types: strings are read in place (see
//! [`convert::with_text`]), no JSON text and no `serde_json::Value` in between. Anything
//! that fast reader does not take (a wrong type, an invalid field, an unknown key) sends the
//! whole dict through the general path, `to_json` then `Context::from_value`, so a dict's
//! errors are exactly what they always were, and the same for a dict and a `Context`.

use std::sync::LazyLock;

use edgeworker_core::context::{
    AddressRow, Context, ContextParts, HostField, HostRecord, HostRecordBuilder, MgmtNetwork,
    System,
};
use edgeworker_core::profile::IpFamily;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde::Deserialize;
use serde::de::value::BorrowedStrDeserializer;
use serde_json::Value;

use crate::convert::{self, to_json, to_json_at, with_text};
use crate::errors;

/// The empty system (`Context::default()`), built once: calls without a context are cheap.
static DEFAULT_CONTEXT: LazyLock<Context> = LazyLock::new(Context::default);

/// Hosts plus rows above which the index is built with the GIL released.
const DETACH_ABOVE: usize = 1_000;

/// A host-add context read, checked and indexed once, for any number of calls.
///
/// ``context`` is a dict of the shape every ``context`` argument takes (system, management
/// network, hosts, address rows). Pass the ``Context`` wherever a function takes a
/// ``context``: it answers exactly as the dict would, without reading the dict again, so a
/// call costs the same whatever the number of hosts. The ``Context`` is immutable (a later
/// change to the dict does not reach it) and may be shared between threads. An invalid
/// context raises what the functions raise for it: ``ContextError`` or ``TypeError``.
#[pyclass(frozen, module = "edgeworker._edgeworker", name = "Context")]
pub struct PyContext {
    /// Immutable after construction; `Context` is `Sync`, so threads share it freely.
    inner: Context,
}

#[pymethods]
impl PyContext {
    #[new]
    #[pyo3(text_signature = "(context)")]
    fn new(py: Python<'_>, context: &Bound<'_, PyAny>) -> PyResult<Self> {
        read(py, context, "dict")?.map(|inner| Self { inner })
    }

    /// The number of hosts in the context.
    fn __len__(&self) -> usize {
        self.inner.hosts().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Context(hosts={}, addresses={})",
            self.inner.hosts().len(),
            self.inner.addresses().len()
        )
    }
}

/// A function's `context` argument, ready to use.
pub enum ContextArg<'py> {
    /// `None`: the empty system.
    Default,
    /// An `edgeworker.Context`, borrowed for the call.
    Shared(Bound<'py, PyContext>),
    /// A dict, read for this call.
    Owned(Box<Context>),
}

impl ContextArg<'_> {
    /// The context.
    pub fn get(&self) -> &Context {
        match self {
            Self::Default => &DEFAULT_CONTEXT,
            Self::Shared(ctx) => &ctx.get().inner,
            Self::Owned(ctx) => ctx,
        }
    }
}

/// Reads a `context` argument: `None`, a `Context` or a dict. The outer error is a
/// `TypeError`, raised now; the inner one a `ContextError`, which the caller raises after
/// checking its other arguments' types, so a `TypeError` never hides behind a core error.
pub fn context_arg<'py>(
    py: Python<'py>,
    context: Option<&Bound<'py, PyAny>>,
) -> PyResult<PyResult<ContextArg<'py>>> {
    Ok(match context {
        None => Ok(ContextArg::Default),
        Some(obj) if obj.is_none() => Ok(ContextArg::Default),
        Some(obj) => match obj.cast::<PyContext>() {
            Ok(shared) => Ok(ContextArg::Shared(shared.clone())),
            Err(_) => read(py, obj, "dict or Context")?.map(|ctx| ContextArg::Owned(Box::new(ctx))),
        },
    })
}

/// Reads a context dict: the fast reader, else the general path for its exact error.
fn read(py: Python<'_>, obj: &Bound<'_, PyAny>, expected: &str) -> PyResult<PyResult<Context>> {
    let Ok(dict) = obj.cast::<PyDict>() else {
        return Err(convert::type_error("context", expected, obj));
    };
    let result = if let Some(parts) = parts(dict) {
        let size =
            parts.hosts.as_ref().map_or(0, Vec::len) + parts.addresses.as_ref().map_or(0, Vec::len);
        if size > DETACH_ABOVE {
            py.detach(move || parts.build())
        } else {
            parts.build()
        }
    } else {
        let value = to_json(dict, "context")?;
        py.detach(move || Context::from_value(&value))
    };
    Ok(result.map_err(|err| errors::context(py, &err)))
}

/// The dict's parts, or `None` for anything the general path must judge.
fn parts(dict: &Bound<'_, PyDict>) -> Option<ContextParts> {
    let mut parts = ContextParts::default();
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().ok()?;
        let part = with_text(key, Part::from_name)??;
        if value.is_none() {
            continue;
        }
        match part {
            // Small and nested: read through JSON, at the depth they have in the dict.
            Part::System => {
                let json = to_json_at(&value, "context", 1).ok()?;
                parts.system = Some(System::deserialize(&json).ok()?);
            }
            Part::MgmtNetwork => {
                let json = to_json_at(&value, "context", 1).ok()?;
                parts.mgmt_network = Some(MgmtNetwork::from_value(&json).ok()?);
            }
            Part::Profile => {
                let name = value.cast::<PyString>().ok()?;
                parts.profile = Some(with_text(name, |t| t.parse().ok())??);
            }
            Part::OamFamily => {
                let json = to_json_at(&value, "context", 1).ok()?;
                parts.oam_family = Some(IpFamily::deserialize(&json).ok()?);
            }
            Part::Hosts => parts.hosts = Some(each(&value, host)?),
            Part::Addresses => parts.addresses = Some(each(&value, row)?),
        }
    }
    Some(parts)
}

#[derive(Clone, Copy)]
enum Part {
    System,
    Profile,
    OamFamily,
    MgmtNetwork,
    Hosts,
    Addresses,
}

impl Part {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "system" => Some(Self::System),
            "profile" => Some(Self::Profile),
            "oam_family" => Some(Self::OamFamily),
            "mgmt_network" => Some(Self::MgmtNetwork),
            "hosts" => Some(Self::Hosts),
            "addresses" => Some(Self::Addresses),
            _ => None,
        }
    }
}

/// Reads every item of a list or tuple (what `to_json` takes as an array) with `read`.
fn each<T>(value: &Bound<'_, PyAny>, read: fn(&Bound<'_, PyDict>) -> Option<T>) -> Option<Vec<T>> {
    let item = |item: Bound<'_, PyAny>| read(item.cast::<PyDict>().ok()?);
    if let Ok(list) = value.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for x in list.iter() {
            out.push(item(x)?);
        }
        Some(out)
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        tuple.iter().map(item).collect()
    } else {
        None
    }
}

/// The host field names as interned Python strs: a dict built by Python code (a literal,
/// `**kwargs`, an object's attribute names, as sysinv's `as_dict()`) has these very objects
/// as keys, so a key is recognised by its address before its text is read.
fn field_names(py: Python<'_>) -> &[Py<PyString>; HostField::ALL.len()] {
    static NAMES: PyOnceLock<[Py<PyString>; HostField::ALL.len()]> = PyOnceLock::new();
    NAMES.get_or_init(py, || {
        HostField::ALL.map(|field| PyString::intern(py, field.name()).unbind())
    })
}

/// The field a key names: by the interned str's address, else by its text.
fn field_of(
    names: &[Py<PyString>; HostField::ALL.len()],
    key: &Bound<'_, PyString>,
) -> Option<HostField> {
    let at = names.iter().position(|name| name.as_ptr() == key.as_ptr());
    match at {
        Some(i) => HostField::ALL.get(i).copied(),
        None => with_text(key, HostField::from_name)?,
    }
}

/// One host dict: every value a str or `None`, each field read as the core reads it.
fn host(dict: &Bound<'_, PyDict>) -> Option<HostRecord> {
    let names = field_names(dict.py());
    let mut builder = HostRecordBuilder::default();
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().ok()?;
        let field = field_of(names, key)?;
        if value.is_none() {
            builder.set_value(field, &Value::Null).ok()?;
        } else {
            let text = value.cast::<PyString>().ok()?;
            with_text(text, |t| builder.set_str(field, t))?.ok()?;
        }
    }
    builder.finish().ok()
}

/// One address row dict: `name` and `address`, both str.
fn row(dict: &Bound<'_, PyDict>) -> Option<AddressRow> {
    let (mut name, mut address) = (None, None);
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().ok()?;
        let value = value.cast::<PyString>().ok()?;
        match with_text(key, |k| k == "name")? {
            true => name = Some(with_text(value, str::to_owned)?),
            false if with_text(key, |k| k == "address")? => {
                let read = with_text(value, |t| {
                    std::net::IpAddr::deserialize(
                        BorrowedStrDeserializer::<serde_json::Error>::new(t),
                    )
                })?;
                address = Some(read.ok()?);
            }
            false => return None,
        }
    }
    Some(AddressRow {
        name: name?,
        address: address?,
    })
}
