//! dnsmasq's reading of the lines we write, re-implemented from its documented behaviour
//! and its `dhcp-host` parser (`option.c`): a field is a hardware address only if it holds
//! a `:`, an IPv4 address if it holds a `.` and is a dotted quad, an IPv6 address in
//! brackets; anything else is a lease time or a host name. Written independently of the
//! library's renderer so the two can disagree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One `dhcp-hostsfile` line as dnsmasq reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsLine {
    /// The hardware address (dnsmasq parses colon-separated hex only).
    pub mac: Option<[u8; 6]>,
    /// The host name field; `None` for a reservation by MAC alone (`<mac>,<address>,<lease>`).
    pub name: Option<String>,
    /// The reserved address.
    pub address: IpAddr,
    /// The lease field, when present.
    pub lease: Option<String>,
}

fn mac_field(field: &str) -> Result<[u8; 6], String> {
    if !field.contains(':') {
        return Err(format!(
            "{field:?}: dnsmasq reads a field without ':' as a name or a lease, not a MAC"
        ));
    }
    let parts: Vec<&str> = field.split(':').collect();
    let mut octets = [0u8; 6];
    if parts.len() != 6 {
        return Err(format!("{field:?}: not six octets"));
    }
    for (octet, part) in octets.iter_mut().zip(parts) {
        let ok = part.len() == 2
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(format!(
                "{field:?}: octet {part:?} is not two lowercase hex digits"
            ));
        }
        *octet = u8::from_str_radix(part, 16).map_err(|e| e.to_string())?;
    }
    Ok(octets)
}

fn address_field(field: &str) -> Result<IpAddr, String> {
    if let Some(inner) = field.strip_prefix('[').and_then(|f| f.strip_suffix(']')) {
        return inner
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|e| format!("{field:?}: {e}"));
    }
    if !field.contains('.') {
        return Err(format!(
            "{field:?}: an IPv4 address needs dots, an IPv6 one brackets"
        ));
    }
    field
        .parse::<Ipv4Addr>()
        .map(IpAddr::V4)
        .map_err(|e| format!("{field:?}: {e}"))
}

fn name_field(field: &str) -> Result<String, String> {
    if field.is_empty() || field.contains(':') || field.contains('[') {
        return Err(format!("{field:?}: not read as a host name"));
    }
    Ok(field.to_owned())
}

fn plain(line: &str) -> Result<(), String> {
    if line
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '#')
    {
        return Err(format!("{line:?}: whitespace, a control character or '#'"));
    }
    Ok(())
}

/// Reads one hosts-file line: `<mac>,<name>,<address>,<lease>`, `<mac>,<address>,<lease>`
/// or `<name>,<address>`.
///
/// # Errors
///
/// What dnsmasq would read differently, as text.
pub fn hosts_line(line: &str) -> Result<HostsLine, String> {
    plain(line)?;
    let fields: Vec<&str> = line.split(',').collect();
    match fields.as_slice() {
        [mac, name, address, lease] => Ok(HostsLine {
            mac: Some(mac_field(mac)?),
            name: Some(name_field(name)?),
            address: address_field(address)?,
            lease: Some((*lease).to_owned()),
        }),
        [mac, address, lease] => Ok(HostsLine {
            mac: Some(mac_field(mac)?),
            name: None,
            address: address_field(address)?,
            lease: Some((*lease).to_owned()),
        }),
        [name, address] => Ok(HostsLine {
            mac: None,
            name: Some(name_field(name)?),
            address: address_field(address)?,
            lease: None,
        }),
        _ => Err(format!("{line:?}: {} fields", fields.len())),
    }
}

/// Reads one additional-hosts line, `/etc/hosts` style: `<address> <name>`.
///
/// # Errors
///
/// Anything but exactly an address, one space and a name.
pub fn addn_hosts_line(line: &str) -> Result<(IpAddr, String), String> {
    let (address, name) = line
        .split_once(' ')
        .ok_or_else(|| format!("{line:?}: no space"))?;
    plain(address)?;
    plain(name)?;
    let address = address
        .parse::<IpAddr>()
        .map_err(|e| format!("{line:?}: {e}"))?;
    Ok((address, name_field(name)?))
}
