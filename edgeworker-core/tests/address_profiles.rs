//! Addresses per release profile (RULES §4 and §7): the cluster-host address (both
//! profiles, from stx.8.0), dual-stack management pools (stx10) and IPv6 ranges ending on
//! the network's last address, each with the sysinv commit it follows.

use std::net::IpAddr;

use edgeworker_core::address::{AddressPool, AllocationOrder, NetworkPools};
use edgeworker_core::context::{Context, PlatformNetwork};
use edgeworker_core::personality::Personality;
use edgeworker_core::profile::Profile;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn pool(json: &str) -> AddressPool {
    serde_json::from_str(json).expect("test pool")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

const DUAL: &str = r#"{
    "mgmt_network": {
        "pool": {"name": "management", "network": "192.168.204.0/24", "order": "sequential"},
        "secondary_pool": {"name": "management-ipv6", "network": "fd00:204::/64", "order": "sequential"}
    },
    "cluster_host_network": {
        "pool": {"name": "cluster-host", "network": "192.168.206.0/24", "order": "sequential"},
        "secondary_pool": {"name": "cluster-host-ipv6", "network": "fd00:206::/64", "order": "sequential"}
    }
}"#;

fn under(profile: Profile) -> Context {
    let mut value: serde_json::Value = serde_json::from_str(DUAL).unwrap();
    value["profile"] = serde_json::json!(profile.as_str());
    Context::from_value(&value).unwrap()
}

/// `be4dce95f` ("Create cluster-host-ip…"; stx.8.0 on, both profiles): every host but a
/// controller gets `<host>-cluster-host` besides `<host>-mgmt`, when the context has a
/// cluster-host network.
#[test]
fn cluster_host_address_in_both_profiles_be4dce95f() {
    for profile in Profile::ALL {
        let ctx = under(profile);
        for personality in [
            Personality::Edgeworker,
            Personality::Worker,
            Personality::Storage,
        ] {
            let needs = ctx.address_needs("edge-1", personality);
            let names: Vec<(PlatformNetwork, &str)> =
                needs.iter().map(|n| (n.network, n.name.as_str())).collect();
            assert_eq!(
                names,
                [
                    (PlatformNetwork::Management, "edge-1-mgmt"),
                    (PlatformNetwork::ClusterHost, "edge-1-cluster-host"),
                ],
                "{profile} {personality}"
            );
            assert_eq!(needs[1].pool.name(), "cluster-host");
        }
        // A controller's cluster-host address comes from the bootstrap.
        assert_eq!(
            ctx.address_needs("controller-1", Personality::Controller)
                .len(),
            1
        );
    }
    // No cluster-host network in the context: the management address alone.
    let bare = Context::default();
    assert_eq!(
        bare.address_needs("edge-1", Personality::Edgeworker).len(),
        1
    );
}

