//! `--help`: every command shows examples and the exit status, and every example it shows
//! runs as shown (from a directory holding the bundled `examples/`), in order, so the help
//! cannot drift from the CLI.

mod common;

use common::{cli, cli_in, stderr, stdout};

const COMMANDS: &[&str] = &[
    "validate",
    "allocate",
    "reserve",
    "addresses",
    "release",
    "dhcp",
    "plan",
    "skew-check",
    "upgrade-plan",
    "completions",
    "man",
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

/// The part of a command's `--help` about one option: from its line to the next option's.
fn option_help(command: &str, option: &str) -> String {
    let help = stdout(&cli(&[command, "--help"]));
    let start = help
        .find(&format!("      {option} <"))
        .unwrap_or_else(|| panic!("{command} --help has no {option}:\n{help}"));
    let rest = &help[start + option.len() + 6..];
    let end = rest.find("\n  -").unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[test]
fn every_enumerated_option_lists_its_values() {
    let formats: &[&str] = &["text", "json"];
    let plan_formats: &[&str] = &["text", "json", "ansible"];
    let profiles: &[&str] = &["classic", "stx10"];
    for (command, option, values) in [
        ("validate", "--format", formats),
        ("validate", "--profile", profiles),
        ("allocate", "--order", &["random", "sequential"][..]),
        ("allocate", "--format", formats),
        ("allocate", "--profile", profiles),
        ("reserve", "--format", formats),
        ("reserve", "--profile", profiles),
        ("release", "--format", formats),
        ("addresses", "--format", formats),
        ("dhcp", "--format", formats),
        ("dhcp", "--profile", profiles),
        ("plan", "--format", plan_formats),
        ("skew-check", "--format", formats),
        ("upgrade-plan", "--format", plan_formats),
    ] {
        let help = option_help(command, option);
        assert!(
            help.contains("Possible values:"),
            "{command} {option}: {help}"
        );
        for value in values {
            assert!(
                help.contains(&format!("- {value}:")),
                "{command} {option} does not list {value}: {help}"
            );
        }
    }
}

/// Rules about options that clap cannot state (two inputs on stdin, a host the context
/// lacks) are said as clap says its own: the message, the command's usage, exit 2.
#[test]
fn usage_errors_read_as_clap_s_own() {
    let controller = common::example("plan/controller.json");
    let nodes = common::example("plan/nodes.json");
    for (args, message) in [
        (
            vec![
                "plan",
                "--controller",
                &controller,
                "--nodes",
                &nodes,
                "--format",
                "ansible",
            ],
            "error: the following required arguments were not provided:\n  --out <FILE|DIR>",
        ),
        (
            vec!["plan", "--controller", "-", "--nodes", "-"],
            "error: only one of --controller, --nodes and --context can read stdin",
        ),
        (
            vec!["skew-check", "--control-plane", "1.30", "--nodes", &nodes],
            "error: invalid value '1.30' for '--control-plane <VERSION>'",
        ),
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with(message), "{args:?}: {err}");
        assert!(
            err.contains(&format!("\nUsage: edgeworker-cli {} ", args[0]))
                || err.contains("For more information, try '--help'."),
            "{args:?}: {err}"
        );
    }
}
