//! `edgeworker-cli`: validate edgeworker hosts, allocate their management addresses, write
//! their DHCP entries and plan their provisioning, from a shell.

mod address;
mod context;
mod dhcp;
mod failure;
mod input;
mod plan;
mod upgrade;
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
    /// Give a host a management address from the pool (its existing one if it has one).
    Allocate(address::AllocateArgs),
    /// Record the management address an operator chose for a host (static mode).
    Reserve(address::ReserveArgs),
    /// Return a host's management address to the pool.
    Release(address::ReleaseArgs),
    /// Print the dnsmasq hosts file (or additional-hosts file) for the address state.
    Dhcp(dhcp::DhcpArgs),
    /// Plan the provisioning of edgeworker nodes: text, JSON, or an Ansible directory.
    Plan(plan::PlanArgs),
    /// Report the nodes whose kubelet breaks the version-skew policy for a control plane.
    SkewCheck(plan::SkewArgs),
    /// Plan the Kubernetes upgrade of edgeworker nodes to the control plane's version: text,
    /// JSON, or an Ansible directory.
    UpgradePlan(upgrade::UpgradeArgs),
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Allocate(args) => address::allocate(&args),
        Command::Reserve(args) => address::reserve(&args),
        Command::Release(args) => address::release(&args),
        Command::Dhcp(args) => dhcp::dhcp(&args),
        Command::Plan(args) => plan::plan(&args),
        Command::SkewCheck(args) => plan::skew(&args),
        Command::UpgradePlan(args) => upgrade::upgrade_plan(&args),
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
