//! The release profiles' validation rules (RULES §7): every stx10 rule with the sysinv
//! commit it follows (public `starlingx/config`), and the classic answer beside it, which
//! does not change.

mod validate_common;

use edgeworker_core::context::Context;
use edgeworker_core::host::HostAddRequest;
use edgeworker_core::hostname::Hostname;
use edgeworker_core::personality::{Operation, Personality};
use edgeworker_core::profile::{IpFamily, Profile};
use edgeworker_core::validate::{self, Options, check_operation_under};
use serde_json::{Value, json};
use validate_common::{add_in, codes, ctx, edge, example_with, only_error, v};

/// An expected violation of status 400.
fn e(code: &str, field: Option<&str>, message: &str) -> (String, Option<String>, String, u16) {
    v(code, field, message, 400)
}

/// The example context under `profile`, with `overrides` merged at the top level.
fn under(profile: Profile, overrides: Value) -> Context {
    let mut value = example_with(overrides);
    value["profile"] = json!(profile.as_str());
    Context::from_value(&value).expect("test context")
}

fn stx10(overrides: Value) -> Context {
    under(Profile::Stx10, overrides)
}

/// The warning codes of an accepted host-add.
#[track_caller]
fn warnings(ctx: &Context, request: &Value) -> Vec<&'static str> {
    let outcome = add_in(ctx, request).expect("accepted");
    outcome.warnings.iter().map(|w| w.code().as_str()).collect()
}

