//! host-add, RULES.md §2: every check with its code, field, exact message and status.

mod validate_common;

use edgeworker_core::context::Context;
use edgeworker_core::hostname::Hostname;
use edgeworker_core::validate::{self, Effect, Options};
use serde_json::json;
use validate_common::{add, add_in, codes, ctx, edge, only_error, row, static_ctx, v};

#[test]
fn a_valid_edgeworker_is_created_normalized() {
    let outcome = add(&edge(
        json!({"mgmt_mac": "08-00-27-BB-00-01", "location": {"locn": "rack 3"}}),
    ))
    .expect("valid");
    assert_eq!(outcome.effect, Effect::Create);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(
        serde_json::to_value(&outcome.host).unwrap(),
        json!({
            "hostname": "edge-1", "personality": "edgeworker", "subfunctions": "edgeworker",
            "mgmt_mac": "08-00-27-bb-00-01", "mgmt_ip": null, "bm_type": "none",
            "bm_ip": null, "bm_username": null, "location": {"locn": "rack 3"},
        })
    );
}

/// `Context::default()` is the empty system, not the example: nothing the example's
/// controllers hold is taken there, and with no controller checks 0–4 do not run; a JSON
/// context's absent keys are the same empty parts.
#[test]
fn the_default_context_is_the_empty_system_not_the_example() {
    let taken_mac = edge(json!({"mgmt_mac": "08:00:27:aa:00:01"}));
    assert_eq!(codes(&add(&taken_mac)), ["mgmt_mac.duplicate"]);
    let empty = Context::default();
    assert!(add_in(&empty, &taken_mac).is_ok());
    let dynamic_ip = edge(json!({"mgmt_ip": "192.168.204.50"}));
    assert_eq!(codes(&add(&dynamic_ip)), ["mgmt_ip.not_allowed"]);
    assert!(add_in(&empty, &dynamic_ip).is_ok());
    let simplex =
        Context::from_value(&json!({"system": {"mode": "simplex", "type": "All-in-one"}})).unwrap();
    assert!(simplex.hosts().is_empty() && simplex.addresses().is_empty());
    assert!(add_in(&simplex, &edge(json!({}))).is_ok());
}

#[test]
fn check_1_simplex_with_a_controller() {
    let simplex = ctx(json!({"system": {"mode": "simplex", "type": "All-in-one"}}));
    assert_eq!(
        only_error(&add_in(&simplex, &edge(json!({})))),
        v(
            "system.simplex",
            None,
            "Host-add Rejected: Adding a host on a simplex system is not allowed.",
            400
        )
    );
    // Contrast: a simplex system without its controller yet.
    let empty = ctx(
        json!({"system": {"mode": "simplex", "type": "All-in-one"}, "hosts": [], "addresses": []}),
    );
    assert!(add_in(&empty, &edge(json!({}))).is_ok());
}

#[test]
fn check_2_no_mgmt_ip_with_dynamic_addressing() {
    assert_eq!(
        only_error(&add(&edge(json!({"mgmt_ip": "192.168.204.50"})))),
        v(
            "mgmt_ip.not_allowed",
            Some("mgmt_ip"),
            "Host-add Rejected: Cannot specify a mgmt_ip when dynamic address allocation is configured",
            400
        )
    );
    // An empty mgmt_ip is no mgmt_ip.
    assert!(add(&edge(json!({"mgmt_ip": ""}))).is_ok());
}

#[test]
fn check_3_mgmt_ip_required_with_static_addressing_says_worker() {
    let expected = v(
        "mgmt_ip.required",
        Some("mgmt_ip"),
        "Host-add Rejected: Cannot add a worker host without specifying a mgmt_ip when static address allocation is configured.",
        400,
    );
    assert_eq!(
        only_error(&add_in(&static_ctx(), &edge(json!({})))),
        expected
    );
    assert_eq!(
        only_error(&add_in(
            &static_ctx(),
            &edge(json!({"personality": "worker"}))
        )),
        expected
    );
    // Contrast: controllers and storage hosts get their address from the platform.
    let bare = ctx(json!({"mgmt_network": {"dynamic": false}, "hosts": [], "addresses": []}));
    for p in ["controller", "storage"] {
        assert!(
            add_in(
                &bare,
                &json!({"personality": p, "mgmt_mac": "08:00:27:bb:00:01"})
            )
            .is_ok(),
            "{p}"
        );
    }
}

#[test]
fn check_4_hostname_missing_except_for_controller_and_storage() {
    for request in [
        edge(json!({"hostname": null})),
        edge(json!({"hostname": ""})),
    ] {
        assert_eq!(
            only_error(&add(&request)),
            v(
                "hostname.missing",
                Some("hostname"),
                "Host-add Rejected. Must provide a hostname for a node of personality edgeworker",
                400
            )
        );
    }
    assert_eq!(
        only_error(&add(&edge(
            json!({"hostname": null, "personality": "worker"})
        )))
        .2,
        "Host-add Rejected. Must provide a hostname for a node of personality worker"
    );
    // The first controller keeps the name it was given (none); a storage host is named by
    // the platform (sysinv `_controller_storage_node_setup`).
    let bare = ctx(json!({"hosts": [], "addresses": []}));
    for (p, name) in [("controller", None), ("storage", Some("storage-0"))] {
        let outcome = add_in(
            &bare,
            &json!({"personality": p, "mgmt_mac": "08:00:27:bb:00:01"}),
        )
        .expect(p);
        assert_eq!(outcome.host.hostname().map(Hostname::as_str), name);
    }
}

