//! The CLI's own documentation, generated from the one clap definition that parses the
//! command line, so none of it can drift from it: shell completions (`completions`), man
//! pages (`man`) and the reference page `docs/reference/cli.md`, which a test below keeps
//! current (`EDGEWORKER_BLESS=1 cargo test -p edgeworker-cli manual` rewrites it).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory as _};
use clap_complete::Shell;
use edgeworker_core::atomic_file::Staged;

use crate::failure::Failure;
use crate::{Cli, output};

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell whose completion script is printed.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory the pages go to (created if absent): `edgeworker-cli.1` and an
    /// `edgeworker-cli-<command>.1` per command, each replaced atomically.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// The whole command line, built: every command knows its full name
/// (`edgeworker-cli plan`), as its man page and usage line show it.
fn command() -> clap::Command {
    let mut command = Cli::command();
    command.build();
    command
}

/// The commands an operator runs: clap's own `help` is left out.
fn subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
}

/// `completions`: prints the script for the shell.
pub fn completions(args: &CompletionsArgs) -> Result<ExitCode, Failure> {
    let mut command = command();
    let name = command.get_name().to_owned();
    output::stream("the completion script", |out| {
        let mut script = Vec::new();
        clap_complete::generate(args.shell, &mut command, name, &mut script);
        out.write_all(&script)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `man`: writes every page beside each other, all staged before any is renamed into place,
/// so a failure leaves the directory as it was.
pub fn man(args: &ManArgs) -> Result<ExitCode, Failure> {
    const WHAT: &str = "the man page";
    let dir = &args.out;
    std::fs::create_dir_all(dir)
        .map_err(|err| Failure::input(format!("{}: cannot create: {err}", dir.display())))?;
    let command = command();
    let mut staged = Vec::new();
    for page in std::iter::once(&command).chain(subcommands(&command)) {
        let man = clap_mangen::Man::new(page.clone());
        let mut text = Vec::new();
        man.render(&mut text)
            .map_err(|err| Failure::input(format!("cannot render {WHAT}: {err}")))?;
        let path = dir.join(man.get_filename());
        // A page there already keeps its mode; anything else there is replaced by the page.
        let previous = std::fs::metadata(&path)
            .ok()
            .filter(std::fs::Metadata::is_file);
        staged.push(
            Staged::new(&path, &text, previous.as_ref(), WHAT)
                .map_err(|err| Failure::input(err.to_string()))?,
        );
    }
    let count = staged.len();
    for page in staged {
        page.commit()
            .map_err(|err| Failure::input(err.to_string()))?;
    }
    output::print_line(
        "the list of pages",
        &format!("wrote {count} man pages into {}", dir.display()),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `docs/reference/cli.md`: the `--help` of the CLI and of every command.
#[cfg(test)]
fn reference_page() -> String {
    use std::fmt::Write as _;

    let mut command = command();
    let mut page = String::from(
        "# Command line reference\n\n\
         Generated from `edgeworker-cli`'s own `--help` by its tests \
         (`edgeworker-cli/src/manual.rs`); do not edit by hand.\n\
         `edgeworker-cli man --out DIR` writes the same as man pages, and\n\
         `edgeworker-cli completions bash|zsh|fish` prints a shell's completion script.\n",
    );
    let command_name = command.get_name().to_owned();
    let mut sections = vec![(command_name.clone(), command.render_long_help().to_string())];
    let names: Vec<String> = subcommands(&command)
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        if let Some(sub) = command.find_subcommand_mut(&name) {
            let title = format!("{command_name} {name}");
            sections.push((title, sub.render_long_help().to_string()));
        }
    }
    for (title, help) in sections {
        // Trailing spaces, which clap leaves on blank lines, would not survive an editor.
        let lines: Vec<&str> = help.trim_end().lines().map(str::trim_end).collect();
        let _ = write!(
            page,
            "\n## `{title}`\n\n```text\n{}\n```\n",
            lines.join("\n")
        );
    }
    page
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_reference_page_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reference/cli.md");
        let page = reference_page();
        if std::env::var_os("EDGEWORKER_BLESS").is_some() {
            std::fs::write(&path, &page).expect("write the reference page");
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == page,
            "{} is out of date: run EDGEWORKER_BLESS=1 cargo test -p edgeworker-cli manual",
            path.display()
        );
    }

    #[test]
    fn the_reference_page_has_every_command() {
        let page = reference_page();
        for sub in subcommands(&command()) {
            let heading = format!("\n## `edgeworker-cli {}`\n", sub.get_name());
            assert!(page.contains(&heading), "{heading}");
        }
    }
}
