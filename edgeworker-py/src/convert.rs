//! Python objects ⇄ `serde_json::Value`, so Python dicts enter the core through the same
//! JSON path as the CLI's files (one input path, one set of rules).

use std::ffi::c_char;

use edgeworker_core::json::{MAX_NESTING, TooDeep};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors;

/// Converts a Python value made of dicts (str keys), lists, tuples, str, int, float, bool and
/// None into JSON. `what` names the argument in errors (`request`, `context["hosts"][2]`).
///
/// # Errors
///
/// `TypeError` naming the argument and the path for anything else: other types, non-str
/// keys, NaN or infinite floats, ints beyond 64 bits. `InputTooDeepError` (`input.too_deep`)
/// for a dict or list nested deeper than the core reads text (`json::MAX_NESTING`), so
/// Python and the CLI refuse the same depth, and a self-referencing dict ends there.
pub fn to_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_json_at(obj, what, 0)
}

/// [`to_json`] of a value `depth` levels inside the argument, so the depth limit counts
/// from the argument as a whole (a dict read part by part fails where it would whole).
pub fn to_json_at(obj: &Bound<'_, PyAny>, what: &str, depth: usize) -> PyResult<Value> {
    convert(obj, &Path::Root(what), depth)
}

/// Longest str read without allocating: a MAC (17), an IPv6 address (at most 45), a uuid
/// (36), most host names.
const SHORT: usize = 48;

/// Runs `f` on the text of a Python str; `None` for a str Rust cannot hold (a lone
/// surrogate), which the caller reports through its slow path.
///
/// Why not `to_cow`: under the stable ABI of Python 3.9 (the controllers' interpreter),
/// pyo3 can only get a str's UTF-8 by encoding it into a new `bytes` object and copying that
/// into a `String`: two allocations a field, which made reading a context dict cost more
/// than sysinv's own list comprehensions over it. See [`with_text_ptr`] for what is used
/// instead.
pub fn with_text<R>(s: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R) -> Option<R> {
    // SAFETY: `s` is a live str (the `Bound` holds a reference, and the GIL is held).
    unsafe { with_text_ptr(s.py(), s.as_ptr(), f) }
}

/// `PyUnicode_AsUTF8AndSize`, which answers the UTF-8 a str holds (an ASCII str's own
/// characters) without copying them.
type AsUtf8AndSize =
    unsafe extern "C" fn(*mut pyo3::ffi::PyObject, *mut pyo3::ffi::Py_ssize_t) -> *const c_char;

/// `PyUnicode_AsUTF8AndSize` where it is part of the stable ABI (Python 3.10 on), looked up
/// at run time so the module still loads and runs on 3.9, which keeps the copying path.
fn as_utf8(py: Python<'_>) -> Option<AsUtf8AndSize> {
    static FUNCTION: std::sync::OnceLock<Option<AsUtf8AndSize>> = std::sync::OnceLock::new();
    *FUNCTION.get_or_init(|| {
        if py.version_info() < (3, 10) {
            return None;
        }
        // SAFETY: dlsym with a NUL-terminated name; a null answer is handled.
        let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"PyUnicode_AsUTF8AndSize".as_ptr()) };
        // SAFETY: the symbol is CPython's function of this signature (stable ABI, 3.10 on).
        (!found.is_null())
            .then(|| unsafe { std::mem::transmute::<*mut libc::c_void, AsUtf8AndSize>(found) })
    })
}

/// [`with_text`] of a str given by pointer, for readers that hold borrowed references.
///
/// # Safety
///
/// `s` points to a live object of type `str` (or a subclass), the GIL is held, and nothing
/// `f` does may free it.
pub unsafe fn with_text_ptr<R>(
    py: Python<'_>,
    s: *mut pyo3::ffi::PyObject,
    f: impl FnOnce(&str) -> R,
) -> Option<R> {
    if let Some(utf8) = as_utf8(py) {
        let mut size: pyo3::ffi::Py_ssize_t = 0;
        // SAFETY: `s` is a live str; the buffer lives as long as it does, and `f` runs
        // before anything could free it. A str with a lone surrogate answers null.
        let text = unsafe { utf8(s, &raw mut size) };
        if text.is_null() {
            drop(PyErr::take(py));
            return None;
        }
        let len = usize::try_from(size).ok()?;
        // SAFETY: CPython's buffer of `size` bytes, valid UTF-8: CPython encodes strictly
        // (a lone surrogate fails above), so it need not be checked again.
        let text = unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(text.cast::<u8>(), len))
        };
        return Some(f(text));
    }
    // Python 3.9: `PyUnicode_AsUCS4` (stable ABI since 3.7) copies a short str into a buffer
    // on the stack, instead of pyo3's two allocations.
    // SAFETY: `s` is a live str.
    let len = unsafe { pyo3::ffi::PyUnicode_GetLength(s) };
    let Ok(len) = usize::try_from(len) else {
        drop(PyErr::take(py));
        return None;
    };
    if len > SHORT {
        // SAFETY: `s` is a live str, borrowed for this call.
        let s = unsafe { Bound::from_borrowed_ptr(py, s) };
        let s = s.cast::<PyString>().ok()?;
        return s.to_cow().ok().map(|text| f(&text));
    }
    let mut wide = [0u32; SHORT];
    let buflen = pyo3::ffi::Py_ssize_t::try_from(SHORT).unwrap_or(0);
    // SAFETY: `wide` holds SHORT >= len code points; the call writes at most `buflen`
    // of them and no terminator (`copy_null` 0). It fails only on a non-str, not here.
    let written = unsafe { pyo3::ffi::PyUnicode_AsUCS4(s, wide.as_mut_ptr(), buflen, 0) };
    if written.is_null() {
        drop(PyErr::take(py));
        return None;
    }
    let mut utf8 = [0u8; SHORT * 4];
    let mut end = 0;
    for &code in &wide[..len] {
        if let Ok(byte) = u8::try_from(code)
            && byte.is_ascii()
        {
            // ASCII, the whole of a valid context: one byte each.
            utf8[end] = byte;
            end += 1;
        } else {
            end += char::from_u32(code)?.encode_utf8(&mut utf8[end..]).len();
        }
    }
    std::str::from_utf8(&utf8[..end]).ok().map(f)
}

