//! `plan --state --context`: a node's management address from the address state and its MAC
//! from the context when the nodes file leaves them out; a value given that contradicts
//! them is refused, naming the node and the field.

use std::path::Path;

use serde_json::{Value, json};

mod common;

use common::{cli, example, stderr, stdout, write};

/// The example fleet's first two nodes without `mgmt_ip` and `mgmt_mac`: what an operator
/// writes when the earlier stages know the rest.
fn bare_nodes(dir: &Path, edit: impl Fn(&mut Vec<Value>)) -> String {
    let text = std::fs::read_to_string(example("plan/nodes.json")).unwrap();
    let mut nodes: Vec<Value> = serde_json::from_str(&text).unwrap();
    nodes.truncate(2);
    for node in &mut nodes {
        let node = node.as_object_mut().unwrap();
        node.remove("mgmt_ip");
        node.remove("mgmt_mac");
    }
    edit(&mut nodes);
    write(dir, "nodes.json", serde_json::to_string(&nodes).unwrap())
}

/// A state with both nodes' rows and a context with both hosts' MACs.
fn sources(dir: &Path) -> (String, String) {
    let state = write(
        dir,
        "mgmt.json",
        r#"{"schema": 1, "version": 2, "pool": {"name": "management", "network": "192.168.204.0/24"},
            "rows": [{"name": "edge-ubuntu-1-mgmt", "address": "192.168.204.60"},
                     {"name": "edge-debian-1-mgmt", "address": "192.168.204.61"}]}"#,
    );
    let context = write(
        dir,
        "ctx.json",
        r#"{"hosts": [
            {"hostname": "edge-ubuntu-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:60"},
            {"hostname": "edge-debian-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:61"}]}"#,
    );
    (state, context)
}

fn plan(nodes: &str, state: &str, context: &str, extra: &[&str]) -> std::process::Output {
    let controller = example("plan/controller.json");
    let mut args = vec![
        "plan",
        "--controller",
        &controller,
        "--nodes",
        nodes,
        "--state",
        state,
        "--context",
        context,
    ];
    args.extend(extra);
    cli(&args)
}