#[test]
fn checks_5_and_6_hostname_alphabet_and_length() {
    let chars = v(
        "hostname.invalid_chars",
        Some("hostname"),
        "Name may only contain letters, numbers, underscores, periods and hyphens.",
        400,
    );
    let long = v(
        "hostname.too_long",
        Some("hostname"),
        "Name restricted to at most 255 characters.",
        400,
    );
    for bad in ["edge 1", "édge", "edge-1\n", "a,b", "edge\u{0}"] {
        assert_eq!(
            only_error(&add(&edge(json!({"hostname": bad})))),
            chars,
            "{bad:?}"
        );
    }
    assert_eq!(
        only_error(&add(&edge(json!({"hostname": "a".repeat(256)})))),
        long
    );
    let both = add(&edge(json!({"hostname": format!("{} x", "a".repeat(300))})));
    assert_eq!(
        codes(&both),
        ["hostname.invalid_chars", "hostname.too_long"]
    );
    // 255 characters pass sysinv (and only warn: not a DNS name).
    let ok = add(&edge(json!({"hostname": "a".repeat(255)}))).expect("255 is allowed");
    assert_eq!(
        ok.warnings[0].code().as_str(),
        "hostname.not_dns_compatible"
    );
}

#[test]
fn check_7_reserved_names_for_worker_and_edgeworker() {
    for p in ["edgeworker", "worker"] {
        for name in [
            "controller-0",
            "controller-1",
            "storage-0",
            "storage",
            "storagefoo",
        ] {
            let request = edge(json!({"hostname": name, "personality": p}));
            let result = add_in(&ctx(json!({"hosts": [], "addresses": []})), &request);
            assert_eq!(
                only_error(&result),
                v(
                    "hostname.reserved",
                    Some("hostname"),
                    &format!(
                        "{name} Reject attempt to configure invalid hostname for personality {p}."
                    ),
                    400
                )
            );
        }
        for name in [
            "localhost",
            "controller",
            "controller-2",
            "Storage-1",
            "my-storage",
        ] {
            let result = add(&edge(json!({"hostname": name, "personality": p})));
            assert!(result.is_ok(), "{p} {name}: {result:?}");
        }
    }
}

#[test]
fn check_7_contrast_controller_and_storage_names() {
    let bare = ctx(json!({"hosts": [], "addresses": []}));
    assert_eq!(
        only_error(&add_in(&bare, &edge(json!({"personality": "controller"})))),
        v(
            "hostname.invalid_for_personality",
            Some("hostname"),
            "Host with personality=controller can only have a hostname from ['controller-0', 'controller-1']",
            400
        )
    );
    assert!(
        add_in(
            &bare,
            &edge(json!({"personality": "controller", "hostname": "controller-1"}))
        )
        .is_ok()
    );
    for bad in ["edge-1", "storage-", "storage-x", "storage0"] {
        assert_eq!(
            only_error(&add_in(
                &bare,
                &edge(json!({"personality": "storage", "hostname": bad}))
            )),
            v(
                "hostname.invalid_for_personality",
                Some("hostname"),
                "Host with personality=storage can only have a hostname starting with storage-(number)",
                400
            ),
            "{bad}"
        );
    }
    assert!(
        add_in(
            &bare,
            &edge(json!({"personality": "storage", "hostname": "storage-0"}))
        )
        .is_ok()
    );
}

