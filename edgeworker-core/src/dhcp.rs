//! dnsmasq entries for the management network (RULES.md §5, the stx.5.0 formats).
//!
//! - hosts file (`dhcp-hostsfile`), one line per address row, in row order:
//!   `<mac>,<hostname>,<ip>,1d` when the host's MAC is known, else `<hostname>,<ip>`;
//!   IPv6 addresses in brackets (`[fd00::5]`). The MAC is written lowercase with `:`
//!   whatever its stored separator: dnsmasq takes only `:` fields for hardware addresses.
//! - additional-hosts file (`addn-hosts`), `/etc/hosts` format: `<ip> <hostname>`.
//!
//! The host name is the row name without its `-mgmt` suffix. A row name without that suffix
//! (a platform row such as `gateway`, or one written by hand) is used whole, as sysinv's
//! suffix substitution leaves it.
//!
//! Every name and MAC is parsed with [`Hostname`] and [`MacAddress`] before it is written:
//! their alphabets have no `,`, space, `#` or newline, so no value can start a second entry.
//! A value outside them is refused with an error naming the row or host, never escaped.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::address::MGMT_SUFFIX;
use crate::excerpt::excerpt;
use crate::hostname::{Hostname, HostnameError};
use crate::mac::{MacAddress, Separator};

/// How long a reservation's lease lasts, as sysinv writes it.
pub const LEASE: &str = "1d";

/// Why entries cannot be rendered.
///
/// ```
/// use edgeworker_core::dhcp::{dnsmasq_addn_hosts, DhcpError};
/// let err = dnsmasq_addn_hosts(&[("edge-1\nevil-mgmt", "10.0.0.5".parse()?)]).unwrap_err();
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
    /// A row's host name that dnsmasq's `dhcp-host` parser would read as something else (a
    /// keyword, a lease time or an address): the reservation would lose its name or its host.
    #[error("address row {:?}: dnsmasq would read host name {:?} as {reading}", excerpt(.row), excerpt(.host))]
    Misread {
        /// The row name, as given.
        row: String,
        /// The host name.
        host: String,
        /// What dnsmasq would take it for.
        reading: &'static str,
    },
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
            Self::Misread { .. } => "dhcp.misread_name",
            Self::InvalidMacHost { .. } => "dhcp.invalid_host",
            Self::InvalidMac { .. } => "dhcp.invalid_mac",
            Self::DuplicateHost { .. } => "dhcp.duplicate_host",
        }
    }
}

/// The hosts-file lines (no trailing newline), one per row, in row order. `macs` maps host
/// names (not row names) to MAC addresses, as text; hosts without a row are ignored.
///
/// # Errors
///
/// The first [`DhcpError`]: the MAC table is checked whole first, then the rows in order.
/// A host name dnsmasq would misread ([`DhcpError::Misread`]) is refused here, not in the
/// additional-hosts file, whose lines are plain `hosts` entries.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_hosts;
/// let rows = [
///     ("controller-mgmt", "192.168.204.2".parse()?),
///     ("edge-1-mgmt", "192.168.204.77".parse()?),
///     ("edge-6-mgmt", "fd00::6".parse()?),
/// ];
/// let lines = dnsmasq_hosts(&rows, [("edge-1", "08:00:27:AA:00:01"), ("edge-6", "08:00:27:aa:00:06")])?;
/// assert_eq!(lines, [
///     "controller,192.168.204.2",
///     "08:00:27:aa:00:01,edge-1,192.168.204.77,1d",
///     "08:00:27:aa:00:06,edge-6,[fd00::6],1d",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_hosts<N, H, M>(
    rows: &[(N, IpAddr)],
    macs: impl IntoIterator<Item = (H, M)>,
) -> Result<Vec<String>, DhcpError>
where
    N: AsRef<str>,
    H: AsRef<str>,
    M: AsRef<str>,
{
    let macs = mac_table(macs)?;
    rows.iter()
        .map(|(row, address)| {
            let host = host_of(row.as_ref())?;
            if let Some(reading) = host.dhcp_misreading() {
                return Err(DhcpError::Misread {
                    row: row.as_ref().to_owned(),
                    host: host.into_string(),
                    reading,
                });
            }
            let address = match address {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            };
            Ok(match macs.get(host.as_str()) {
                Some(mac) => format!("{mac},{host},{address},{LEASE}"),
                None => format!("{host},{address}"),
            })
        })
        .collect()
}

