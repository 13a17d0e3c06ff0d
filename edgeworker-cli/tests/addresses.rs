//! The address state inspected (`addresses`), who holds a taken address, and a dual-stack
//! network under stx10: one address per family, recorded in each family's state file.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

mod common;

use common::{cli, stderr, stdout, write};

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Two pools of one network, IPv4 primary and IPv6 secondary, sequential for exact answers.
fn dual_pools(dir: &Path) -> (String, String) {
    (
        write(
            dir,
            "v4.json",
            r#"{"name": "mgmt-v4", "network": "10.0.0.0/29", "order": "sequential"}"#,
        ),
        write(
            dir,
            "v6.json",
            r#"{"name": "mgmt-v6", "network": "fd00::/64", "order": "sequential"}"#,
        ),
    )
}

#[test]
fn rows_are_listed_and_looked_up_by_host_or_address() {
    let dir = tempfile::tempdir().unwrap();
    let state = arg(&dir.path().join("mgmt.json"));
    let pool = common::example("pool.json");
    for (host, address) in [
        ("controller", "192.168.204.2"),
        ("edge-1", "192.168.204.50"),
    ] {
        let out = cli(&[
            "reserve",
            "--state",
            &state,
            "--pool",
            &pool,
            "--host",
            host,
            "--address",
            address,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = cli(&["addresses", "--state", &state]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ROW              HOST        ADDRESS         POOL\n\
         controller-mgmt  controller  192.168.204.2   management\n\
         edge-1-mgmt      edge-1      192.168.204.50  management\n"
    );
    let one: Value = serde_json::from_str(&stdout(&cli(&[
        "addresses",
        "--state",
        &state,
        "--host",
        "edge-1",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(one["schema"], 1);
    assert_eq!(
        one["rows"],
        json!([{"name": "edge-1-mgmt", "host": "edge-1", "address": "192.168.204.50", "pool": "management"}])
    );
    assert_eq!(one["pools"][0]["state"], state.as_str());
    assert_eq!(one["pools"][0]["version"], 2);
    assert_eq!(one["pools"][0]["pool"]["network"], "192.168.204.0/24");
    let by_address = cli(&["addresses", "--state", &state, "--address", "192.168.204.2"]);
    assert!(
        stdout(&by_address).contains("\ncontroller-mgmt  controller"),
        "{}",
        stdout(&by_address)
    );

    // A lookup that finds nothing is exit 1, saying what was looked for.
    let out = cli(&["addresses", "--state", &state, "--host", "edge-9"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "edgeworker-cli: address.not_found: {state}: edge-9 has no management address (edge-9-mgmt)\n"
        )
    );
    let out = cli(&["addresses", "--state", &state, "--address", "192.168.204.9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).ends_with(": no row holds 192.168.204.9\n"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    // Not both, and no state is an input error.
    let out = cli(&[
        "addresses",
        "--state",
        &state,
        "--host",
        "a",
        "--address",
        "10.0.0.1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let missing = arg(&dir.path().join("none.json"));
    assert_eq!(
        cli(&["addresses", "--state", &missing]).status.code(),
        Some(3)
    );
}

#[test]
fn a_taken_address_names_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let state = arg(&dir.path().join("mgmt.json"));
    let pool = common::example("pool.json");
    let reserve = |host: &str, address: &str| {
        cli(&[
            "reserve",
            "--state",
            &state,
            "--pool",
            &pool,
            "--host",
            host,
            "--address",
            address,
        ])
    };
    assert_eq!(reserve("edge-1", "192.168.204.50").status.code(), Some(0));
    let out = reserve("edge-2", "192.168.204.50");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "edgeworker-cli: mgmt_ip.allocated: Address 192.168.204.50 is already allocated \
         (held by edge-1, row edge-1-mgmt)\n"
    );
}

#[test]
fn stx10_gives_a_dual_stack_host_one_address_per_family() {
    let dir = tempfile::tempdir().unwrap();
    let (v4, v6) = dual_pools(dir.path());
    let (s4, s6) = (
        arg(&dir.path().join("s4.json")),
        arg(&dir.path().join("s6.json")),
    );
    let states = ["--state", s4.as_str(), "--secondary-state", s6.as_str()];
    let allocate = |host: &str, extra: &[&str]| {
        let mut args = vec!["allocate"];
        args.extend(states);
        args.extend(["--host", host]);
        args.extend(extra);
        cli(&args)
    };
    let out = allocate(
        "edge-1",
        &["--pool", &v4, "--secondary-pool", &v6, "--profile", "stx10"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "10.0.0.1\nfd00::1\n");
    // Recorded in each family's state, under the same row name.
    for (state, address) in [(&s4, "10.0.0.1"), (&s6, "fd00::1")] {
        let file: Value = serde_json::from_str(&fs::read_to_string(state).unwrap()).unwrap();
        assert_eq!(
            file["rows"],
            json!([{"name": "edge-1-mgmt", "address": address}])
        );
    }
    // Again: the same two, as JSON.
    let again: Value = serde_json::from_str(&stdout(&allocate(
        "edge-1",
        &["--profile", "stx10", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(
        again,
        json!({"schema": 1, "name": "edge-1-mgmt", "address": "10.0.0.1", "addresses": ["10.0.0.1", "fd00::1"]})
    );
    // Classic allocates from the primary pool only, and says the secondary is left alone.
    let out = allocate("edge-2", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "10.0.0.2\n");
    assert!(
        stderr(&out).contains("profile classic takes addresses from the primary pool only"),
        "{}",
        stderr(&out)
    );

    // A reservation per family; one that fails leaves no row behind in the other state.
    let reserve = |host: &str, addresses: &[&str]| {
        let mut args = vec!["reserve"];
        args.extend(states);
        args.extend(["--host", host, "--profile", "stx10"]);
        for address in addresses {
            args.extend(["--address", address]);
        }
        cli(&args)
    };
    let out = reserve("edge-3", &["10.0.0.5", "fd00::5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "10.0.0.5\nfd00::5\n");
    let out = reserve("edge-4", &["10.0.0.6", "fd00::1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("fd00::1 is already allocated (held by edge-1, row edge-1-mgmt)"),
        "{}",
        stderr(&out)
    );
    let listed = stdout(&cli(&[
        "addresses",
        "--state",
        &s4,
        "--secondary-state",
        &s6,
    ]));
    assert!(!listed.contains("edge-4"), "{listed}");
    assert_eq!(
        reserve("edge-4", &["10.0.0.6", "10.0.0.7"]).status.code(),
        Some(2)
    );

    // The listing shows both families; release frees both.
    assert!(
        listed.contains("edge-1-mgmt  edge-1  fd00::1   mgmt-v6"),
        "{listed}"
    );
    let mut args = vec!["release"];
    args.extend(states);
    args.extend(["--host", "edge-1"]);
    let out = cli(&args);
    assert_eq!(stdout(&out), "10.0.0.1\nfd00::1\n");
}

#[test]
fn a_secondary_pool_of_the_primary_s_family_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (v4, _) = dual_pools(dir.path());
    let other = write(
        dir.path(),
        "v4b.json",
        r#"{"name": "other", "network": "10.1.0.0/24"}"#,
    );
    let (s4, s6) = (
        arg(&dir.path().join("s4.json")),
        arg(&dir.path().join("s6.json")),
    );
    let out = cli(&[
        "allocate",
        "--state",
        &s4,
        "--pool",
        &v4,
        "--secondary-state",
        &s6,
        "--secondary-pool",
        &other,
        "--host",
        "edge-1",
        "--profile",
        "stx10",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("edgeworker-cli: pool.same_family: "),
        "{}",
        stderr(&out)
    );
    // --secondary-pool without --secondary-state is a usage error.
    let out = cli(&[
        "allocate",
        "--state",
        &s4,
        "--secondary-pool",
        &other,
        "--host",
        "edge-1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
