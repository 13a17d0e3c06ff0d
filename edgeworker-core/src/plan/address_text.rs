//! IP address texts appended to a buffer, spelled exactly as `Display` spells them (MAC
//! addresses have their own `MacAddress::push_to`).
//!
//! The inventory spells two addresses per node; through `fmt` that cost about 3,000
//! instructions a node (one `{:02x}` or `{}` per octet), a tenth of the node's whole
//! rendering. The tests hold these to `Display`, which stays the rule.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Appends `ip` as `Display` writes it: IPv4 directly, IPv6 (rare, and with its
/// zero-compression rules) through `Display`.
pub(crate) fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_decimal(out, octet);
            }
        }
        // Writing into a String cannot fail.
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

fn push_decimal(out: &mut String, n: u8) {
    if n >= 100 {
        out.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        out.push(char::from(b'0' + n / 10 % 10));
    }
    out.push(char::from(b'0' + n % 10));
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::*;

    fn ip_text(ip: IpAddr) -> String {
        let mut out = String::from("x");
        push_ip(&mut out, ip);
        out.split_off(1)
    }

    #[test]
    fn every_octet_value_in_every_position_is_spelled_as_display() {
        for n in 0..=u8::MAX {
            for position in 0..4 {
                let mut octets = [1, 20, 255, 7];
                octets[position] = n;
                let ip = IpAddr::from(Ipv4Addr::from(octets));
                assert_eq!(ip_text(ip), ip.to_string());
            }
        }
    }

    #[test]
    fn ipv6_is_spelled_as_display() {
        for text in [
            "fd00::2",
            "::1",
            "::",
            "::ffff:192.0.2.1",
            "2001:db8:0:1:1:1:1:1",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }

    proptest! {
        #[test]
        fn any_address_is_spelled_as_display(v4 in any::<u32>(), v6 in any::<u128>()) {
            for ip in [IpAddr::from(Ipv4Addr::from(v4)), IpAddr::from(Ipv6Addr::from(v6))] {
                prop_assert_eq!(ip_text(ip), ip.to_string());
            }
        }
    }
}
