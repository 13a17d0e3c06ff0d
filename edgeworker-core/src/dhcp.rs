//! dnsmasq entries for the management network (RULES.md §5, the stx.5.0 formats; §7 for
//! the later layout, chosen by the release profile: [`dnsmasq_hosts_under`] and
//! [`dnsmasq_addn_hosts_under`]).
//!
//! - hosts file (`dhcp-hostsfile`), one line per address row, in row order:
//!   `<mac>,<hostname>,<ip>,1d` when the host's MAC is known, else `<hostname>,<ip>`;
//!   IPv6 addresses in brackets (`[fd00::5]`). The MAC is written lowercase with `:`
//!   whatever its stored separator: dnsmasq takes only `:` fields for hardware addresses.
//! - additional-hosts file (`addn-hosts`), `/etc/hosts` format: exactly one line,
//!   `<ip> pxecontroller`, the address of the row `controller-pxeboot` when given, else of
//!   `controller-mgmt` (sysinv `manager.py` `_generate_dnsmasq_hosts_file`). Host names reach
//!   dnsmasq through the hosts file, not this one.
//!
//! The host name is the row name without its `-mgmt` suffix. A row name without that suffix
//! (a platform row such as `gateway`, or one written by hand) is used whole, as sysinv's
//! suffix substitution leaves it.
//!
//! A host name that sysinv accepts but that dnsmasq's `dhcp-host` parser would read as
//! something else (`3600`, `12h`, `ignore`, an IPv4 address) is left out of its line
//! (`<mac>,<ip>,1d` still reserves the address; a row without a MAC has nothing left and is
//! left out) and reported as a [`DhcpWarning`]: one odd name never blocks the file for the
//! whole site.
//!
//! Every name and MAC is parsed with [`Hostname`] and [`MacAddress`] before it is written:
//! their alphabets have no `,`, space, `#` or newline, so no value can start a second entry.
//! A value outside them is refused with an error naming the row or host, never escaped.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::address::MGMT_SUFFIX;
use crate::context::{System, SystemMode, SystemType};
use crate::excerpt::excerpt;
use crate::hostname::{Hostname, HostnameError};
use crate::mac::{MacAddress, Separator};
use crate::profile::{DhcpLayout, Profile};

/// How long a reservation's lease lasts, as sysinv writes it.
pub const LEASE: &str = "1d";

/// The name the additional-hosts file gives the controller (sysinv `PXECONTROLLER_HOSTNAME`).
pub const PXECONTROLLER: &str = "pxecontroller";

/// The rows the additional-hosts file takes the controller's address from, first found wins.
pub const CONTROLLER_ROWS: [&str; 2] = ["controller-pxeboot", "controller-mgmt"];

/// A dnsmasq file: its lines and what had to be left out of them.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_hosts;
/// let rows = [("3600-mgmt", "192.168.204.9".parse()?), ("edge-1-mgmt", "192.168.204.10".parse()?)];
/// let file = dnsmasq_hosts(&rows, [("3600", "08:00:27:aa:00:01")])?;
/// assert_eq!(file.text(), "08:00:27:aa:00:01,192.168.204.9,1d\nedge-1,192.168.204.10\n");
/// assert_eq!(file.warnings[0].code(), "dhcp.name_omitted");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rendered {
    /// The lines, without line ends.
    pub lines: Vec<String>,
    /// Names left out, in row order.
    pub warnings: Vec<DhcpWarning>,
    /// Nodes the profile gives no reservation, in row order (RULES §7).
    pub unreserved: Vec<NoReservation>,
}

