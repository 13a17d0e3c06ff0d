//! `--help`: every command shows examples and the exit status, and every example it shows
//! runs as shown (from a directory holding the bundled `examples/`), in order, so the help
//! cannot drift from the CLI.

mod common;

use common::{cli, cli_in, stderr, stdout};

const COMMANDS: &[&str] = &[
    "validate",
    "allocate",
    "reserve",
    "release",
    "dhcp",
    "plan",
    "skew-check",
    "upgrade-plan",
];

/// The example command lines of one command's `--help`.
fn examples(command: &str) -> Vec<String> {
    let out = cli(&[command, "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let help = stdout(&out);
    assert!(help.contains("\nExit status: 0 fine"), "{command}: {help}");
    let lines: Vec<String> = help
        .split_once("\nExamples:\n")
        .unwrap_or_else(|| panic!("{command} --help has no examples:\n{help}"))
        .1
        .lines()
        .take_while(|line| !line.is_empty())
        .map(|line| line.trim().to_owned())
        .collect();
    assert!(!lines.is_empty(), "{command}");
    lines
}

#[test]
fn every_example_in_the_help_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(common::examples(), dir.path().join("examples")).unwrap();
    for command in COMMANDS {
        for line in examples(command) {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words[..2], ["edgeworker-cli", *command], "{line}");
            let out = cli_in(dir.path(), &words[1..], None);
            // 1 is a finding about the input (the examples include refused hosts); 2 and 3
            // would mean the example itself is wrong.
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "`{line}` exited {:?}: {}",
                out.status.code(),
                stderr(&out)
            );
            assert!(
                !out.stdout.is_empty() || !out.stderr.is_empty(),
                "`{line}` said nothing"
            );
        }
    }
}

#[test]
fn the_top_level_help_gives_the_exit_status() {
    let help = stdout(&cli(&["--help"]));
    assert!(
        help.contains("Exit status: 0 fine (warnings allowed), 1 a rule is broken"),
        "{help}"
    );
}
