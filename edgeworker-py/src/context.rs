//! `edgeworker.Context`: a context read once and shared by any number of calls and threads,
//! and the `context` argument every function taking one accepts (a `Context`, a dict, or
//! `None` for the empty system, `Context::default()`).
//!
//! A dict is read straight into the core's types: strings are read in place (see
//! [`convert::with_text`]), no JSON text and no `serde_json::Value` in between. Anything
//! that fast reader does not take (a wrong type, an invalid field, an unknown key) goes
//! through the general path, `to_json` then the core's JSON reader, so a dict's errors are
//! exactly what they always were, and the same for a dict and a `Context`.
//!
//! A dict given to validate one request is read for that request ([`ContextArg::for_request`]):
//! the core's [`Relevance`] says which hosts and rows can matter; of every host only the
//! fields it decides by are read (in place, nothing allocated), and only the hosts and rows
//! that matter are converted. `Context(dict)` reads the whole snapshot.

use std::sync::LazyLock;

use edgeworker_core::context::{
    AddressRow, Context, ContextError, ContextParts, HostField, HostRecord, HostRecordBuilder,
    MgmtNetwork, Relevance, System,
};
use edgeworker_core::hostname::Hostname;
use edgeworker_core::mac::MacAddress;
use edgeworker_core::personality::Personality;
use edgeworker_core::profile::{IpFamily, Profile};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde::Deserialize;
use serde::de::value::BorrowedStrDeserializer;
use serde_json::Value;

use crate::convert::{self, to_json, to_json_at, with_text, with_text_ptr};
use crate::errors;

/// The empty system (`Context::default()`), built once: calls without a context are cheap.
static DEFAULT_CONTEXT: LazyLock<Context> = LazyLock::new(Context::default);

/// Hosts plus rows above which the index is built with the GIL released.
const DETACH_ABOVE: usize = 1_000;

/// A host-add context read, checked and indexed once, for any number of calls.
///
/// ``context`` is a dict of the shape every ``context`` argument takes (system, management
/// network, hosts, address rows). The whole snapshot is checked: every field of every host
/// and row, and that host names, MACs, uuids, management and BMC addresses, and row names
/// and addresses are unique. Pass the ``Context`` wherever a function takes a ``context``:
/// it answers exactly as the dict would, without reading the dict again, so a call costs the
/// same whatever the number of hosts. The ``Context`` is immutable (a later change to the
/// dict does not reach it) and may be shared between threads. An invalid context raises
/// what the functions raise for it: ``ContextError`` or ``TypeError``.
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

/// A function's `context` argument, as given.
pub enum ContextArg<'py> {
    /// `None`: the empty system.
    Default,
    /// An `edgeworker.Context`, borrowed for the call.
    Shared(Bound<'py, PyContext>),
    /// A dict: its system, profile and networks read, its hosts and rows not yet.
    Dict(Box<DictContext<'py>>),
}

/// A dict context whose hosts and rows are read once the caller knows which matter.
pub struct DictContext<'py> {
    /// The dict itself, for reading it whole.
    dict: Bound<'py, PyDict>,
    /// Everything but the hosts and rows.
    parts: ContextParts,
    /// The `hosts` list or tuple.
    hosts: Option<Bound<'py, PyAny>>,
    /// The `addresses` list or tuple.
    rows: Option<Bound<'py, PyAny>>,
}

/// A context ready to use.
pub enum ContextRef<'py> {
    /// The empty system.
    Default,
    /// An `edgeworker.Context`.
    Shared(Bound<'py, PyContext>),
    /// Read from a dict for this call.
    Owned(Box<Context>),
}

impl ContextRef<'_> {
    /// The context.
    pub fn get(&self) -> &Context {
        match self {
            Self::Default => &DEFAULT_CONTEXT,
            Self::Shared(ctx) => &ctx.get().inner,
            Self::Owned(ctx) => ctx,
        }
    }
}

impl<'py> ContextArg<'py> {
    /// The profile whose rules apply (a request is read under it).
    pub fn profile(&self) -> Profile {
        match self {
            Self::Default => DEFAULT_CONTEXT.profile(),
            Self::Shared(ctx) => ctx.get().inner.profile(),
            Self::Dict(dict) => dict.parts.profile.unwrap_or_default(),
        }
    }