impl Rendered {
    /// The file's contents: every line followed by a newline.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(self.lines.iter().map(|l| l.len() + 1).sum());
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// A host name left out of the hosts file because dnsmasq would read it as something else.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_hosts;
/// let file = dnsmasq_hosts(&[("12h-mgmt", "10.0.0.5".parse()?)], [("12h", "08:00:27:aa:00:01")])?;
/// assert_eq!(
///     file.warnings[0].to_string(),
///     r#"address row "12h-mgmt": host name "12h" is left out of its DHCP reservation: dnsmasq would read it as a lease time"#,
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "address row {:?}: host name {:?} is left out of its DHCP reservation{}: dnsmasq would read it as {reading}",
    excerpt(.row), excerpt(.host), if *.line_dropped { " (no MAC: no line at all)" } else { "" }
)]
#[non_exhaustive]
pub struct DhcpWarning {
    /// The row name.
    pub row: String,
    /// The host name left out.
    pub host: String,
    /// What dnsmasq would take it for.
    pub reading: &'static str,
    /// The row had no MAC, so nothing was left to write for it.
    pub line_dropped: bool,
}

impl DhcpWarning {
    /// The stable code, `dhcp.name_omitted`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "dhcp.name_omitted"
    }
}

/// A node whose management address the profile does not reserve by DHCP (stx10, sysinv
/// `afa45530c`): the provisioning plan must configure that address statically.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_hosts_under;
/// use edgeworker_core::profile::Profile;
/// let file = dnsmasq_hosts_under(Profile::Stx10, &[("edge-1-mgmt", "10.0.0.5".parse()?)],
///                                [("edge-1", "08:00:27:aa:00:01")])?;
/// assert!(file.lines.is_empty());
/// assert_eq!(file.unreserved[0].code(), "dhcp.no_reservation");
/// assert_eq!(
///     file.unreserved[0].to_string(),
///     r#"host "edge-1": profile stx10 gives its management address 10.0.0.5 no DHCP reservation: configure it statically on the node"#,
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "host {:?}: profile {profile} gives its management address {address} no DHCP reservation: configure it statically on the node",
    excerpt(.host)
)]
#[non_exhaustive]
pub struct NoReservation {
    /// The row name.
    pub row: String,
    /// The host.
    pub host: String,
    /// The address that is not reserved.
    pub address: IpAddr,
    /// The profile that reserves none.
    pub profile: Profile,
}

impl NoReservation {
    /// The stable code, `dhcp.no_reservation`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "dhcp.no_reservation"
    }
}

/// Why entries cannot be rendered.
///
/// ```
/// use edgeworker_core::dhcp::{dnsmasq_hosts, DhcpError};
/// let no_macs: [(&str, &str); 0] = [];
/// let err = dnsmasq_hosts(&[("edge-1\nevil-mgmt", "10.0.0.5".parse()?)], no_macs).unwrap_err();
/// assert_eq!(err.code(), "dhcp.invalid_name");
/// assert_eq!(
///     err.to_string(),
///     r#"address row "edge-1\nevil-mgmt": host name may only contain letters, numbers, underscores, periods and hyphens"#,
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DhcpError {
    /// A row's host name (its name without `-mgmt`) is not a valid host name.
    #[error("address row {:?}: {problem}", excerpt(.row))]
    InvalidName {
        /// The row name, as given.
        row: String,
        /// What is wrong with the host name.
        problem: HostnameError,
    },
    /// Neither `controller-pxeboot` nor `controller-mgmt` is among the rows, so the
    /// additional-hosts file has no address for the controller.
    #[error(
        "address row controller-mgmt is missing: the additional-hosts file names the controller by it"
    )]
    NoControllerRow,
    /// A host named in the MAC table is not a valid host name.
    #[error("mgmt_mac of host {:?}: {problem}", excerpt(.host))]
    InvalidMacHost {
        /// The host name, as given.
        host: String,
        /// What is wrong with it.
        problem: HostnameError,
    },
    /// A host's MAC is not six hex octets with one separator.
    #[error("mgmt_mac of host {host}: {:?} is not a MAC address", excerpt(.value))]
    InvalidMac {
        /// The host.
        host: String,
        /// The value given.
        value: String,
    },
    /// The MAC table names a host twice.
    #[error("mgmt_mac of host {host} is given twice")]
    DuplicateHost {
        /// The host.
        host: String,
    },
}

