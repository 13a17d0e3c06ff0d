//! dnsmasq's hosts and additional-hosts lines (RULES §5).

use std::net::IpAddr;

use edgeworker_core::dhcp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{self, str_arg};
use crate::errors;
use crate::pool::rows_arg;

/// dnsmasq ``dhcp-hostsfile`` lines, one per row in row order.
///
/// ``<mac>,<host>,<ip>,1d`` for hosts in ``macs`` (host name to MAC), else
/// ``<host>,<ip>``; IPv6 addresses in brackets. The host is the row name without
/// ``-mgmt``. Give every host's MAC, controllers included, or their reservations are lost.
///
/// Raises ``DhcpError`` (``dhcp.*``) for a name or MAC that could break the file (never
/// escaped), ``AddressPoolError`` (``address.invalid``) for a row address that is no IP
/// address.
///
/// >>> dnsmasq_hosts([("edge-1-mgmt", "192.168.204.5")], {"edge-1": "08:00:27:aa:00:09"})
/// ['08:00:27:aa:00:09,edge-1,192.168.204.5,1d']
#[pyfunction]
pub fn dnsmasq_hosts(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    macs: &Bound<'_, PyAny>,
) -> PyResult<Vec<String>> {
    let rows: Vec<(String, IpAddr)> = rows_arg(py, rows, "rows")?;
    let Ok(macs) = macs.cast::<PyDict>() else {
        return Err(convert::type_error("macs", "dict", macs));
    };
    let macs = macs
        .iter()
        .map(|(host, mac)| {
            let host = str_arg(&host, "macs")?.into_owned();
            let mac = str_arg(&mac, &format!("macs[{host:?}]"))?.into_owned();
            Ok((host, mac))
        })
        .collect::<PyResult<Vec<_>>>()?;
    py.detach(move || dhcp::dnsmasq_hosts(&rows, macs))
        .map_err(|err| errors::dhcp(py, &err))
}

/// dnsmasq ``addn-hosts`` lines, ``<ip> <host>``, one per row in row order.
///
/// Raises ``DhcpError`` and ``AddressPoolError`` as ``dnsmasq_hosts`` does.
///
/// >>> dnsmasq_addn_hosts({"edge-1-mgmt": "192.168.204.5"})
/// ['192.168.204.5 edge-1']
#[pyfunction]
pub fn dnsmasq_addn_hosts(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let rows: Vec<(String, IpAddr)> = rows_arg(py, rows, "rows")?;
    py.detach(move || dhcp::dnsmasq_addn_hosts(&rows))
        .map_err(|err| errors::dhcp(py, &err))
}
