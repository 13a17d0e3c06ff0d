//! The streamed renderings (`write_json`, `write_text`) and the streamed nodes reader
//! (`read_nodes`) answer byte for byte what the in-memory ones do, and stop cleanly on a
//! writer that fails part-way.

mod plan_support;

use std::io;

use edgeworker_core::plan::{NodesError, Plan, Secrets, parse_nodes, read_nodes};
use serde_json::{Value, json};

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

fn example_plan() -> Plan {
    let (c, n) = plan_support::example();
    Plan::from_values(c, n).unwrap()
}

fn json_bytes(plan: &Plan, secrets: Secrets) -> String {
    let mut out = Vec::new();
    plan.write_json(secrets, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn text_bytes(plan: &Plan) -> String {
    let mut out = Vec::new();
    plan.write_text(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_streams_write_the_golden_files() {
    let plan = example_plan();
    assert_eq!(json_bytes(&plan, Secrets::Redact), golden("example.json"));
    assert_eq!(text_bytes(&plan), golden("example.txt"));
}

/// `count` nodes in a /16, cycling through the example's operating systems.
fn fleet(count: u16) -> (Value, Value) {
    let (mut controller, examples) = plan_support::example();
    controller["mgmt_subnet"] = json!("192.168.0.0/16");
    controller["join"] = json!({"token": "abcdef.0123456789abcdef",
        "ca_cert_hash": format!("sha256:{}", "a".repeat(64))});
    let examples = examples.as_array().unwrap().clone();
    let nodes: Vec<Value> = (0..count)
        .map(|i| {
            let mut node = examples[usize::from(i) % examples.len()].clone();
            let [hi, lo] = (i + 256).to_be_bytes();
            node["hostname"] = json!(format!("edge-{i}"));
            node["mgmt_ip"] = json!(format!("192.168.{hi}.{lo}"));
            node["mgmt_mac"] = json!(format!("02:00:00:00:{hi:02x}:{lo:02x}"));
            node
        })
        .collect();
    (controller, Value::Array(nodes))
}

#[test]
fn a_fleet_streams_the_same_bytes_as_the_whole_document() {
    let (controller, nodes) = fleet(300);
    let plan = Plan::from_values(controller, nodes).unwrap();
    for secrets in [Secrets::Redact, Secrets::Reveal] {
        let whole = serde_json::to_string_pretty(&plan.to_json(secrets)).unwrap() + "\n";
        assert_eq!(json_bytes(&plan, secrets), whole);
    }
    assert_eq!(text_bytes(&plan), plan.to_text());
    assert_eq!(
        plan.step_iter(Secrets::Reveal).collect::<Vec<_>>(),
        plan.steps(Secrets::Reveal)
    );
}

/// Accepts `left` bytes, then fails.
struct FailingWriter {
    left: usize,
    written: usize,
}

impl io::Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("the disk is full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_writer_failing_part_way_is_an_error_not_a_panic() {
    let plan = example_plan();
    for left in [0, 1, 100, 20_000] {
        let mut out = FailingWriter { left, written: 0 };
        let err = plan.write_json(Secrets::Redact, &mut out).unwrap_err();
        assert_eq!(err.to_string(), "the disk is full");
        assert_eq!(out.written, left);
        let mut out = FailingWriter { left, written: 0 };
        let err = plan.write_text(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "the disk is full");
    }
}

#[test]
fn streamed_nodes_are_the_parsed_nodes() {
    let (_, nodes) = plan_support::example();
    let pretty = serde_json::to_string_pretty(&nodes).unwrap();
    assert_eq!(
        read_nodes(pretty.as_bytes()).unwrap(),
        parse_nodes(nodes).unwrap()
    );
    let (_, nodes) = fleet(2_000);
    let text = nodes.to_string();
    assert_eq!(
        read_nodes(text.as_bytes()).unwrap(),
        parse_nodes(nodes).unwrap()
    );
}

#[test]
fn streamed_nodes_name_the_position_of_bad_text() {
    let Err(NodesError::Json(err)) = read_nodes(&b"[\n  {\"hostname\": }\n]"[..]) else {
        panic!("read")
    };
    // The position text in memory gets too (`json::from_str`).
    assert_eq!(err.to_string(), "expected value at line 2 column 16");
    let whole = edgeworker_core::json::from_str::<Value>("[\n  {\"hostname\": }\n]");
    assert_eq!(whole.unwrap_err().to_string(), err.to_string());
    // Too deep inside the third node, after a syntax error-free start.
    let deep = format!("[{{}}, {{}}, {{\"labels\": {}", "[".repeat(200));
    let Err(NodesError::Json(err)) = read_nodes(deep.as_bytes()) else {
        panic!("read")
    };
    assert_eq!(
        err.to_string(),
        format!(
            "nested too deeply (limit 128) at line 1 column {}",
            20 + 127
        )
    );
}
