//! Hostile input through the binary: megabyte strings in every field, JSON 10,000 deep,
//! NUL and non-UTF-8 bytes, numbers where strings belong, duplicate keys, BOMs, CRLF line
//! ends, empty files, and state files that are truncated, a directory, read-only or being
//! written by other processes.
//!
//! Every case checks the documented exit status (0 ok, 1 a rule is broken, 2 usage, 3 an
//! input cannot be read), a message naming the file and the field or position, no panic,
//! and that no partial or temporary file is left behind.

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

mod common;

use common::{BIN, write};

const MB: usize = 1 << 20;

/// Runs the binary; `stdin` is fed when given.
fn run(args: &[&OsStr], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        // A refused input may be answered before it is all read: a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(bytes);
    }
    child.wait_with_output().unwrap()
}

fn cli(args: &[&str]) -> Output {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run(&args, None)
}

/// The exit status, checking on the way that nothing panicked and that a failure says why
/// on stderr as `edgeworker-cli: ...` (clap's usage errors start with `error:`).
fn status(out: &Output) -> i32 {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
    let code = out.status.code().expect("exited, not killed");
    match code {
        0 | 1 => {}
        2 => assert!(
            err.starts_with("edgeworker-cli: ") || err.starts_with("error:"),
            "{err}"
        ),
        3 => assert!(
            err.starts_with("edgeworker-cli: ") && err.lines().count() == 1,
            "{err}"
        ),
        other => panic!("undocumented exit status {other}: {err}"),
    }
    code
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn example(name: &str) -> PathBuf {
    common::examples().join(name)
}

fn example_json(name: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(example(name)).unwrap()).unwrap()
}

/// Files in `dir` other than `keep` and lock files: temporary or partial files.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !keep.contains(&n.as_str()) && Path::new(n).extension().is_none_or(|e| e != "lock")
        })
        .collect()
}

fn request() -> Value {
    json!({"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01"})
}

