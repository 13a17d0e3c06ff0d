//! Every `edgeworker-cli` command shown in `README.md` and `docs/**/*.md` runs, so a newcomer
//! can paste any of them. The rules (also in `docs/README.md`, "Commands in these pages"):
//!
//! - Commands live in fenced blocks marked `sh`, `bash`, `shell` or `console`. In `console`
//!   blocks a command starts with `$ ` and the lines after it, up to the next `$ ` or the end
//!   of the block, are what it prints (stdout, then stderr), compared exactly. In the other
//!   shell blocks every line is a command and its output is not shown.
//! - A line ending in `\` continues on the next; `# ...` after a command is a comment. A
//!   comment that starts with `exit N` (`# exit 1: a refused host`) is the exit status the
//!   command must have; without one it must exit 0.
//! - The blocks of one page run in page order, in one scratch directory that holds a copy of
//!   `examples/`, so a file a command writes (`mgmt.json`) is there for the next ones. A
//!   `cat >FILE <<'EOF'` ... `EOF` block writes FILE there, as the shell would.
//! - A command whose program is in [`SKIPPED`] (Ansible, StarlingX's `system`, `kubectl`,
//!   `cargo`, `cd`, the repository's scripts) needs a real cluster, a controller or a build
//!   and is not run; any other program, or an `edgeworker-cli` command the test cannot run
//!   as written (pipes, redirections, absolute paths), fails the test.
//! - Blocks of other languages (`json`, `python`, `rust`, `text`) are not commands; a line in
//!   one that starts with `edgeworker-cli` fails the test, except in the generated
//!   `docs/reference/cli.md`, whose `--help` examples `help.rs` runs.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use common::{cli_in, stderr, stdout};

/// Programs whose commands are shown but not run, and why.
const SKIPPED: &[(&str, &str)] = &[
    ("ansible-playbook", "runs the playbook against real nodes"),
    ("system", "StarlingX's own client, on a controller"),
    ("kubectl", "needs the cluster"),
    ("cargo", "builds the CLI (a `cargo run` wrapper)"),
    (
        "cd",
        "changes into an output directory for ansible-playbook",
    ),
    ("scripts/demo", "builds and runs the whole demo"),
    ("scripts/test", "the whole test suite"),
];

const SHELL_LANGUAGES: &[&str] = &["sh", "bash", "shell", "console"];

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `README.md` and every page under `docs/`, relative to the root, sorted.
fn pages() -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{rel}/{name}");
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, out);
            } else if Path::new(&name)
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
            {
                out.push(rel);
            }
        }
    }
    let mut out = vec!["README.md".to_owned()];
    walk(&root().join("docs"), "docs", &mut out);
    out[1..].sort();
    out
}

/// A fenced code block: its language and its lines, with the line number of the first.
struct Block {
    language: String,
    first_line: usize,
    lines: Vec<String>,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, Block)> = None; // (indent, fence, block)
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        match &mut open {
            None => {
                for fence in ["```", "~~~"] {
                    if let Some(info) = trimmed.strip_prefix(fence) {
                        let language = info.split_whitespace().next().unwrap_or("").to_owned();
                        let block = Block {
                            language,
                            first_line: n + 2,
                            lines: Vec::new(),
                        };
                        open = Some((indent.to_owned(), fence.to_owned(), block));
                    }
                }
            }
            Some((block_indent, fence, block)) => {
                if trimmed.trim_end() == fence.as_str() {
                    out.push(open.take().unwrap().2);
                } else {
                    let content = line.strip_prefix(block_indent.as_str()).unwrap_or(trimmed);
                    block.lines.push(content.to_owned());
                }
            }
        }
    }
    assert!(open.is_none(), "a fenced block is never closed");
    out
}

/// One shell command of a block, continuation lines joined, comment split off.
#[derive(Debug)]
struct Command {
    line: usize,
    /// The command as written, continuation lines joined.
    text: String,
    /// Its words, or `None` when it uses shell syntax the test does not run.
    words: Option<Vec<String>>,
    comment: String,
    expected_exit: i32,
    /// What a `console` block shows it printing.
    output: Option<String>,
    /// A heredoc's file and content (`cat >FILE <<'EOF'`).
    heredoc: Option<(String, String)>,
}

