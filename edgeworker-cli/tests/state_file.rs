//! The address state file under a hostile or unlucky directory, through the binary: symbolic
//! links to the state, planted links where the lock and temporary files go, special files in
//! place of the state or an input, a lock holder that never lets go, and a rewrite that keeps
//! the file's owner and mode.

use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{BIN, cli, example, stderr, stdout};

/// Runs the CLI, killing it if it has not ended within `limit`: a hang is a failure of the
/// test, not of the test run.
#[track_caller]
fn cli_within(limit: Duration, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("edgeworker-cli {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[track_caller]
fn allocate(state: &str, host: &str) -> Output {
    cli_within(
        Duration::from_mins(1),
        &[
            "allocate",
            "--state",
            state,
            "--pool",
            &example("pool.json"),
            "--host",
            host,
            "--order",
            "sequential",
        ],
    )
}

#[track_caller]
fn address_of(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    stdout(out).trim().to_owned()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// Two paths to one state (a link and the file) share one lock and one state: the second
/// host never gets the first host's address, and the link is still a link afterwards.
#[test]
fn a_linked_state_path_is_the_real_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    let real = dir.path().join("real/mgmt.json");
    let link = dir.path().join("link.json");
    symlink(&real, &link).unwrap();
    let (real_arg, link_arg) = (real.display().to_string(), link.display().to_string());

    let first = address_of(&allocate(&link_arg, "edge-1"));
    let second = address_of(&allocate(&real_arg, "edge-2"));
    let third = address_of(&allocate(&link_arg, "edge-3"));
    assert_ne!(first, second);
    assert_ne!(second, third);
    assert_ne!(first, third);

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let rows: serde_json::Value = serde_json::from_slice(&fs::read(&real).unwrap()).unwrap();
    assert_eq!(rows["rows"].as_array().unwrap().len(), 3, "{rows}");
    // The lock is the real file's; nothing was created beside the link.
    assert!(dir.path().join("real/mgmt.json.lock").is_file());
    assert!(!dir.path().join("link.json.lock").exists());
    // A link whose directory does not exist names the directory.
    let dangling = dir.path().join("dangling.json");
    symlink(dir.path().join("nowhere/x.json"), &dangling).unwrap();
    let out = allocate(&dangling.display().to_string(), "edge-4");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nowhere: cannot resolve the address state path"),
        "{}",
        stderr(&out)
    );
    // A loop of links is refused, not followed forever.
    symlink("loop-b.json", dir.path().join("loop-a.json")).unwrap();
    symlink("loop-a.json", dir.path().join("loop-b.json")).unwrap();
    let out = allocate(
        &dir.path().join("loop-a.json").display().to_string(),
        "edge-4",
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// A link planted where the lock file goes is refused, not followed: the file it points at
/// is left as it was.
#[test]
fn a_planted_lock_link_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mgmt.json");
    let state_arg = state.display().to_string();
    address_of(&allocate(&state_arg, "edge-1"));
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").unwrap();
    fs::remove_file(dir.path().join("mgmt.json.lock")).unwrap();
    symlink(&victim, dir.path().join("mgmt.json.lock")).unwrap();

    let out = allocate(&state_arg, "edge-2");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("mgmt.json.lock: cannot open the lock file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    // The old fixed temporary name, planted as a link, is never written through either.
    fs::remove_file(dir.path().join("mgmt.json.lock")).unwrap();
    symlink(&victim, dir.path().join(".mgmt.json.tmp")).unwrap();
    address_of(&allocate(&state_arg, "edge-2"));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(fs::symlink_metadata(&state).unwrap().file_type().is_file());
    // Only the planted link is left beside the state and its lock: no temporary file.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".mgmt.json.tmp", "mgmt.json", "mgmt.json.lock", "victim"]
    );
}

/// A FIFO or a device as the state or as an input fails at once, exit 3, naming it.
#[test]
fn special_files_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("state.fifo");
    mkfifo(&fifo);
    let fifo_arg = fifo.display().to_string();
    let zero = dir.path().join("zero.json");
    symlink("/dev/zero", &zero).unwrap();
    let zero_arg = zero.display().to_string();
    let limit = Duration::from_secs(20);

    for (args, named) in [
        (
            vec!["allocate", "--state", &fifo_arg, "--host", "edge-1"],
            "state.fifo: cannot read the address state: not a regular file (a FIFO)",
        ),
        (
            vec!["dhcp", "--state", &fifo_arg],
            "state.fifo: cannot read the address state: not a regular file (a FIFO)",
        ),
        (
            vec!["allocate", "--state", &zero_arg, "--host", "edge-1"],
            "zero.json: cannot read the address state: not a regular file (a character device)",
        ),
        (
            vec!["validate", "--context", &fifo_arg, "-"],
            "state.fifo: cannot read: not a regular file (a FIFO)",
        ),
        (
            vec!["validate", &zero_arg],
            "zero.json: cannot read: not a regular file (a character device)",
        ),
    ] {
        let out = cli_within(limit, &args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
}

/// A writer that never lets go of the lock: runs that only read go on, a run that must
/// write waits `--lock-timeout` and then fails with exit 3 and nothing written.
#[test]
fn a_stuck_lock_holder_is_reported_and_never_blocks_readers() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mgmt.json");
    let state_arg = state.display().to_string();
    let address = address_of(&allocate(&state_arg, "edge-1"));
    let before = fs::read(&state).unwrap();

    let holder = File::options()
        .read(true)
        .write(true)
        .open(dir.path().join("mgmt.json.lock"))
        .unwrap();
    holder.lock().unwrap();
    let limit = Duration::from_secs(20);

    // The host already has its address: no write, no wait (with or without --pool).
    assert_eq!(address_of(&allocate(&state_arg, "edge-1")), address);
    let out = cli_within(limit, &["dhcp", "--state", &state_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let started = Instant::now();
    let out = cli_within(
        limit,
        &[
            "allocate",
            "--state",
            &state_arg,
            "--host",
            "edge-2",
            "--lock-timeout",
            "0.5",
        ],
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("mgmt.json: is locked by another process (waited 0.5 s)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(": store.locked: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&state).unwrap(), before);

    let out = cli(&[
        "release",
        "--state",
        &state_arg,
        "--host",
        "edge-1",
        "--lock-timeout",
        "ten",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("'ten' is not a number of seconds"),
        "{}",
        stderr(&out)
    );

    drop(holder);
    let out = cli_within(
        limit,
        &["release", "--state", &state_arg, "--host", "edge-1"],
    );
    assert_eq!(stdout(&out).trim(), address, "{}", stderr(&out));
}

/// A rewrite keeps the state's mode, and its owner and group when the writer is root.
#[test]
fn a_rewrite_keeps_owner_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mgmt.json");
    let state_arg = state.display().to_string();
    address_of(&allocate(&state_arg, "edge-1"));
    fs::set_permissions(&state, fs::Permissions::from_mode(0o640)).unwrap();
    let root = fs::metadata(dir.path()).unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&state, Some(4321), Some(4322)).unwrap();
    }
    address_of(&allocate(&state_arg, "edge-2"));
    let after = fs::metadata(&state).unwrap();
    assert_eq!(after.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((after.uid(), after.gid()), (4321, 4322));
    }
}