/// A state file holding the example pool, created through `allocate`.
fn state_with_one_row(dir: &Path) -> String {
    let state = dir.join("state.json").display().to_string();
    let pool = example("pool.json").display().to_string();
    let out = cli(&[
        "allocate", "--state", &state, "--pool", &pool, "--host", "edge-0", "--seed", "1",
    ]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    state
}

// ------------------------------------------------------------------- megabyte strings

#[test]
fn a_megabyte_in_every_request_field() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "a".repeat(MB);
    for (field, want) in [
        ("hostname", 1),
        ("personality", 1),
        ("subfunctions", 1),
        ("mgmt_mac", 1),
        ("mgmt_ip", 1),
        ("bm_type", 1),
        ("bm_ip", 0),
        ("bm_username", 0),
        ("bm_password", 0),
        ("serialid", 0),
        ("boot_device", 0),
        ("rootfs_device", 0),
        ("install_output", 0),
        ("console", 0),
        ("clock_synchronization", 0),
        ("hw_settle", 1), // stx.9.0 on only: unknown under the default classic profile
        ("vsc_controllers", 1),
        ("ttys_dcd", 1),
        ("location", 1),
    ] {
        let mut r = request();
        r[field] = json!(huge);
        let file = write(dir.path(), "request.json", r.to_string());
        let out = cli(&["validate", "--format", "json", &file]);
        assert_eq!(status(&out), want, "{field}: {}", &stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        if want == 1 {
            assert_eq!(report["errors"][0]["field"], json!(field), "{field}");
        }
    }
    // The context, the pool and the plan inputs: exit 3 or 1 naming the place.
    let mut ctx = example_json("context.json");
    ctx["hosts"][2]["hostname"] = json!(huge);
    let ctx_file = write(dir.path(), "ctx.json", ctx.to_string());
    let req_file = write(dir.path(), "request.json", request().to_string());
    let out = cli(&["validate", "--context", &ctx_file, &req_file]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("ctx.json: hosts[2].hostname: "),
        "{}",
        &stderr(&out)[..200]
    );

    let pool = write(
        dir.path(),
        "pool.json",
        json!({"name": "m", "network": huge}).to_string(),
    );
    let state = dir.path().join("state.json").display().to_string();
    let out = cli(&[
        "allocate", "--state", &state, "--pool", &pool, "--host", "edge-1",
    ]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("pool.json: "),
        "{}",
        &stderr(&out)[..200]
    );
    assert!(
        !Path::new(&state).exists(),
        "a state was created from a bad pool"
    );

    let mut nodes = example_json("plan/nodes.json");
    nodes[0]["ssh_user"] = json!(huge);
    let nodes_file = write(dir.path(), "nodes.json", nodes.to_string());
    let controller = example("plan/controller.json").display().to_string();
    let out = cli(&["plan", "--controller", &controller, "--nodes", &nodes_file]);
    assert_eq!(status(&out), 1);
    assert!(
        stderr(&out).contains("nodes[0]): ssh_user: "),
        "{}",
        &stderr(&out)[..200]
    );
}

// ------------------------------------------------------------------- deep nesting

#[test]
fn json_ten_thousand_deep_in_every_input() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let inside = format!(r#"{{"hostname": "edge-1", "location": {deep}}}"#);
    let deep_file = write(dir.path(), "deep.json", &deep);
    let inside_file = write(dir.path(), "inside.json", &inside);
    let lines = write(
        dir.path(),
        "deep.jsonl",
        format!("{}\n{inside}\n", request()),
    );
    let req = write(dir.path(), "request.json", request().to_string());
    let controller = example("plan/controller.json").display().to_string();
    let nodes = example("plan/nodes.json").display().to_string();
    let state = write(dir.path(), "state.json", &deep);
    for (args, name) in [
        (vec!["validate", &deep_file], "deep.json"),
        (vec!["validate", &inside_file], "inside.json"),
        (vec!["validate", "--context", &deep_file, &req], "deep.json"),
        (
            vec!["validate", "--update", "controller-0", &inside_file],
            "inside.json",
        ),
        (
            vec!["plan", "--controller", &deep_file, "--nodes", &nodes],
            "deep.json",
        ),
        (
            vec!["plan", "--controller", &controller, "--nodes", &deep_file],
            "deep.json",
        ),
        (
            vec![
                "upgrade-plan",
                "--controller",
                &controller,
                "--nodes",
                &nodes,
                "--kube-nodes",
                &deep_file,
            ],
            "deep.json",
        ),
        (
            vec!["allocate", "--state", &state, "--host", "edge-1"],
            "state.json",
        ),
        (vec!["dhcp", "--state", &state], "state.json"),
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 3, "{args:?}");
        assert!(
            stderr(&out).contains(name) && stderr(&out).contains("nested too deeply (limit 128)"),
            "{}",
            stderr(&out)
        );
    }
    // In JSON Lines the lines before the deep one are reported, then the batch stops.
    let out = cli(&["validate", &lines]);
    assert_eq!(status(&out), 3);
    assert!(
        stdout(&out).contains("deep.jsonl:1: ok: create edgeworker edge-1"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("deep.jsonl: line 2, column "),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("state.json")).unwrap(),
        deep
    );
}

// ------------------------------------------------------------------- bytes

#[test]
fn nul_and_non_utf8_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", b"{\"hostname\": \"edge\xff1\"}");
    let out = cli(&["validate", &bad]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).ends_with("bad.json: line 1, column 19: not valid UTF-8\n"),
        "{}",
        stderr(&out)
    );
    let lines = write(
        dir.path(),
        "bad.jsonl",
        [request().to_string().as_bytes(), b"\n\xc3\x28\n"].concat(),
    );
    let out = cli(&["validate", &lines]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("bad.jsonl: line 2: not valid UTF-8"),
        "{}",
        stderr(&out)
    );
    // A raw NUL byte is not JSON; an escaped one is a character outside every alphabet.
    let raw = write(dir.path(), "raw.json", b"{\"hostname\": \"edge\x001\"}");
    let out = cli(&["validate", &raw]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("raw.json: control character"),
        "{}",
        stderr(&out)
    );
    let mut r = request();
    r["hostname"] = json!("edge\u{0}1");
    let escaped = write(dir.path(), "escaped.json", r.to_string());
    let out = cli(&["validate", "--format", "json", &escaped]);
    assert_eq!(status(&out), 1);
    assert!(stdout(&out).contains("hostname.invalid_chars"));
    // Arguments that are not UTF-8 are usage errors (2), never a crash.
    let state = dir.path().join("state.json");
    let args: [&OsStr; 5] = [
        OsStr::new("release"),
        OsStr::new("--state"),
        state.as_os_str(),
        OsStr::new("--host"),
        OsStr::from_bytes(b"edge\xff"),
    ];
    assert_eq!(status(&run(&args, None)), 2);
    // Through stdin as well.
    let out = run(
        &[OsStr::new("validate"), OsStr::new("-")],
        Some(b"\xff\xfe{}\n"),
    );
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("<stdin>: line 1: not valid UTF-8"),
        "{}",
        stderr(&out)
    );
}