    /// The whole context (a batch, whose requests reach any host). Errors as [`context_arg`].
    pub fn whole(self, py: Python<'py>) -> PyResult<PyResult<ContextRef<'py>>> {
        Ok(match self {
            Self::Default => Ok(ContextRef::Default),
            Self::Shared(ctx) => Ok(ContextRef::Shared(ctx)),
            Self::Dict(dict) => read(py, dict.dict.as_any(), "dict or Context")?
                .map(|ctx| ContextRef::Owned(Box::new(ctx))),
        })
    }

    /// The context for one request: a dict's hosts and rows that `relevance` wants, the
    /// others left unconverted (their [`Relevance::HOST_FIELDS`] read and checked). Errors
    /// as [`context_arg`].
    pub fn for_request(
        self,
        py: Python<'py>,
        relevance: impl FnOnce() -> Relevance,
    ) -> PyResult<PyResult<ContextRef<'py>>> {
        Ok(match self {
            Self::Default => Ok(ContextRef::Default),
            Self::Shared(ctx) => Ok(ContextRef::Shared(ctx)),
            Self::Dict(dict) => dict
                .subset(py, relevance())?
                .map(|ctx| ContextRef::Owned(Box::new(ctx))),
        })
    }
}

/// Reads a `context` argument: `None`, a `Context` or a dict (whose system, profile and
/// networks are read now). The outer error is a `TypeError`, raised now; the inner one a
/// `ContextError`, which the caller raises after checking its other arguments' types, so a
/// `TypeError` never hides behind a core error.
pub fn context_arg<'py>(
    py: Python<'py>,
    context: Option<&Bound<'py, PyAny>>,
) -> PyResult<PyResult<ContextArg<'py>>> {
    Ok(match context {
        None => Ok(ContextArg::Default),
        Some(obj) if obj.is_none() => Ok(ContextArg::Default),
        Some(obj) => {
            if let Ok(shared) = obj.cast::<PyContext>() {
                return Ok(Ok(ContextArg::Shared(shared.clone())));
            }
            let Ok(dict) = obj.cast::<PyDict>() else {
                return Err(convert::type_error("context", "dict or Context", obj));
            };
            DictContext::read(py, dict)?.map(|d| ContextArg::Dict(Box::new(d)))
        }
    })
}

impl<'py> DictContext<'py> {
    /// Reads the top level: each part by the fast reader, else through the general path,
    /// which gives a refused part's exact error (or reads a form the fast one does not).
    fn read(py: Python<'py>, dict: &Bound<'py, PyDict>) -> PyResult<PyResult<Self>> {
        let mut out = Self {
            dict: dict.clone(),
            parts: ContextParts::default(),
            hosts: None,
            rows: None,
        };
        for (key, value) in dict.iter() {
            let part = match key.cast::<PyString>() {
                // `null` is absent, whatever the key (as the JSON reader has it).
                Ok(_) if value.is_none() => continue,
                Ok(name) => with_text(name, Part::from_name).flatten(),
                Err(_) => None,
            };
            let fast = match part {
                Some(Part::Hosts) => array(&value).map(|v| out.hosts = Some(v)),
                Some(Part::Addresses) => array(&value).map(|v| out.rows = Some(v)),
                Some(part) => small_part(&mut out.parts, part, &value),
                None => None,
            };
            if fast.is_none() {
                // The general path on this key alone: its error, or its value.
                let single = PyDict::new(py);
                single.set_item(&key, &value)?;
                let json = to_json(&single, "context")?;
                match Context::from_value(&json) {
                    Err(err) => return Ok(Err(errors::context(py, &err))),
                    Ok(ctx) => take_part(&mut out, part, &ctx),
                }
            }
        }
        Ok(Ok(out))
    }