/// sysinv host.py stx.5.0 `_controller_storage_node_setup`, run after the BMC checks: once a
/// controller exists, the platform names a new controller and the next storage host, and
/// gives it the address of its `<name>-mgmt` row, whatever the request said.
#[test]
fn sysinv_controller_storage_node_setup() {
    // Both controllers configured: no third (the default context has both).
    let third = json!({"personality": "controller", "hostname": "controller-1",
                       "mgmt_mac": "08:00:27:aa:00:09"});
    assert_eq!(
        only_error(&add(&third)),
        v(
            "personality.controllers_full",
            Some("personality"),
            "Two controller nodes have already been configured. This host can not be configured as a controller.",
            400
        )
    );
    // One controller: the new one is the other, at its row's address, even when the request
    // names the existing one.
    let one = ctx(json!({
        "hosts": [{"hostname": "controller-0", "personality": "controller",
                   "mgmt_mac": "08:00:27:aa:00:01", "mgmt_ip": "192.168.204.3",
                   "administrative": "unlocked", "operational": "enabled"}],
    }));
    let second = add_in(
        &one,
        &json!({"personality": "controller", "hostname": "controller-0",
                "mgmt_mac": "08:00:27:aa:00:02"}),
    )
    .expect("the second controller");
    assert_eq!(
        second.host.hostname().map(Hostname::as_str),
        Some("controller-1")
    );
    // Dynamic addressing: the row holds the address; the host carries none, as every host.
    assert_eq!(second.host.mgmt_ip(), None);
    let one_static = ctx(json!({
        "mgmt_network": {"dynamic": false},
        "hosts": [{"hostname": "controller-0", "personality": "controller",
                   "mgmt_mac": "08:00:27:aa:00:01", "mgmt_ip": "192.168.204.3",
                   "administrative": "unlocked", "operational": "enabled"}],
    }));
    let second = add_in(
        &one_static,
        &json!({"personality": "controller", "mgmt_mac": "08:00:27:aa:00:02"}),
    )
    .expect("the second controller, static");
    assert_eq!(
        second.host.mgmt_ip(),
        Some("192.168.204.4".parse().unwrap())
    );

    // Storage: the highest free name from storage-0 to storage-<count>.
    let storage = |names: &[&str]| {
        let mut hosts = vec![
            json!({"hostname": "controller-0", "personality": "controller",
            "mgmt_mac": "08:00:27:aa:00:01", "administrative": "unlocked",
            "operational": "enabled"}),
        ];
        for (i, name) in names.iter().enumerate() {
            hosts.push(json!({"hostname": name, "personality": "storage",
                              "mgmt_mac": format!("08:00:27:cc:00:{i:02x}")}));
        }
        ctx(json!({"hosts": hosts}))
    };
    let request = json!({"personality": "storage", "mgmt_mac": "08:00:27:aa:00:31"});
    for (existing, expected) in [
        (&[][..], "storage-0"),
        (&["storage-0"][..], "storage-1"),
        (&["storage-0", "storage-2"][..], "storage-1"),
        (&["storage-1"][..], "storage-0"),
    ] {
        let outcome = add_in(&storage(existing), &request).expect("a storage host");
        assert_eq!(
            outcome.host.hostname().map(Hostname::as_str),
            Some(expected),
            "{existing:?}"
        );
    }
    let named = json!({"personality": "storage", "hostname": "storage-0",
                       "mgmt_mac": "08:00:27:aa:00:31"});
    assert_eq!(
        only_error(&add_in(&storage(&["storage-0"]), &named)),
        v(
            "hostname.not_expected",
            Some("hostname"),
            "Storage name storage-0 not allowed.  Expected storage-1. Storage nodes can be one of: storage-#.",
            400
        )
    );
}

/// A controller named by the platform gets no hostname warning: `controller-0` is a
/// platform name and `controller-0-mgmt` its own row (found by the `host_add` fuzz target:
/// the named host, validated again, warned where the first answer had not).
#[test]
fn platform_names_carry_no_hostname_warning() {
    let one = ctx(json!({
        "hosts": [{"hostname": "controller-1", "personality": "controller",
                   "mgmt_mac": "08:00:27:aa:00:02", "mgmt_ip": "192.168.204.4",
                   "administrative": "unlocked", "operational": "enabled"}],
        "addresses": [{"name": "controller-0-mgmt", "address": "192.168.204.3"}],
    }));
    for hostname in [None, Some("controller-0"), Some("controller-1")] {
        let mut request = json!({"personality": "controller", "mgmt_mac": "08:00:27:aa:00:01"});
        if let Some(name) = hostname {
            request["hostname"] = json!(name);
        }
        let outcome = add_in(&one, &request).expect("the other controller");
        assert_eq!(
            outcome.host.hostname().map(Hostname::as_str),
            Some("controller-0")
        );
        assert!(
            outcome.warnings.is_empty(),
            "{hostname:?}: {:?}",
            outcome.warnings
        );
    }
}

/// The name and address the platform gives are checked as a static address would be: a row
/// whose address another host holds is refused, not admitted twice.
#[test]
fn platform_address_held_by_another_host_is_allocated() {
    let held = ctx(json!({
        "hosts": [
            {"hostname": "controller-0", "personality": "controller",
             "mgmt_mac": "08:00:27:aa:00:01", "mgmt_ip": "192.168.204.3",
             "administrative": "unlocked", "operational": "enabled"},
            {"hostname": "edge-9", "personality": "edgeworker",
             "mgmt_mac": "08:00:27:aa:00:19", "mgmt_ip": "192.168.204.4"},
        ],
    }));
    let request = json!({"personality": "controller", "mgmt_mac": "08:00:27:aa:00:02"});
    assert_eq!(codes(&add_in(&held, &request)), ["mgmt_ip.allocated"]);
}

#[test]
fn checks_8_and_9_mac_present_and_well_formed() {
    for request in [
        edge(json!({"mgmt_mac": null})),
        edge(json!({"mgmt_mac": ""})),
    ] {
        assert_eq!(
            only_error(&add(&request)),
            v(
                "mgmt_mac.missing",
                Some("mgmt_mac"),
                "Host-add Rejected: Must provide MAC Address of the host mgmt interface",
                400
            )
        );
    }
    for bad in [
        "08:00:27:bb:00",
        "08:00:27:bb-00:01",
        "0800.27bb.0001",
        "08:00:27:bb:00:0g",
    ] {
        assert_eq!(
            only_error(&add(&edge(json!({"mgmt_mac": bad})))),
            v(
                "mgmt_mac.invalid",
                Some("mgmt_mac"),
                "Host-add Rejected: Must provide a valid format of a MAC Address",
                400
            ),
            "{bad}"
        );
    }
}

