//! host-update, RULES.md §3: every check with its code, field, exact message and status.

mod validate_common;

use edgeworker_core::context::Context;
use edgeworker_core::host::{ChangeSet, ChangeSetError};
use edgeworker_core::validate::{self, Options, Rejection, UpdateOutcome};
use serde_json::json;
use validate_common::{row, v};

/// A context with a discovered host `d-1`, an unprovisioned edgeworker `edge-2` and a
/// provisioned edgeworker `edge-3`, besides the example's controllers and rows.
fn ctx() -> Context {
    let defaults = Context::example();
    let mut hosts = serde_json::to_value(defaults.hosts()).unwrap();
    let extra = json!([
        {"mgmt_mac": "08:00:27:dd:00:01", "uuid": "d-1"},
        {"hostname": "edge-2", "personality": "edgeworker", "subfunctions": "edgeworker",
         "mgmt_mac": "08:00:27:dd:00:02", "uuid": "e-2", "invprovision": "unprovisioned"},
        {"hostname": "edge-3", "personality": "edgeworker", "subfunctions": "edgeworker",
         "mgmt_mac": "08:00:27:dd:00:03", "uuid": "e-3", "invprovision": "provisioned"},
    ]);
    if let (Some(h), Some(e)) = (hosts.as_array_mut(), extra.as_array()) {
        h.extend(e.iter().cloned());
    }
    Context::from_value(&json!({"hosts": hosts, "addresses": defaults.addresses()}))
        .expect("test context")
}

fn update_in(
    ctx: &Context,
    key: &str,
    text: &str,
    options: Options,
) -> Result<UpdateOutcome, Rejection> {
    let host = ctx.find_host(key).expect("host in context");
    let changes = ChangeSet::from_json(text).expect("well-formed change set");
    validate::validate_host_update(host, &changes, ctx, options)
}

fn update(key: &str, text: &str) -> Result<UpdateOutcome, Rejection> {
    update_in(&ctx(), key, text, Options::default())
}

fn errors(result: &Result<UpdateOutcome, Rejection>) -> Vec<(String, Option<String>, String, u16)> {
    match result {
        Ok(outcome) => panic!("accepted: {outcome:?}"),
        Err(r) => r.errors().iter().map(row).collect(),
    }
}

fn codes(result: &Result<UpdateOutcome, Rejection>) -> Vec<String> {
    errors(result).into_iter().map(|e| e.0).collect()
}

#[test]
fn a_discovered_host_becomes_an_edgeworker() {
    let outcome = update(
        "d-1",
        r#"{"hostname": "edge-9", "personality": "edgeworker", "subfunctions": "lowlatency"}"#,
    )
    .expect("valid");
    assert!(outcome.configure);
    assert_eq!(
        outcome
            .host
            .hostname
            .as_ref()
            .map(edgeworker_core::hostname::Hostname::as_str),
        Some("edge-9")
    );
    assert_eq!(
        outcome.host.subfunctions.as_deref(),
        Some("edgeworker,lowlatency")
    );
    assert_eq!(outcome.host.uuid.as_deref(), Some("d-1"));
    // A pass-through change to a configured host needs no configuring.
    let outcome = update(
        "edge-3",
        r#"{"location": {"locn": "rack 4"}, "hostname": "edge-3"}"#,
    )
    .expect("no identity change");
    assert!(!outcome.configure);
}