    /// The context of the hosts and rows `relevance` wants.
    fn subset(self, py: Python<'py>, mut relevance: Relevance) -> PyResult<PyResult<Context>> {
        let keys = row_keys(py);
        let read_address = relevance.reads_row_address();
        let (mut rows, mut row_at) = (Vec::new(), Vec::new());
        if let Some(list) = &self.rows {
            for (i, item) in items(list).enumerate() {
                let scanned = as_dict(&item).and_then(|d| {
                    scan_row(d, keys, read_address, &mut relevance).map(|wanted| (d, wanted))
                });
                let row = match scanned {
                    Some((_, false)) => continue,
                    Some((d, true)) => row(d),
                    None => None,
                };
                // A row wanted by its name alone is now offered with its address.
                if let (Some(row), false) = (&row, read_address) {
                    relevance.wants_row(&row.name, row.address);
                }
                let row = match row {
                    Some(row) => row,
                    None => match general_row(&item, i)? {
                        Err(err) => return Ok(Err(errors::context(py, &err))),
                        Ok(row) if relevance.wants_row(&row.name, row.address) => row,
                        Ok(_) => continue,
                    },
                };
                rows.push(row);
                row_at.push(i);
            }
        }
        let keys = host_keys(py);
        let reads = Relevance::HOST_FIELDS.map(|field| relevance.reads(field));
        let (mut hosts, mut host_at) = (Vec::new(), Vec::new());
        if let Some(list) = &self.hosts {
            for (i, item) in items(list).enumerate() {
                let scanned = as_dict(&item)
                    .and_then(|d| scan_host(d, keys, reads, &relevance).map(|wanted| (d, wanted)));
                let host = match scanned {
                    Some((_, false)) => continue,
                    Some((d, true)) => host(d),
                    None => None,
                };
                let host = match host {
                    Some(host) => host,
                    None => match general_host(&item, i)? {
                        Err(err) => return Ok(Err(errors::context(py, &err))),
                        Ok(host)
                            if relevance
                                .wants_host(&edgeworker_core::context::HostKeys::of(&host)) =>
                        {
                            host
                        }
                        Ok(_) => continue,
                    },
                };
                hosts.push(host);
                host_at.push(i);
            }
        }
        let parts = ContextParts {
            hosts: Some(hosts),
            addresses: Some(rows),
            ..self.parts
        };
        Ok(parts
            .build_at(host_at, row_at)
            .map_err(|err| errors::context(py, &err)))
    }
}

/// A list or tuple (what `to_json` takes as an array).
fn array<'py>(value: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    (value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()).then(|| value.clone())
}

/// The items of a list or tuple, each held (a strong reference) while it is read. Through
/// the C API: pyo3's iterator asks the list's length again for every item, which showed in
/// a scan of every host of a context.
fn items<'py>(value: &Bound<'py, PyAny>) -> Items<'py> {
    Items {
        list: value.is_instance_of::<PyList>(),
        tuple: value.is_instance_of::<PyTuple>(),
        seq: value.clone(),
        next: 0,
    }
}

/// See [`items`].
struct Items<'py> {
    seq: Bound<'py, PyAny>,
    list: bool,
    tuple: bool,
    next: pyo3::ffi::Py_ssize_t,
}

impl<'py> Iterator for Items<'py> {
    type Item = Bound<'py, PyAny>;

    fn next(&mut self) -> Option<Bound<'py, PyAny>> {
        let (seq, at) = (self.seq.as_ptr(), self.next);
        // SAFETY: `seq` is a live list or tuple (checked at construction), the GIL is held;
        // the item's index is checked by the call (null past the end, even of a list that
        // shrank meanwhile).
        let item = unsafe {
            if self.list {
                pyo3::ffi::PyList_GetItem(seq, at)
            } else if self.tuple {
                pyo3::ffi::PyTuple_GetItem(seq, at)
            } else {
                return None;
            }
        };
        if item.is_null() {
            drop(PyErr::take(self.seq.py()));
            return None;
        }
        self.next += 1;
        // SAFETY: a live object borrowed from the sequence; this takes a reference of ours.
        Some(unsafe { Bound::from_borrowed_ptr(self.seq.py(), item) })
    }
}

/// `item` as a dict: an exact dict by its type pointer (a call less a host), a subclass as
/// pyo3 checks it.
fn as_dict<'a, 'py>(item: &'a Bound<'py, PyAny>) -> Option<&'a Bound<'py, PyDict>> {
    // SAFETY: reading the type of a live object, the GIL held.
    let exact = unsafe { pyo3::ffi::Py_TYPE(item.as_ptr()) == &raw mut pyo3::ffi::PyDict_Type };
    if exact {
        // SAFETY: its type is `dict`.
        Some(unsafe { item.cast_unchecked::<PyDict>() })
    } else {
        item.cast::<PyDict>().ok()
    }
}

