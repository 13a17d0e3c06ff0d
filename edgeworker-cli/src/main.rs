//! `edgeworker-cli`: validate edgeworker hosts, allocate their management addresses, write
//! their DHCP entries and plan their provisioning, from a shell.

mod address;
mod context;
mod dhcp;
mod failure;
mod input;
mod manual;
mod output;
mod plan;
mod profile;
mod rows;
mod sources;
mod state;
mod upgrade;
mod validate;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use failure::Failure;

/// Validate, address and provision StarlingX edgeworker hosts.
#[derive(Debug, Parser)]
#[command(
    name = "edgeworker-cli",
    version = VERSION,
    about,
    propagate_version = true,
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `--version`: the crate's version and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("EDGEWORKER_COMMIT"),
    ")"
);

/// What every command's exit status means, for `--help` (a macro: `concat!` takes literals).
macro_rules! exit_codes {
    () => {
        "Exit status: 0 fine (warnings allowed), 1 a rule is broken (the message starts with \
         its code), 2 usage, 3 an input cannot be read or is not what it must be."
    };
}

/// A command's `--help` epilogue: its examples, then the exit status.
macro_rules! examples {
    ($($line:literal),+ $(,)?) => {
        concat!("Examples:\n", $("  ", $line, "\n",)+ "\n", exit_codes!())
    };
}

const EXIT_CODES: &str = exit_codes!();

// Each command's examples run from the repository's root (the paths are the bundled
// examples); the CLI's tests run every one of them, so they cannot drift.
const VALIDATE_EXAMPLES: &str = examples!(
    "edgeworker-cli validate --context examples/context.json examples/hosts.jsonl",
    "edgeworker-cli validate --format json examples/hosts/edge-valid.json",
    "edgeworker-cli validate --strict examples/hosts/edge-warning-hostname.json",
    "edgeworker-cli validate --profile stx10 examples/hosts/edge-valid.json",
    "edgeworker-cli validate --context examples/context.json --update 3c:ec:ef:10:20:07 examples/updates/discovered-to-edgeworker.json",
);
const ALLOCATE_EXAMPLES: &str = examples!(
    "edgeworker-cli allocate --state mgmt.json --pool examples/pool.json --host edge-1 --seed 7",
    "edgeworker-cli allocate --state mgmt.json --host edge-1 --format json",
);
const RESERVE_EXAMPLES: &str =
    examples!("edgeworker-cli reserve --state mgmt.json --host edge-2 --address 192.168.204.50",);
const RELEASE_EXAMPLES: &str = examples!("edgeworker-cli release --state mgmt.json --host edge-2",);
const ADDRESSES_EXAMPLES: &str = examples!(
    "edgeworker-cli addresses --state mgmt.json",
    "edgeworker-cli addresses --state mgmt.json --host edge-1 --format json",
    "edgeworker-cli addresses --state mgmt.json --address 192.168.204.50",
);
const DHCP_EXAMPLES: &str = examples!(
    "edgeworker-cli dhcp --state mgmt.json --context examples/context.json",
    "edgeworker-cli dhcp --state mgmt.json --addn-hosts",
);
const PLAN_EXAMPLES: &str = examples!(
    "edgeworker-cli plan --controller examples/plan/controller.json --nodes examples/plan/nodes.json",
    "edgeworker-cli plan --controller examples/plan/controller.json --nodes examples/plan/nodes.json --format json --out plan.json",
    "edgeworker-cli plan --controller examples/plan/controller.json --nodes examples/plan/nodes.json --format ansible --out edge-run",
    "edgeworker-cli plan --controller examples/plan/controller.json --nodes examples/plan/nodes.json --state mgmt.json --context examples/context.json",
);
const SKEW_EXAMPLES: &str =
    examples!("edgeworker-cli skew-check --control-plane 1.29.2 --nodes examples/plan/nodes.json",);