#[test]
fn check_10_personality_is_exact_and_lowercase() {
    assert_eq!(
        only_error(&add(&edge(json!({"personality": "Edgeworker"})))),
        v(
            "personality.invalid",
            Some("personality"),
            "edge-1: Reject attempt to configure with invalid personality=Edgeworker ",
            400
        )
    );
    // Absent: sysinv prints Python's None; the hostname check applies the general rule.
    let result = add(&edge(json!({"personality": null, "hostname": null})));
    assert_eq!(codes(&result), ["hostname.missing", "personality.invalid"]);
    let errors = result.unwrap_err();
    assert_eq!(
        errors.errors()[0].message(),
        "Host-add Rejected. Must provide a hostname for a node of personality None"
    );
    assert_eq!(
        errors.errors()[1].message(),
        "None: Reject attempt to configure with invalid personality=None "
    );
}

#[test]
fn check_11_personality_and_system_type() {
    let incompatible = |p: &str| {
        v(
            "personality.incompatible",
            Some("personality"),
            &format!("Personality [{p}] for host is not compatible with installed software. "),
            400,
        )
    };
    let aio_duplex = ctx(json!({"system": {"mode": "duplex", "type": "All-in-one"}}));
    let aio_simplex_empty = ctx(
        json!({"system": {"mode": "simplex", "type": "All-in-one"}, "hosts": [], "addresses": []}),
    );
    assert_eq!(
        only_error(&add_in(
            &aio_duplex,
            &edge(json!({"personality": "storage", "hostname": "storage-0"}))
        )),
        incompatible("storage")
    );
    assert_eq!(
        only_error(&add_in(
            &aio_simplex_empty,
            &edge(json!({"personality": "worker"}))
        )),
        incompatible("worker")
    );
    assert!(add_in(&aio_duplex, &edge(json!({"personality": "worker"}))).is_ok());
    let direct = ctx(json!({"system": {"mode": "duplex-direct", "type": "All-in-one"}}));
    assert!(add_in(&direct, &edge(json!({"personality": "worker"}))).is_ok());
    // An edgeworker fits every system.
    for system in [
        &aio_duplex,
        &aio_simplex_empty,
        &direct,
        &Context::example(),
    ] {
        assert!(add_in(system, &edge(json!({}))).is_ok());
    }
}

#[test]
fn check_12_hostname_duplicate_is_case_sensitive() {
    let with_edge = ctx(
        json!({"hosts": [{"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:cc:00:01", "uuid": "u-1"}]}),
    );
    assert_eq!(
        only_error(&add_in(&with_edge, &edge(json!({})))),
        v(
            "hostname.duplicate",
            Some("hostname"),
            "Host-add Rejected: Hostname already exists",
            400
        )
    );
    let upper = add_in(&with_edge, &edge(json!({"hostname": "Edge-1"}))).expect("case-sensitive");
    assert_eq!(
        upper.warnings[0].code().as_str(),
        "hostname.not_dns_compatible"
    );
}

#[test]
fn check_13_mgmt_ip_duplicate_quotes_the_address_as_typed() {
    let static_with_edge = ctx(json!({
        "mgmt_network": {"dynamic": false},
        "hosts": [{"hostname": "edge-0", "personality": "edgeworker", "mgmt_mac": "08:00:27:cc:00:01", "mgmt_ip": "192.168.204.60"}],
    }));
    assert_eq!(
        only_error(&add_in(
            &static_with_edge,
            &edge(json!({"mgmt_ip": "192.168.204.60"}))
        )),
        v(
            "mgmt_ip.duplicate",
            Some("mgmt_ip"),
            "Host-add Rejected: Host with mgmt_ip 192.168.204.60 already exists",
            400
        )
    );
}

#[test]
fn check_14_mac_duplicate_unless_the_host_was_discovered() {
    assert_eq!(
        only_error(&add(&edge(json!({"mgmt_mac": "08:00:27:AA:00:01"})))),
        v(
            "mgmt_mac.duplicate",
            Some("mgmt_mac"),
            "Host-add Rejected: Host with mgmt_mac 08:00:27:AA:00:01 already exists",
            400
        )
    );
    // sysinv compares lowercased strings: another separator is another MAC.
    assert!(add(&edge(json!({"mgmt_mac": "08-00-27-aa-00-01"}))).is_ok());
    let discovered = ctx(json!({"hosts": [{"mgmt_mac": "08:00:27:bb:00:01", "uuid": "d-1"}]}));
    let outcome = add_in(&discovered, &edge(json!({"mgmt_mac": "08:00:27:BB:00:01"})))
        .expect("update of the discovered host");
    assert_eq!(outcome.effect, Effect::UpdateDiscovered);
    assert_eq!(outcome.host.uuid(), Some("d-1"));
    // A host with only a personality is not discovered any more.
    let half = ctx(json!({"hosts": [{"mgmt_mac": "08:00:27:bb:00:01", "personality": "worker"}]}));
    assert_eq!(
        codes(&add_in(&half, &edge(json!({})))),
        ["mgmt_mac.duplicate"]
    );
}