/// One of the small parts by the fast reader; `None` for what it does not take.
fn small_part(parts: &mut ContextParts, part: Part, value: &Bound<'_, PyAny>) -> Option<()> {
    match part {
        Part::System => parts.system = Some(system(value.cast::<PyDict>().ok()?)?),
        Part::MgmtNetwork => {
            let json = to_json_at(value, "context", 1).ok()?;
            parts.mgmt_network = Some(MgmtNetwork::from_value(&json).ok()?);
        }
        Part::Profile => {
            let name = value.cast::<PyString>().ok()?;
            parts.profile = Some(with_text(name, |t| t.parse().ok())??);
        }
        Part::OamFamily => {
            let json = to_json_at(value, "context", 1).ok()?;
            parts.oam_family = Some(IpFamily::deserialize(&json).ok()?);
        }
        // Read through the general path (rare, and small).
        Part::ClusterHostNetwork | Part::Hosts | Part::Addresses => return None,
    }
    Some(())
}

/// `system`: str values of its three keys, read in place (a JSON detour costs more than the
/// rules); anything else is the general path's.
fn system(dict: &Bound<'_, PyDict>) -> Option<System> {
    let mut system = System::default();
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().ok()?;
        // Not a str (`None` among them: serde's derive defaults an absent field, not a
        // null one): the general path's.
        let value = value.cast::<PyString>().ok()?;
        with_text(key, |k| {
            with_text(value, |v| {
                match k {
                    "mode" => system.mode = de(v)?,
                    "type" => system.system_type = de(v)?,
                    "vswitch_type" => system.vswitch_type = de(v)?,
                    _ => return None,
                }
                Some(())
            })
        })???;
    }
    Some(system)
}

/// Takes a part the general path read (from a context of that part alone).
fn take_part(out: &mut DictContext<'_>, part: Option<Part>, ctx: &Context) {
    let parts = &mut out.parts;
    match part {
        Some(Part::System) => parts.system = Some(ctx.system()),
        Some(Part::Profile) => parts.profile = Some(ctx.profile()),
        Some(Part::OamFamily) => parts.oam_family = ctx.oam_family(),
        Some(Part::MgmtNetwork) => parts.mgmt_network = Some(ctx.mgmt_network().clone()),
        Some(Part::ClusterHostNetwork) => {
            parts.cluster_host_network = ctx.cluster_host_network().cloned();
        }
        // An array is read by the fast path; the general one only refuses anything else.
        Some(Part::Hosts | Part::Addresses) | None => {}
    }
}

/// One host through the general path: its exact error, or the host.
fn general_host(item: &Bound<'_, PyAny>, i: usize) -> PyResult<Result<HostRecord, ContextError>> {
    let json = to_json_at(item, &format!("context[\"hosts\"][{i}]"), 2)?;
    Ok(HostRecord::from_value_at(&json, i))
}

/// One row through the general path: its exact error, or the row.
fn general_row(item: &Bound<'_, PyAny>, i: usize) -> PyResult<Result<AddressRow, ContextError>> {
    let json = to_json_at(item, &format!("context[\"addresses\"][{i}]"), 2)?;
    Ok(AddressRow::from_value_at(&json, i))
}

/// The host fields a relevance decides by, as interned strs, in [`Relevance::HOST_FIELDS`]'
/// order.
fn host_keys(py: Python<'_>) -> &[Py<PyString>; Relevance::HOST_FIELDS.len()] {
    static KEYS: PyOnceLock<[Py<PyString>; Relevance::HOST_FIELDS.len()]> = PyOnceLock::new();
    KEYS.get_or_init(py, || {
        Relevance::HOST_FIELDS.map(|field| PyString::intern(py, field.name()).unbind())
    })
}

/// `name` and `address`, interned.
fn row_keys(py: Python<'_>) -> &[Py<PyString>; 2] {
    static KEYS: PyOnceLock<[Py<PyString>; 2]> = PyOnceLock::new();
    KEYS.get_or_init(py, || {
        ["name", "address"].map(|key| PyString::intern(py, key).unbind())
    })
}

