//! `--format json` of every command: each object carries `"schema": 1`, and its keys are
//! pinned here, so a program reading them notices no change within a schema version.

use serde_json::{Value, json};

mod common;

use common::{cli, example, stderr, stdout, write};

/// The one JSON object a command printed, on one line.
fn object(args: &[&str]) -> Value {
    let out = cli(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{args:?}: one line: {text}");
    serde_json::from_str(&text).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn validate_numbers_a_batch_as_its_text_does() {
    let dir = tempfile::tempdir().unwrap();
    let host = |name: &str, mac: &str| {
        json!({"hostname": name, "personality": "edgeworker", "mgmt_mac": mac}).to_string()
    };
    // A blank line: the third request is on line 4.
    let lines = format!(
        "{}\n{}\n\n{}\n",
        host("edge-1", "08:00:27:cc:00:01"),
        host("edge-1", "08:00:27:cc:00:02"),
        host("edge-3", "08:00:27:cc:00:03")
    );
    let path = write(dir.path(), "batch.jsonl", lines);
    let out = cli(&["validate", "--format", "json", &path]);
    let reports: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let numbers: Vec<(u64, u64)> = reports
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(numbers, [(0, 1), (1, 2), (2, 4)]);
    assert_eq!(
        keys(&reports[0]),
        [
            "effect", "errors", "host", "index", "line", "schema", "valid", "warnings"
        ]
    );
    assert!(reports.iter().all(|r| r["schema"] == 1));
    // The text names the same request by the same line.
    let text = stdout(&cli(&["validate", &path]));
    assert!(
        text.contains(&format!("{path}:2: error hostname.duplicate")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{path}:4: ok: create edgeworker edge-3")),
        "{text}"
    );

    // An array: `index` as the text's `[index]`, no line.
    let array = format!(
        "[{}, {}]",
        host("edge-1", "08:00:27:cc:00:01"),
        host("edge-1", "08:00:27:cc:00:02")
    );
    let path = write(dir.path(), "batch.json", array);
    let out = cli(&["validate", "--format", "json", &path]);
    let second: Value = serde_json::from_str(stdout(&out).lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        (second["index"].clone(), second.get("line")),
        (json!(1), None)
    );
    let text = stdout(&cli(&["validate", &path]));
    assert!(
        text.contains(&format!("{path}[1]: error hostname.duplicate")),
        "{text}"
    );
}

#[test]
fn allocate_reserve_and_release_answer_with_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let pool = example("pool.json");
    let base = ["--state", state.as_str(), "--format", "json"];
    let with = |command: &str, more: &[&str]| {
        let mut args = vec![command];
        args.extend(base);
        args.extend(more);
        object(&args)
    };
    let reserved = with(
        "reserve",
        &[
            "--pool",
            &pool,
            "--host",
            "edge-2",
            "--address",
            "192.168.204.50",
        ],
    );
    assert_eq!(
        reserved,
        json!({"schema": 1, "name": "edge-2-mgmt", "address": "192.168.204.50", "addresses": ["192.168.204.50"]})
    );
    let allocated = with("allocate", &["--host", "edge-1", "--seed", "7"]);
    assert_eq!(keys(&allocated), ["address", "addresses", "name", "schema"]);
    assert_eq!(allocated["name"], "edge-1-mgmt");
    assert_eq!(
        with("release", &["--host", "edge-2"]),
        json!({"schema": 1, "name": "edge-2-mgmt", "address": "192.168.204.50", "addresses": ["192.168.204.50"]})
    );
    // Nothing to release: still an answer, with no address.
    assert_eq!(
        with("release", &["--host", "edge-2"]),
        json!({"schema": 1, "name": "edge-2-mgmt", "address": null, "addresses": []})
    );
}

#[test]
fn dhcp_gives_the_lines_what_was_left_out_and_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let state = write(
        dir.path(),
        "state.json",
        r#"{"schema": 1, "version": 1, "pool": {"name": "management", "network": "192.168.204.0/24"},
            "rows": [{"name": "controller-mgmt", "address": "192.168.204.2"},
                     {"name": "3600-mgmt", "address": "192.168.204.9"},
                     {"name": "edge-1-mgmt", "address": "192.168.204.10"}]}"#,
    );
    let answer = object(&["dhcp", "--state", &state, "--format", "json"]);
    assert_eq!(
        keys(&answer),
        [
            "file",
            "lines",
            "profile",
            "schema",
            "unreserved",
            "warnings"
        ]
    );
    assert_eq!(answer["schema"], 1);
    assert_eq!(answer["file"], "hosts");
    assert_eq!(answer["profile"], "classic");
    assert_eq!(answer["lines"][0], "controller,192.168.204.2");
    assert_eq!(answer["warnings"][0]["code"], "dhcp.name_omitted");
    assert_eq!(keys(&answer["warnings"][0]), ["code", "message"]);

    let out = dir.path().join("dnsmasq.hosts").display().to_string();
    let args = [
        "dhcp",
        "--state",
        &state,
        "--addn-hosts",
        "--out",
        &out,
        "--format",
        "json",
    ];
    let first = object(&args);
    assert_eq!(first["file"], "addn-hosts");
    assert_eq!(first["out"], json!({"path": out, "written": true}));
    assert_eq!(
        object(&args)["out"]["written"],
        false,
        "unchanged: not rewritten"
    );

    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"hosts": [{"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:01"}]}"#,
    );
    let stx10 = object(&[
        "dhcp",
        "--state",
        &state,
        "--context",
        &context,
        "--profile",
        "stx10",
        "--format",
        "json",
    ]);
    assert_eq!(stx10["unreserved"][0]["code"], "dhcp.no_reservation");
}

#[test]
fn skew_check_reports_the_nodes_in_one_object() {
    let nodes = example("plan/nodes.json");
    let report = object(&[
        "skew-check",
        "--control-plane",
        "1.33.0",
        "--nodes",
        &nodes,
        "--format",
        "json",
    ]);
    assert_eq!(
        keys(&report),
        ["control_plane", "nodes", "schema", "violations"]
    );
    assert_eq!(report["schema"], 1);
    assert_eq!(report["control_plane"], "1.33.0");
    let nodes = report["nodes"].as_array().unwrap();
    assert_eq!(
        report["violations"],
        nodes.iter().filter(|n| n["allowed"] == false).count()
    );
    assert_eq!(
        keys(&nodes[0]),
        ["allowed", "hostname", "kubelet", "reason"]
    );
}

#[test]
fn the_plans_carry_their_schema() {
    let (controller, nodes) = (example("plan/controller.json"), example("plan/nodes.json"));
    let out = cli(&[
        "plan",
        "--controller",
        &controller,
        "--nodes",
        &nodes,
        "--format",
        "json",
    ]);
    let plan: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["schema"], 1);
    let out = cli(&[
        "upgrade-plan",
        "--controller",
        &example("upgrade/controller.json"),
        "--nodes",
        &nodes,
        "--kube-nodes",
        &example("upgrade/kube-nodes.json"),
        "--format",
        "json",
    ]);
    let plan: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["schema"], 1);
}
