//! Properties of host-add over generated requests: never a panic, rejections are never
//! empty, violations always come in sysinv's order, and accepted hosts echo the request.

mod validate_common;

use edgeworker_core::context::Context;
use edgeworker_core::validate::{self, Options};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// The order model shared with the fuzz targets: one copy, written from RULES.md.
#[path = "../../fuzz/src/order.rs"]
#[allow(dead_code)] // the fuzz targets use the update model and the strict relation
mod order;

fn text(choices: &'static [&'static str]) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => proptest::sample::select(choices).prop_map(|s| Some(json!(s))),
        1 => "[ -~é]{0,12}".prop_map(|s| Some(json!(s))),
        1 => Just(None),
        1 => Just(Some(Value::Null)),
    ]
}

fn request() -> impl Strategy<Value = Value> {
    (
        text(&[
            "edge-1",
            "controller-0",
            "storage-1",
            "Edge_1",
            "controller",
            "",
            "a b",
        ]),
        text(&[
            "edgeworker",
            "worker",
            "controller",
            "storage",
            "Edgeworker",
            "",
        ]),
        text(&[
            "08:00:27:bb:00:01",
            "08:00:27:AA:00:01",
            "08-00-27-bb-00-02",
            "08:00:27",
            "",
        ]),
        text(&[
            "192.168.204.50",
            "192.168.204.2",
            "192.168.204.3",
            "10.0.0.1",
            "fd00::1",
            "x",
        ]),
        text(&["none", "ipmi", "redfish", "dynamic", "bmc"]),
        text(&["10.0.0.5", "10.0.0", ""]),
        text(&["root", ""]),
        text(&["lowlatency", "edgeworker,lowlatency", "worker", ""]),
        text(&["10.0.0.1,10.0.0.2", "10.0.0.1", "fd00::1,10.0.0.1", ""]),
    )
        .prop_map(
            |(hostname, personality, mac, ip, bm_type, bm_ip, bm_user, subs, vsc)| {
                let mut map = Map::new();
                for (k, v) in [
                    ("hostname", hostname),
                    ("personality", personality),
                    ("mgmt_mac", mac),
                    ("mgmt_ip", ip),
                    ("bm_type", bm_type),
                    ("bm_ip", bm_ip),
                    ("bm_username", bm_user),
                    ("subfunctions", subs),
                    ("vsc_controllers", vsc),
                ] {
                    if let Some(v) = v {
                        map.insert(k.to_owned(), v);
                    }
                }
                Value::Object(map)
            },
        )
}

fn contexts() -> Vec<Context> {
    vec![
        Context::example(),
        // No controller yet: checks 0 to 4 do not apply.
        validate_common::ctx(json!({"hosts": [], "addresses": []})),
        // Controllers, none unlocked and enabled; a nuage_vrs vswitch.
        validate_common::ctx(json!({
            "system": {"vswitch_type": "nuage_vrs"},
            "hosts": [{"hostname": "controller-0", "personality": "controller",
                       "mgmt_mac": "08:00:27:cc:00:01", "administrative": "locked"}]
        })),
        validate_common::static_ctx(),
        validate_common::ctx(json!({"system": {"mode": "simplex", "type": "All-in-one"}})),
        validate_common::ctx(
            json!({"system": {"type": "All-in-one"}, "hosts": [{"mgmt_mac": "08:00:27:bb:00:01"}]}),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn violations_are_ordered_and_accepted_hosts_echo_the_request(request in request(), strict: bool) {
        for ctx in contexts() {
            match validate::validate_host_add_value(&request, &ctx, Options::default().with_strict(strict)) {
                Err(rejection) => {
                    order::check_errors(order::ADD, rejection.errors());
                    order::check_warnings(rejection.warnings());
                }
                Ok(outcome) => {
                    let host = &outcome.host;
                    prop_assert_eq!(Some(host.personality().as_str()), request["personality"].as_str());
                    let mac = request["mgmt_mac"].as_str().map(str::to_ascii_lowercase);
                    prop_assert_eq!(Some(host.mgmt_mac().to_string()), mac);
                    // Workers and edgeworkers keep their name; the platform names controllers
                    // and storage hosts (sysinv `_controller_storage_node_setup`).
                    match (host.hostname(), host.personality().as_str()) {
                        (Some(name), "controller") => {
                            prop_assert!(["controller-0", "controller-1"].contains(&name.as_str()));
                        }
                        (Some(name), "storage") => {
                            prop_assert!(name.as_str().strip_prefix("storage-").is_some_and(|n| n.parse::<u32>().is_ok()));
                        }
                        (Some(name), _) => {
                            prop_assert_eq!(Some(name.as_str()), request["hostname"].as_str());
                        }
                        (None, _) => {}
                    }
                    if strict {
                        prop_assert!(outcome.warnings.iter().all(|w| w.code().as_str() == "bmc.ignored"));
                    }
                }
            }
        }
    }
}
