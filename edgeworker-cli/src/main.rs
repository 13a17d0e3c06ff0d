//! `edgeworker-cli`: validate edgeworker hosts, allocate their management addresses, write
//! their DHCP entries and plan their provisioning, from a shell.

mod failure;
mod input;
mod plan;

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
    /// Plan the provisioning of edgeworker nodes: text, JSON, or an Ansible directory.
    Plan(plan::PlanArgs),
    /// Report the nodes whose kubelet breaks the version-skew policy for a control plane.
    SkewCheck(plan::SkewArgs),
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Plan(args) => plan::plan(args),
        Command::SkewCheck(args) => plan::skew(&args),
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
