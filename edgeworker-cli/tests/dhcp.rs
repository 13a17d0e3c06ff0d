//! `dhcp` through the binary: the dnsmasq files of a state, with MACs from a context.

use std::fs;

mod common;

use common::{cli, stderr, stdout, write};

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
    let state = write(dir.path(), "s.json", STATE);
    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"system": {"mode": "duplex", "type": "Standard"}, "hosts": [
            {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:AA:00:01"},
            {"hostname": null, "mgmt_mac": "08:00:27:aa:00:99"},
            {"hostname": "controller-0", "personality": "controller", "mgmt_mac": "08:00:27:aa:00:10"}
        ]}"#,
    );
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "controller,[fd00:204::2]\n08:00:27:aa:00:01,edge-1,[fd00:204::77],1d\nedge-2,[fd00:204::78]\n"
    );
    // sysinv manager.py _generate_dnsmasq_hosts_file: the pxecontroller line alone.
    let out = cli(&["dhcp", "--state", &state, "--addn-hosts"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "fd00:204::2 pxecontroller\n");
}

/// sysinv `_generate_dnsmasq_hosts_file`: with a pxeboot network the additional-hosts line
/// takes `controller-pxeboot`, which the context's address rows bring.
#[test]
fn addn_hosts_takes_the_pxeboot_row_from_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let state = write(dir.path(), "s.json", STATE);
    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"addresses": [{"name": "controller-pxeboot", "address": "169.254.202.2"}]}"#,
    );
    let out = cli(&[
        "dhcp",
        "--state",
        &state,
        "--context",
        &context,
        "--addn-hosts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "169.254.202.2 pxecontroller\n");
}

/// RULES §5: a name dnsmasq would misread is written without its name, with one warning
/// line on stderr, exit 0; the rest of the site keeps its reservations.
#[test]
fn a_misread_name_is_left_out_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let state = write(
        dir.path(),
        "s.json",
        r#"{"schema": 1, "version": 1, "pool": {"name": "management", "network": "10.0.0.0/24"},
            "rows": [{"name": "3600-mgmt", "address": "10.0.0.9"}, {"name": "edge-1-mgmt", "address": "10.0.0.10"}]}"#,
    );
    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"hosts": [{"hostname": "3600", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:01"}]}"#,
    );
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "08:00:27:aa:00:01,10.0.0.9,1d\nedge-1,10.0.0.10\n"
    );
    assert_eq!(
        stderr(&out),
        "edgeworker-cli: warning: dhcp.name_omitted: address row \"3600-mgmt\": host name \"3600\" is left out of its DHCP reservation: dnsmasq would read it as a lease time\n"
    );
}

/// `--out`: written atomically, and not at all when unchanged (sysinv compares before it
/// renames, so dnsmasq is not reloaded for nothing); the file keeps its mode.
#[test]
fn out_writes_only_when_the_content_changes() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let state = write(dir.path(), "s.json", STATE);
    let target = dir.path().join("dnsmasq.hosts");
    let target_arg = target.display().to_string();
    let run = || cli(&["dhcp", "--state", &state, "--out", &target_arg]);

    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).ends_with("dnsmasq.hosts: written\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "controller,[fd00:204::2]\nedge-1,[fd00:204::77]\nedge-2,[fd00:204::78]\n"
    );
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&target).unwrap());

    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with("dnsmasq.hosts: unchanged, not rewritten\n"),
        "{}",
        stderr(&out)
    );
    let same = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&target).unwrap());
    assert_eq!(inode, same, "an unchanged file is not replaced");

    fs::write(&target, "stale\n").unwrap();
    let out = run();
    assert!(
        stderr(&out).ends_with("dnsmasq.hosts: written\n"),
        "{}",
        stderr(&out)
    );
    let after = fs::metadata(&target).unwrap();
    assert_eq!(after.permissions().mode() & 0o777, 0o640);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");

    // A FIFO where the file goes is refused at once.
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = cli(&[
        "dhcp",
        "--state",
        &state,
        "--out",
        &fifo.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fifo: cannot read the dnsmasq file: not a regular file (a FIFO)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_mac_that_would_inject_an_entry_is_refused_with_the_context_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = write(dir.path(), "s.json", STATE);
    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"hosts": [{"hostname": "edge-2", "mgmt_mac": "08:00:27:aa:00:02,evil,fd00:204::5,1d\n"}]}"#,
    );
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
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
    let state = write(dir.path(), "s.json", STATE);
    let context = write(dir.path(), "ctx.json", r#"{"hosts": [{"hostname": 5}]}"#);
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out)
            .contains("ctx.json: hosts[0].hostname: invalid type: integer `5`, expected a string"),
        "{}",
        stderr(&out)
    );
}

/// RULES §7, sysinv `afa45530c`: under stx10 (`--profile`, or the context's `profile`) the
/// hosts file reserves no management address, stderr says which nodes get none, and the
/// additional-hosts file names every management row.
#[test]
fn stx10_files_and_the_nodes_without_a_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let state = write(dir.path(), "s.json", STATE);
    let context = write(
        dir.path(),
        "ctx.json",
        r#"{"profile": "stx10", "hosts": [
            {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:AA:00:01"}
        ]}"#,
    );
    let out = cli(&["dhcp", "--state", &state, "--context", &context]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "edgeworker-cli: note: dhcp.no_reservation: host \"edge-1\": profile stx10 gives its management address fd00:204::77 no DHCP reservation: configure it statically on the node\n"
    );
    // --profile overrides the context's.
    let out = cli(&[
        "dhcp",
        "--state",
        &state,
        "--context",
        &context,
        "--profile",
        "classic",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("08:00:27:aa:00:01,edge-1,[fd00:204::77],1d"));
    let out = cli(&[
        "dhcp",
        "--state",
        &state,
        "--addn-hosts",
        "--profile",
        "stx10",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fd00:204::2 pxecontroller\n\
         fd00:204::2 controller.internal controller registry.local controller-platform-nfs\n\
         fd00:204::77 edge-1.internal edge-1\n\
         fd00:204::78 edge-2.internal edge-2\n"
    );
    // The context's copy of a state row is not written twice.
    let with_rows = write(
        dir.path(),
        "rows.json",
        r#"{"profile": "stx10", "addresses": [{"name": "controller-mgmt", "address": "fd00:204::2"}]}"#,
    );
    let out = cli(&[
        "dhcp",
        "--state",
        &state,
        "--context",
        &with_rows,
        "--addn-hosts",
    ]);
    assert_eq!(stdout(&out).lines().count(), 4, "{}", stdout(&out));
}
