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
/// A host name dnsmasq would misread (``3600``, ``12h``, ``ignore``, an IPv4 address) is
/// left out of its line (the reservation by MAC stays; without a MAC there is no line), with
/// a ``DhcpWarning`` (``dhcp.name_omitted``) issued through ``warnings.warn``.
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
    let file = py
        .detach(move || dhcp::dnsmasq_hosts(&rows, macs))
        .map_err(|err| errors::dhcp(py, &err))?;
    errors::dhcp_warnings(py, &file.warnings)?;
    Ok(file.lines)
}

/// dnsmasq ``addn-hosts`` file: the one line ``<ip> pxecontroller``.
///
/// The address is the row ``controller-pxeboot``'s when ``rows`` has it (a system with a
/// pxeboot network), else ``controller-mgmt``'s, as sysinv writes the file.
///
/// Raises ``DhcpError`` (``dhcp.no_controller_row``) when neither row is there,
/// ``AddressPoolError`` (``address.invalid``) for a row address that is no IP address.
///
/// >>> dnsmasq_addn_hosts({"controller-mgmt": "192.168.204.2", "edge-1-mgmt": "192.168.204.5"})
/// ['192.168.204.2 pxecontroller']
#[pyfunction]
pub fn dnsmasq_addn_hosts(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let rows: Vec<(String, IpAddr)> = rows_arg(py, rows, "rows")?;
    py.detach(move || dhcp::dnsmasq_addn_hosts(&rows))
        .map(|file| file.lines)
        .map_err(|err| errors::dhcp(py, &err))
}
