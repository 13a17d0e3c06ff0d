//! A reader that stops reading (`| head`): every command ends quietly with the exit status
//! it has without the reader, never a panic and never a message.

use std::fmt::Write as _;
use std::process::{Command, Output, Stdio};

mod common;

use common::{BIN, cli, example, stderr};

/// Runs the CLI with its stdout a pipe whose reading end is already closed: every write
/// fails with a broken pipe, whatever the size of the output.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn every_command_ends_quietly_when_the_reader_has_gone() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let (pool, hosts) = (example("pool.json"), example("hosts.jsonl"));
    let (controller, nodes) = (example("plan/controller.json"), example("plan/nodes.json"));
    let (up_controller, kube_nodes) = (
        example("upgrade/controller.json"),
        example("upgrade/kube-nodes.json"),
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["validate", &hosts],
        vec!["validate", "--format", "json", &hosts],
        vec![
            "allocate", "--state", &state, "--pool", &pool, "--host", "edge-1", "--seed", "7",
        ],
        vec![
            "reserve",
            "--state",
            &state,
            "--host",
            "edge-2",
            "--address",
            "192.168.204.50",
        ],
        vec!["addresses", "--state", &state],
        vec!["dhcp", "--state", &state],
        vec!["dhcp", "--state", &state, "--format", "json"],
        vec!["completions", "bash"],
        vec!["release", "--state", &state, "--host", "edge-2"],
        vec!["plan", "--controller", &controller, "--nodes", &nodes],
        vec![
            "plan",
            "--controller",
            &controller,
            "--nodes",
            &nodes,
            "--format",
            "json",
        ],
        vec!["skew-check", "--control-plane", "1.33.0", "--nodes", &nodes],
        vec![
            "upgrade-plan",
            "--controller",
            &up_controller,
            "--nodes",
            &nodes,
            "--kube-nodes",
            &kube_nodes,
        ],
    ];
    for args in &runs {
        let closed = into_closed_pipe(args);
        assert!(stderr(&closed).is_empty(), "{args:?}: {}", stderr(&closed));
        // The same status as with a reader: what the command found, not how it was read.
        // (`release` is compared before it runs for real, while edge-2 still has its row.)
        let expected = if args[0] == "release" {
            Some(0)
        } else {
            cli(args).status.code()
        };
        assert_eq!(closed.status.code(), expected, "{args:?}");
    }
}

/// A batch larger than the pipe's buffer: the reader takes the first line and goes.
#[test]
fn validate_stops_with_the_findings_so_far_when_head_has_read_enough() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..4000 {
        let _ = writeln!(
            lines,
            "{{\"hostname\": \"edge-{i}\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:00:{:02x}:{:02x}\"}}",
            i / 256,
            i % 256
        );
    }
    let hosts = common::write(dir.path(), "many.jsonl", lines);
    let mut child = Command::new(BIN)
        .args(["validate", &hosts])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
