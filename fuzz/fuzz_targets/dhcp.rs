//! dnsmasq rendering: rows and a MAC table, names and MACs valid, hostile or arbitrary.
//!
//! Properties:
//! - refused exactly when an input is outside the alphabets (checked independently of
//!   `Hostname`/`MacAddress`: ASCII letters, digits, `_ . -`, 1–255 characters; six
//!   two-digit hex octets with one separator), with the first problem's error (MAC table
//!   first, then rows in order), or when the table names a host twice;
//! - otherwise one line per row in row order, except a row whose host name dnsmasq would
//!   read as a keyword, a lease time or an address: its line has no name (and there is no
//!   line when it has no MAC), with one `dhcp.name_omitted` warning per such row, in order;
//! - each line, read back field by field the way dnsmasq reads a `dhcp-host` (MAC only in a
//!   field with `:`, IPv4 with dots, IPv6 in brackets), gives exactly its row's host name
//!   (or none) and address and its host's MAC;
//! - the additional-hosts file is one line, `<address> pxecontroller`, with the address of
//!   the first row named `controller-pxeboot`, else of the first `controller-mgmt`, and is
//!   refused when there is neither.
#![no_main]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::{Arbitrary, Unstructured};
use edgeworker_core::dhcp::{DhcpError, dnsmasq_addn_hosts, dnsmasq_hosts};
use edgeworker_fuzz::{dnsmasq, inputs};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "edge-1",
    "edge_2",
    "Edge.3",
    "controller",
    "controller-0",
    "controller-pxeboot",
    "a",
    "1d",
    "3600",
    "ignore",
    "infinite",
    "10.0.0.9",
    "-x",
    "edge-1\nevil",
    "edge,1",
    "edge 1",
    "#x",
    "édge",
    "",
];
const MACS: &[&str] = &[
    "08:00:27:aa:00:01",
    "08:00:27:AA:00:02",
    "08-00-27-aa-00-03",
    "08-00-27-AA-00-04",
    "08:00:27:aa-00-05",
    "08:00:27:aa:00",
    "08:00:27:aa:00:0g",
    "08:00:27:aa:00:1,x",
    "",
];

fn alphabet_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The octets of a MAC in the accepted forms, by an independent reading.
fn alphabet_mac(s: &str) -> Option<[u8; 6]> {
    let sep = if s.contains(':') { ':' } else { '-' };
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = [0u8; 6];
    for (o, p) in out.iter_mut().zip(&parts) {
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(out)
}

#[derive(Debug)]
struct Input {
    rows: Vec<(String, IpAddr)>,
    macs: Vec<(String, String)>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut rows = Vec::new();
        for _ in 0..u.int_in_range(0..=6)? {
            let mut name = inputs::text(u, NAMES, 6)?;
            if u.ratio(3, 4)? {
                name.push_str("-mgmt");
            }
            let address = match u.int_in_range(0..=2)? {
                0 => IpAddr::V4(Ipv4Addr::from(u.arbitrary::<u32>()?)),
                1 => IpAddr::V6(Ipv6Addr::from(u.arbitrary::<u128>()?)),
                _ => IpAddr::V6(Ipv6Addr::from(
                    0xfd00_u128 << 112 | u128::from(u.arbitrary::<u16>()?),
                )),
            };
            rows.push((name, address));
        }
        let mut macs = Vec::new();
        for _ in 0..u.int_in_range(0..=6)? {
            let host = inputs::text(u, NAMES, 6)?;
            let mac = if u.ratio(1, 3)? {
                let o: [u8; 6] = u.arbitrary()?;
                let sep = if u.arbitrary()? { ':' } else { '-' };
                let text = o
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(&sep.to_string());
                if u.arbitrary()? {
                    text.to_ascii_uppercase()
                } else {
                    text
                }
            } else {
                inputs::text(u, MACS, 6)?
            };
            macs.push((host, mac));
        }
        Ok(Self { rows, macs })
    }
}