/// The additional-hosts lines (`<ip> <hostname>`, no trailing newline), in row order.
///
/// # Errors
///
/// [`DhcpError::InvalidName`] for the first row whose host name is not valid.
///
/// ```
/// use edgeworker_core::dhcp::dnsmasq_addn_hosts;
/// let rows = [("edge-1-mgmt", "192.168.204.77".parse()?), ("edge-6-mgmt", "fd00::6".parse()?)];
/// assert_eq!(dnsmasq_addn_hosts(&rows)?, ["192.168.204.77 edge-1", "fd00::6 edge-6"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dnsmasq_addn_hosts<N: AsRef<str>>(rows: &[(N, IpAddr)]) -> Result<Vec<String>, DhcpError> {
    rows.iter()
        .map(|(row, address)| Ok(format!("{address} {}", host_of(row.as_ref())?)))
        .collect()
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
        let lines = dnsmasq_hosts(&rows, [("edge-1", "08-00-27-AA-00-04")]).unwrap();
        assert_eq!(lines, ["08:00:27:aa:00:04,edge-1,192.168.204.9,1d"]);
    }

    #[test]
    fn ipv6_without_mac_is_bracketed_in_hosts_but_not_in_addn_hosts() {
        let rows = [("edge-1-mgmt", ip("fd00::1"))];
        assert_eq!(dnsmasq_hosts(&rows, NO_MACS).unwrap(), ["edge-1,[fd00::1]"]);
        assert_eq!(dnsmasq_addn_hosts(&rows).unwrap(), ["fd00::1 edge-1"]);
    }

    #[test]
    fn suffix_is_removed_once_and_only_at_the_end() {
        let rows = [
            ("gateway", ip("10.0.0.1")),
            ("mgmt-mgmt", ip("10.0.0.2")),
            ("a-mgmt-b", ip("10.0.0.3")),
        ];
        assert_eq!(
            dnsmasq_addn_hosts(&rows).unwrap(),
            ["10.0.0.1 gateway", "10.0.0.2 mgmt", "10.0.0.3 a-mgmt-b"]
        );
        let err = dnsmasq_addn_hosts(&[("-mgmt", ip("10.0.0.1"))]).unwrap_err();
        assert_eq!(
            err,
            DhcpError::InvalidName {
                row: "-mgmt".into(),
                problem: HostnameError::Empty
            }
        );
    }

    #[test]
    fn names_dnsmasq_would_misread_are_refused_with_what_it_would_read() {
        let render = |name: &str| {
            let row = format!("{name}-mgmt");
            dnsmasq_hosts(
                &[(row.as_str(), "192.168.204.9".parse().unwrap())],
                [(name, "08:00:27:aa:00:01")],
            )
        };
        for (name, reading) in [
            ("ignore", "the keyword 'ignore' (no DHCP for the host)"),
            ("IGNORE", "the keyword 'ignore' (no DHCP for the host)"),
            ("infinite", "a lease time"),
            ("3600", "a lease time"),
            ("12h", "a lease time"),
            ("7W", "a lease time"),
            ("10.0.0.9", "an IPv4 address"),
        ] {
            let err = render(name).unwrap_err();
            assert_eq!(err.code(), "dhcp.misread_name", "{name}");
            assert_eq!(
                err.to_string(),
                format!(
                    "address row \"{name}-mgmt\": dnsmasq would read host name \"{name}\" as {reading}"
                )
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
            assert!(render(fine).is_ok(), "{fine}");
        }
        // The additional-hosts file is a plain hosts file: no such reading there.
        assert!(dnsmasq_addn_hosts(&[("ignore-mgmt", "192.168.204.9".parse().unwrap())]).is_ok());
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
            assert_eq!(dnsmasq_addn_hosts(&rows).unwrap_err(), err);
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
            dnsmasq_hosts(&rows, &macs).unwrap(),
            ["edge-1,10.0.0.5", "aa:bb:cc:dd:ee:ff,edge-2,10.0.0.6,1d"]
        );
    }
}
