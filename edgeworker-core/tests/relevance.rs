//! The model behind reading a context in part: for any context and any host-add or
//! host-update, validating against the hosts and rows `Relevance` wants gives exactly the
//! answer validating against the whole context gives (errors, warnings, outcome).
//!
//! Contexts are drawn from small pools of names, MACs and addresses that the requests draw
//! from too, so requests collide with the context's hosts and rows (duplicates of names,
//! MACs, management and BMC addresses, rows of a name, the platform's controller and storage
//! names), under both profiles, static and dynamic addressing, dual-stack pools and a
//! cluster-host network.

use std::collections::HashSet;

use edgeworker_core::context::{Context, HostRecord, Relevance};
use edgeworker_core::host::{ChangeSet, HostAddRequest};
use edgeworker_core::validate::{self, Options};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const NAMES: &[&str] = &[
    "controller-0",
    "controller-1",
    "storage-0",
    "storage-1",
    "storage-2",
    "edge-1",
    "edge-2",
    "worker-1",
    "controller",
];
const PERSONALITIES: &[&str] = &["controller", "storage", "worker", "edgeworker"];
const MACS: &[&str] = &[
    "08:00:27:aa:00:01",
    "08:00:27:aa:00:02",
    "08:00:27:aa:00:03",
    "08:00:27:aa:00:04",
    "08-00-27-aa-00-01",
    "08:00:27:aa:00:05",
    "08:00:27:aa:00:06",
];
const MGMT_IPS: &[&str] = &[
    "192.168.204.2",
    "192.168.204.3",
    "192.168.204.4",
    "192.168.204.5",
    "192.168.204.50",
    "fd00:204::5",
    "fd00:204::50",
    "10.9.0.1",
];
const BM_IPS: &[&str] = &["10.0.0.5", "10.0.0.6", "fd00::5"];
const ROW_NAMES: &[&str] = &[
    "controller-mgmt",
    "controller-0-mgmt",
    "controller-1-mgmt",
    "storage-0-mgmt",
    "storage-1-mgmt",
    "storage-2-mgmt",
    "edge-1-mgmt",
    "edge-2-mgmt",
    "nfs-mgmt",
    "edge-1-cluster-host",
    "storage-1-cluster-host",
];

fn maybe(choices: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![3 => proptest::sample::select(choices).prop_map(Some), 1 => Just(None)]
}

/// One host record as a JSON object: a discovered host now and then.
fn host() -> impl Strategy<Value = Value> {
    (
        maybe(NAMES),
        maybe(PERSONALITIES),
        proptest::sample::select(MACS),
        maybe(MGMT_IPS),
        maybe(BM_IPS),
        maybe(&["provisioned", "unprovisioned"]),
        maybe(&["locked", "unlocked"]),
        maybe(&["enabled", "disabled"]),
    )
        .prop_map(|(name, personality, mac, ip, bm_ip, prov, admin, oper)| {
            let mut map = Map::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v {
                    map.insert(k.to_owned(), json!(v));
                }
            };
            put("hostname", name);
            put("personality", personality);
            put("mgmt_mac", Some(mac));
            put("mgmt_ip", ip);
            put("bm_ip", bm_ip);
            put("invprovision", prov);
            put("administrative", admin);
            put("operational", oper);
            Value::Object(map)
        })
}

fn row() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(ROW_NAMES),
        proptest::sample::select(MGMT_IPS),
    )
        .prop_map(|(name, address)| json!({"name": name, "address": address}))
}