#[test]
fn duplicate_fields_with_different_values() {
    let Err(ChangeSetError::Invalid(errors)) =
        ChangeSet::from_json(r#"{"personality": "edgeworker", "personality": "worker"}"#)
    else {
        panic!("duplicate accepted")
    };
    assert_eq!(
        errors.iter().map(row).collect::<Vec<_>>(),
        [v(
            "request.duplicate_field",
            Some("personality"),
            "Illegal duplicate parameters passed.",
            400
        )]
    );
}

#[test]
fn restricted_fields() {
    for field in [
        "mgmt_mac",
        "mgmt_ip",
        "uuid",
        "invprovision",
        "recordtype",
        "administrative",
        "operational",
        "availability",
    ] {
        let result = update("edge-2", &format!(r#"{{"{field}": "x"}}"#));
        assert_eq!(
            errors(&result),
            [v(
                "field.restricted",
                Some(field),
                &format!("Change {field} contains restricted field"),
                400
            )]
        );
    }
}

#[test]
fn a_provisioned_host_keeps_its_identity() {
    let result = update("edge-3", r#"{"subfunctions": "lowlatency"}"#);
    assert_eq!(
        errors(&result),
        [
            v(
                "host.provisioned",
                None,
                "The following fields can not be modified because this host edge-3 has been configured: hostname, personality, subfunctions",
                400
            ),
            v(
                "subfunctions.immutable",
                Some("subfunctions"),
                "Can not change subfunctions after it has been set. Host edge-3 must be deleted and re-added in order to change the subfunctions.",
                400
            ),
        ]
    );
}

#[test]
fn personality_hostname_and_subfunctions_are_immutable_once_set() {
    assert_eq!(
        errors(&update("edge-2", r#"{"personality": "worker"}"#)),
        [v(
            "personality.immutable",
            Some("personality"),
            "Can not change personality after it has been set. Host edge-2 must be deleted and re-added in order to change the personality.",
            400
        )]
    );
    assert_eq!(
        errors(&update("edge-2", r#"{"hostname": "edge-20"}"#)),
        [v(
            "hostname.immutable",
            Some("hostname"),
            "The hostname field can not be modified because the hostname edge-2 has already been configured. If changing hostname is required, please delete this host, then readd.",
            400
        )]
    );
    assert_eq!(
        codes(&update("edge-2", r#"{"subfunctions": "lowlatency"}"#)),
        ["subfunctions.immutable"]
    );
    // The same value is no change; a reordered subfunction list is the same list.
    assert!(
        update(
            "edge-2",
            r#"{"personality": "edgeworker", "hostname": "edge-2", "subfunctions": "edgeworker"}"#
        )
        .is_ok()
    );
}

#[test]
fn hostname_and_personality_come_together() {
    for half in [
        r#"{"personality": "edgeworker"}"#,
        r#"{"hostname": "edge-9"}"#,
    ] {
        assert_eq!(
            errors(&update("d-1", half)),
            [v(
                "host.incomplete",
                None,
                "Please provision 'hostname' and 'personality'.",
                400
            )]
        );
    }
    // A storage host may stay nameless.
    let storage_ctx = ctx();
    assert!(
        update_in(
            &storage_ctx,
            "d-1",
            r#"{"personality": "storage"}"#,
            Options::default()
        )
        .is_ok()
    );
}

#[test]
fn new_hostnames_follow_the_add_rules() {
    let result = update(
        "d-1",
        r#"{"hostname": "storage-1", "personality": "edgeworker"}"#,
    );
    assert_eq!(
        errors(&result),
        [v(
            "hostname.reserved",
            Some("hostname"),
            "storage-1 Reject attempt to configure invalid hostname for personality edgeworker.",
            400
        )]
    );
    assert_eq!(
        codes(&update(
            "d-1",
            r#"{"hostname": "edge 9", "personality": "edgeworker"}"#
        )),
        ["hostname.invalid_chars"]
    );
    assert_eq!(
        errors(&update(
            "d-1",
            r#"{"hostname": "edge-9", "personality": "Edgeworker"}"#
        )),
        [v(
            "personality.invalid",
            Some("personality"),
            "edge-9: Reject attempt to configure with invalid personality=Edgeworker ",
            400
        )]
    );
    let warned = update(
        "d-1",
        r#"{"hostname": "Edge_9", "personality": "edgeworker"}"#,
    )
    .expect("warning only");
    assert_eq!(
        warned.warnings[0].code().as_str(),
        "hostname.not_dns_compatible"
    );
    let strict = update_in(
        &ctx(),
        "d-1",
        r#"{"hostname": "Edge_9", "personality": "edgeworker"}"#,
        Options::default().with_strict(true),
    );
    assert_eq!(codes(&strict), ["hostname.not_dns_compatible"]);
}

#[test]
fn a_new_hostname_used_by_another_host_is_a_clean_error() {
    assert_eq!(
        errors(&update(
            "d-1",
            r#"{"hostname": "edge-2", "personality": "edgeworker"}"#
        )),
        [v(
            "hostname.duplicate",
            Some("hostname"),
            "Host-add Rejected: Hostname already exists",
            400
        )]
    );
}

#[test]
fn no_edgeworker_on_a_simplex_system_by_update_either() {
    let mut value = serde_json::to_value(ctx().hosts()).unwrap();
    value = json!({"system": {"mode": "simplex", "type": "All-in-one"}, "hosts": value});
    let simplex = Context::from_value(&value).unwrap();
    let result = update_in(
        &simplex,
        "d-1",
        r#"{"hostname": "edge-9", "personality": "edgeworker"}"#,
        Options::default(),
    );
    assert_eq!(
        errors(&result),
        [v(
            "system.simplex",
            None,
            "Host-add Rejected: Adding a host on a simplex system is not allowed.",
            400
        )]
    );
}

#[test]
fn board_management_on_update() {
    assert_eq!(
        codes(&update(
            "edge-2",
            r#"{"bm_type": "ipmi", "bm_ip": "10.0.0.7", "bm_username": "root"}"#
        )),
        ["bmc.unsupported"]
    );
    let ignored = update("edge-2", r#"{"bm_password": "x"}"#).expect("ignored");
    assert_eq!(ignored.warnings[0].code().as_str(), "bmc.ignored");
    let worker = update("d-1", r#"{"hostname": "worker-9", "personality": "worker", "bm_type": "redfish", "bm_ip": "10.0.0.7", "bm_username": "root"}"#)
        .expect("workers have BMCs");
    assert_eq!(worker.host.bm_ip, Some("10.0.0.7".parse().unwrap()));
}

#[test]
fn violations_in_sysinv_order() {
    let result = update(
        "edge-3",
        r#"{"uuid": "x", "hostname": "edge 3", "personality": "worker"}"#,
    );
    assert_eq!(
        codes(&result),
        [
            "field.restricted",
            "host.provisioned",
            "personality.immutable",
            "hostname.immutable",
            "hostname.invalid_chars"
        ]
    );
}

#[test]
fn the_value_path_reports_shape_errors() {
    let ctx = ctx();
    let host = ctx.find_host("edge-2").unwrap();
    let result = validate::validate_host_update_value(
        host,
        &json!({"hostname": false, "colour": "red"}),
        &ctx,
        Options::default(),
    );
    // Type errors first, then wsme's one unknown-attribute error.
    assert_eq!(
        codes(&result),
        ["request.invalid_type", "request.unknown_field"]
    );
}