const COMPLETIONS_EXAMPLES: &str = examples!(
    "edgeworker-cli completions bash",
    "edgeworker-cli completions zsh",
    "edgeworker-cli completions fish",
);
const MAN_EXAMPLES: &str = examples!("edgeworker-cli man --out man",);
const UPGRADE_EXAMPLES: &str = examples!(
    "edgeworker-cli upgrade-plan --controller examples/upgrade/controller.json --nodes examples/plan/nodes.json --kube-nodes examples/upgrade/kube-nodes.json",
    "edgeworker-cli upgrade-plan --controller examples/upgrade/controller.json --nodes examples/plan/nodes.json --kube-nodes examples/upgrade/kube-nodes.json --format ansible --out upgrade-run",
);

#[derive(Debug, Subcommand)]
enum Command {
    /// Check host-add requests (or a host-update change set) exactly as sysinv would.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(validate::ValidateArgs),
    /// Give a host a management address from the pool (its existing one if it has one).
    #[command(after_help = ALLOCATE_EXAMPLES)]
    Allocate(address::AllocateArgs),
    /// Record the management address an operator chose for a host (static mode).
    #[command(after_help = RESERVE_EXAMPLES)]
    Reserve(address::ReserveArgs),
    /// Return a host's management address to the pool.
    #[command(after_help = RELEASE_EXAMPLES)]
    Release(address::ReleaseArgs),
    /// List the rows of the address state (or show the row of a host or an address).
    #[command(after_help = ADDRESSES_EXAMPLES)]
    Addresses(rows::AddressesArgs),
    /// Print the dnsmasq hosts file (or additional-hosts file) for the address state.
    #[command(after_help = DHCP_EXAMPLES)]
    Dhcp(dhcp::DhcpArgs),
    /// Plan the provisioning of edgeworker nodes: text, JSON, or an Ansible directory.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(plan::PlanArgs),
    /// Report the nodes whose kubelet breaks the version-skew policy for a control plane.
    #[command(after_help = SKEW_EXAMPLES)]
    SkewCheck(plan::SkewArgs),
    /// Plan the Kubernetes upgrade of edgeworker nodes to the control plane's version: text,
    /// JSON, or an Ansible directory.
    #[command(after_help = UPGRADE_EXAMPLES)]
    UpgradePlan(upgrade::UpgradeArgs),
    /// Print the completion script for a shell.
    ///
    /// For bash: `source <(edgeworker-cli completions bash)`, or save the script where the
    /// shell loads completions from.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(manual::CompletionsArgs),
    /// Write the man pages of edgeworker-cli and of each of its commands into a directory.
    #[command(after_help = MAN_EXAMPLES)]
    Man(manual::ManArgs),
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Allocate(args) => address::allocate(&args),
        Command::Reserve(args) => address::reserve(&args),
        Command::Release(args) => address::release(&args),
        Command::Addresses(args) => rows::addresses(&args),
        Command::Dhcp(args) => dhcp::dhcp(&args),
        Command::Plan(args) => plan::plan(&args),
        Command::SkewCheck(args) => plan::skew(&args),
        Command::UpgradePlan(args) => upgrade::upgrade_plan(&args),
        Command::Completions(args) => manual::completions(&args),
        Command::Man(args) => manual::man(&args),
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    match run(cli) {
        Ok(code) => code,
        Err(failure) if failure.is_usage() => usage_error(&matches, &failure),
        Err(failure) => {
            eprintln!("edgeworker-cli: {failure}");
            failure.exit_code()
        }
    }
}

/// A usage error only the command can see (two inputs on stdin, a host the context does not
/// have), said as clap says its own: the message, the command's usage, exit 2.
fn usage_error(matches: &ArgMatches, failure: &Failure) -> ! {
    let mut command = Cli::command();
    command.build();
    if let Some(sub) = matches
        .subcommand_name()
        .and_then(|name| command.find_subcommand_mut(name))
    {
        sub.error(ErrorKind::ArgumentConflict, failure).exit()
    }
    command.error(ErrorKind::ArgumentConflict, failure).exit()
}