/// `fcebab8ef` (dual-stack: every pool of the network; `_allocate_addresses_for_host` at
/// master): under stx10 an allocation yields one address per family, rows matched by name
/// and family; classic allocates from the primary pool alone.
#[test]
fn dual_stack_management_pools_fcebab8ef() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let stx10 = under(Profile::Stx10);
    let needs = stx10.address_needs("edge-1", Personality::Edgeworker);
    for need in &needs {
        let mut pools = NetworkPools::new(
            Profile::Stx10,
            need.pool.clone(),
            need.secondary_pool.cloned(),
        )
        .unwrap();
        let got = pools.allocate(&need.name, None, &mut rng).unwrap();
        assert_eq!(got.len(), 2, "{}", need.name);
        assert!(got[0].is_ipv4() && got[1].is_ipv6());
        // Again: the same addresses.
        assert_eq!(pools.allocate(&need.name, None, &mut rng).unwrap(), got);
    }
    let classic = under(Profile::Classic);
    for need in classic.address_needs("edge-1", Personality::Edgeworker) {
        assert!(need.secondary_pool.is_none());
    }
    let mut classic_pools = NetworkPools::new(
        Profile::Classic,
        pool(r#"{"name": "m4", "network": "10.0.0.0/24"}"#),
        Some(pool(r#"{"name": "m6", "network": "fd00::/64"}"#)),
    )
    .unwrap();
    assert_eq!(classic_pools.pools().len(), 1);
    assert_eq!(
        classic_pools
            .allocate("edge-1-mgmt", None, &mut rng)
            .unwrap()
            .len(),
        1
    );
}

/// `fcebab8ef`: the same row name holds one address per family; a row of a family the
/// network has no pool for is out of the pools.
#[test]
fn rows_are_matched_by_name_and_family_fcebab8ef() {
    let mut pools = NetworkPools::new(
        Profile::Stx10,
        pool(r#"{"name": "m4", "network": "10.0.0.0/24", "order": "sequential"}"#),
        Some(pool(
            r#"{"name": "m6", "network": "fd00::/64", "order": "sequential"}"#,
        )),
    )
    .unwrap();
    pools.record("controller-mgmt", ip("10.0.0.1")).unwrap();
    pools.record("controller-mgmt", ip("fd00::1")).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    assert_eq!(
        pools
            .allocate("edge-1-mgmt", Some(AllocationOrder::Sequential), &mut rng)
            .unwrap(),
        [ip("10.0.0.2"), ip("fd00::2")]
    );
    assert_eq!(
        pools.addresses_of("controller-mgmt"),
        [ip("10.0.0.1"), ip("fd00::1")]
    );
    // One family only: the v4 pool alone cannot record a v6 row.
    let mut single = NetworkPools::new(
        Profile::Stx10,
        pool(r#"{"name": "m4", "network": "10.0.0.0/24"}"#),
        None,
    )
    .unwrap();
    let err = single.record("edge-1-mgmt", ip("fd00::5")).unwrap_err();
    assert_eq!(err.code(), "mgmt_ip.out_of_pool");
}

/// All or nothing: when the second family is exhausted, the first family's new address is
/// released again.
#[test]
fn a_dual_stack_allocation_is_all_or_nothing() {
    let mut pools = NetworkPools::new(
        Profile::Stx10,
        pool(r#"{"name": "m4", "network": "10.0.0.0/24"}"#),
        Some(pool(
            r#"{"name": "m6", "network": "fd00::/126", "ranges": [["fd00::1", "fd00::1"]]}"#,
        )),
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    pools.allocate("a-mgmt", None, &mut rng).unwrap();
    let err = pools.allocate("b-mgmt", None, &mut rng).unwrap_err();
    assert_eq!(err.code(), "pool.exhausted");
    assert!(pools.addresses_of("b-mgmt").is_empty());
    assert_eq!(pools.pools()[0].len(), 1);
}

#[test]
fn a_second_pool_of_the_same_family_is_refused() {
    let err = NetworkPools::new(
        Profile::Stx10,
        pool(r#"{"name": "a", "network": "10.0.0.0/24"}"#),
        Some(pool(r#"{"name": "b", "network": "10.1.0.0/24"}"#)),
    )
    .unwrap_err();
    assert_eq!(err.code(), "pool.same_family");
    let err = Context::from_json(
        r#"{"mgmt_network": {"secondary_pool": {"name": "b", "network": "10.1.0.0/24"}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "mgmt_network.secondary_pool: Address pool b is of the same family as pool management: a network has one pool per family"
    );
    let err = Context::from_json(
        r#"{"cluster_host_network": {"pool": {"name": "c", "network": "fd00::/64"}, "secondary_pool": {"name": "d", "network": "fd01::/64"}}}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cluster_host_network.secondary_pool: "),
        "{err}"
    );
}

/// `509390806` ("Remove broadcast IP validation for IPv6"): an IPv6 range may end on the
/// network's last address. RULES §4 already allows it in the classic profile, so both
/// profiles' pools take it.
#[test]
fn an_ipv6_range_may_end_on_the_last_address_509390806() {
    let last = pool(
        r#"{"name": "m6", "network": "fd00::/120", "ranges": [["fd00::1", "fd00::ff"]], "order": "sequential"}"#,
    );
    let mut pools = NetworkPools::new(Profile::Stx10, last, None).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for i in 0..255 {
        pools
            .allocate(&format!("h{i}-mgmt"), None, &mut rng)
            .unwrap();
    }
    assert_eq!(pools.addresses_of("h254-mgmt"), [ip("fd00::ff")]);
}

/// The readers agree on the new keys.
#[test]
fn the_network_keys_read_the_same_from_text_and_value() {
    let value: serde_json::Value = serde_json::from_str(DUAL).unwrap();
    let a = Context::from_json(DUAL).unwrap();
    let b = Context::from_value(&value).unwrap();
    assert_eq!(a.mgmt_network(), b.mgmt_network());
    assert_eq!(a.cluster_host_network(), b.cluster_host_network());
    assert!(a.mgmt_network().secondary_pool.is_some());
}

/// `fcebab8ef`: a stx10 context's rows are matched by name and family, so sysinv's rows of a
/// dual-stack host (one per family, one name) are one context; classic keeps one row per
/// name, as before.
#[test]
fn stx10_context_rows_are_matched_by_name_and_family_fcebab8ef() {
    let rows = r#""addresses": [
        {"name": "controller-mgmt", "address": "192.168.204.2"},
        {"name": "controller-mgmt", "address": "fd00:204::2"}
    ]"#;
    let stx10 = Context::from_json(&format!(r#"{{"profile": "stx10", {rows}}}"#)).unwrap();
    assert_eq!(stx10.addresses().len(), 2);
    assert_eq!(
        stx10.row_by_ip(ip("fd00:204::2")).map(|r| r.name.as_str()),
        Some("controller-mgmt")
    );
    let err = Context::from_json(&format!("{{{rows}}}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "addresses[1].name: name controller-mgmt is already used by addresses[0]"
    );
    // The same name twice in one family stays a duplicate under stx10.
    let same = r#"{"profile": "stx10", "addresses": [
        {"name": "a-mgmt", "address": "10.0.0.1"}, {"name": "a-mgmt", "address": "10.0.0.2"}]}"#;
    assert_eq!(
        Context::from_json(same).unwrap_err().code(),
        "context.duplicate"
    );
    // Both readers agree.
    let text = format!(r#"{{"profile": "stx10", {rows}}}"#);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        Context::from_value(&value).unwrap().addresses(),
        stx10.addresses()
    );
}