impl DhcpError {
    /// The stable code.
    ///
    /// ```
    /// use edgeworker_core::dhcp::DhcpError;
    /// assert_eq!(DhcpError::DuplicateHost { host: "edge-1".into() }.code(), "dhcp.duplicate_host");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidName { .. } => "dhcp.invalid_name",
            Self::NoControllerRow => "dhcp.no_controller_row",
            Self::InvalidMacHost { .. } => "dhcp.invalid_host",
            Self::InvalidMac { .. } => "dhcp.invalid_mac",
            Self::DuplicateHost { .. } => "dhcp.duplicate_host",
        }
    }
}

/// The hosts file, one line per row, in row order. `macs` maps host names (not row names) to
/// MAC addresses, as text; hosts without a row are ignored. A host name dnsmasq would misread
/// is left out of its line, with a [`DhcpWarning`].
///
/// # Errors
///
/// The first [`DhcpError`]: the MAC table is checked whole first, then the rows in order.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_hosts;
/// let rows = [
///     ("controller-mgmt", "192.168.204.2".parse()?),
///     ("edge-1-mgmt", "192.168.204.77".parse()?),
///     ("edge-6-mgmt", "fd00::6".parse()?),
/// ];
/// let file = dnsmasq_hosts(&rows, [("edge-1", "08:00:27:AA:00:01"), ("edge-6", "08:00:27:aa:00:06")])?;
/// assert!(file.warnings.is_empty());
/// assert_eq!(file.lines, [
///     "controller,192.168.204.2",
///     "08:00:27:aa:00:01,edge-1,192.168.204.77,1d",
///     "08:00:27:aa:00:06,edge-6,[fd00::6],1d",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_hosts<N, H, M>(
    rows: &[(N, IpAddr)],
    macs: impl IntoIterator<Item = (H, M)>,
) -> Result<Rendered, DhcpError>
where
    N: AsRef<str>,
    H: AsRef<str>,
    M: AsRef<str>,
{
    let macs = mac_table(macs)?;
    let mut file = Rendered::default();
    for (row, address) in rows {
        let row = row.as_ref();
        let host = host_of(row)?;
        let address = match address {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let mac = macs.get(host.as_str());
        if let Some(reading) = host.dhcp_misreading() {
            file.warnings.push(DhcpWarning {
                row: row.to_owned(),
                host: host.into_string(),
                reading,
                line_dropped: mac.is_none(),
            });
            if let Some(mac) = mac {
                file.lines.push(format!("{mac},{address},{LEASE}"));
            }
            continue;
        }
        file.lines.push(match mac {
            Some(mac) => format!("{mac},{host},{address},{LEASE}"),
            None => format!("{host},{address}"),
        });
    }
    Ok(file)
}

/// The additional-hosts file: the one line `<ip> pxecontroller`, with the address of the row
/// `controller-pxeboot` when `rows` has it (a system with a pxeboot network), else of
/// `controller-mgmt`. Give it the management rows, and the pxeboot rows where there are any.
///
/// # Errors
///
/// [`DhcpError::NoControllerRow`] when neither row is there.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_addn_hosts;
/// let rows = [("controller-mgmt", "192.168.204.2".parse()?), ("edge-6-mgmt", "192.168.204.6".parse()?)];
/// assert_eq!(dnsmasq_addn_hosts(&rows)?.lines, ["192.168.204.2 pxecontroller"]);
/// let rows = [("controller-mgmt", "192.168.204.2".parse()?), ("controller-pxeboot", "169.254.202.2".parse()?)];
/// assert_eq!(dnsmasq_addn_hosts(&rows)?.text(), "169.254.202.2 pxecontroller\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_addn_hosts<N: AsRef<str>>(rows: &[(N, IpAddr)]) -> Result<Rendered, DhcpError> {
    let address = CONTROLLER_ROWS
        .iter()
        .find_map(|wanted| {
            rows.iter()
                .find(|(row, _)| row.as_ref() == *wanted)
                .map(|(_, address)| address)
        })
        .ok_or(DhcpError::NoControllerRow)?;
    Ok(Rendered {
        lines: vec![format!("{address} {PXECONTROLLER}")],
        ..Rendered::default()
    })
}