#[test]
fn the_profile_is_read_from_the_context_and_defaults_to_classic() {
    assert_eq!(Context::default().profile(), Profile::Classic);
    assert_eq!(ctx(json!({})).profile(), Profile::Classic);
    assert_eq!(stx10(json!({})).profile(), Profile::Stx10);
    let text = Context::from_json(r#"{"profile": "stx10", "oam_family": 6}"#).unwrap();
    assert_eq!(
        (text.profile(), text.oam_family()),
        (Profile::Stx10, Some(IpFamily::V6))
    );
    let err = Context::from_json(r#"{"profile": "stx9"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "profile: unknown variant `stx9`, expected `classic` or `stx10`"
    );
}

/// `937449c0a` ("Remove `mgmt_ip` field from host DB table"): host-add checks 1, 2, 11 and
/// 14–17 do not exist under stx10; a given `mgmt_ip` is accepted, dropped and warned about.
#[test]
fn stx10_has_no_mgmt_ip_checks_937449c0a() {
    // Check 1: dynamic addressing with an address.
    let request = edge(json!({"mgmt_ip": "192.168.204.50"}));
    assert_eq!(
        codes(&add_in(&ctx(json!({})), &request)),
        ["mgmt_ip.not_allowed"]
    );
    let dynamic = stx10(json!({}));
    assert_eq!(warnings(&dynamic, &request), ["mgmt_ip.ignored"]);
    let outcome = add_in(&dynamic, &request).unwrap();
    assert_eq!(outcome.host.mgmt_ip(), None);
    assert_eq!(
        outcome.warnings[0].message(),
        "mgmt_ip '192.168.204.50' ignored: from stx.10.0 on a host has no mgmt_ip; its management address comes from the management pool"
    );
    assert_eq!(outcome.warnings[0].field(), Some("mgmt_ip"));

    // Check 2: static addressing without one.
    let static_network = json!({"mgmt_network": {"dynamic": false}});
    let bare = edge(json!({}));
    assert_eq!(
        codes(&add_in(&ctx(static_network.clone()), &bare)),
        ["mgmt_ip.required"]
    );
    assert!(add_in(&stx10(static_network.clone()), &bare).is_ok());

    // Checks 11, 14–17: another host's address, an invalid one, a row's, outside the pool.
    for (ip, classic) in [
        ("192.168.204.3", "mgmt_ip.duplicate"),
        ("192.168.204.04", "mgmt_ip.invalid"),
        ("192.168.204.2", "mgmt_ip.allocated"),
        ("10.0.0.1", "mgmt_ip.out_of_pool"),
    ] {
        let request = edge(json!({"mgmt_ip": ip}));
        let got = codes(&add_in(&ctx(static_network.clone()), &request));
        assert_eq!(got.first().copied(), Some(classic), "{ip}");
        assert_eq!(
            warnings(&stx10(static_network.clone()), &request),
            ["mgmt_ip.ignored"],
            "{ip}"
        );
    }
}

/// `937449c0a`: a controller or storage host gets its platform name but no address of its
/// own, so its row cannot clash either.
#[test]
fn stx10_platform_hosts_have_no_mgmt_ip_937449c0a() {
    let request = json!({"personality": "storage", "mgmt_mac": "08:00:27:bb:00:09"});
    let rows = json!({"addresses": [
        {"name": "controller-mgmt", "address": "192.168.204.2"},
        {"name": "storage-0-mgmt", "address": "192.168.204.3"},
    ]});
    // Classic: storage-0's row holds controller-0's address (a context sysinv would refuse).
    assert_eq!(
        codes(&add_in(&ctx(rows.clone()), &request)),
        ["mgmt_ip.allocated"]
    );
    let outcome = add_in(&stx10(rows), &request).expect("accepted");
    assert_eq!(
        outcome.host.hostname().map(Hostname::as_str),
        Some("storage-0")
    );
    assert_eq!(outcome.host.mgmt_ip(), None);
}

/// `bbf53dcc5` ("Validate `bm_username` and `bm_password`"): the user name at most 16
/// characters, no whitespace; checked for every `bm_type`, before the other BMC checks.
#[test]
fn stx10_bm_username_rules_bbf53dcc5() {
    let worker = |extra: Value| {
        let mut request =
            edge(json!({"personality": "worker", "bm_type": "ipmi", "bm_ip": "10.10.0.5"}));
        for (k, value) in extra.as_object().unwrap() {
            request[k] = value.clone();
        }
        request
    };
    let long = worker(json!({"bm_username": "a".repeat(17)}));
    assert!(add_in(&ctx(json!({})), &long).is_ok());
    assert_eq!(
        only_error(&add_in(&stx10(json!({"oam_family": 4})), &long)),
        e(
            "bm_username.too_long",
            Some("bm_username"),
            "edge-1: Rejected: Board management controller username is not valid. Cannot be longer than 16 characters.",
        )
    );
    // Sixteen code points pass, whatever their bytes.
    let sixteen = worker(json!({"bm_username": "é".repeat(16)}));
    assert!(add_in(&stx10(json!({"oam_family": 4})), &sixteen).is_ok());
    // Python's \s: Unicode white space and the ASCII separators U+001C–U+001F.
    for user in ["ro ot", "root\t", "ro\u{a0}ot", "ro\u{1f}ot"] {
        let request = worker(json!({"bm_username": user}));
        assert_eq!(
            only_error(&add_in(&stx10(json!({"oam_family": 4})), &request)),
            e(
                "bm_username.whitespace",
                Some("bm_username"),
                "edge-1: Rejected: Board management controller username is not valid. Whitespace characters are not permitted.",
            ),
            "{user:?}"
        );
    }
    // bm_type none on an edgeworker: classic drops the fields; stx10 checks them first.
    let ignored = edge(json!({"bm_type": "none", "bm_username": "a b"}));
    assert_eq!(warnings(&ctx(json!({})), &ignored), ["bmc.ignored"]);
    assert_eq!(
        codes(&add_in(&stx10(json!({})), &ignored)),
        ["bm_username.whitespace"]
    );
}

/// `bbf53dcc5`: a password needs a user name and has no whitespace (its length is only
/// logged by sysinv).
#[test]
fn stx10_bm_password_rules_bbf53dcc5() {
    let alone = edge(json!({"bm_password": "secret"}));
    assert_eq!(warnings(&ctx(json!({})), &alone), ["bmc.ignored"]);
    assert_eq!(
        only_error(&add_in(&stx10(json!({})), &alone)),
        e(
            "bm_password.no_username",
            Some("bm_password"),
            "edge-1 Rejected: Board management controller password change attempt without corresponding username.",
        )
    );
    let spaced = edge(json!({"bm_username": "root", "bm_password": "two words"}));
    assert_eq!(
        only_error(&add_in(&stx10(json!({})), &spaced)),
        e(
            "bm_password.whitespace",
            Some("bm_password"),
            "edge-1: Rejected: Board management controller password is not valid. Whitespace characters are not permitted.",
        )
    );
    let long = edge(json!({"bm_username": "root", "bm_password": "p".repeat(40)}));
    assert_eq!(warnings(&stx10(json!({})), &long), ["bmc.ignored"]);
    // The credentials come first, then the other BMC checks still report theirs.
    let both = edge(json!({"bm_type": "redfish", "bm_username": "r o", "bm_ip": "10.10.0.5"}));
    assert_eq!(
        codes(&add_in(&stx10(json!({"oam_family": 4})), &both)),
        ["bm_username.whitespace", "bmc.unsupported"]
    );
}

/// `89226d45c` ("Add semantic check to host-add to ensure BMC IP version is same as OAM"):
/// a provisioned BMC's valid address must be of the OAM network's family.
#[test]
fn stx10_bm_ip_family_89226d45c() {
    let worker = |ip: &str| {
        edge(
            json!({"personality": "worker", "bm_type": "ipmi", "bm_ip": ip, "bm_username": "root"}),
        )
    };
    assert!(add_in(&ctx(json!({})), &worker("fd01::5")).is_ok());
    assert!(add_in(&stx10(json!({"oam_family": 6})), &worker("fd01::5")).is_ok());
    assert_eq!(
        only_error(&add_in(
            &stx10(json!({"oam_family": 4})),
            &worker("fd01::5")
        )),
        e(
            "bm_ip.wrong_family",
            Some("bm_ip"),
            "Rejected: Board management controller IP address must be the same version as OAM primary address.",
        )
    );
    assert_eq!(
        only_error(&add_in(&stx10(json!({})), &worker("10.10.0.5"))),
        e(
            "bm_ip.no_oam_network",
            Some("bm_ip"),
            "Rejected: OAM network does not exist.",
        )
    );
    // An invalid address is only bm_ip.invalid.
    assert_eq!(
        codes(&add_in(&stx10(json!({})), &worker("10.10.0"))),
        ["bm_ip.invalid"]
    );
}

/// The same BMC rules on host-update (sysinv's patch runs `_bm_semantic_check_and_update`).
#[test]
fn stx10_bmc_rules_apply_to_updates_bbf53dcc5() {
    let ctx = stx10(json!({"oam_family": 4}));
    let host = ctx.host("controller-1").unwrap().clone();
    let update = |changes: Value| {
        validate::validate_host_update_value(&host, &changes, &ctx, Options::default())
    };
    let rejection = update(json!({"bm_password": "secret"})).unwrap_err();
    assert_eq!(
        rejection.errors()[0].message(),
        "controller-1 Rejected: Board management controller password change attempt without corresponding username."
    );
    let rejection =
        update(json!({"bm_type": "ipmi", "bm_ip": "fd01::5", "bm_username": "root"})).unwrap_err();
    assert_eq!(rejection.errors()[0].code().as_str(), "bm_ip.wrong_family");
    assert!(
        update(json!({"bm_type": "ipmi", "bm_ip": "10.10.0.5", "bm_username": "root"})).is_ok()
    );
}

/// `c904e3f5c` ("Disable system upgrade command"): host-upgrade and host-downgrade are
/// `This API is deprecated.` for every personality; the rest of the gate is classic's.
#[test]
fn stx10_host_upgrade_is_deprecated_c904e3f5c() {
    for personality in Personality::ALL {
        for operation in [Operation::HostUpgrade, Operation::HostDowngrade] {
            let refusal =
                check_operation_under(Profile::Stx10, personality, operation).unwrap_err();
            assert_eq!(refusal.code().as_str(), "operation.not_supported");
            assert_eq!(refusal.message(), "This API is deprecated.");
            assert_eq!(refusal.status(), 400);
            assert_eq!(
                check_operation_under(Profile::Classic, personality, operation),
                validate::check_operation(personality, operation)
            );
        }
    }
    for operation in Operation::ALL {
        if matches!(operation, Operation::HostUpgrade | Operation::HostDowngrade) {
            continue;
        }
        for personality in Personality::ALL {
            assert_eq!(
                check_operation_under(Profile::Stx10, personality, operation),
                validate::check_operation(personality, operation),
                "{personality} {operation}"
            );
        }
    }
}

/// `hw_settle` came with stx.9.0 (RULES §2: "stx.5.0 rejects it as unknown"; stx.8.0's
/// `Host` type has no such attribute either, `host.py` at tag 8.0.0): unknown under classic,
/// carried through under stx10.
#[test]
fn hw_settle_is_unknown_under_classic_and_carried_under_stx10() {
    let request = edge(json!({"hw_settle": "0"}));
    assert_eq!(
        codes(&add_in(&ctx(json!({})), &request)),
        ["request.unknown_field"]
    );
    let outcome = add_in(&stx10(json!({})), &request).expect("stx10 accepts hw_settle");
    assert_eq!(outcome.host.extra().hw_settle.as_deref(), Some("0"));
}

/// The accepted `Host` attributes (RULES §7: stx.8.0's, then the later ones): stx10 adds
/// `kube_update_ca` (`33e24936d`), `max_cpu_mhz_configured`, `max_cpu_mhz_allowed`
/// (`37abe7a7d`), `apparmor` (`b453882a2`), `min_cpu_mhz_allowed`, `cstates_available`
/// (`b05dfdbe8`), `nvme_host_id`, `nvme_host_nqn` (`9ac218170`), `sw_version`
/// (`6c6e8c192`) and drops `iprofile_uuid` (`e535293c6`), `software_load`, `target_load`
/// (`d7ecf4606`).
#[test]
fn stx10_host_attributes_b05dfdbe8_9ac218170_6c6e8c192_d7ecf4606() {
    for name in [
        "kube_update_ca",
        "max_cpu_mhz_configured",
        "max_cpu_mhz_allowed",
        "apparmor",
        "min_cpu_mhz_allowed",
        "cstates_available",
        "nvme_host_id",
        "nvme_host_nqn",
        "sw_version",
    ] {
        let request = edge(json!({name: "x"}));
        assert_eq!(
            codes(&add_in(&ctx(json!({})), &request)),
            ["request.unknown_field"],
            "{name}"
        );
        let outcome = add_in(&stx10(json!({})), &request).expect(name);
        assert!(outcome.warnings.is_empty(), "{name}");
        assert!(HostAddRequest::from_value_under(&request, Profile::Stx10).is_ok());
    }
    for name in ["iprofile_uuid", "software_load", "target_load"] {
        let request = edge(json!({name: "x"}));
        assert!(add_in(&ctx(json!({})), &request).is_ok(), "{name}");
        assert_eq!(
            only_error(&add_in(&stx10(json!({})), &request)),
            e(
                "request.unknown_field",
                Some(name),
                &format!("Unknown attribute for argument host: {name}"),
            )
        );
    }
}

/// Classic answers do not depend on the new context keys.
#[test]
fn classic_ignores_the_oam_family() {
    let request = edge(
        json!({"personality": "worker", "bm_type": "ipmi", "bm_ip": "fd01::5",
                              "bm_username": "a b c d e f g h i j"}),
    );
    for overrides in [json!({}), json!({"oam_family": 4})] {
        assert!(
            add_in(&ctx(overrides.clone()), &request).is_ok(),
            "{overrides}"
        );
        assert!(
            add_in(&under(Profile::Classic, overrides.clone()), &request).is_ok(),
            "{overrides}"
        );
    }
}
