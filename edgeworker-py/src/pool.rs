//! The management address pool (RULES §4): allocation, reservation and release, safe from
//! many Python threads at once.

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use edgeworker_core::address::{
    AddressPool, AllocatedPool, AllocationOrder, PoolSpec, parse_address,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::convert::{self, str_arg, to_json};
use crate::errors;
use crate::validation::profile_arg;

/// A pool and its rows, with the generator random allocations draw from.
struct State {
    pool: AllocatedPool,
    rng: ChaCha8Rng,
}

/// An address pool and its rows (row name to address), safe to share between threads.
///
/// Arguments of ``AddressPool(name, network, ranges=None, order='random', rows=None, *, profile='classic')``:
///
/// - ``name``: the pool's name (sysinv's ``address_pools.name``, such as ``management``).
/// - ``network``: ``address/prefix``, IPv4 or IPv6.
/// - ``ranges``: inclusive ``(start, end)`` pairs of addresses; ``None``: the network's
///   first to last host address.
/// - ``order``: ``'random'`` (uniform over the free addresses) or ``'sequential'``
///   (lowest first).
/// - ``rows``: the existing rows, a list of ``(name, address)`` pairs or a dict; sysinv
///   passes its ``addresses`` rows of the pool.
/// - ``profile``: ``'classic'`` (stx.5.0 to stx.8.0: a row of the other family is
///   ``mgmt_ip.out_of_pool``) or ``'stx10'`` (stx.10.0 to master, dual-stack: rows are
///   matched by name and family, so the other family's rows, its other pool's, are left
///   out; sysinv ``fcebab8ef``).
///
/// Raises ``AddressPoolError`` with the core's ``pool.*`` code for an invalid pool,
/// ``address.invalid`` for a row address that is no IP address, the allocation errors
/// (``mgmt_ip.*``) for rows that conflict; ``TypeError`` for wrong types. Every operation
/// takes O(log rows), whatever the pool's size (an IPv6 /64 included).
///
/// >>> pool = AddressPool("management", "192.168.204.0/24", order="sequential",
/// ...                    rows=[("controller-mgmt", "192.168.204.1")])
/// >>> pool.allocate("edge-1-mgmt")
/// '192.168.204.2'
// Frozen with a `Mutex` inside: Python threads share one pool, and every operation takes
// the lock with the GIL released, so a thread waiting for the pool never blocks Python.
#[pyclass(frozen, module = "edgeworker._edgeworker", name = "AddressPool")]
pub struct Pool {
    state: Mutex<State>,
}

impl Pool {
    /// Runs `f` on the state under the lock, with the GIL released.
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut State) -> T + Send) -> T {
        py.detach(|| {
            // A panic cannot happen under the lock (the core does not panic); if one ever
            // did, the rows are still consistent (each operation is a single insert/remove).
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut state)
        })
    }
}

