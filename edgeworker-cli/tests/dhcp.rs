//! `dhcp` through the binary: the dnsmasq files of a state, with MACs from a context.

use std::fs;

mod common;

use common::{cli, stderr, stdout};

const STATE: &str = r#"{
  "schema": 1, "version": 3,
  "pool": {"name": "management", "network": "fd00:204::/64"},
  "rows": [
    {"name": "controller-mgmt", "address": "fd00:204::2"},
    {"name": "edge-1-mgmt", "address": "fd00:204::77"},
    {"name": "edge-2-mgmt", "address": "fd00:204::78"}
  ]
}"#;

#[test]
fn hosts_and_addn_hosts_in_row_order() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    fs::write(&state, STATE).unwrap();
    let context = dir.path().join("ctx.json");
    fs::write(
        &context,
        r#"{"system": {"mode": "duplex", "type": "Standard"}, "hosts": [
            {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:AA:00:01"},
            {"hostname": null, "mgmt_mac": "08:00:27:aa:00:99"},
            {"hostname": "controller-0", "personality": "controller", "mgmt_mac": "08:00:27:aa:00:10"}
        ]}"#,
    )
    .unwrap();
    let state = state.display().to_string();
    let context = context.display().to_string();
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "controller,[fd00:204::2]\n08:00:27:aa:00:01,edge-1,[fd00:204::77],1d\nedge-2,[fd00:204::78]\n"
    );
    let out = cli(&["dhcp", "--state", &state, "--addn-hosts"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "fd00:204::2 controller\nfd00:204::77 edge-1\nfd00:204::78 edge-2\n"
    );
}

#[test]
fn a_mac_that_would_inject_an_entry_is_refused_with_the_context_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    fs::write(&state, STATE).unwrap();
    let context = dir.path().join("ctx.json");
    fs::write(
        &context,
        r#"{"hosts": [{"hostname": "edge-2", "mgmt_mac": "08:00:27:aa:00:02,evil,fd00:204::5,1d\n"}]}"#,
    )
    .unwrap();
    let out = cli(&[
        "dhcp",
        "--state",
        &state.display().to_string(),
        "--context",
        &context.display().to_string(),
    ]);
    // The context is parsed into validated types before anything is rendered, so the
    // injection never reaches the renderer (whose own refusal the core's tests pin).
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).ends_with(
            "ctx.json: hosts[0].mgmt_mac: a MAC address is six pairs of hex digits separated by ':' or by '-'\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "nothing half-printed");
}

#[test]
fn an_unreadable_context_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    fs::write(&state, STATE).unwrap();
    let context = dir.path().join("ctx.json");
    fs::write(&context, r#"{"hosts": [{"hostname": 5}]}"#).unwrap();
    let out = cli(&[
        "dhcp",
        "--state",
        &state.display().to_string(),
        "--context",
        &context.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out)
            .contains("ctx.json: hosts[0].hostname: invalid type: integer `5`, expected a string"),
        "{}",
        stderr(&out)
    );
}