#[test]
fn check_15_board_management_is_excluded_for_edgeworker() {
    let unsupported = v(
        "bmc.unsupported",
        Some("bm_type"),
        "Host-add Rejected: Board management is not supported for personality edgeworker",
        400,
    );
    for bm_type in ["dynamic", "ipmi", "redfish"] {
        assert_eq!(
            only_error(&add(&edge(
                json!({"bm_type": bm_type, "bm_ip": "10.0.0.5", "bm_username": "root"})
            ))),
            unsupported
        );
    }
    // No type, but address and user: sysinv would default to dynamic.
    assert_eq!(
        only_error(&add(&edge(
            json!({"bm_ip": "10.0.0.5", "bm_username": "root"})
        ))),
        unsupported
    );
    // Type none (or absent) with stray fields: accepted, dropped, warned.
    for request in [
        edge(
            json!({"bm_type": "none", "bm_ip": "10.0.0.5", "bm_username": "root", "bm_password": "x"}),
        ),
        edge(json!({"bm_ip": "10.0.0.5", "bm_password": "x"})),
    ] {
        let outcome = add(&request).expect("accepted");
        assert_eq!(outcome.host.bm_ip(), None);
        assert_eq!(outcome.host.bm_username(), None);
        assert_eq!(outcome.warnings.len(), 1);
        assert_eq!(outcome.warnings[0].code().as_str(), "bmc.ignored");
        assert_eq!(outcome.warnings[0].field(), Some("bm_type"));
    }
    let warning = &add(&edge(json!({"bm_ip": "10.0.0.5", "bm_password": "x"})))
        .unwrap()
        .warnings[0];
    assert_eq!(
        warning.message(),
        "Board management is not configured (bm_type none): bm_ip, bm_password ignored"
    );
    assert!(
        add(&edge(json!({"bm_type": "none"})))
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn check_15_contrast_board_management_for_a_worker() {
    let worker = |extra: serde_json::Value| {
        let mut r = edge(json!({"personality": "worker", "hostname": "worker-1"}));
        if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        r
    };
    assert_eq!(
        only_error(&add(&worker(json!({"bm_type": "bmc"})))),
        v(
            "bm_type.invalid",
            Some("bm_type"),
            "worker-1: Rejected: 'bmc' is not a supported board management type. Must be one of ['none', 'dynamic', 'ipmi', 'redfish']",
            400
        )
    );
    assert_eq!(
        only_error(&add(&worker(
            json!({"bm_type": "ipmi", "bm_ip": "10.0.0.5"})
        ))),
        v(
            "bm_username.missing",
            Some("bm_username"),
            "worker-1: Rejected: Board Management controller username is not configured.",
            400
        )
    );
    assert_eq!(
        only_error(&add(&worker(
            json!({"bm_type": "redfish", "bm_ip": "10.0.0", "bm_username": "root"})
        ))),
        v(
            "bm_ip.invalid",
            Some("bm_ip"),
            "worker-1: Rejected: Board Management controller IP Address is not valid.",
            400
        )
    );
    let with_bmc = ctx(
        json!({"hosts": [{"hostname": "worker-0", "personality": "worker", "mgmt_mac": "08:00:27:cc:00:01", "bm_ip": "10.0.0.5"}]}),
    );
    assert_eq!(
        only_error(&add_in(
            &with_bmc,
            &worker(json!({"bm_type": "ipmi", "bm_ip": "10.0.0.5", "bm_username": "root"}))
        )),
        v(
            "bm_ip.duplicate",
            Some("bm_ip"),
            "Host-add Rejected: bm_ip 10.0.0.5 already exists",
            400
        )
    );
    let outcome = add(&worker(json!({"bm_ip": "10.0.0.5", "bm_username": "root"})))
        .expect("dynamic by default");
    assert_eq!(
        outcome.host.bm_type(),
        edgeworker_core::host::BmType::Dynamic
    );
    assert_eq!(outcome.host.bm_ip(), Some("10.0.0.5".parse().unwrap()));
}

#[test]
fn check_16_static_mgmt_ip_must_be_an_address_of_the_pool_family() {
    for bad in ["192.168.204.300", "fd00::5", "edge", " 192.168.204.50"] {
        assert_eq!(
            only_error(&add_in(&static_ctx(), &edge(json!({"mgmt_ip": bad})))),
            v(
                "mgmt_ip.invalid",
                Some("mgmt_ip"),
                &format!("Host-add Rejected: Invalid mgmt_ip '{bad}'"),
                400
            ),
            "{bad}"
        );
    }
    let ok = add_in(&static_ctx(), &edge(json!({"mgmt_ip": "192.168.204.50"}))).expect("valid");
    assert_eq!(ok.host.mgmt_ip(), Some("192.168.204.50".parse().unwrap()));
}

#[test]
fn checks_17_and_18_address_rows_are_409_conflicts() {
    assert_eq!(
        only_error(&add_in(
            &static_ctx(),
            &edge(json!({"mgmt_ip": "192.168.204.2"}))
        )),
        v(
            "mgmt_ip.allocated",
            Some("mgmt_ip"),
            "Address 192.168.204.2 is already allocated",
            409
        )
    );
    let with_row = ctx(json!({
        "mgmt_network": {"dynamic": false},
        "addresses": [{"name": "edge-1-mgmt", "address": "192.168.204.50"}],
    }));
    let result = add_in(&with_row, &edge(json!({"mgmt_ip": "192.168.204.51"})));
    assert_eq!(
        only_error(&result),
        v(
            "mgmt_ip.name_allocated",
            Some("mgmt_ip"),
            "Address edge-1-mgmt is already allocated",
            409
        )
    );
    // The host's own row with the same address is no conflict (but shadows: no host owns it).
    let own = add_in(&with_row, &edge(json!({"mgmt_ip": "192.168.204.50"}))).expect("own row");
    assert_eq!(
        own.warnings[0].code().as_str(),
        "hostname.shadows_platform_name"
    );
}

#[test]
fn check_19_static_mgmt_ip_inside_the_pool_ranges() {
    for outside in ["192.168.204.1", "192.168.204.255", "10.0.0.1"] {
        assert_eq!(
            only_error(&add_in(&static_ctx(), &edge(json!({"mgmt_ip": outside})))),
            v(
                "mgmt_ip.out_of_pool",
                Some("mgmt_ip"),
                &format!("IP address {outside} is not within address pool ranges"),
                400
            )
        );
    }
}

/// sysinv host.py `_update_subfunctions`: the personality first when the value lacks it;
/// a value that holds it is kept as given.
#[test]
fn sysinv_update_subfunctions_order() {
    let host =
        |s: &str| add(&edge(json!({"subfunctions": s}))).map(|o| o.host.subfunctions().to_string());
    assert_eq!(host("lowlatency").unwrap(), "edgeworker,lowlatency");
    assert_eq!(
        host("lowlatency,edgeworker").unwrap(),
        "lowlatency,edgeworker"
    );
    assert_eq!(host("edgeworker").unwrap(), "edgeworker");
    assert_eq!(
        only_error(&add(&edge(json!({"subfunctions": "edgeworker,worker"})))),
        v(
            "subfunctions.invalid",
            Some("subfunctions"),
            "Host-add Rejected: Invalid subfunction 'worker'",
            400
        )
    );
}

#[test]
fn all_violations_in_sysinv_order_first_is_sysinvs_answer() {
    // The bench's five-violation request.
    let five = edge(json!({
        "hostname": "controller-0", "mgmt_mac": "08:00:27:aa:00:01",
        "mgmt_ip": "192.168.204.9", "bm_type": "ipmi",
    }));
    let result = add(&five);
    assert_eq!(
        codes(&result),
        [
            "mgmt_ip.not_allowed",
            "hostname.reserved",
            "hostname.duplicate",
            "mgmt_mac.duplicate",
            "bmc.unsupported"
        ]
    );
    // Everything at once on a static simplex system (sysinv host.py stx.5.0
    // `_new_host_semantic_checks`: the mgmt_ip checks, then simplex; `_validate_hostname`
    // refuses the personality before the MAC checks and never reaches the character rules).
    let simplex_static = ctx(
        json!({"system": {"mode": "simplex", "type": "All-in-one"}, "mgmt_network": {"dynamic": false}}),
    );
    let result = add_in(
        &simplex_static,
        &json!({"hostname": "a b", "personality": "Worker", "mgmt_mac": "nope", "bm_type": "x", "subfunctions": "q"}),
    );
    assert_eq!(
        codes(&result),
        [
            "mgmt_ip.required",
            "system.simplex",
            "personality.invalid",
            "mgmt_mac.invalid",
            "bm_type.invalid"
        ]
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "Host-add Rejected: Cannot add a worker host without specifying a mgmt_ip when static address allocation is configured."
    );
}

/// RULES §2's examples, sysinv host.py stx.5.0 `_new_host_semantic_checks` and
/// `_no_controllers_exist`: checks 0 to 4 only once controller-0 or controller-1 exists.
#[test]
fn sysinv_new_host_semantic_checks_only_once_a_controller_exists() {
    // Simplex + static + no mgmt_ip: mgmt_ip.required comes first.
    let simplex_static = ctx(json!({
        "system": {"mode": "simplex", "type": "All-in-one"},
        "mgmt_network": {"dynamic": false}
    }));
    assert_eq!(
        codes(&add_in(&simplex_static, &edge(json!({})))),
        ["mgmt_ip.required", "system.simplex"]
    );
    // No controllers + dynamic + an in-pool mgmt_ip: accepted.
    let empty = ctx(json!({"hosts": [], "addresses": []}));
    assert!(add_in(&empty, &edge(json!({"mgmt_ip": "192.168.204.77"}))).is_ok());
    // No controllers on simplex: no simplex refusal either (controller-0's own add).
    let empty_simplex = ctx(json!({
        "system": {"mode": "simplex", "type": "All-in-one"}, "hosts": [], "addresses": []
    }));
    assert!(add_in(&empty_simplex, &edge(json!({}))).is_ok());
}

/// sysinv host.py stx.5.0 `_block_add_host_semantic_checks`: no personality and no
/// controller both unlocked and enabled; the MAC as given, `None` when absent.
#[test]
fn sysinv_block_add_host_semantic_checks() {
    let locked = ctx(json!({"hosts": [
        {"hostname": "controller-0", "personality": "controller", "mgmt_mac": "08:00:27:aa:00:01",
         "administrative": "locked", "operational": "enabled"},
        {"hostname": "controller-1", "personality": "controller", "mgmt_mac": "08:00:27:aa:00:02",
         "administrative": "unlocked", "operational": "disabled"}
    ]}));
    let request = json!({"hostname": "edge-1", "mgmt_mac": "3C:EC:EF:10:20:01"});
    let result = add_in(&locked, &request);
    assert_eq!(
        codes(&result),
        ["host.no_unlocked_controller", "personality.invalid"]
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "Provisioning request for new host '3C:EC:EF:10:20:01' is not permitted while there is no unlocked-enabled controller. Unlock controller-0, wait for it to enable and then retry."
    );
    let result = add_in(&locked, &json!({"hostname": "edge-1"}));
    assert!(
        result.unwrap_err().errors()[0]
            .message()
            .starts_with("Provisioning request for new host 'None' is not permitted"),
    );
    // With a personality the check does not apply.
    assert!(add_in(&locked, &edge(json!({}))).is_ok());
    // The default system has unlocked-enabled controllers: an absent personality is only
    // personality.invalid.
    assert_eq!(codes(&add(&request)), ["personality.invalid"]);
}

/// sysinv host.py stx.5.0 `_semantic_check_vsc_controllers`: only a worker on a `nuage_vrs`
/// system may name VSC controllers, two IPv4 addresses.
#[test]
fn sysinv_semantic_check_vsc_controllers() {
    let not_applicable = "The vsc_controllers property is not applicable to this host.";
    let first = |ctx: &Context, request: &serde_json::Value| {
        add_in(ctx, request).unwrap_err().errors()[0]
            .message()
            .to_owned()
    };
    let worker = |vsc: &str| {
        json!({"hostname": "worker-1", "personality": "worker", "mgmt_mac": "08:00:27:aa:00:31",
               "vsc_controllers": vsc})
    };
    assert_eq!(
        first(
            &Context::example(),
            &edge(json!({"vsc_controllers": "10.0.0.1,10.0.0.2"}))
        ),
        not_applicable
    );
    assert_eq!(
        first(&Context::example(), &worker("10.0.0.1,10.0.0.2")),
        not_applicable
    );
    let nuage = ctx(json!({"system": {"vswitch_type": "nuage_vrs"}}));
    assert_eq!(
        first(
            &nuage,
            &edge(json!({"vsc_controllers": "10.0.0.1,10.0.0.2"}))
        ),
        not_applicable
    );
    assert!(add_in(&nuage, &worker("10.0.0.1,10.0.0.2")).is_ok());
    for (value, message) in [
        (
            "10.0.0.1",
            "Rejected: two VSC controllers (active and standby) must be specified (comma separated).",
        ),
        (
            "10.0.0.1,fd00::1",
            "Invalid vsc_controller IP version - only IPv4 supported",
        ),
        (
            "10.0.0.1,vsc-b",
            "Rejected: invalid VSC controller IP address: vsc-b",
        ),
    ] {
        let errors = add_in(&nuage, &worker(value)).unwrap_err();
        assert_eq!(errors.errors()[0].message(), message, "{value}");
        assert_eq!(
            errors.errors()[0].code().as_str(),
            "vsc_controllers.invalid"
        );
    }
}

/// sysinv host.py stx.5.0 `_validate_hostname`, by personality: controller and storage
/// names are checked against their list or pattern only; an invalid or absent personality
/// with a hostname is refused before the MAC checks.
#[test]
fn sysinv_validate_hostname_by_personality() {
    let controller = json!({"hostname": "edge@1", "personality": "controller", "mgmt_mac": "nope"});
    assert_eq!(
        codes(&add(&controller)),
        [
            "hostname.invalid_for_personality",
            "mgmt_mac.invalid",
            "personality.controllers_full"
        ]
    );
    let storage =
        json!({"hostname": "store 1", "personality": "storage", "mgmt_mac": "08:00:27:aa:00:41"});
    assert_eq!(codes(&add(&storage)), ["hostname.invalid_for_personality"]);
    let absent = json!({"hostname": "edge-1", "mgmt_mac": "nope"});
    let result = add(&absent);
    assert_eq!(codes(&result), ["personality.invalid", "mgmt_mac.invalid"]);
    assert_eq!(
        result.unwrap_err().errors()[0].message(),
        "edge-1: Reject attempt to configure with invalid personality=None "
    );
}

/// sysinv host.py stx.5.0 `_bm_semantic_check_and_update` tests membership: `""` is no
/// board management type, for every personality.
#[test]
fn sysinv_bm_type_empty_string_is_invalid() {
    for personality in ["edgeworker", "worker"] {
        let request = json!({"hostname": "node-1", "personality": personality,
                             "mgmt_mac": "08:00:27:aa:00:51", "bm_type": ""});
        assert_eq!(codes(&add(&request)), ["bm_type.invalid"], "{personality}");
    }
}

#[test]
fn checks_on_invalid_input_are_skipped() {
    // Invalid hostname: no reserved, duplicate or DNS findings about it.
    let r = add(&edge(json!({"hostname": "controller-0 "})));
    assert_eq!(codes(&r), ["hostname.invalid_chars"]);
    assert!(r.unwrap_err().warnings().is_empty());
    // Invalid personality: no reserved-name or compatibility check.
    assert_eq!(
        codes(&add(&edge(
            json!({"hostname": "storage-0", "personality": "edge"})
        ))),
        ["personality.invalid"]
    );
    // Invalid MAC: no duplicate check; invalid static address: no row or pool check.
    assert_eq!(
        codes(&add_in(
            &static_ctx(),
            &edge(json!({"mgmt_ip": "192.168.204.2.1"}))
        )),
        ["mgmt_ip.invalid"]
    );
}

#[test]
fn hostname_warnings_and_strict_mode() {
    let strict = Options::default().with_strict(true);
    let ctx = Context::example();
    for (name, code) in [
        ("edge_1", "hostname.not_dns_compatible"),
        ("Edge-1", "hostname.not_dns_compatible"),
        ("edge-1.", "hostname.not_dns_compatible"),
        ("-edge", "hostname.not_dns_compatible"),
        ("3600", "hostname.not_dhcp_compatible"),
        ("12h", "hostname.not_dhcp_compatible"),
        ("ignore", "hostname.not_dhcp_compatible"),
        ("infinite", "hostname.not_dhcp_compatible"),
        ("10.0.0.9", "hostname.not_dhcp_compatible"),
        ("controller", "hostname.shadows_platform_name"),
        ("pxecontroller", "hostname.shadows_platform_name"),
        ("registry.local", "hostname.shadows_platform_name"),
        ("localhost", "hostname.shadows_platform_name"),
        ("controller-gateway", "hostname.shadows_platform_name"),
    ] {
        let request = edge(json!({"hostname": name}));
        let outcome = add_in(&ctx, &request).expect(name);
        assert_eq!(
            outcome
                .warnings
                .iter()
                .map(|w| w.code().as_str())
                .collect::<Vec<_>>(),
            [code],
            "{name}"
        );
        let rejection = validate::validate_host_add_value(&request, &ctx, strict).expect_err(name);
        assert_eq!(codes(&Err(rejection.clone())), [code]);
        assert!(rejection.warnings().is_empty());
    }
    assert_eq!(
        row(&add(&edge(json!({"hostname": "12h"}))).unwrap().warnings[0]),
        v(
            "hostname.not_dhcp_compatible",
            Some("hostname"),
            "Hostname '12h' cannot have a DHCP reservation: dnsmasq would read it as a lease time",
            400
        )
    );
    assert_eq!(
        row(&add(&edge(json!({"hostname": "edge_1"}))).unwrap().warnings[0]),
        v(
            "hostname.not_dns_compatible",
            Some("hostname"),
            "Hostname 'edge_1' cannot be a Kubernetes node or DNS name: it contains an underscore",
            400
        )
    );
    assert_eq!(
        add(&edge(json!({"hostname": "controller"})))
            .unwrap()
            .warnings[0]
            .message(),
        "Hostname 'controller' is a name the platform already uses; the host would inherit its addresses"
    );
    // A row of another purpose makes its name a platform name.
    let nfs = validate_common::ctx(
        json!({"addresses": [{"name": "controller-platform-nfs-mgmt", "address": "192.168.204.5"}]}),
    );
    let outcome = add_in(&nfs, &edge(json!({"hostname": "controller-platform-nfs"}))).unwrap();
    assert_eq!(
        outcome.warnings[0].code().as_str(),
        "hostname.shadows_platform_name"
    );
    // Strict errors come after sysinv's, so errors[0] stays sysinv's answer.
    let both = validate::validate_host_add_value(
        &edge(json!({"hostname": "Edge_1", "mgmt_ip": "192.168.204.9"})),
        &ctx,
        strict,
    );
    assert_eq!(
        codes(&both),
        ["mgmt_ip.not_allowed", "hostname.not_dns_compatible"]
    );
}

#[test]
fn request_shape_errors_come_from_the_json() {
    let result = add(
        &json!({"hostname": 1, "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01", "role": "x"}),
    );
    let rejection = result.unwrap_err();
    assert_eq!(
        rejection.errors().iter().map(row).collect::<Vec<_>>(),
        [
            v(
                "request.invalid_type",
                Some("hostname"),
                "Field hostname must be a string, not a number",
                400
            ),
            v(
                "request.unknown_field",
                Some("role"),
                "Unknown attribute for argument host: role",
                400
            ),
        ]
    );
    assert_eq!(codes(&add(&json!("edge-1"))), ["request.invalid_type"]);
    // null is absent.
    assert!(add(&edge(json!({"bm_ip": null, "ttys_dcd": null}))).is_ok());
}

/// sysinv's bulk host-add (`_create_host` per row, in order): a later request sees the hosts
/// accepted before it.
#[test]
fn a_batch_sees_the_hosts_admitted_before() {
    let mut batch = validate::Batch::new(Context::example(), Options::default());
    assert!(batch.add_value(&edge(json!({}))).unwrap().is_ok());
    assert_eq!(
        codes(&batch.add_value(&edge(json!({}))).unwrap()),
        ["hostname.duplicate", "mgmt_mac.duplicate"]
    );
    // A rejected request adds nothing: the next one is judged as if it had not come.
    let other = edge(json!({"hostname": "edge-9", "mgmt_mac": "08:00:27:bb:00:09"}));
    assert!(batch.add_value(&other).unwrap().is_ok());
    let discovered =
        validate_common::ctx(json!({"hosts": [{"mgmt_mac": "08:00:27:bb:00:01", "uuid": "d-1"}]}));
    let mut batch = validate::Batch::new(discovered, Options::default());
    let outcome = batch
        .add_value(&edge(json!({})))
        .unwrap()
        .expect("discovered");
    assert_eq!(outcome.effect, Effect::UpdateDiscovered);
    let ctx = batch.into_context();
    let record = ctx.find_host("d-1").expect("still there");
    assert_eq!(
        record
            .hostname
            .as_ref()
            .map(edgeworker_core::hostname::Hostname::as_str),
        Some("edge-1")
    );
    assert_eq!(ctx.hosts().len(), 1);
}