/// Keeps the hosts and rows whose unique keys are still free, as a database would hold them.
fn unique(hosts: Vec<Value>, rows: Vec<Value>, by_family: bool) -> (Vec<Value>, Vec<Value>) {
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    let mut kept_hosts = Vec::new();
    for (i, mut host) in hosts.into_iter().enumerate() {
        host["uuid"] = json!(format!("uuid-{i}"));
        let keys: Vec<(&'static str, String)> = ["hostname", "mgmt_mac", "mgmt_ip", "bm_ip"]
            .into_iter()
            .filter_map(|k| host[k].as_str().map(|v| (k, normalize(k, v))))
            .collect();
        if keys.iter().all(|key| !seen.contains(key)) {
            seen.extend(keys);
            kept_hosts.push(host);
        }
    }
    let mut kept_rows = Vec::new();
    for row in rows {
        let (name, address) = (
            row["name"].as_str().unwrap_or(""),
            row["address"].as_str().unwrap_or(""),
        );
        let family = if by_family {
            address.contains(':').to_string()
        } else {
            String::new()
        };
        let keys = [
            ("row", format!("{name}/{family}")),
            ("address", address.to_owned()),
        ];
        if keys.iter().all(|key| !seen.contains(key)) {
            seen.extend(keys);
            kept_rows.push(row);
        }
    }
    (kept_hosts, kept_rows)
}

fn normalize(key: &str, value: &str) -> String {
    if key == "mgmt_mac" {
        value.to_ascii_lowercase()
    } else {
        value.to_owned()
    }
}

fn context() -> impl Strategy<Value = Context> {
    (
        proptest::collection::vec(host(), 0..10),
        proptest::collection::vec(row(), 0..10),
        any::<bool>(),                            // stx10
        any::<bool>(),                            // dynamic
        prop_oneof![Just(0u8), Just(1), Just(2)], // pools: v4, v6, dual-stack
        any::<bool>(),                            // cluster-host network
        prop_oneof![Just(None), Just(Some(4)), Just(Some(6))],
        prop_oneof![Just("duplex"), Just("simplex")],
        prop_oneof![Just("Standard"), Just("All-in-one")],
    )
        .prop_map(
            |(hosts, rows, stx10, dynamic, pools, cluster, oam, mode, kind)| {
                let (hosts, rows) = unique(hosts, rows, stx10);
                let v4 = json!({"name": "management", "network": "192.168.204.0/24"});
                let v6 = json!({"name": "management-v6", "network": "fd00:204::/64"});
                let mut network = json!({"dynamic": dynamic});
                match pools {
                    0 => network["pool"] = v4,
                    1 => network["pool"] = v6,
                    _ => {
                        network["pool"] = v4;
                        network["secondary_pool"] = v6;
                    }
                }
                let mut ctx = json!({
                    "profile": if stx10 { "stx10" } else { "classic" },
                    "system": {"mode": mode, "type": kind},
                    "mgmt_network": network,
                    "hosts": hosts,
                    "addresses": rows,
                    "oam_family": oam,
                });
                if cluster {
                    ctx["cluster_host_network"] =
                        json!({"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}});
                }
                Context::from_value(&ctx).expect("unique by construction")
            },
        )
}

fn add_request() -> impl Strategy<Value = Value> {
    (
        maybe(&[
            "edge-1",
            "edge-2",
            "controller-0",
            "controller-1",
            "storage-0",
            "storage-1",
            "storage-3",
            "worker-1",
            "controller",
            "nfs",
            "edge-9",
        ]),
        maybe(&["edgeworker", "worker", "controller", "storage", "bogus"]),
        maybe(MACS),
        maybe(MGMT_IPS),
        maybe(&["ipmi", "none"]),
        maybe(BM_IPS),
        maybe(&["root"]),
    )
        .prop_map(|(name, personality, mac, ip, bm_type, bm_ip, user)| {
            let mut map = Map::new();
            for (k, v) in [
                ("hostname", name),
                ("personality", personality),
                ("mgmt_mac", mac),
                ("mgmt_ip", ip),
                ("bm_type", bm_type),
                ("bm_ip", bm_ip),
                ("bm_username", user),
            ] {
                if let Some(v) = v {
                    map.insert(k.to_owned(), json!(v));
                }
            }
            Value::Object(map)
        })
}

fn changes() -> impl Strategy<Value = Value> {
    (
        maybe(&[
            "edge-1",
            "edge-2",
            "controller-0",
            "storage-1",
            "edge-9",
            "nfs",
        ]),
        maybe(&["edgeworker", "worker", "controller", "storage"]),
        maybe(&["ipmi", "none"]),
        maybe(BM_IPS),
        maybe(&["root"]),
    )
        .prop_map(|(name, personality, bm_type, bm_ip, user)| {
            let mut map = Map::new();
            for (k, v) in [
                ("hostname", name),
                ("personality", personality),
                ("bm_type", bm_type),
                ("bm_ip", bm_ip),
                ("bm_username", user),
            ] {
                if let Some(v) = v {
                    map.insert(k.to_owned(), json!(v));
                }
            }
            Value::Object(map)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn a_host_add_answers_the_same_against_its_relevant_part(
        ctx in context(),
        request in add_request(),
        strict: bool,
    ) {
        let options = Options::default().with_strict(strict);
        let relevance = HostAddRequest::from_value_under(&request, ctx.profile())
            .map_or_else(|_| Relevance::none(), |r| Relevance::host_add(&r));
        let part = relevance.subset(&ctx).expect("a part of a valid context is valid");
        prop_assert!(part.hosts().len() <= ctx.hosts().len());
        let whole = validate::validate_host_add_value(&request, &ctx, options);
        let small = validate::validate_host_add_value(&request, &part, options);
        prop_assert_eq!(whole, small);
    }

    #[test]
    fn a_host_update_answers_the_same_against_its_relevant_part(
        ctx in context(),
        changes in changes(),
        pick in any::<prop::sample::Index>(),
        strict: bool,
    ) {
        let options = Options::default().with_strict(strict);
        // The host updated: one of the context's (a discovered one among them), or a new
        // discovered host when it has none.
        let fresh: HostRecord = serde_json::from_value(json!({"mgmt_mac": "08:00:27:aa:00:09"}))
            .expect("a discovered host");
        let host = if ctx.hosts().is_empty() { &fresh } else { pick.get(ctx.hosts()) };
        let relevance = ChangeSet::from_value(&changes)
            .map_or_else(|_| Relevance::none(), |c| Relevance::host_update(&c));
        let part = relevance.subset(&ctx).expect("a part of a valid context is valid");
        let whole = validate::validate_host_update_value(host, &changes, &ctx, options);
        let small = validate::validate_host_update_value(host, &changes, &part, options);
        prop_assert_eq!(whole, small);
    }
}

/// The generator reaches the cases the model is about (so the property is not vacuous).
#[test]
fn the_generated_cases_include_the_interesting_ones() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut dual_rows, mut storage, mut controllers, mut smaller) = (0, 0, 0, 0);
    for _ in 0..500 {
        let ctx = context()
            .new_tree(&mut runner)
            .expect("a context")
            .current();
        let names: Vec<_> = ctx.addresses().iter().map(|r| r.name.clone()).collect();
        if names.iter().collect::<HashSet<_>>().len() < names.len() {
            dual_rows += 1;
        }
        if ctx.host("storage-1").is_some() {
            storage += 1;
        }
        if ctx.host("controller-0").is_some() {
            controllers += 1;
        }
        if Relevance::none().subset(&ctx).expect("valid").hosts().len() < ctx.hosts().len() {
            smaller += 1;
        }
    }
    assert!(
        dual_rows > 10 && storage > 50 && controllers > 50 && smaller > 100,
        "{dual_rows} {storage} {controllers} {smaller}"
    );
}