// ------------------------------------------------------------------- numbers

#[test]
fn numbers_where_strings_belong() {
    let dir = tempfile::tempdir().unwrap();
    for number in ["-0", "1180591620717411303424", "1e300", "NaN", "1e400"] {
        let text = format!(
            r#"{{"hostname": {number}, "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01"}}"#
        );
        let file = write(dir.path(), "request.json", &text);
        let out = cli(&["validate", &file]);
        if number == "NaN" || number == "1e400" {
            // Not JSON (NaN) or not a number JSON can hold here (1e400).
            assert_eq!(status(&out), 3, "{number}");
            assert!(stderr(&out).contains("request.json: "), "{}", stderr(&out));
        } else {
            assert_eq!(status(&out), 1, "{number}");
            assert!(
                stdout(&out).contains("Field hostname must be a string, not a number"),
                "{}",
                stdout(&out)
            );
        }
        let mut c = example_json("plan/controller.json");
        if let Ok(value) = serde_json::from_str::<Value>(number) {
            c["kubernetes_version"] = value;
            let controller = write(dir.path(), "controller.json", c.to_string());
            let nodes = example("plan/nodes.json").display().to_string();
            let out = cli(&["plan", "--controller", &controller, "--nodes", &nodes]);
            assert_eq!(status(&out), 1);
            assert!(
                stderr(&out).contains("kubernetes_version"),
                "{}",
                stderr(&out)
            );
        }
    }
    let state = dir.path().join("state.json").display().to_string();
    for bad in [
        vec!["--seed", "1e400"],
        vec!["--seed", "-1"],
        vec!["--seed", "18446744073709551616"],
    ] {
        let mut args = vec!["allocate", "--state", &state, "--host", "edge-1"];
        args.extend(bad);
        assert_eq!(status(&cli(&args)), 2);
    }
    assert_eq!(
        status(&cli(&[
            "reserve",
            "--state",
            &state,
            "--host",
            "e",
            "--address",
            "NaN"
        ])),
        2
    );
    assert!(leftovers(dir.path(), &["request.json", "controller.json"]).is_empty());
}

// ------------------------------------------------------------------- duplicate keys, BOM, CRLF

