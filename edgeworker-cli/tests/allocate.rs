//! `allocate`, `reserve` and `release` through the binary: outputs, exit codes, and two
//! processes racing on one state file.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;

use common::{BIN, cli, stderr, stdout, write};

fn example_pool() -> String {
    common::example("pool.json")
}

fn write_pool(dir: &Path, json: &str) -> String {
    write(dir, "pool.json", json)
}

#[test]
fn allocate_creates_the_state_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let pool = example_pool();
    let first = cli(&[
        "allocate", "--state", &state, "--pool", &pool, "--host", "edge-1", "--seed", "7",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let address = stdout(&first).trim().to_owned();
    assert!(address.starts_with("192.168.204."), "{address}");
    // Again, without the pool, another seed and another order: the same address.
    let again = cli(&[
        "allocate",
        "--state",
        &state,
        "--host",
        "edge-1",
        "--seed",
        "8",
        "--order",
        "sequential",
        "--format",
        "json",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        format!(
            "{{\"schema\":1,\"name\":\"edge-1-mgmt\",\"address\":\"{address}\",\"addresses\":[\"{address}\"]}}\n"
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["rows"],
        serde_json::json!([{"name": "edge-1-mgmt", "address": address}])
    );
}

#[test]
fn sequential_with_a_seed_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json").display().to_string();
    let pool = example_pool();
    let run = |host: &str| {
        let out = cli(&[
            "allocate",
            "--state",
            &state,
            "--pool",
            &pool,
            "--host",
            host,
            "--order",
            "sequential",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run("controller"), "192.168.204.2\n");
    assert_eq!(run("edge-1"), "192.168.204.3\n");
}

#[test]
fn rule_failures_exit_1_with_code_and_sysinv_message() {
    let dir = tempfile::tempdir().unwrap();
    let pool = write_pool(
        dir.path(),
        r#"{"name": "management", "network": "10.0.0.0/30"}"#,
    );
    let state = dir.path().join("s.json").display().to_string();
    for host in ["a", "b"] {
        let out = cli(&[
            "allocate", "--state", &state, "--pool", &pool, "--host", host,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let full = cli(&["allocate", "--state", &state, "--host", "c"]);
    assert_eq!(full.status.code(), Some(1));
    assert_eq!(
        stderr(&full),
        "edgeworker-cli: pool.exhausted: Address pool management has no available addresses\n"
    );
    assert!(stdout(&full).is_empty());

    let released = cli(&["release", "--state", &state, "--host", "a"]);
    assert_eq!(released.status.code(), Some(0));
    let freed = stdout(&released).trim().to_owned();
    let taken = cli(&["allocate", "--state", &state, "--host", "b"]);
    let b = stdout(&taken).trim().to_owned();

    let out = cli(&["reserve", "--state", &state, "--host", "c", "--address", &b]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "edgeworker-cli: mgmt_ip.allocated: Address {b} is already allocated (held by b, row b-mgmt)\n"
        )
    );
    let out = cli(&[
        "reserve",
        "--state",
        &state,
        "--host",
        "b",
        "--address",
        &freed,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "edgeworker-cli: mgmt_ip.name_allocated: Address b-mgmt is already allocated (to {b} in {state})\n"
        )
    );
    let out = cli(&[
        "reserve",
        "--state",
        &state,
        "--host",
        "c",
        "--address",
        "10.0.0.3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "edgeworker-cli: mgmt_ip.out_of_pool: IP address 10.0.0.3 is not within address pool ranges\n"
    );
    let out = cli(&[
        "reserve",
        "--state",
        &state,
        "--host",
        "c",
        "--address",
        &freed,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{freed}\n"));
    // Releasing a host without an address succeeds (a retried release is idempotent) and
    // says so on stderr, so a mistyped name is not taken for a release.
    let out = cli(&["release", "--state", &state, "--host", "nobody"]);
    assert_eq!((out.status.code(), stdout(&out).as_str()), (Some(0), ""));
    assert_eq!(
        stderr(&out),
        format!(
            "edgeworker-cli: {state}: nobody has no management address (nobody-mgmt); nothing released\n"
        )
    );
}

#[test]
fn unreadable_or_corrupt_state_exits_3_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json").display().to_string();
    let out = cli(&["allocate", "--state", &missing, "--host", "edge-1"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        format!(
            "edgeworker-cli: {missing}: no such address state file (allocate or reserve with --pool POOL.json creates it)\n"
        )
    );

    let pool = example_pool();
    let state = dir.path().join("s.json");
    let state_arg = state.display().to_string();
    let out = cli(&[
        "allocate", "--state", &state_arg, "--pool", &pool, "--host", "edge-1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let good = fs::read(&state).unwrap();
    fs::write(&state, &good[..good.len() / 3]).unwrap();
    let truncated = fs::read(&state).unwrap();
    for args in [
        vec!["allocate", "--state", &state_arg, "--host", "edge-2"],
        vec![
            "reserve",
            "--state",
            &state_arg,
            "--host",
            "edge-2",
            "--address",
            "192.168.204.9",
        ],
        vec!["release", "--state", &state_arg, "--host", "edge-1"],
        vec!["dhcp", "--state", &state_arg],
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let message = stderr(&out);
        assert!(
            message.starts_with(&format!(
                "edgeworker-cli: store.corrupt: {state_arg}: corrupt address state: EOF while parsing"
            )),
            "{message}"
        );
        assert_eq!(fs::read(&state).unwrap(), truncated, "never reset");
    }

    let out = cli(&[
        "allocate",
        "--state",
        &dir.path().display().to_string(),
        "--host",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not a regular file (a directory)"),
        "{}",
        stderr(&out)
    );

    let other = write_pool(
        dir.path(),
        r#"{"name": "management", "network": "10.0.0.0/24"}"#,
    );
    fs::write(&state, &good).unwrap();
    let out = cli(&[
        "allocate", "--state", &state_arg, "--pool", &other, "--host", "x",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(
            "holds pool management of network 192.168.204.0/24, which differs from the pool in"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json").display().to_string();
    for args in [
        vec!["allocate", "--host", "edge-1"],
        vec!["allocate", "--state", &state, "--host", "edge 1"],
        vec![
            "allocate", "--state", &state, "--host", "edge-1", "--order", "fifo",
        ],
        vec![
            "allocate", "--state", &state, "--host", "edge-1", "--seed", "-1",
        ],
        vec![
            "allocate", "--state", &state, "--host", "edge-1", "--format", "yaml",
        ],
        vec![
            "reserve",
            "--state",
            &state,
            "--host",
            "edge-1",
            "--address",
            "10.0.0.300",
        ],
        vec!["release", "--state", &state],
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert!(!Path::new(&state).exists());
}

#[test]
fn processes_started_together_never_share_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let pool = write_pool(
        dir.path(),
        r#"{"name": "management", "network": "10.9.0.0/24", "ranges": [["10.9.0.10", "10.9.0.40"]]}"#,
    );
    let state = dir.path().join("s.json").display().to_string();
    for round in 0..3 {
        // The same seed everywhere: every process wants the same address first, so all but
        // one must lose the compare-and-swap and retry.
        let children: Vec<_> = (0..8)
            .map(|i| {
                Command::new(BIN)
                    .args([
                        "allocate",
                        "--state",
                        &state,
                        "--pool",
                        &pool,
                        "--host",
                        &format!("edge-{round}-{i}"),
                        "--seed",
                        "1",
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 24);
    let addresses: HashSet<&str> = rows
        .iter()
        .map(|row| row["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses.len(), 24, "an address was handed out twice");
    assert_eq!(json["version"], 24);
}

#[test]
fn reserve_creates_the_state_from_a_pool_and_refuses_another_pool() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let pool = dir.path().join("pool.json");
    fs::write(&pool, r#"{"name": "management", "network": "10.9.0.0/24"}"#).unwrap();
    let pool = pool.display().to_string();
    let out = cli(&[
        "reserve",
        "--state",
        &state,
        "--pool",
        &pool,
        "--host",
        "controller",
        "--address",
        "10.9.0.2",
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out).as_str()),
        (Some(0), "10.9.0.2\n"),
        "{}",
        stderr(&out)
    );
    let out = cli(&[
        "allocate",
        "--state",
        &state,
        "--host",
        "edge-1",
        "--order",
        "sequential",
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out).as_str()),
        (Some(0), "10.9.0.1\n")
    );

    let other = dir.path().join("other.json");
    fs::write(
        &other,
        r#"{"name": "management", "network": "10.8.0.0/24"}"#,
    )
    .unwrap();
    let other = other.display().to_string();
    let out = cli(&[
        "reserve",
        "--state",
        &state,
        "--pool",
        &other,
        "--host",
        "edge-2",
        "--address",
        "10.8.0.9",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("which differs from the pool in"),
        "{}",
        stderr(&out)
    );
}
