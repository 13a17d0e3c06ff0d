//! dnsmasq's hosts and additional-hosts lines (RULES §5).

use std::net::IpAddr;

use edgeworker_core::dhcp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{self, str_arg};
use crate::errors;
use crate::pool::rows_arg;

/// dnsmasq `dhcp-hostsfile` lines for `rows`, with the MACs of `macs` (host name → MAC); a
/// host name dnsmasq would misread is left out of its line with a `DhcpWarning`.
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

/// dnsmasq `addn-hosts` lines for `rows`: the one line `<ip> pxecontroller`, from the row
/// `controller-pxeboot` when given, else `controller-mgmt`.
#[pyfunction]
pub fn dnsmasq_addn_hosts(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let rows: Vec<(String, IpAddr)> = rows_arg(py, rows, "rows")?;
    py.detach(move || dhcp::dnsmasq_addn_hosts(&rows))
        .map(|file| file.lines)
        .map_err(|err| errors::dhcp(py, &err))
}