/// Splits a command line into words (single and double quotes, no expansion) and its
/// trailing comment. Returns `None` for the words when the line uses shell syntax the test
/// does not run (pipes, redirections, expansions, several commands).
fn split(text: &str) -> (Option<Vec<String>>, String) {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut plain = true;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => {
                return (plain.then_some(words), text[i + 1..].trim().to_owned());
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '|' | '>' | '<' | '&' | ';' | '$' | '`' | '*' | '\\') => {
                plain = false;
                word.push(c);
                in_word = true;
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unbalanced quote in `{text}`");
    if in_word {
        words.push(word);
    }
    (plain.then_some(words), String::new())
}

/// The exit status a trailing comment names (`exit 1`, `exit 1: why`), else 0.
fn expected_exit(comment: &str) -> i32 {
    comment
        .strip_prefix("exit ")
        .and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or(0)
}

/// The commands of a shell block, or a description of why one cannot be read.
fn commands(block: &Block) -> Result<Vec<Command>, String> {
    let console = block.language == "console";
    let mut out: Vec<Command> = Vec::new();
    let mut i = 0;
    while i < block.lines.len() {
        let start = i;
        let raw = &block.lines[i];
        i += 1;
        let text = if !console {
            raw.clone()
        } else if let Some(text) = raw.strip_prefix("$ ") {
            text.to_owned()
        } else {
            let Some(command) = out.last_mut() else {
                return Err(format!("output before any `$ ` command: {raw}"));
            };
            let shown = command.output.get_or_insert_with(String::new);
            shown.push_str(raw);
            shown.push('\n');
            continue;
        };
        let mut joined = text;
        while joined.trim_end().ends_with('\\') && i < block.lines.len() {
            let kept = joined.trim_end();
            joined = format!("{} {}", &kept[..kept.len() - 1], block.lines[i].trim());
            i += 1;
        }
        if joined.trim().is_empty() || joined.trim_start().starts_with('#') {
            continue;
        }
        let (words, comment) = split(&joined);
        let mut command = Command {
            line: block.first_line + start,
            text: joined.clone(),
            words,
            expected_exit: expected_exit(&comment),
            comment,
            output: console.then(String::new),
            heredoc: None,
        };
        // `cat >FILE <<'EOF'` (or `<<EOF`): the lines up to `EOF` are FILE's content.
        let heredoc_words: Vec<&str> = joined.split_whitespace().collect();
        if let ["cat", target, marker] = heredoc_words[..]
            && let (Some(file), Some(marker)) =
                (target.strip_prefix('>'), marker.strip_prefix("<<"))
        {
            let marker = marker.trim_matches('\'');
            let mut content = String::new();
            loop {
                let Some(line) = block.lines.get(i) else {
                    return Err(format!("heredoc without its `{marker}`: {joined}"));
                };
                i += 1;
                if line == marker {
                    break;
                }
                content.push_str(line);
                content.push('\n');
            }
            command.heredoc = Some((file.to_owned(), content));
        }
        out.push(command);
    }
    Ok(out)
}

/// Copies `examples/` into `dir`.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What one page's blocks did: commands run, commands skipped, and every failure.
#[derive(Default)]
struct Tally {
    run: usize,
    skipped: usize,
    failures: Vec<String>,
}

/// Runs the commands of `text`, the page `page` (relative to the root).
fn run_page(page: &str, text: &str, tally: &mut Tally) {
    let scratch = tempfile::tempdir().unwrap();
    copy_dir(&common::examples(), &scratch.path().join("examples"));
    for block in blocks(text) {
        let at = |line: usize| format!("{page}:{line}");
        if !SHELL_LANGUAGES.contains(&block.language.as_str()) {
            if page == "docs/reference/cli.md" {
                continue; // generated --help; help.rs runs its examples
            }
            for (n, line) in block.lines.iter().enumerate() {
                if line.trim_start().starts_with("edgeworker-cli ") {
                    tally.failures.push(format!(
                        "{}: a command in a `{}` block is never run: mark the block `sh` or `console`",
                        at(block.first_line + n),
                        block.language
                    ));
                }
            }
            continue;
        }
        let commands = match commands(&block) {
            Ok(commands) => commands,
            Err(why) => {
                tally
                    .failures
                    .push(format!("{}: {why}", at(block.first_line)));
                continue;
            }
        };
        for command in commands {
            run_command(scratch.path(), &at(command.line), &command, tally);
        }
    }
}

/// Runs (or skips, by the rules) one command of a page in `scratch`; `at` is where it is.
fn run_command(scratch: &Path, at: &str, command: &Command, tally: &mut Tally) {
    let joined = &command.text;
    if let Some((file, content)) = &command.heredoc {
        if file.starts_with('/') || file.contains("..") {
            tally.failures.push(format!(
                "{at}: `{joined}` writes outside the scratch directory"
            ));
        } else {
            fs::write(scratch.join(file), content).unwrap();
        }
        return;
    }
    let program = joined
        .split_whitespace()
        .find(|word| !word.contains('='))
        .unwrap_or_default();
    if program != "edgeworker-cli" {
        if !SKIPPED.iter().any(|(name, _)| *name == program) {
            tally.failures.push(format!(
                "{at}: `{program}` is neither run nor in the test's SKIPPED list: `{joined}`"
            ));
        } else if joined
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|pair| pair[1] == "edgeworker-cli" && pair[0] != "-p")
        {
            tally.failures.push(format!(
                "{at}: `{joined}` hides an edgeworker-cli command behind `{program}`"
            ));
        } else {
            tally.skipped += 1;
        }
        return;
    }
    let Some(words) = &command.words else {
        tally.failures.push(format!(
            "{at}: `{joined}` uses shell syntax (pipe, redirection, expansion) the test cannot run"
        ));
        return;
    };
    if let Some(path) = words
        .iter()
        .find(|w| w.starts_with('/') || w.contains(".."))
    {
        tally.failures.push(format!(
            "{at}: `{joined}` names {path}: use a path relative to the working directory"
        ));
        return;
    }
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let out = cli_in(scratch, &args, None);
    tally.run += 1;
    if out.status.code() != Some(command.expected_exit) {
        tally.failures.push(format!(
            "{at}: `{joined}` exited {:?}, the page says {}{}\nstdout: {}\nstderr: {}",
            out.status.code(),
            command.expected_exit,
            if command.comment.is_empty() {
                " (no `# exit N` comment)".to_owned()
            } else {
                format!(" (# {})", command.comment)
            },
            stdout(&out),
            stderr(&out)
        ));
        return;
    }
    if let Some(shown) = &command.output {
        let printed = format!("{}{}", stdout(&out), stderr(&out));
        if &printed != shown {
            let mut message =
                format!("{at}: `{joined}` printed something else than the page shows\n");
            let _ = write!(message, "--- page\n{shown}--- printed\n{printed}---");
            tally.failures.push(message);
        }
    }
}