/// Where a value is inside the argument, spelled only for an error: every value of every
/// dict passes through here, and formatting each key's path cost more than reading it.
#[derive(Clone, Copy)]
enum Path<'a> {
    /// The argument (`request`, `context["hosts"][2]`).
    Root(&'a str),
    /// A dict value: `parent[key]`.
    Key(&'a Path<'a>, &'a str),
    /// A list item: `parent[i]`.
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Root(what) => f.write_str(what),
            Self::Key(parent, key) => write!(f, "{parent}[{key:?}]"),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The error for a dict or list at a level beyond `json::MAX_NESTING`, naming where it is.
fn too_deep(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyErr {
    errors::raise(
        obj.py(),
        "InputTooDeepError",
        (format!("{path}: {TooDeep}"), TooDeep::CODE),
    )
}

/// `depth` counts the dicts and lists around `obj`: one that is itself a dict or list is at
/// level `depth + 1`, which is what the limit bounds (as for text: 128 `[` are read).
fn convert(obj: &Bound<'_, PyAny>, path: &Path<'_>, depth: usize) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is a subclass of int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        // One allocation (the String) instead of `to_cow`'s two under the 3.9 stable ABI.
        if let Some(owned) = with_text(s, str::to_owned) {
            return Ok(Value::String(owned));
        }
        return Ok(Value::String(text(s, path)?.into_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(Value::Number(v.into()));
        }
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(Value::Number(v.into()));
        }
        return Err(PyTypeError::new_err(format!(
            "{path}: integer out of range"
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| {
                PyTypeError::new_err(format!("{path}: {} is not a JSON number", f.value()))
            });
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        if depth >= MAX_NESTING {
            return Err(too_deep(obj, path));
        }
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "{path}: keys must be str, not {}",
                    key.get_type().name()?
                )));
            };
            let key = match with_text(key, str::to_owned) {
                Some(key) => key,
                None => text(key, path)?.into_owned(),
            };
            let value = convert(&value, &Path::Key(path, &key), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if depth >= MAX_NESTING && (obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return Err(too_deep(obj, path));
    }
    let items = if let Ok(list) = obj.cast::<PyList>() {
        list.iter().collect::<Vec<_>>()
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        tuple.iter().collect::<Vec<_>>()
    } else {
        return Err(PyTypeError::new_err(format!(
            "{path}: expected dict, list, str, int, float, bool or None, not {}",
            obj.get_type().name()?
        )));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(convert(item, &Path::Index(path, i), depth + 1)?);
    }
    Ok(Value::Array(out))
}

/// The text of a Python str; a str Rust cannot hold (a lone surrogate) is a `TypeError`
/// naming where it is.
fn text<'a>(s: &'a Bound<'_, PyString>, path: &Path<'_>) -> PyResult<std::borrow::Cow<'a, str>> {
    s.to_cow()
        .map_err(|_| PyTypeError::new_err(format!("{path}: str with a lone surrogate")))
}

/// A str argument; anything else is a `TypeError` naming the argument. (pyo3's own
/// extraction names it only in an exception note, which Python 3.9 and 3.10 do not have.)
pub fn str_arg<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<std::borrow::Cow<'a, str>> {
    match obj.cast::<PyString>() {
        Ok(s) => text(s, &Path::Root(what)),
        Err(_) => Err(type_error(what, "str", obj)),
    }
}

/// An optional bool argument (absent or `None`: false); only a real bool is accepted.
pub fn bool_arg(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<bool> {
    match obj {
        None => Ok(false),
        Some(obj) if obj.is_none() => Ok(false),
        Some(obj) => obj
            .cast::<PyBool>()
            .map(PyBoolMethods::is_true)
            .map_err(|_| type_error(what, "bool", obj)),
    }
}

/// A non-negative int argument below 2**64 (a seed).
pub fn u64_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(type_error(what, "int", obj));
    }
    obj.extract::<u64>()
        .map_err(|_| PyTypeError::new_err(format!("{what}: expected an int from 0 to 2**64-1")))
}

/// Converts JSON into Python dicts, lists, str, int, float, bool and None.
///
/// # Errors
///
/// Only Python's own failures (memory).
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(v) = n.as_i64() {
                v.into_pyobject(py)?.into_any()
            } else if let Some(v) = n.as_u64() {
                v.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// `TypeError` for an argument of the wrong Python type: `what: expected dict, not list`.
pub fn type_error(what: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let name = got
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    PyTypeError::new_err(format!("{what}: expected {expected}, not {name}"))
}

/// A core value as Python data, through its JSON form (the shape the CLI prints).
///
/// # Errors
///
/// Only if the value cannot be JSON (a non-string map key: none of the core's types).
pub fn serialized<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))?;
    to_py(py, &json)
}
