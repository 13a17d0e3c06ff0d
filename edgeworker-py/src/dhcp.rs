//! dnsmasq's hosts and additional-hosts lines (RULES §5).

use std::net::IpAddr;

use edgeworker_core::dhcp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use edgeworker_core::context::{System, SystemMode, SystemType};

use crate::convert::{self, bool_arg, str_arg};
use crate::errors;
use crate::pool::rows_arg;
use crate::validation::profile_arg;

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
/// ``profile``: ``"classic"`` (stx.5.0 to stx.8.0) writes the lines above; ``"stx10"``
/// (stx.10.0 to master) reserves no management address (sysinv ``afa45530c``): no line, and
/// one ``NoReservationWarning`` (``dhcp.no_reservation``) per node in ``macs`` that has a
/// row, the controllers aside, whose address must then be configured on the node.
///
/// Raises ``DhcpError`` (``dhcp.*``) for a name or MAC that could break the file (never
/// escaped), ``AddressPoolError`` (``address.invalid``) for a row address that is no IP
/// address, ``UnknownNameError`` (``profile.unknown``) for an unknown profile.
///
/// >>> dnsmasq_hosts([("edge-1-mgmt", "192.168.204.5")], {"edge-1": "08:00:27:aa:00:09"})
/// ['08:00:27:aa:00:09,edge-1,192.168.204.5,1d']
#[pyfunction]
#[pyo3(
    signature = (rows, macs, *, profile = None),
    text_signature = "(rows, macs, *, profile='classic')"
)]
pub fn dnsmasq_hosts(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    macs: &Bound<'_, PyAny>,
    profile: Option<&Bound<'_, PyAny>>,
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
    let profile = profile_arg(py, profile)?;
    let file = py
        .detach(move || dhcp::dnsmasq_hosts_under(profile, &rows, macs))
        .map_err(|err| errors::dhcp(py, &err))?;
    errors::dhcp_warnings(py, &file.warnings)?;
    errors::no_reservation_warnings(py, &file.unreserved)?;
    Ok(file.lines)
}

/// dnsmasq ``addn-hosts`` file: the line ``<ip> pxecontroller``, and under ``stx10`` the
/// management rows' names.
///
/// The address is the row ``controller-pxeboot``'s when ``rows`` has it (a system with a
/// pxeboot network), else ``controller-mgmt``'s, as sysinv writes the file. ``profile``
/// ``"stx10"`` (sysinv ``afa45530c``) adds one line per management row in row order:
/// ``controller-mgmt`` as ``<ip> controller.internal controller registry.local
/// controller-platform-nfs`` (with ``aio_simplex``, an All-in-one simplex system, also
/// ``controller-0.internal``, and ``controller-0-mgmt`` left out),
/// ``controller-platform-nfs-mgmt`` left out, any other row as ``<ip> <name>.internal
/// <name>``.
///
/// Raises ``DhcpError`` (``dhcp.no_controller_row``) when neither row is there,
/// ``AddressPoolError`` (``address.invalid``) for a row address that is no IP address,
/// ``UnknownNameError`` (``profile.unknown``) for an unknown profile.
///
/// >>> dnsmasq_addn_hosts({"controller-mgmt": "192.168.204.2", "edge-1-mgmt": "192.168.204.5"})
/// ['192.168.204.2 pxecontroller']
/// >>> dnsmasq_addn_hosts({"controller-mgmt": "192.168.204.2", "edge-1-mgmt": "192.168.204.5"},
/// ...                    profile="stx10")[2]
/// '192.168.204.5 edge-1.internal edge-1'
#[pyfunction]
#[pyo3(
    signature = (rows, *, profile = None, aio_simplex = None),
    text_signature = "(rows, *, profile='classic', aio_simplex=False)"
)]
pub fn dnsmasq_addn_hosts(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    profile: Option<&Bound<'_, PyAny>>,
    aio_simplex: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<String>> {
    let rows: Vec<(String, IpAddr)> = rows_arg(py, rows, "rows")?;
    let profile = profile_arg(py, profile)?;
    let system = if bool_arg(aio_simplex, "aio_simplex")? {
        System {
            mode: SystemMode::Simplex,
            system_type: SystemType::AllInOne,
            ..System::default()
        }
    } else {
        System::default()
    };
    py.detach(move || dhcp::dnsmasq_addn_hosts_under(profile, system, &rows))
        .map(|file| file.lines)
        .map_err(|err| errors::dhcp(py, &err))
}
