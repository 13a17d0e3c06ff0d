//! The dnsmasq files per release profile (RULES §5 and §7): classic's are unchanged; stx10
//! follows sysinv `manager.py` `_generate_dnsmasq_hosts_file` at master (`afa45530c`, "Add
//! pxeboot network support to sysinv conductor").

use std::net::IpAddr;

use edgeworker_core::context::{System, SystemMode, SystemType};
use edgeworker_core::dhcp::{
    dnsmasq_addn_hosts, dnsmasq_addn_hosts_under, dnsmasq_hosts, dnsmasq_hosts_under,
};
use edgeworker_core::profile::Profile;

fn rows(list: &[(&str, &str)]) -> Vec<(String, IpAddr)> {
    list.iter()
        .map(|(name, ip)| ((*name).to_owned(), ip.parse().expect("test address")))
        .collect()
}

fn standard_rows() -> Vec<(String, IpAddr)> {
    rows(&[
        ("controller-mgmt", "192.168.204.2"),
        ("controller-0-mgmt", "192.168.204.3"),
        ("controller-1-mgmt", "192.168.204.4"),
        ("controller-platform-nfs-mgmt", "192.168.204.5"),
        ("edge-1-mgmt", "192.168.204.77"),
        ("3600-mgmt", "192.168.204.78"),
    ])
}

const MACS: [(&str, &str); 3] = [
    ("controller-0", "08:00:27:aa:00:01"),
    ("edge-1", "08:00:27:aa:00:09"),
    ("3600", "08-00-27-AA-00-0A"),
];

#[test]
fn classic_files_are_the_stx5_files() {
    let rows = standard_rows();
    assert_eq!(
        dnsmasq_hosts_under(Profile::Classic, &rows, MACS).unwrap(),
        dnsmasq_hosts(&rows, MACS).unwrap()
    );
    for system in [
        System::default(),
        System {
            mode: SystemMode::Simplex,
            system_type: SystemType::AllInOne,
            ..System::default()
        },
    ] {
        assert_eq!(
            dnsmasq_addn_hosts_under(Profile::Classic, system, &rows).unwrap(),
            dnsmasq_addn_hosts(&rows).unwrap()
        );
    }
}

/// `afa45530c`: the hosts file holds no management reservation; every node that would
/// have had one is named, the controllers (pxeboot entries) aside.
#[test]
fn stx10_reserves_no_management_address_afa45530c() {
    let file = dnsmasq_hosts_under(Profile::Stx10, &standard_rows(), MACS).unwrap();
    assert!(file.lines.is_empty(), "{:?}", file.lines);
    assert!(file.warnings.is_empty());
    let hosts: Vec<&str> = file.unreserved.iter().map(|n| n.host.as_str()).collect();
    assert_eq!(hosts, ["edge-1", "3600"]);
    assert_eq!(file.unreserved[0].code(), "dhcp.no_reservation");
    assert_eq!(
        file.unreserved[0].to_string(),
        r#"host "edge-1": profile stx10 gives its management address 192.168.204.77 no DHCP reservation: configure it statically on the node"#
    );
    // The names and MACs are still checked: nothing unsafe passes because nothing is written.
    let bad = dnsmasq_hosts_under(Profile::Stx10, &rows(&[("a,b-mgmt", "10.0.0.1")]), MACS);
    assert_eq!(bad.unwrap_err().code(), "dhcp.invalid_name");
    let bad_mac = dnsmasq_hosts_under(Profile::Stx10, &standard_rows(), [("edge-1", "nope")]);
    assert_eq!(bad_mac.unwrap_err().code(), "dhcp.invalid_mac");
}

/// `afa45530c` (manager.py at master): pxecontroller first, then every management row by
/// its `.internal` name; the floating row carries the platform aliases; the NFS row is left
/// out.
#[test]
fn stx10_addn_hosts_name_every_management_row_afa45530c() {
    let file =
        dnsmasq_addn_hosts_under(Profile::Stx10, System::default(), &standard_rows()).unwrap();
    assert_eq!(
        file.text(),
        "192.168.204.2 pxecontroller\n\
         192.168.204.2 controller.internal controller registry.local controller-platform-nfs\n\
         192.168.204.3 controller-0.internal controller-0\n\
         192.168.204.4 controller-1.internal controller-1\n\
         192.168.204.77 edge-1.internal edge-1\n\
         192.168.204.78 3600.internal 3600\n"
    );
}

/// `afa45530c`: on an All-in-one simplex system the floating row also names
/// `controller-0.internal`, and the `controller-0-mgmt` row is left out.
#[test]
fn stx10_addn_hosts_on_aio_simplex_afa45530c() {
    let simplex = System {
        mode: SystemMode::Simplex,
        system_type: SystemType::AllInOne,
        ..System::default()
    };
    let rows = rows(&[
        ("controller-mgmt", "fd00:204::2"),
        ("controller-0-mgmt", "fd00:204::3"),
        ("controller-pxeboot", "169.254.202.2"),
        ("edge-1-mgmt", "fd00:204::77"),
    ]);
    let file = dnsmasq_addn_hosts_under(Profile::Stx10, simplex, &rows).unwrap();
    assert_eq!(
        file.lines,
        [
            "169.254.202.2 pxecontroller",
            "fd00:204::2 controller.internal controller registry.local controller-platform-nfs controller-0.internal",
            "fd00:204::77 edge-1.internal edge-1",
        ]
    );
    // An AIO duplex system keeps controller-0's row.
    let duplex = System {
        mode: SystemMode::Duplex,
        ..simplex
    };
    let file = dnsmasq_addn_hosts_under(Profile::Stx10, duplex, &rows).unwrap();
    assert_eq!(
        file.lines[2],
        "fd00:204::3 controller-0.internal controller-0"
    );
}

#[test]
fn stx10_addn_hosts_refuse_what_could_break_the_file() {
    let rows = rows(&[("controller-mgmt", "10.0.0.2"), ("edge 1-mgmt", "10.0.0.3")]);
    let err = dnsmasq_addn_hosts_under(Profile::Stx10, System::default(), &rows).unwrap_err();
    assert_eq!(err.code(), "dhcp.invalid_name");
    let none = rows_without_controller();
    let err = dnsmasq_addn_hosts_under(Profile::Stx10, System::default(), &none).unwrap_err();
    assert_eq!(err.code(), "dhcp.no_controller_row");
}

fn rows_without_controller() -> Vec<(String, IpAddr)> {
    rows(&[("edge-1-mgmt", "10.0.0.3")])
}