#[test]
fn absent_addresses_and_macs_come_from_the_state_and_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let (state, context) = sources(dir.path());
    let nodes = bare_nodes(dir.path(), |_| {});
    let out = plan(&nodes, &state, &context, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rendered: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let got: Vec<Value> = rendered["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["hostname"], n["mgmt_ip"], n["mgmt_mac"]]))
        .collect();
    assert_eq!(
        got,
        [
            json!(["edge-ubuntu-1", "192.168.204.60", "08:00:27:bb:00:60"]),
            json!(["edge-debian-1", "192.168.204.61", "08:00:27:bb:00:61"])
        ]
    );
    // A value given that agrees (in another spelling) is kept.
    let nodes = bare_nodes(dir.path(), |nodes| {
        nodes[0]["mgmt_mac"] = json!("08-00-27-BB-00-60");
        nodes[1]["mgmt_ip"] = json!("192.168.204.61");
    });
    let out = plan(&nodes, &state, &context, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_contradiction_or_a_gap_names_the_node_and_the_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (state, context) = sources(dir.path());
    let out_file = dir.path().join("plan.json");
    let out_arg = out_file.display().to_string();
    for (edit, message) in [
        (
            json!({"index": 1, "field": "mgmt_ip", "value": "192.168.204.99"}),
            format!(
                "edgeworker-cli: plan.contradicts_source: node \"edge-debian-1\" (nodes[1]): mgmt_ip: \
                 \"192.168.204.99\" contradicts {state}, whose row edge-debian-1-mgmt has 192.168.204.61\n"
            ),
        ),
        (
            json!({"index": 0, "field": "mgmt_mac", "value": "08:00:27:bb:00:99"}),
            format!(
                "edgeworker-cli: plan.contradicts_source: node \"edge-ubuntu-1\" (nodes[0]): mgmt_mac: \
                 \"08:00:27:bb:00:99\" contradicts {context}, whose host edge-ubuntu-1 has 08:00:27:bb:00:60\n"
            ),
        ),
        (
            json!({"index": 1, "field": "hostname", "value": "edge-other"}),
            format!(
                "edgeworker-cli: plan.missing_field: node \"edge-other\" (nodes[1]): mgmt_ip: \
                 not given, and {state} has no row edge-other-mgmt\n"
            ),
        ),
    ] {
        let nodes = bare_nodes(dir.path(), |nodes| {
            let index = usize::try_from(edit["index"].as_u64().unwrap()).unwrap();
            nodes[index][edit["field"].as_str().unwrap()] = edit["value"].clone();
        });
        let out = plan(
            &nodes,
            &state,
            &context,
            &["--format", "json", "--out", &out_arg],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stderr(&out), message);
        assert!(!out_file.exists(), "nothing written");
    }
}

#[test]
fn an_unreadable_state_or_context_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let (state, context) = sources(dir.path());
    let nodes = bare_nodes(dir.path(), |_| {});
    let broken = write(dir.path(), "broken.json", "{");
    let missing = dir.path().join("none.json").display().to_string();
    for (s, c) in [(&broken, &context), (&missing, &context), (&state, &broken)] {
        let out = plan(&nodes, s, c, &[]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

/// `skew-check` and `upgrade-plan` read nodes as `plan` does, and take the same sources.
#[test]
fn skew_check_and_upgrade_plan_take_the_same_sources() {
    let dir = tempfile::tempdir().unwrap();
    let (state, context) = sources(dir.path());
    let nodes = bare_nodes(dir.path(), |nodes| {
        for node in nodes {
            node["kubelet_version"] = json!("1.29.2");
        }
    });
    let out = cli(&[
        "skew-check",
        "--control-plane",
        "1.30.1",
        "--nodes",
        &nodes,
        "--state",
        &state,
        "--context",
        &context,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("edge-ubuntu-1: ok: "),
        "{}",
        stdout(&out)
    );
    let without = cli(&["skew-check", "--control-plane", "1.30.1", "--nodes", &nodes]);
    assert_eq!(
        without.status.code(),
        Some(1),
        "mgmt_ip is required without the state"
    );

    let kube_node = |name: &str| {
        json!({"metadata": {"name": name}, "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.29.2"}}})
    };
    let kube = write(
        dir.path(),
        "kube-nodes.json",
        json!({"items": [kube_node("edge-ubuntu-1"), kube_node("edge-debian-1")]}).to_string(),
    );
    let out = cli(&[
        "upgrade-plan",
        "--controller",
        &example("upgrade/controller.json"),
        "--nodes",
        &nodes,
        "--kube-nodes",
        &kube,
        "--state",
        &state,
        "--context",
        &context,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let upgrade: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(upgrade["nodes"][0]["mgmt_ip"], "192.168.204.60");
}

/// A context recording a host's `mgmt_ip` (sysinv keeps it in the host and in its row): it
/// must be the state's row address, and without `--state` it gives the node's address.
#[test]
fn the_contexts_recorded_address_agrees_with_the_state_or_gives_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = sources(dir.path());
    let context = write(
        dir.path(),
        "ctx-ip.json",
        r#"{"hosts": [
            {"hostname": "edge-ubuntu-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:60", "mgmt_ip": "192.168.204.60"},
            {"hostname": "edge-debian-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:61", "mgmt_ip": "192.168.204.99"}]}"#,
    );
    let nodes = bare_nodes(dir.path(), |_| {});
    let out = plan(&nodes, &state, &context, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let want = format!(
        "plan.contradicts_source: node \"edge-debian-1\" (nodes[1]): mgmt_ip: {state} has 192.168.204.61 for row edge-debian-1-mgmt, {context} has 192.168.204.99 for host edge-debian-1"
    );
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "nothing planned: {}", stdout(&out));

    // Without --state the context's record is the address.
    let controller = example("plan/controller.json");
    let out = cli(&[
        "plan",
        "--controller",
        &controller,
        "--nodes",
        &nodes,
        "--context",
        &context,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rendered: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ips: Vec<&Value> = rendered["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["mgmt_ip"])
        .collect();
    assert_eq!(ips, [&json!("192.168.204.60"), &json!("192.168.204.99")]);
}
