//! `edgeworker-cli`: validate edgeworker hosts, allocate their management addresses, write
//! their DHCP entries and plan their provisioning, from a shell.

mod failure;
mod input;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use failure::Failure;

/// Validate, address and provision StarlingX edgeworker hosts.
#[derive(Debug, Parser)]
#[command(name = "edgeworker-cli", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check host-add requests (or a host-update change set) exactly as sysinv would.
    Validate(validate::ValidateArgs),
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("edgeworker-cli: {failure}");
            failure.exit_code()
        }
    }
}
