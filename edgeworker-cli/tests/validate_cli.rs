//! `edgeworker-cli validate` through the real binary: exit statuses, formats, batches,
//! stdin, `--update`, and bad input that must fail cleanly.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use common::{BIN, cli_in, examples, stderr, stdout};

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    cli_in(&examples(), args, stdin)
}

fn validate(args: &[&str]) -> Output {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    run(&all, None)
}

fn lines_json(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn temp(name: &str, contents: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

fn assert_no_panic(o: &Output) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

#[test]
fn exit_0_valid_host_text() {
    let o = validate(&["--context", "context.json", "hosts/edge-valid.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "hosts/edge-valid.json: ok: create edgeworker edge-factory-2\n"
    );
    // Warnings do not fail.
    let o = validate(&[
        "--context",
        "context.json",
        "hosts/edge-warning-hostname.json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("warning hostname.not_dns_compatible [hostname]:"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn exit_1_invalid_host_text_names_code_field_and_message() {
    let o = validate(&[
        "--context",
        "context.json",
        "hosts/invalid-reserved-hostname.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "hosts/invalid-reserved-hostname.json: error hostname.reserved [hostname]: storage-edge-4 Reject attempt to configure invalid hostname for personality edgeworker.\n"
    );
    for (file, code) in [
        ("hosts/invalid-bmc.json", "bmc.unsupported"),
        ("hosts/invalid-duplicate-mac.json", "mgmt_mac.duplicate"),
        ("hosts/invalid-personality-case.json", "personality.invalid"),
        ("hosts/invalid-static-mgmt-ip.json", "mgmt_ip.not_allowed"),
        ("hosts/invalid-request-shape.json", "request.invalid_type"),
    ] {
        let o = validate(&["--context", "context.json", "--format", "json", file]);
        assert_eq!(o.status.code(), Some(1), "{file}");
        let report = &lines_json(&o)[0];
        assert_eq!(report["errors"][0]["code"], code, "{file}");
    }
}

#[test]
fn json_format_for_one_object_has_exactly_the_documented_keys() {
    let o = validate(&[
        "--context",
        "context.json",
        "--format",
        "json",
        "hosts/edge-discovered.json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let reports = lines_json(&o);
    assert_eq!(reports.len(), 1);
    let report = reports[0].as_object().unwrap();
    assert_eq!(
        report.keys().collect::<Vec<_>>(),
        ["effect", "errors", "host", "schema", "valid", "warnings"]
    );
    assert_eq!(report["effect"], "update_discovered");
    assert_eq!(
        report["host"]["uuid"],
        "9e8d7c6b-5a49-4837-a625-140312f0e0d7"
    );
    assert_eq!(report["host"]["subfunctions"], "edgeworker,lowlatency");
    let o = validate(&["--format", "json", "hosts/invalid-bmc.json"]);
    assert_eq!(
        lines_json(&o)[0],
        json!({"schema": 1, "valid": false, "host": null, "effect": null, "warnings": [], "errors": [{
            "code": "bmc.unsupported", "field": "bm_type", "status": 400,
            "message": "Host-add Rejected: Board management is not supported for personality edgeworker"}]})
    );
}

#[test]
fn json_lines_batch_with_index_and_in_batch_duplicates() {
    let o = validate(&[
        "--context",
        "context.json",
        "--format",
        "json",
        "hosts.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let reports = lines_json(&o);
    let summary: Vec<(u64, bool)> = reports
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [(0, true), (1, true), (2, false), (3, true), (4, false)]
    );
    assert_eq!(reports[2]["errors"][0]["code"], "hostname.duplicate");
    let text = validate(&["--context", "context.json", "hosts.jsonl"]);
    let out = stdout(&text);
    assert!(out.contains("hosts.jsonl:3: error hostname.duplicate [hostname]: Host-add Rejected: Hostname already exists\n"), "{out}");
    assert!(
        out.ends_with("hosts.jsonl: 5 requests, 3 valid, 2 invalid\n"),
        "{out}"
    );
}

#[test]
fn json_array_batch() {
    let host = |name: &str, mac: &str| json!({"hostname": name, "personality": "edgeworker", "mgmt_mac": mac});
    let batch = json!([
        host("edge-1", "08:00:27:bb:00:01"),
        host("edge-2", "08:00:27:BB:00:01"),
        host("edge-3", "08:00:27:bb:00:03")
    ]);
    let (_dir, path) = temp("batch.json", batch.to_string().as_bytes());
    let o = validate(&["--format", "json", &path]);
    assert_eq!(o.status.code(), Some(1));
    let reports = lines_json(&o);
    assert_eq!(
        reports
            .iter()
            .map(|r| r["index"].clone())
            .collect::<Vec<_>>(),
        [json!(0), json!(1), json!(2)]
    );
    assert_eq!(
        reports[1]["errors"][0]["message"],
        "Host-add Rejected: Host with mgmt_mac 08:00:27:BB:00:01 already exists"
    );
    let o = validate(&[&path]);
    assert!(
        stdout(&o).contains("batch.json[1]: error mgmt_mac.duplicate"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn stdin_is_json_lines() {
    let input = b"{\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:01\"}\n\n5\n";
    let o = run(&["validate", "--format", "json", "-"], Some(input));
    assert_eq!(o.status.code(), Some(1));
    let reports = lines_json(&o);
    assert_eq!(reports[0]["valid"], true);
    assert_eq!(reports[1]["index"], 1);
    assert_eq!(
        reports[1]["errors"][0]["message"],
        "The request must be an object, not a number"
    );
    let o = run(&["validate", "-"], Some(b"{\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:01\"}\n"));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "<stdin>:1: ok: create edgeworker edge-1\n<stdin>: 1 requests, 1 valid, 0 invalid\n"
    );
}

/// Stdin reads like a file: a pretty-printed object or an array is one document (what
/// `python -m json.tool host.json | edgeworker-cli validate -` sends), JSON Lines stay lines.
#[test]
fn stdin_takes_a_document_as_a_file_does() {
    let pretty = b"\n{\n  \"hostname\": \"edge-1\",\n  \"personality\": \"edgeworker\",\n  \"mgmt_mac\": \"08:00:27:bb:00:01\"\n}\n";
    let o = run(&["validate", "-"], Some(pretty));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "<stdin>: ok: create edgeworker edge-1\n");

    let array = b"[{\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:01\"},\n {\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:02\"}]\n";
    let o = run(&["validate", "--format", "json", "-"], Some(array));
    assert_eq!(o.status.code(), Some(1));
    let reports = lines_json(&o);
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1]["index"], 1);
    assert_eq!(reports[1]["errors"][0]["code"], "hostname.duplicate");

    // A document cut short is unreadable input, positioned in the whole text.
    let o = run(
        &["validate", "-"],
        Some(b"\n{\n  \"hostname\": \"edge-1\",\n"),
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("<stdin>: EOF while parsing a value at line 4"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn update_by_hostname_uuid_or_mac() {
    for key in [
        "3c:ec:ef:10:20:07",
        "3C-EC-EF-10-20-07",
        "9e8d7c6b-5a49-4837-a625-140312f0e0d7",
    ] {
        let o = validate(&[
            "--context",
            "context.json",
            "--update",
            key,
            "updates/discovered-to-edgeworker.json",
        ]);
        if key.contains('-') && key.len() == 17 {
            // Another separator is another MAC address to sysinv: no such host.
            assert_eq!(o.status.code(), Some(2), "{key}");
            continue;
        }
        assert_eq!(o.status.code(), Some(0), "{key}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "updates/discovered-to-edgeworker.json: ok: update edge-factory-7 (configure)\n"
        );
    }
    let (_dir, path) = temp("rename.json", br#"{"hostname": "edge-factory-9"}"#);
    let o = validate(&[
        "--context",
        "context.json",
        "--update",
        "edge-factory-1",
        "--format",
        "json",
        &path,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let codes: Vec<Value> = lines_json(&o)[0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [json!("host.provisioned"), json!("hostname.immutable")]
    );
}

#[test]
fn update_with_a_duplicate_field_is_invalid() {
    let (_dir, path) = temp(
        "dup.json",
        br#"{"personality": "edgeworker", "personality": "worker", "hostname": "e"}"#,
    );
    let o = validate(&[
        "--context",
        "context.json",
        "--update",
        "3c:ec:ef:10:20:07",
        &path,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).ends_with(
            "error request.duplicate_field [personality]: Illegal duplicate parameters passed.\n"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn strict_turns_hostname_warnings_into_errors() {
    let o = validate(&[
        "--context",
        "context.json",
        "--strict",
        "hosts/edge-warning-hostname.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error hostname.not_dns_compatible [hostname]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn exit_2_usage_errors() {
    for args in [
        vec!["validate"],
        vec!["validate", "--format", "xml", "hosts/edge-valid.json"],
        vec!["validate", "--bogus", "hosts/edge-valid.json"],
        vec!["validate", "--update", "nobody", "hosts/edge-valid.json"],
    ] {
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
    let o = run(
        &["validate", "--update", "nobody", "hosts/edge-valid.json"],
        None,
    );
    // Said as clap says its own usage errors.
    assert!(
        stderr(&o).starts_with(
            "error: --update nobody: no host with this hostname, uuid or MAC address in the context\n\nUsage: edgeworker-cli validate "
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn exit_3_unreadable_or_not_json_names_file_and_position() {
    let o = validate(&["missing.json"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).starts_with("edgeworker-cli: missing.json: cannot read: "),
        "{}",
        stderr(&o)
    );

    let (_d1, truncated) = temp(
        "truncated.json",
        b"{\n  \"hostname\": \"edge-1\",\n  \"personality\": ",
    );
    let o = validate(&[&truncated]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).ends_with("truncated.json: EOF while parsing a value at line 3 column 17\n"),
        "{}",
        stderr(&o)
    );

    let (_d2, binary) = temp("latin1.json", b"{\"hostname\": \"caf\xe9\"}");
    let o = validate(&[&binary]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).ends_with("latin1.json: line 1, column 18: not valid UTF-8\n"),
        "{}",
        stderr(&o)
    );

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (_d3, nested) = temp("deep.json", deep.as_bytes());
    let o = validate(&[&nested]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("deep.json: nested too deeply (limit 128) at line 1 column 129"),
        "{}",
        stderr(&o)
    );
    let (_d4, nested_lines) = temp("deep.jsonl", deep.as_bytes());
    let o = validate(&[&nested_lines]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("deep.jsonl: line 1, column 129: nested too deeply (limit 128)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_malformed_json_lines_line_stops_the_batch_after_reporting_the_earlier_ones() {
    let input = "{\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:01\"}\n{\"hostname\": }\n{}\n";
    let (_dir, path) = temp("broken.jsonl", input.as_bytes());
    let o = validate(&["--format", "json", &path]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(lines_json(&o).len(), 1);
    assert!(
        stderr(&o).ends_with("broken.jsonl: line 2, column 14: expected value\n"),
        "{}",
        stderr(&o)
    );
    let (_d2, bad) = temp("bad.jsonl", b"{}\n{\"hostname\": \"\xff\"}\n");
    let o = validate(&[&bad]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).ends_with("bad.jsonl: line 2: not valid UTF-8\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_context_is_exit_3_naming_the_path() {
    let (_dir, path) = temp(
        "ctx.json",
        br#"{"hosts": [{"hostname": "edge-1", "mgmt_mac": "nope"}]}"#,
    );
    let o = validate(&["--context", &path, "hosts/edge-valid.json"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).ends_with("ctx.json: hosts[0].mgmt_mac: a MAC address is six pairs of hex digits separated by ':' or by '-'\n"), "{}", stderr(&o));
}

#[test]
fn a_megabyte_hostname_is_a_clean_violation() {
    let request = json!({"hostname": "a".repeat(1 << 20), "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01"});
    let (_dir, path) = temp("huge.json", request.to_string().as_bytes());
    let o = validate(&["--format", "json", &path]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let report = &lines_json(&o)[0];
    assert_eq!(
        report["errors"],
        json!([{"code": "hostname.too_long", "field": "hostname", "message": "Name restricted to at most 255 characters.", "status": 400}])
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let line = "{\"hostname\": \"edge-1\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:bb:00:01\"}\n";
    let mut child = Command::new(BIN)
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    // The child may stop reading once its stdout is gone; a write error here is fine.
    let _ = stdin.write_all(line.repeat(50_000).as_bytes());
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_no_panic(&o);
    assert_eq!(stderr(&o), "");
}

/// Without `--context` the example context is checked against (its controller-0 holds
/// `08:00:27:aa:00:01`); a context file's absent keys are the empty system's, where the same
/// MAC is free and no controller exists; and `--help` says which is which.
#[test]
fn the_default_context_is_the_example_and_absent_keys_the_empty_system() {
    let request =
        br#"{"hostname": "edge-9", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:01"}"#;
    let (_dir, path) = temp("request.json", request);
    let o = validate(&["--format", "json", &path]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(lines_json(&o)[0]["errors"][0]["code"], "mgmt_mac.duplicate");

    let (_ctx_dir, ctx) = temp("context.json", br#"{"system": {"mode": "duplex"}}"#);
    let o = validate(&["--context", &ctx, "--format", "json", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(lines_json(&o)[0]["effect"], "create");

    let help = validate(&["--help"]);
    let text = stdout(&help)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("Without this option: the example context"),
        "{text}"
    );
    assert!(
        text.contains("a key left out is the empty system's"),
        "{text}"
    );
}

/// `--profile` overrides the context's `profile` (RULES §7): under stx10 a `mgmt_ip` is
/// ignored with a warning (sysinv `937449c0a`); classic refuses it with dynamic addressing;
/// an unknown profile is a usage error naming the choices.
#[test]
fn profile_overrides_the_context() {
    let request = br#"{"hostname": "edge-9", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:09", "mgmt_ip": "192.168.204.50"}"#;
    let (_dir, path) = temp("request.json", request);
    let o = validate(&["--format", "json", &path]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        lines_json(&o)[0]["errors"][0]["code"],
        "mgmt_ip.not_allowed"
    );

    let o = validate(&["--profile", "stx10", "--format", "json", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(lines_json(&o)[0]["warnings"][0]["code"], "mgmt_ip.ignored");

    let (_ctx_dir, ctx) = temp("context.json", br#"{"profile": "stx10"}"#);
    let o = validate(&["--context", &ctx, "--format", "json", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = validate(&["--context", &ctx, "--profile", "classic", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let (_ctx2, static_ctx) = temp(
        "static.json",
        br#"{"profile": "stx10", "mgmt_network": {"dynamic": false}}"#,
    );
    let o = validate(&["--context", &static_ctx, "--profile", "classic", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = validate(&["--profile", "stx9", &path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("[possible values: classic, stx10]"),
        "{}",
        stderr(&o)
    );
}
