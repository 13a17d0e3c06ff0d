//! `completions` and `man`: generated from the clap definition, for every command.

use std::fs;
use std::process::Command;

mod common;

use common::{cli, stderr, stdout};

/// Every command an operator runs (clap's own `help` aside).
const COMMANDS: &[&str] = &[
    "validate",
    "allocate",
    "reserve",
    "release",
    "addresses",
    "dhcp",
    "plan",
    "skew-check",
    "upgrade-plan",
    "completions",
    "man",
];

#[test]
fn completions_of_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = cli(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(!script.trim().is_empty(), "{shell}");
        for command in COMMANDS {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let out = cli(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bash_accepts_the_bash_script() {
    let script = stdout(&cli(&["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edgeworker-cli.bash");
    fs::write(&path, script).unwrap();
    let Ok(out) = Command::new("bash").arg("-n").arg(&path).output() else {
        return; // no bash here
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_writes_a_page_per_command_and_again_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man1");
    let out_arg = out_dir.display().to_string();
    let mut pages = Vec::new();
    for run in 0..2 {
        let out = cli(&["man", "--out", &out_arg]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("wrote {} man pages into {out_arg}\n", COMMANDS.len() + 1)
        );
        let mut names: Vec<String> = fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected: Vec<String> = COMMANDS
            .iter()
            .map(|c| format!("edgeworker-cli-{c}.1"))
            .chain(["edgeworker-cli.1".to_owned()])
            .collect();
        expected.sort();
        assert_eq!(names, expected, "run {run}: no temporary file is left");
        let contents: Vec<String> = expected
            .iter()
            .map(|name| fs::read_to_string(out_dir.join(name)).unwrap())
            .collect();
        if run == 1 {
            assert_eq!(contents, pages, "the same pages again");
        }
        pages = contents;
    }
    for page in &pages {
        assert!(page.contains(".TH edgeworker-cli"), "{page}");
    }
    let plan = fs::read_to_string(out_dir.join("edgeworker-cli-plan.1")).unwrap();
    assert!(plan.contains(".TH edgeworker-cli-plan 1"), "{plan}");
    assert!(plan.contains("\\-\\-controller"), "{plan}");
}

#[test]
fn man_into_a_file_is_an_input_error_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(dir.path(), "not-a-dir", "x");
    let out = cli(&["man", "--out", &file]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!("edgeworker-cli: {file}: ")),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}