/// The hosts file of `profile`'s DHCP layout (its [`Rules::dhcp`](crate::profile::Rules)):
/// classic's is [`dnsmasq_hosts`]; stx10 writes no management reservation at all (sysinv
/// `afa45530c`: the file holds only the pxeboot entries, which no edgeworker has), and lists
/// every node with a MAC, controllers aside, in [`Rendered::unreserved`].
///
/// # Errors
///
/// As [`dnsmasq_hosts`]: the names and MACs are checked whatever the layout.
///
/// ```
/// use edgeworker_core::dhcp::{dnsmasq_hosts, dnsmasq_hosts_under};
/// use edgeworker_core::profile::Profile;
/// let rows = [("controller-0-mgmt", "10.0.0.3".parse()?), ("edge-1-mgmt", "10.0.0.5".parse()?)];
/// let macs = [("controller-0", "08:00:27:aa:00:01"), ("edge-1", "08:00:27:aa:00:09")];
/// assert_eq!(dnsmasq_hosts_under(Profile::Classic, &rows, macs)?, dnsmasq_hosts(&rows, macs)?);
/// let stx10 = dnsmasq_hosts_under(Profile::Stx10, &rows, macs)?;
/// assert!(stx10.lines.is_empty());
/// assert_eq!(stx10.unreserved.len(), 1);
/// assert_eq!(stx10.unreserved[0].host, "edge-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_hosts_under<N, H, M>(
    profile: Profile,
    rows: &[(N, IpAddr)],
    macs: impl IntoIterator<Item = (H, M)>,
) -> Result<Rendered, DhcpError>
where
    N: AsRef<str>,
    H: AsRef<str>,
    M: AsRef<str>,
{
    match profile.rules().dhcp {
        DhcpLayout::Reservations => dnsmasq_hosts(rows, macs),
        DhcpLayout::InternalNames => {
            let macs = mac_table(macs)?;
            let mut file = Rendered::default();
            for (row, address) in rows {
                let row = row.as_ref();
                let host = host_of(row)?;
                // The controllers boot from the pxeboot network, whose entries they keep.
                let platform = host.as_str() == CONTROLLER
                    || crate::personality::CONTROLLER_NAMES.contains(&host.as_str());
                if macs.contains_key(host.as_str()) && !platform {
                    file.unreserved.push(NoReservation {
                        row: row.to_owned(),
                        host: host.into_string(),
                        address: *address,
                        profile,
                    });
                }
            }
            Ok(file)
        }
    }
}

/// The floating controller's host name (sysinv `CONTROLLER_HOSTNAME`).
const CONTROLLER: &str = "controller";

/// The domain of the platform's internal names (sysinv `INTERNAL_DOMAIN`).
pub const INTERNAL_DOMAIN: &str = "internal";

/// The floating controller row's aliases after `controller.internal`, in sysinv's order
/// (`controller_alias`): the controller, the registry and the NFS name.
const CONTROLLER_ALIASES: [&str; 3] = ["controller", "registry.local", "controller-platform-nfs"];