/// A str field's value read as the core reads it (`read` is its type's reader), or `Err`
/// for anything the fast reader does not judge (the general path then does). Through the C
/// API with borrowed references: this runs for a few fields of every host of a dict.
fn scan_str<T>(
    dict: &Bound<'_, PyDict>,
    key: &Py<PyString>,
    read: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ()> {
    let py = dict.py();
    // SAFETY: `dict` is a live dict and `key` a live str, the GIL is held. The value is
    // borrowed from the dict and used before any Python code can run (reading a str runs
    // none), so it stays alive.
    unsafe {
        let value = pyo3::ffi::PyDict_GetItemWithError(dict.as_ptr(), key.as_ptr());
        if value.is_null() {
            return match PyErr::take(py) {
                Some(_) => Err(()),
                None => Ok(None),
            };
        }
        if value == pyo3::ffi::Py_None() {
            return Ok(None);
        }
        // An exact str; a subclass goes the general way.
        if pyo3::ffi::Py_TYPE(value) != &raw mut pyo3::ffi::PyUnicode_Type {
            return Err(());
        }
        with_text_ptr(py, value, read).flatten().map(Some).ok_or(())
    }
}

/// Reads a string as `T` reads it from JSON text.
fn de<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    T::deserialize(BorrowedStrDeserializer::<serde_json::Error>::new(text)).ok()
}

/// Whether a host dict is wanted, reading only the fields of [`Relevance::HOST_FIELDS`] that
/// `reads` marks ([`Relevance::reads`]), each checked as the core checks it; `None` when one
/// is absent where required or not what it must be (the general path then gives the error).
fn scan_host(
    dict: &Bound<'_, PyDict>,
    keys: &[Py<PyString>; Relevance::HOST_FIELDS.len()],
    reads: [bool; Relevance::HOST_FIELDS.len()],
    relevance: &Relevance,
) -> Option<bool> {
    let [hostname, personality, mgmt_mac, mgmt_ip, bm_ip] = keys;
    let [_, read_personality, _, read_mgmt_ip, read_bm_ip] = reads;
    // Every field read is checked, so a host is wanted or not only once all are.
    // `MacAddress`'s `Deserialize` takes any string and parses it: the parse alone,
    // without the `String` serde's `Cow<str>` would allocate.
    let mac = scan_str(dict, mgmt_mac, |t| MacAddress::parse(t).ok()).ok()??;
    let mut wanted = relevance.wants_mac(&mac);
    let name = scan_str(dict, hostname, |t| {
        // `Hostname`'s own test, without building one.
        Hostname::problems(t)
            .is_empty()
            .then(|| relevance.wants_hostname(t))
    })
    .ok()?;
    wanted |= name == Some(true);
    if read_personality {
        let p = scan_str(dict, personality, de::<Personality>).ok()?;
        wanted |= p.is_some_and(|p| relevance.wants_personality(p));
    }
    if read_mgmt_ip {
        let ip = scan_str(dict, mgmt_ip, de::<std::net::IpAddr>).ok()?;
        wanted |= ip.is_some_and(|ip| relevance.wants_mgmt_ip(ip));
    }
    if read_bm_ip {
        let ip = scan_str(dict, bm_ip, de::<std::net::IpAddr>).ok()?;
        wanted |= ip.is_some_and(|ip| relevance.wants_bm_ip(ip));
    }
    Some(wanted)
}

/// Whether a row dict is wanted (which records its address, see [`Relevance::wants_row`]),
/// reading its `name`, and its `address` only where [`Relevance::reads_row_address`] says
/// it can matter (as for a host, what is not read is not checked); `None` for a field read
/// that is absent or not what the core takes (the general path then judges the row).
fn scan_row(
    dict: &Bound<'_, PyDict>,
    keys: &[Py<PyString>; 2],
    read_address: bool,
    relevance: &mut Relevance,
) -> Option<bool> {
    let [name, address] = keys;
    if read_address {
        let address = scan_str(dict, address, de::<std::net::IpAddr>).ok()??;
        return scan_str(dict, name, |t| Some(relevance.wants_row(t, address))).ok()?;
    }
    // A wanted row is read whole, which offers it to `wants_row` with its address.
    scan_str(dict, name, |t| Some(relevance.wants_row_name(t))).ok()?
}

/// Reads a context dict whole: the fast reader, else the general path for its exact error.
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
            Part::Hosts => parts.hosts = Some(each(&value, host)?),
            Part::Addresses => parts.addresses = Some(each(&value, row)?),
            // Small and nested: read through JSON, at the depth they have in the dict.
            part => small_part(&mut parts, part, &value)?,
        }
    }
    Some(parts)
}

#[derive(Clone, Copy)]
enum Part {
    System,
    Profile,
    OamFamily,
    ClusterHostNetwork,
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
            "cluster_host_network" => Some(Self::ClusterHostNetwork),
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