#[pymethods]
impl Pool {
    #[new]
    #[pyo3(
        signature = (name, network, ranges = None, order = None, rows = None, *, profile = None),
        text_signature = "(name, network, ranges=None, order='random', rows=None, *, profile='classic')"
    )]
    fn new(
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        network: &Bound<'_, PyAny>,
        ranges: Option<&Bound<'_, PyAny>>,
        order: Option<&Bound<'_, PyAny>>,
        rows: Option<&Bound<'_, PyAny>>,
        profile: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spec = PoolSpec {
            name: str_arg(name, "name")?.into_owned(),
            network: str_arg(network, "network")?.into_owned(),
            ranges: ranges
                .filter(|r| !r.is_none())
                .map(ranges_arg)
                .transpose()?,
            order: order
                .filter(|o| !o.is_none())
                .map(|o| str_arg(o, "order").map(std::borrow::Cow::into_owned))
                .transpose()?,
        };
        let rows = match rows.filter(|r| !r.is_none()) {
            Some(rows) => rows_arg(py, rows, "rows")?,
            None => Vec::new(),
        };
        let profile = profile_arg(py, profile)?;
        let pool = py.detach(move || {
            AddressPool::try_from(spec)
                .map_err(Failure::Pool)
                .and_then(|pool| {
                    AllocatedPool::with_rows_under(pool, rows, profile).map_err(Failure::Rows)
                })
        });
        let pool = pool.map_err(|failure| match failure {
            Failure::Pool(err) => errors::pool(py, &err),
            Failure::Rows(err) => errors::allocation(py, &err),
        })?;
        Ok(Self {
            state: Mutex::new(State {
                pool,
                rng: ChaCha8Rng::from_os_rng(),
            }),
        })
    }

    /// The address row ``name`` holds, else a new row with a free address.
    ///
    /// The free address is the lowest (``order='sequential'``) or one drawn uniformly from
    /// all free addresses (``'random'``); ``order=None`` is the pool's. ``seed`` (0 to
    /// 2**64-1) makes a random draw reproducible.
    ///
    /// Raises ``PoolExhaustedError`` (``pool.exhausted``, 409) when none is free,
    /// ``AddressPoolError`` (``address.invalid_name``) for a name outside the host-name
    /// alphabet or longer than a host name with ``-mgmt``.
    #[pyo3(signature = (name, *, order = None, seed = None))]
    fn allocate(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        order: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let name = str_arg(name, "name")?.into_owned();
        let order = match order.filter(|o| !o.is_none()) {
            Some(o) => Some(
                str_arg(o, "order")?
                    .parse::<AllocationOrder>()
                    .map_err(|err| errors::pool(py, &err))?,
            ),
            None => None,
        };
        let seed = seed
            .filter(|s| !s.is_none())
            .map(|s| convert::u64_arg(s, "seed"))
            .transpose()?;
        self.with(py, |state| match seed {
            Some(seed) => state
                .pool
                .allocate(&name, order, &mut ChaCha8Rng::seed_from_u64(seed)),
            None => state.pool.allocate(&name, order, &mut state.rng),
        })
        .map(|address| address.to_string())
        .map_err(|err| errors::allocation(py, &err))
    }

    /// Records the row ``name`` to ``address`` (static addressing).
    ///
    /// Asking again for the same row is a no-op. Raises ``AddressPoolError``:
    /// ``mgmt_ip.allocated`` (409), ``mgmt_ip.name_allocated`` (409),
    /// ``mgmt_ip.out_of_pool`` (400), with sysinv's messages, and ``address.invalid`` for
    /// text that is no IP address.
    fn reserve(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        address: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let name = str_arg(name, "name")?.into_owned();
        let address = address_arg(py, address, "address")?;
        self.with(py, |state| state.pool.reserve(&name, address))
            .map_err(|err| errors::allocation(py, &err))
    }

    /// Removes the row ``name``; returns the address it held, or ``None``.
    fn release(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let name = str_arg(name, "name")?.into_owned();
        Ok(self
            .with(py, |state| state.pool.release(&name))
            .map(|a| a.to_string()))
    }

    /// The address the row ``name`` holds, or ``None``.
    fn address_of(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let name = str_arg(name, "name")?.into_owned();
        Ok(self
            .with(py, |state| state.pool.address_of(&name))
            .map(|a| a.to_string()))
    }

    /// How many addresses of the ranges no row holds; exact for any pool size.
    fn free_count(&self, py: Python<'_>) -> u128 {
        self.with(py, |state| state.pool.free_count())
    }

    /// The rows ``(name, address)`` in row order: those given, then those added.
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows: Vec<(String, IpAddr)> = self.with(py, |state| {
            state
                .pool
                .rows()
                .into_iter()
                .map(|(name, address)| (name.to_owned(), address))
                .collect()
        });
        let list = PyList::empty(py);
        for (name, address) in rows {
            list.append(PyTuple::new(py, [name, address.to_string()])?)?;
        }
        Ok(list)
    }

    /// The pool's name.
    #[getter]
    fn name(&self, py: Python<'_>) -> String {
        self.with(py, |state| state.pool.pool().name().to_owned())
    }

    /// The pool's network, ``address/prefix``.
    #[getter]
    fn network(&self, py: Python<'_>) -> String {
        self.with(py, |state| state.pool.pool().network().to_string())
    }

    /// `address in pool`: whether a row holds `address`. Text that is not an address is in
    /// no pool.
    fn __contains__(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<bool> {
        let text = str_arg(address, "address")?;
        Ok(match text.parse::<IpAddr>() {
            Ok(address) => self.with(py, |state| state.pool.is_allocated(address)),
            Err(_) => false,
        })
    }

    /// How many rows there are.
    fn __len__(&self, py: Python<'_>) -> usize {
        self.with(py, |state| state.pool.len())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        self.with(py, |state| {
            let pool = state.pool.pool();
            format!(
                "AddressPool({:?}, {:?}, order={:?}, rows={}, free={})",
                pool.name(),
                pool.network().to_string(),
                pool.order().as_str(),
                state.pool.len(),
                state.pool.free_count()
            )
        })
    }
}

/// Why a pool cannot be built: its definition, or its rows.
enum Failure {
    Pool(edgeworker_core::address::PoolError),
    Rows(edgeworker_core::address::AllocationError),
}

/// `ranges`: a list of `[start, end]` pairs of str.
fn ranges_arg(ranges: &Bound<'_, PyAny>) -> PyResult<Vec<[String; 2]>> {
    let value = to_json(ranges, "ranges")?;
    serde::Deserialize::deserialize(&value).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "ranges: expected a list of (start, end) pairs of str",
        )
    })
}

/// An address argument: a str that is an IP address.
fn address_arg(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<IpAddr> {
    let text = str_arg(value, what)?;
    parse_address(&text).map_err(|err| errors::invalid_address(py, what, &err))
}

/// Rows: a dict `name → address`, or a list of `(name, address)` pairs.
pub fn rows_arg(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<Vec<(String, IpAddr)>> {
    let pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = if let Ok(dict) = rows.cast::<PyDict>() {
        dict.iter().collect()
    } else if rows.is_instance_of::<PyList>() || rows.is_instance_of::<PyTuple>() {
        let mut pairs = Vec::new();
        for (i, item) in rows.try_iter()?.enumerate() {
            let item = item?;
            let pair = item
                .cast::<PyTuple>()
                .ok()
                .map(|t| t.as_any().clone())
                .or_else(|| item.cast::<PyList>().ok().map(|l| l.as_any().clone()))
                .filter(|seq| seq.len().is_ok_and(|n| n == 2));
            let Some(pair) = pair else {
                return Err(convert::type_error(
                    &format!("{what}[{i}]"),
                    "a (name, address) pair",
                    &item,
                ));
            };
            pairs.push((pair.get_item(0)?, pair.get_item(1)?));
        }
        pairs
    } else {
        return Err(convert::type_error(
            what,
            "a list of (name, address) pairs or a dict",
            rows,
        ));
    };
    pairs
        .iter()
        .enumerate()
        .map(|(i, (name, address))| {
            let at = format!("{what}[{i}]");
            let name = str_arg(name, &at)?.into_owned();
            let address = address_arg(py, address, &at)?;
            Ok((name, address))
        })
        .collect()
}