/// The additional-hosts file of `profile`'s DHCP layout: classic's is
/// [`dnsmasq_addn_hosts`]; stx10's (sysinv `manager.py` `_generate_dnsmasq_hosts_file` at
/// master, `afa45530c`) is that line, then one line per management row in row order:
/// `controller-mgmt` as `<ip> controller.internal controller registry.local
/// controller-platform-nfs` (on an All-in-one simplex `system` also `controller-0.internal`,
/// and the `controller-0-mgmt` row is then left out), `controller-platform-nfs-mgmt` left
/// out, any other row as `<ip> <name>.internal <name>`. `rows` are the management rows and,
/// where there is one, the `controller-pxeboot` row, which only the first line reads.
///
/// # Errors
///
/// [`DhcpError::NoControllerRow`] as for [`dnsmasq_addn_hosts`];
/// [`DhcpError::InvalidName`] for a row whose host name is no host name (stx10).
///
/// ```
/// use edgeworker_core::context::System;
/// use edgeworker_core::dhcp::dnsmasq_addn_hosts_under;
/// use edgeworker_core::profile::Profile;
/// let rows = [
///     ("controller-mgmt", "192.168.204.2".parse()?),
///     ("controller-platform-nfs-mgmt", "192.168.204.5".parse()?),
///     ("edge-1-mgmt", "192.168.204.77".parse()?),
/// ];
/// let file = dnsmasq_addn_hosts_under(Profile::Stx10, System::default(), &rows)?;
/// assert_eq!(file.lines, [
///     "192.168.204.2 pxecontroller",
///     "192.168.204.2 controller.internal controller registry.local controller-platform-nfs",
///     "192.168.204.77 edge-1.internal edge-1",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_addn_hosts_under<N: AsRef<str>>(
    profile: Profile,
    system: System,
    rows: &[(N, IpAddr)],
) -> Result<Rendered, DhcpError> {
    let mut file = dnsmasq_addn_hosts(rows)?;
    if profile.rules().dhcp == DhcpLayout::Reservations {
        return Ok(file);
    }
    // sysinv `is_aio_simplex_system`.
    let aio_simplex =
        system.system_type == SystemType::AllInOne && system.mode == SystemMode::Simplex;
    for (row, address) in rows {
        let row = row.as_ref();
        // The pxeboot row lives in another pool: it only gave the first line.
        if row == CONTROLLER_ROWS[0] {
            continue;
        }
        let host = host_of(row)?;
        let line = match host.as_str() {
            // An unused row an upgrade can leave behind (sysinv skips it).
            "controller-platform-nfs" => continue,
            CONTROLLER => {
                let mut line = format!("{address} {CONTROLLER}.{INTERNAL_DOMAIN}");
                for alias in CONTROLLER_ALIASES {
                    line.push(' ');
                    line.push_str(alias);
                }
                if aio_simplex {
                    line.push_str(" controller-0.");
                    line.push_str(INTERNAL_DOMAIN);
                }
                line
            }
            // On AIO-simplex the floating row already names controller-0.
            "controller-0" if aio_simplex => continue,
            name => format!("{address} {name}.{INTERNAL_DOMAIN} {name}"),
        };
        file.lines.push(line);
    }
    Ok(file)
}

/// The host name of a row: its name without `-mgmt`, parsed.
fn host_of(row: &str) -> Result<Hostname, DhcpError> {
    let host = row.strip_suffix(MGMT_SUFFIX).unwrap_or(row);
    Hostname::parse(host).map_err(|problem| DhcpError::InvalidName {
        row: row.to_owned(),
        problem,
    })
}