#[test]
fn duplicate_keys() {
    let dir = tempfile::tempdir().unwrap();
    // host-add reads JSON as sysinv does: the last of two equal keys wins.
    let add = write(
        dir.path(),
        "add.json",
        r#"{"hostname": "controller-0", "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01"}"#,
    );
    let out = cli(&["validate", &add]);
    assert_eq!(status(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("edge-1"));
    // host-update refuses a field given twice with two values, in sysinv's words.
    let update = write(
        dir.path(),
        "update.json",
        r#"{"hostname": "edge-7", "hostname": "edge-8", "personality": "edgeworker"}"#,
    );
    let ctx = example("context.json").display().to_string();
    let out = cli(&[
        "validate",
        "--context",
        &ctx,
        "--update",
        "3c:ec:ef:10:20:07",
        &update,
    ]);
    assert_eq!(status(&out), 1);
    assert!(
        stdout(&out).contains("Illegal duplicate parameters passed."),
        "{}",
        stdout(&out)
    );
    // The state file refuses any duplicate field.
    let state = state_with_one_row(dir.path());
    let text = fs::read_to_string(&state).unwrap();
    let doubled = text.replacen("\"rows\"", "\"rows\": [],\n  \"rows\"", 1);
    fs::write(&state, &doubled).unwrap();
    let out = cli(&["allocate", "--state", &state, "--host", "edge-1"]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("duplicate field `rows`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&state).unwrap(), doubled);
}

#[test]
fn bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let bom = |text: &str| [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
    let req = write(dir.path(), "request.json", bom(&request().to_string()));
    let ctx_text = fs::read_to_string(example("context.json")).unwrap();
    let ctx = write(dir.path(), "ctx.json", bom(&ctx_text.replace('\n', "\r\n")));
    let out = cli(&["validate", "--context", &ctx, &req]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    // JSON Lines with CRLF line ends (and a BOM): each line is one request.
    let hosts = fs::read_to_string(example("hosts.jsonl")).unwrap();
    let count = hosts.lines().filter(|l| !l.trim().is_empty()).count();
    let crlf = write(dir.path(), "hosts.jsonl", bom(&hosts.replace('\n', "\r\n")));
    let plain = cli(&[
        "validate",
        "--context",
        &example("context.json").display().to_string(),
        "--format",
        "json",
        &example("hosts.jsonl").display().to_string(),
    ]);
    let out = cli(&["validate", "--context", &ctx, "--format", "json", &crlf]);
    assert_eq!(status(&out), status(&plain));
    assert_eq!(stdout(&out).lines().count(), count);
    assert_eq!(stdout(&out), stdout(&plain), "CRLF changed the results");
    // Through stdin too.
    let out = run(
        &[
            OsStr::new("validate"),
            OsStr::new("--format"),
            OsStr::new("json"),
            OsStr::new("-"),
        ],
        Some(&bom(&format!("{}\r\n{}\r\n", request(), request()))),
    );
    assert_eq!(status(&out), 1, "the second copy is a duplicate");
    assert_eq!(stdout(&out).lines().count(), 2);
    // The plan inputs with a BOM and CRLF.
    let controller = write(
        dir.path(),
        "controller.json",
        bom(&fs::read_to_string(example("plan/controller.json"))
            .unwrap()
            .replace('\n', "\r\n")),
    );
    let nodes = example("plan/nodes.json").display().to_string();
    assert_eq!(
        status(&cli(&[
            "plan",
            "--controller",
            &controller,
            "--nodes",
            &nodes
        ])),
        0
    );
    // The state file is ours: written without a BOM, and one with a BOM is foreign.
    let state = state_with_one_row(dir.path());
    let text = fs::read(&state).unwrap();
    fs::write(&state, bom(std::str::from_utf8(&text).unwrap())).unwrap();
    let out = cli(&["dhcp", "--state", &state]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("state.json: corrupt address state"),
        "{}",
        stderr(&out)
    );
}

// ------------------------------------------------------------------- empty and broken files

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.json", "");
    let req = write(dir.path(), "request.json", request().to_string());
    let nodes = example("plan/nodes.json").display().to_string();
    for args in [
        vec!["validate", &empty],
        vec!["validate", "--context", &empty, &req],
        vec!["validate", "--update", "controller-0", &empty],
        vec!["plan", "--controller", &empty, "--nodes", &nodes],
        vec!["allocate", "--state", &empty, "--host", "edge-1"],
        vec!["dhcp", "--state", &empty],
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 3, "{args:?}");
        assert!(stderr(&out).contains("empty.json"), "{}", stderr(&out));
    }
    assert_eq!(fs::read(dir.path().join("empty.json")).unwrap(), b"");
    // An empty JSON Lines file is an empty batch.
    let lines = write(dir.path(), "empty.jsonl", "\r\n\n");
    let out = cli(&["validate", &lines]);
    assert_eq!(status(&out), 0);
    assert!(
        stdout(&out).contains("0 requests, 0 valid, 0 invalid"),
        "{}",
        stdout(&out)
    );
    assert!(leftovers(dir.path(), &["empty.json", "request.json", "empty.jsonl"]).is_empty());
}

#[test]
fn truncated_directory_and_read_only_state_files() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_with_one_row(dir.path());
    let whole = fs::read(&state).unwrap();
    // Truncated: refused by every command, never reset.
    let half = &whole[..whole.len() / 2];
    fs::write(&state, half).unwrap();
    for args in [
        vec!["allocate", "--state", &state, "--host", "edge-1"],
        vec![
            "reserve",
            "--state",
            &state,
            "--host",
            "edge-1",
            "--address",
            "192.168.204.99",
        ],
        vec!["release", "--state", &state, "--host", "edge-0"],
        vec!["dhcp", "--state", &state],
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 3, "{args:?}");
        assert!(
            stderr(&out).contains("state.json: corrupt address state: EOF"),
            "{}",
            stderr(&out)
        );
        assert_eq!(fs::read(&state).unwrap(), half);
        assert!(leftovers(dir.path(), &["state.json"]).is_empty());
    }
    // Read-only: reads work, writes are refused, even for root.
    fs::write(&state, &whole).unwrap();
    let mut permissions = fs::metadata(&state).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&state, permissions).unwrap();
    assert_eq!(status(&cli(&["dhcp", "--state", &state])), 0);
    for args in [
        vec!["allocate", "--state", &state, "--host", "edge-1"],
        vec![
            "reserve",
            "--state",
            &state,
            "--host",
            "edge-1",
            "--address",
            "192.168.204.99",
        ],
        vec!["release", "--state", &state, "--host", "edge-0"],
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 3, "{args:?}");
        assert!(
            stderr(&out)
                .contains("state.json: cannot write the address state: the file is read-only"),
            "{}",
            stderr(&out)
        );
        assert_eq!(fs::read(&state).unwrap(), whole);
        assert!(leftovers(dir.path(), &["state.json"]).is_empty());
    }
    // A directory where the state file should be.
    let sub = dir.path().join("state.d");
    fs::create_dir(&sub).unwrap();
    let sub = sub.display().to_string();
    let pool = example("pool.json").display().to_string();
    for args in [
        vec![
            "allocate", "--state", &sub, "--pool", &pool, "--host", "edge-1",
        ],
        vec!["dhcp", "--state", &sub],
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 3, "{args:?}");
        assert!(
            stderr(&out).contains(
                "state.d: cannot read the address state: not a regular file (a directory)"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert!(fs::read_dir(&sub).unwrap().next().is_none());
}

/// `plan --format ansible` into a place it cannot write: exit 3, and no half-written file.
#[test]
fn ansible_output_that_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let controller = example("plan/controller.json").display().to_string();
    let nodes = example("plan/nodes.json").display().to_string();
    let file = write(dir.path(), "not-a-dir", "x");
    let out = cli(&[
        "plan",
        "--controller",
        &controller,
        "--nodes",
        &nodes,
        "--format",
        "ansible",
        "--out",
        &file,
    ]);
    assert_eq!(status(&out), 3);
    assert!(stderr(&out).contains("not-a-dir"), "{}", stderr(&out));
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    fs::write(out_dir.join("playbook.yml"), "# mine\n").unwrap();
    let out_dir_text = out_dir.display().to_string();
    let out = cli(&[
        "plan",
        "--controller",
        &controller,
        "--nodes",
        &nodes,
        "--format",
        "ansible",
        "--out",
        &out_dir_text,
    ]);
    assert_eq!(status(&out), 3);
    assert!(
        stderr(&out).contains("plan.write_refused"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(out_dir.join("playbook.yml")).unwrap(),
        "# mine\n"
    );
    assert_eq!(leftovers(&out_dir, &["playbook.yml"]), Vec::<String>::new());
}

// ------------------------------------------------------------------- concurrent processes

/// Two processes allocating and one reading the same state file at once: every reader
/// run sees a whole file, every writer succeeds, no address is given twice, and no
/// temporary file stays.
#[test]
fn writers_and_a_reader_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_with_one_row(dir.path());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (state, done) = (state.clone(), std::sync::Arc::clone(&done));
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                let out = cli(&["dhcp", "--state", &state]);
                assert_eq!(status(&out), 0, "a reader saw: {}", stderr(&out));
                assert!(
                    stdout(&out).lines().all(|l| l.split(',').count() == 2),
                    "{}",
                    stdout(&out)
                );
                reads += 1;
            }
            reads
        })
    };
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let state = state.clone();
            std::thread::spawn(move || {
                (0..12)
                    .map(|i| {
                        let out = cli(&[
                            "allocate",
                            "--state",
                            &state,
                            "--host",
                            &format!("w{w}-{i}"),
                        ]);
                        assert_eq!(status(&out), 0, "{}", stderr(&out));
                        stdout(&out).trim().to_owned()
                    })
                    .collect::<Vec<String>>()
            })
        })
        .collect();
    let mut addresses: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    let total = addresses.len();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), total, "an address was given twice");
    let out = cli(&["dhcp", "--state", &state]);
    assert_eq!(stdout(&out).lines().count(), 25);
    assert!(leftovers(dir.path(), &["state.json"]).is_empty());
}

// ------------------------------------------------------------------- context messages

/// The context is read straight from its text; its messages are those of the JSON value
/// path: `serde_json`'s line and column for text that is not JSON, the JSON path otherwise.
#[test]
fn context_messages_name_the_line_or_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let req = write(dir.path(), "request.json", request().to_string());
    for (text, expected) in [
        (
            "{\n  \"hosts\": ,\n}",
            "ctx.json: expected value at line 2 column 12",
        ),
        (
            r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red"}]}"#,
            "ctx.json: hosts[0].colour: unknown field",
        ),
        (
            r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01"}, {"hostname": "a"}]}"#,
            "ctx.json: hosts[1]: missing field `mgmt_mac`",
        ),
    ] {
        let ctx = write(dir.path(), "ctx.json", text);
        let out = cli(&["validate", "--context", &ctx, &req]);
        assert_eq!(status(&out), 3, "{text}");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
}
