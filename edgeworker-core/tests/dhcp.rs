//! dnsmasq lines from an allocated pool, and no input that yields a second entry.

use std::net::IpAddr;

use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationOrder};
use edgeworker_core::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};
use proptest::prelude::*;
use rand::SeedableRng;

#[test]
fn lines_follow_the_allocator_rows() {
    let pool: AddressPool = serde_json::from_str(
        r#"{"name": "management", "network": "192.168.204.0/24", "order": "sequential"}"#,
    )
    .unwrap();
    let mut pool = AllocatedPool::with_rows(
        pool,
        [("controller-mgmt", "192.168.204.2".parse().unwrap())],
    )
    .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    for host in ["edge-b", "edge-a"] {
        pool.allocate(
            &format!("{host}-mgmt"),
            Some(AllocationOrder::Sequential),
            &mut rng,
        )
        .unwrap();
    }
    let rows = pool.rows();
    assert_eq!(
        dnsmasq_hosts(&rows, [("edge-a", "08-00-27-0A-00-01")])
            .unwrap()
            .lines,
        [
            "controller,192.168.204.2",
            "edge-b,192.168.204.1",
            "08:00:27:0a:00:01,edge-a,192.168.204.3,1d",
        ]
    );
    assert_eq!(
        dnsmasq_addn_hosts(&rows).unwrap().text(),
        "192.168.204.2 pxecontroller\n"
    );
}

proptest! {
    /// Whatever the name and MAC text, a row renders to one line with the format's fields
    /// (the name left out, with a warning, where dnsmasq would misread it), or is refused.
    #[test]
    fn one_row_is_one_entry_or_an_error(
        name in "[a-z0-9,. \\n\\t#_=-]{0,12}",
        mac in prop_oneof!["[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}", "[0-9a-fA-F:, \\n-]{0,20}"],
        v6 in any::<bool>(),
    ) {
        let address: IpAddr = if v6 { "fd00::5".parse().unwrap() } else { "10.0.0.5".parse().unwrap() };
        let rows = [(format!("{name}-mgmt"), address)];
        let host = name.clone();
        if let Ok(file) = dnsmasq_hosts(&rows, [(host.as_str(), mac.as_str())]) {
            prop_assert_eq!(file.lines.len(), 1);
            let line = &file.lines[0];
            prop_assert!(!line.contains(['\n', ' ', '\t', '#']), "{:?}", line);
            let fields: Vec<&str> = line.split(',').collect();
            if file.warnings.is_empty() {
                prop_assert_eq!(fields.len(), 4, "{:?}", line);
                prop_assert_eq!(fields[1], name.as_str());
            } else {
                prop_assert_eq!(fields.len(), 3, "{:?}", line);
                prop_assert_eq!(&file.warnings[0].host, &name);
            }
            prop_assert_eq!(fields[fields.len() - 1], "1d");
        }
    }
}