fn mac_table<H: AsRef<str>, M: AsRef<str>>(
    macs: impl IntoIterator<Item = (H, M)>,
) -> Result<HashMap<String, MacAddress>, DhcpError> {
    let mut table = HashMap::new();
    for (host, mac) in macs {
        let (host, mac) = (host.as_ref(), mac.as_ref());
        let host = Hostname::parse(host).map_err(|problem| DhcpError::InvalidMacHost {
            host: host.to_owned(),
            problem,
        })?;
        let mac = MacAddress::parse(mac).map_err(|_| DhcpError::InvalidMac {
            host: host.to_string(),
            value: mac.to_owned(),
        })?;
        // dnsmasq reads a field as a hardware address only if it holds a `:`; a MAC kept
        // in its `-` form would be read as a host name and the reservation lost.
        let mac = MacAddress::new(mac.octets(), Separator::Colon);
        if table.insert(host.to_string(), mac).is_some() {
            return Err(DhcpError::DuplicateHost {
                host: host.into_string(),
            });
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_MACS: [(&str, &str); 0] = [];

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn hyphen_macs_are_written_with_colons_for_dnsmasq() {
        // Regression (fuzz target `dhcp`): `08-00-27-aa-00-04,edge-1,...` is read by dnsmasq
        // as two host names and no hardware address, so the host got no reservation.
        let rows = [("edge-1-mgmt", ip("192.168.204.9"))];
        let file = dnsmasq_hosts(&rows, [("edge-1", "08-00-27-AA-00-04")]).unwrap();
        assert_eq!(file.lines, ["08:00:27:aa:00:04,edge-1,192.168.204.9,1d"]);
    }

    /// sysinv `_dnsmasq_host_entry_to_string`: IPv6 in brackets.
    #[test]
    fn ipv6_without_mac_is_bracketed_in_hosts() {
        let rows = [("edge-1-mgmt", ip("fd00::1"))];
        assert_eq!(
            dnsmasq_hosts(&rows, NO_MACS).unwrap().lines,
            ["edge-1,[fd00::1]"]
        );
    }

    #[test]
    fn suffix_is_removed_once_and_only_at_the_end() {
        let rows = [
            ("gateway", ip("10.0.0.1")),
            ("mgmt-mgmt", ip("10.0.0.2")),
            ("a-mgmt-b", ip("10.0.0.3")),
        ];
        assert_eq!(
            dnsmasq_hosts(&rows, NO_MACS).unwrap().lines,
            ["gateway,10.0.0.1", "mgmt,10.0.0.2", "a-mgmt-b,10.0.0.3"]
        );
        let err = dnsmasq_hosts(&[("-mgmt", ip("10.0.0.1"))], NO_MACS).unwrap_err();
        assert_eq!(
            err,
            DhcpError::InvalidName {
                row: "-mgmt".into(),
                problem: HostnameError::Empty
            }
        );
    }

    /// sysinv `manager.py` `_generate_dnsmasq_hosts_file` (stx.5.0): the additional-hosts
    /// file is one `<ip> pxecontroller` line, from `controller-pxeboot` when the system has
    /// a pxeboot network, else from `controller-mgmt`.
    #[test]
    fn sysinv_generate_dnsmasq_hosts_file_addn_hosts_is_the_pxecontroller_line() {
        let mgmt = [
            ("edge-1-mgmt", ip("192.168.204.9")),
            ("controller-mgmt", ip("192.168.204.2")),
            ("controller-0-mgmt", ip("192.168.204.3")),
        ];
        let file = dnsmasq_addn_hosts(&mgmt).unwrap();
        assert_eq!(file.text(), "192.168.204.2 pxecontroller\n");
        assert!(file.warnings.is_empty());
        let with_pxeboot = [
            ("controller-mgmt", ip("192.168.204.2")),
            ("controller-pxeboot", ip("169.254.202.2")),
        ];
        assert_eq!(
            dnsmasq_addn_hosts(&with_pxeboot).unwrap().lines,
            ["169.254.202.2 pxecontroller"]
        );
        let v6 = [("controller-mgmt", ip("fd00::2"))];
        assert_eq!(
            dnsmasq_addn_hosts(&v6).unwrap().lines,
            ["fd00::2 pxecontroller"]
        );
        let err = dnsmasq_addn_hosts(&[("edge-1-mgmt", ip("10.0.0.1"))]).unwrap_err();
        assert_eq!(err.code(), "dhcp.no_controller_row");
    }

    /// RULES §5: a name dnsmasq would misread is left out of its line, with a warning; the
    /// rest of the file is written.
    #[test]
    fn names_dnsmasq_would_misread_are_left_out_with_a_warning() {
        for (name, reading) in [
            ("ignore", "the keyword 'ignore' (no DHCP for the host)"),
            ("IGNORE", "the keyword 'ignore' (no DHCP for the host)"),
            ("infinite", "a lease time"),
            ("3600", "a lease time"),
            ("12h", "a lease time"),
            ("7W", "a lease time"),
            ("10.0.0.9", "an IPv4 address"),
        ] {
            let row = format!("{name}-mgmt");
            let rows = [
                (row.as_str(), ip("192.168.204.9")),
                ("edge-1-mgmt", ip("192.168.204.10")),
            ];
            let file = dnsmasq_hosts(&rows, [(name, "08:00:27:aa:00:01")]).unwrap();
            assert_eq!(
                file.lines,
                [
                    "08:00:27:aa:00:01,192.168.204.9,1d",
                    "edge-1,192.168.204.10"
                ],
                "{name}"
            );
            assert_eq!(file.warnings.len(), 1);
            assert_eq!(file.warnings[0].code(), "dhcp.name_omitted");
            assert_eq!(
                file.warnings[0].to_string(),
                format!(
                    "address row \"{name}-mgmt\": host name \"{name}\" is left out of its DHCP reservation: dnsmasq would read it as {reading}"
                )
            );
            // Without a MAC nothing is left to say: no line, and the warning says so.
            let file = dnsmasq_hosts(&rows, NO_MACS).unwrap();
            assert_eq!(file.lines, ["edge-1,192.168.204.10"], "{name}");
            assert!(file.warnings[0].line_dropped);
            assert!(
                file.warnings[0]
                    .to_string()
                    .contains("(no MAC: no line at all)"),
                "{}",
                file.warnings[0]
            );
        }
        for fine in [
            "h",
            "12x",
            "ignored",
            "edge-3600",
            "10.0.0",
            "3600-edge",
            "1.2.3.4.5",
        ] {
            let row = format!("{fine}-mgmt");
            let file = dnsmasq_hosts(&[(row.as_str(), ip("10.0.0.5"))], NO_MACS).unwrap();
            assert!(file.warnings.is_empty(), "{fine}");
            assert_eq!(file.lines, [format!("{fine},10.0.0.5")]);
        }
    }

    #[test]
    fn injection_attempts_are_refused_naming_the_value() {
        for row in [
            "a,b-mgmt",
            "a b-mgmt",
            "a\n08:00:27:00:00:01,evil,10.0.0.9-mgmt",
            "a#b-mgmt",
            "a\tb",
        ] {
            let rows = [(row, ip("10.0.0.1"))];
            let err = dnsmasq_hosts(&rows, NO_MACS).unwrap_err();
            assert_eq!(err.code(), "dhcp.invalid_name", "{row:?}");
            assert!(err.to_string().contains(&format!("{row:?}")), "{err}");
        }
        let rows = [("edge-1-mgmt", ip("10.0.0.1"))];
        let err = dnsmasq_hosts(&rows, [("edge-1", "08:00:27:00:00:01\nx")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"mgmt_mac of host edge-1: "08:00:27:00:00:01\nx" is not a MAC address"#
        );
        let err = dnsmasq_hosts(&rows, [("edge,1", "08:00:27:00:00:01")]).unwrap_err();
        assert_eq!(err.code(), "dhcp.invalid_host");
        let err = dnsmasq_hosts(
            &rows,
            [
                ("edge-1", "08:00:27:00:00:01"),
                ("edge-1", "08:00:27:00:00:02"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "mgmt_mac of host edge-1 is given twice");
    }

    #[test]
    fn macs_are_normalized_and_matched_by_host_name() {
        let rows = [
            ("edge-1-mgmt", ip("10.0.0.5")),
            ("edge-2-mgmt", ip("10.0.0.6")),
        ];
        let macs = HashMap::from([
            ("edge-2".to_owned(), "AA-BB-CC-DD-EE-FF".to_owned()),
            ("no-row".to_owned(), "00:00:00:00:00:01".to_owned()),
        ]);
        assert_eq!(
            dnsmasq_hosts(&rows, &macs).unwrap().lines,
            ["edge-1,10.0.0.5", "aa:bb:cc:dd:ee:ff,edge-2,10.0.0.6,1d"]
        );
    }
}