/// The first error the renderer must report, by the model.
fn expected_error(input: &Input) -> Option<DhcpError> {
    let mut seen: Vec<&str> = Vec::new();
    for (host, mac) in &input.macs {
        if !alphabet_name(host) {
            return Some(DhcpError::InvalidMacHost {
                host: host.clone(),
                problem: problem(host),
            });
        }
        if alphabet_mac(mac).is_none() {
            return Some(DhcpError::InvalidMac {
                host: host.clone(),
                value: mac.clone(),
            });
        }
        if seen.contains(&host.as_str()) {
            return Some(DhcpError::DuplicateHost { host: host.clone() });
        }
        seen.push(host);
    }
    for (row, _) in &input.rows {
        let host = row.strip_suffix("-mgmt").unwrap_or(row);
        if !alphabet_name(host) {
            return Some(DhcpError::InvalidName {
                row: row.clone(),
                problem: problem(host),
            });
        }
    }
    None
}

/// Whether dnsmasq's `dhcp-host` parser takes a field for something other than a name:
/// the keyword `ignore`, a lease time (`infinite`, or digits with an optional unit letter),
/// or a dotted-quad IPv4 address. Written from dnsmasq's option parsing, not the library.
fn dnsmasq_misreads(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    let lease_digits = match lower.as_bytes().last() {
        Some(b's' | b'm' | b'h' | b'd' | b'w') => &lower[..lower.len() - 1],
        _ => lower.as_str(),
    };
    lower == "ignore"
        || lower == "infinite"
        || (!lease_digits.is_empty() && lease_digits.chars().all(|c| c.is_ascii_digit()))
        || field.parse::<Ipv4Addr>().is_ok()
}

/// The library's description of a bad name (its wording is the hostname module's).
fn problem(name: &str) -> edgeworker_core::hostname::HostnameError {
    edgeworker_core::hostname::Hostname::parse(name).expect_err("the model found a problem")
}

fuzz_target!(|input: Input| {
    let hosts = dnsmasq_hosts(
        &input.rows,
        input.macs.iter().map(|(h, m)| (h.as_str(), m.as_str())),
    );
    check_addn_hosts(&input);
    let file = match (hosts, expected_error(&input)) {
        (Err(got), Some(want)) => {
            assert_eq!(got, want, "{input:?}");
            assert!(!got.to_string().is_empty() && got.code().starts_with("dhcp."));
            return;
        }
        (Ok(file), None) => file,
        (got, want) => panic!("{input:?}: rendered {got:?}, model says {want:?}"),
    };
    let macs: HashMap<&str, [u8; 6]> = input
        .macs
        .iter()
        .map(|(h, m)| (h.as_str(), alphabet_mac(m).expect("checked above")))
        .collect();
    let mut lines = file.lines.iter();
    let mut warnings = file.warnings.iter();
    for (row, address) in &input.rows {
        let host = row.strip_suffix("-mgmt").unwrap_or(row);
        let mac = macs.get(host).copied();
        let misread = dnsmasq_misreads(host);
        if misread {
            let warning = warnings.next().expect("a warning for a misread name");
            assert_eq!((warning.row.as_str(), warning.host.as_str()), (row.as_str(), host));
            assert_eq!(warning.code(), "dhcp.name_omitted");
            assert_eq!(warning.line_dropped, mac.is_none());
            if mac.is_none() {
                continue;
            }
        }
        let line = lines.next().expect("a line for this row");
        let read = dnsmasq::hosts_line(line).unwrap_or_else(|e| panic!("row {row:?}: {e}"));
        let want_name = (!misread).then(|| host.to_owned());
        assert_eq!(read.name, want_name, "{line}");
        assert_eq!(read.address, *address, "{line}");
        assert_eq!(read.mac, mac, "{line}");
        if read.mac.is_some() {
            assert_eq!(read.lease.as_deref(), Some("1d"));
        }
    }
    assert_eq!(lines.next(), None, "{input:?}");
    assert_eq!(warnings.next(), None, "{input:?}");
});

/// The additional-hosts file against its model: the controller's line, or the refusal.
fn check_addn_hosts(input: &Input) {
    let controller = ["controller-pxeboot", "controller-mgmt"]
        .iter()
        .find_map(|wanted| input.rows.iter().find(|(row, _)| row == wanted));
    match (dnsmasq_addn_hosts(&input.rows), controller) {
        (Ok(file), Some((_, address))) => {
            assert_eq!(file.lines.len(), 1);
            let (read, name) = dnsmasq::addn_hosts_line(&file.lines[0])
                .unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!((read, name.as_str()), (*address, "pxecontroller"));
            assert!(file.warnings.is_empty());
        }
        (Err(err), None) => assert_eq!(err, DhcpError::NoControllerRow),
        (got, want) => panic!("{input:?}: addn-hosts {got:?}, model says {want:?}"),
    }
}
