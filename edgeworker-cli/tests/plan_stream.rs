//! `plan --format json|text` streamed: to stdout or, with `--out FILE`, into FILE replaced
//! only once complete; the golden renderings byte for byte; a write failing part-way is
//! exit 3 with a message, never a half-written FILE.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::{BIN, cli, stderr, write};

fn example(name: &str) -> String {
    common::example(&format!("plan/{name}"))
}

fn golden(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../edgeworker-core/tests/golden");
    fs::read(path.join(name)).unwrap()
}

fn plan_args<'a>(format: &'a str, controller: &'a str, nodes: &'a str) -> Vec<&'a str> {
    vec![
        "plan",
        "--controller",
        controller,
        "--nodes",
        nodes,
        "--format",
        format,
    ]
}

/// The files of `dir`, sorted: no temporary file may be left.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn stdout_and_out_file_carry_the_golden_bytes() {
    let (c, n) = (example("controller.json"), example("nodes.json"));
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [("json", "example.json"), ("text", "example.txt")] {
        let o = cli(&plan_args(format, &c, &n));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(o.stdout, golden(name), "{format} on stdout");

        let file = dir.path().join(format!("plan.{format}"));
        fs::write(&file, "an older plan").unwrap();
        let file_arg = file.display().to_string();
        let mut args = plan_args(format, &c, &n);
        args.extend(["--out", &file_arg]);
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert_eq!(stderr(&o), format!("edgeworker-cli: {file_arg}: written\n"));
        assert_eq!(fs::read(&file).unwrap(), golden(name), "{format} in --out");
    }
    assert_eq!(names(dir.path()), ["plan.json", "plan.text"]);
}

#[test]
fn a_nodes_array_with_a_byte_order_mark_and_crlf_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(example("nodes.json")).unwrap();
    let nodes = write(
        dir.path(),
        "nodes.json",
        format!("\u{feff}{}", text.replace('\n', "\r\n")),
    );
    let o = cli(&plan_args("json", &example("controller.json"), &nodes));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, golden("example.json"));
}

#[test]
fn bad_bytes_in_the_nodes_are_named_as_in_every_input() {
    let dir = tempfile::tempdir().unwrap();
    let controller = example("controller.json");
    for (bytes, message) in [
        (
            &b"[{\"a\": \"\xff\"}]"[..],
            "line 1, column 9: not valid UTF-8",
        ),
        (
            &b"[\n  {\"hostname\": }\n]"[..],
            "expected value at line 2 column 16",
        ),
        (
            &b"[{\"a\": 1} {}]"[..],
            "expected `,` or `]` at line 1 column 11",
        ),
    ] {
        let nodes = write(dir.path(), "nodes.json", bytes);
        let o = cli(&plan_args("text", &controller, &nodes));
        assert_eq!(o.status.code(), Some(3));
        assert_eq!(stderr(&o), format!("edgeworker-cli: {nodes}: {message}\n"));
        assert!(o.stdout.is_empty());
    }
}

/// Runs the CLI with a file-size limit of `blocks` (SIGXFSZ ignored, so the write fails
/// with EFBIG instead of killing the process): a disk filling up part-way through.
fn with_size_limit(blocks: u32, args: &[&str], stdout: Stdio) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
        ))
        .arg(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_write_failing_part_way_leaves_the_out_file_as_it_was() {
    let (c, n) = (example("controller.json"), example("nodes.json"));
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "text"] {
        let file = dir.path().join("plan.out");
        fs::write(&file, "the reviewed plan").unwrap();
        let file_arg = file.display().to_string();
        let mut args = plan_args(format, &c, &n);
        args.extend(["--out", &file_arg]);
        // 8 blocks are at most 8 KiB: the plans are 31 and 58 KB.
        let o = with_size_limit(8, &args, Stdio::piped());
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("edgeworker-cli: ")
                && err.contains("cannot write the temporary file for the plan: File too large")
                && err.ends_with(&format!("; {file_arg} is unchanged\n")),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), "the reviewed plan");
        assert_eq!(names(dir.path()), ["plan.out"], "no temporary file is left");
    }
}

#[test]
fn stdout_failing_part_way_exits_3_saying_the_output_is_incomplete() {
    let (c, n) = (example("controller.json"), example("nodes.json"));
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "text"] {
        let path = dir.path().join("partial");
        let o = with_size_limit(
            8,
            &plan_args(format, &c, &n),
            Stdio::from(fs::File::create(&path).unwrap()),
        );
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "edgeworker-cli: cannot write the plan to stdout: File too large (os error 27); \
             what was written is incomplete\n"
        );
        let written = fs::metadata(&path).unwrap().len();
        assert!(written > 0 && written <= 8 * 1024, "{written}");
    }
    // A full device fails at the first write.
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(BIN)
        .args(plan_args("json", &c, &n))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("No space left on device") && stderr(&o).contains("incomplete"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn out_is_a_regular_file_or_nothing() {
    let (c, n) = (example("controller.json"), example("nodes.json"));
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().display().to_string();
    for target in ["/dev/null", dir_arg.as_str()] {
        let mut args = plan_args("text", &c, &n);
        args.extend(["--out", target]);
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "edgeworker-cli: {target}: not a regular file; --out writes the plan to a file\n"
            )
        );
    }
    assert!(names(dir.path()).is_empty());
}