#[test]
fn every_command_in_the_readme_and_docs_runs_as_shown() {
    let mut tally = Tally::default();
    let pages = pages();
    assert!(pages.len() > 4, "{pages:?}");
    for page in &pages {
        let text = fs::read_to_string(root().join(page)).unwrap();
        run_page(page, &text, &mut tally);
    }
    assert!(
        tally.failures.is_empty(),
        "{} failure(s):\n\n{}",
        tally.failures.len(),
        tally.failures.join("\n\n")
    );
    // The README alone shows more than twenty; a parser that found none would pass above.
    assert!(tally.run >= 20, "only {} command(s) ran", tally.run);
    assert!(
        tally.skipped >= 5,
        "only {} command(s) skipped",
        tally.skipped
    );
}

/// The rules themselves, on a page written for the purpose: each way a command can be
/// wrong is reported, and a right one is not.
#[test]
fn the_rules_catch_what_they_promise() {
    let page = "\
```sh
edgeworker-cli validate examples/hosts/edge-valid.json
edgeworker-cli validate examples/hosts/invalid-reserved-hostname.json
edgeworker-cli validate examples/hosts/invalid-bmc.json   # exit 1: refused
edgeworker-cli validate examples/hosts/edge-valid.json | head
edgeworker-cli dhcp --state mgmt.json --out /tmp/x
frobnicate --all
cd out && ansible-playbook -i inventory.yml playbook.yml
cd out && edgeworker-cli validate x.json
cat >host.json <<'EOF'
{\"hostname\": \"edge-9\", \"personality\": \"edgeworker\", \"mgmt_mac\": \"08:00:27:aa:00:99\"}
EOF
edgeworker-cli validate \\
    host.json
```

```console
$ edgeworker-cli validate examples/hosts/edge-valid.json
examples/hosts/edge-valid.json: ok: create edgeworker edge-factory-2
$ edgeworker-cli validate examples/hosts/edge-valid.json
something else
```

```json
edgeworker-cli validate hidden.json
```
";
    let mut tally = Tally::default();
    run_page("docs/rules.md", page, &mut tally);
    let report = tally.failures.join("\n");
    let expected = [
        ":3: `edgeworker-cli validate examples/hosts/invalid-reserved-hostname.json` exited Some(1), the page says 0",
        ":5: `edgeworker-cli validate examples/hosts/edge-valid.json | head` uses shell syntax",
        ":6: `edgeworker-cli dhcp --state mgmt.json --out /tmp/x` names /tmp/x",
        ":7: `frobnicate` is neither run nor in the test's SKIPPED list",
        ":9: `cd out && edgeworker-cli validate x.json` hides an edgeworker-cli command",
        ":20: `edgeworker-cli validate examples/hosts/edge-valid.json` printed something else",
        ":25: a command in a `json` block is never run",
    ];
    for line in expected {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    assert_eq!(tally.failures.len(), expected.len(), "{report}");
    // Lines 2, 3, 4, 13 (on the heredoc's file), 18 and 20 ran; 8 was skipped.
    assert_eq!((tally.run, tally.skipped), (6, 1), "{report}");
}
