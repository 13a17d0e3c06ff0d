//! The nesting limit through every input of the binary: 128 levels of arrays and objects
//! are read (what happens next is the input's own business), 129 are refused with exit 3
//! and a message naming the file, the position and the limit, and 1,000,000 are refused the
//! same way, without a stack overflow.

use std::process::Output;

mod common;

use common::{cli, example, stderr, write};

const TOO_DEEP: &str = "nested too deeply (limit 128)";

/// `levels` arrays, one inside the other.
fn arrays(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

/// A valid host-add request whose `location` (a pass-through object) brings the whole
/// request to `levels` levels: the request itself is the first.
fn request(levels: usize) -> String {
    let location = format!(
        "{}1{}",
        r#"{"a":"#.repeat(levels - 1),
        "}".repeat(levels - 1)
    );
    format!(
        r#"{{"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01", "location": {location}}}"#
    )
}

/// Exited (not killed by a signal, as a stack overflow would be) and did not panic.
fn exited(out: &Output) -> i32 {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed: {:?}", out.status))
}

/// Every input of the CLI, as arguments with `FILE` standing for the deep file.
fn inputs(dir: &std::path::Path) -> Vec<Vec<String>> {
    let req = write(dir, "request.json", request(2));
    let controller = example("plan/controller.json");
    let nodes = example("plan/nodes.json");
    let fresh = dir.join("fresh-state.json").display().to_string();
    let plain = |args: &[&str]| args.iter().map(|&a| a.to_owned()).collect::<Vec<_>>();
    vec![
        plain(&["validate", "FILE"]),
        plain(&["validate", "--context", "FILE", &req]),
        plain(&["validate", "--update", "controller-0", "FILE"]),
        plain(&["plan", "--controller", "FILE", "--nodes", &nodes]),
        plain(&["plan", "--controller", &controller, "--nodes", "FILE"]),
        plain(&[
            "plan",
            "--format",
            "json",
            "--controller",
            &controller,
            "--nodes",
            "FILE",
        ]),
        plain(&["skew-check", "--control-plane", "1.29.2", "--nodes", "FILE"]),
        plain(&["allocate", "--state", "FILE", "--host", "edge-1"]),
        plain(&[
            "allocate", "--state", &fresh, "--pool", "FILE", "--host", "edge-1",
        ]),
        plain(&["dhcp", "--state", "FILE"]),
    ]
}

fn run_with(args: &[String], file: &str) -> Output {
    let args: Vec<&str> = args
        .iter()
        .map(|a| if a == "FILE" { file } else { a.as_str() })
        .collect();
    cli(&args)
}

#[test]
fn every_input_reads_128_levels() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "deep.json", arrays(128));
    for args in inputs(dir.path()) {
        let out = run_with(&args, &file);
        exited(&out);
        // Read, then refused (or not) for its shape: never for its depth.
        assert!(
            !stderr(&out).contains(TOO_DEEP),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn every_input_refuses_129_and_a_million_levels() {
    let dir = tempfile::tempdir().unwrap();
    for levels in [129, 1_000_000] {
        let file = write(dir.path(), "deep.json", arrays(levels));
        for args in inputs(dir.path()) {
            let out = run_with(&args, &file);
            assert_eq!(exited(&out), 3, "{args:?}: {}", stderr(&out));
            let err = stderr(&out);
            assert!(
                err.contains("deep.json")
                    && err.contains(&format!("{TOO_DEEP} at line 1 column 129")),
                "{args:?}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!(
            !dir.path().join("fresh-state.json").exists(),
            "a state was created from a pool that was not read"
        );
    }
}

#[test]
fn a_request_of_128_levels_is_valid_and_129_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.json", request(128));
    let out = cli(&["validate", &ok]);
    assert_eq!(exited(&out), 0, "{}", stderr(&out));
    let change = write(dir.path(), "change.json", r#"{"location": {"a": 1}}"#);
    let out = cli(&["validate", "--update", "controller-0", &change]);
    assert_ne!(exited(&out), 3, "{}", stderr(&out));

    let deep = request(129);
    let column = deep.find(r#"{"a":1}"#).unwrap() + 1;
    let bad = write(dir.path(), "bad.json", &deep);
    let out = cli(&["validate", &bad]);
    assert_eq!(exited(&out), 3);
    assert_eq!(
        stderr(&out),
        format!("edgeworker-cli: {bad}: {TOO_DEEP} at line 1 column {column}\n")
    );
    // In an array the requests are one level down: 128 levels of request no longer fit.
    let batch = write(dir.path(), "batch.json", format!("[{}]", request(128)));
    let out = cli(&["validate", &batch]);
    assert_eq!(exited(&out), 3);
    assert!(stderr(&out).contains(TOO_DEEP), "{}", stderr(&out));
}

#[test]
fn json_lines_name_the_line_and_column_after_reporting_the_lines_before() {
    let dir = tempfile::tempdir().unwrap();
    for levels in [129, 1_000_000] {
        let lines = write(
            dir.path(),
            "deep.jsonl",
            format!("{}\n{}\n", request(128), arrays(levels)),
        );
        let out = cli(&["validate", &lines]);
        assert_eq!(exited(&out), 3);
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("deep.jsonl:1: ok: create edgeworker edge-1"),
            "{out:?}"
        );
        assert_eq!(
            stderr(&out),
            format!("edgeworker-cli: {lines}: line 2, column 129: {TOO_DEEP}\n")
        );
    }
}
