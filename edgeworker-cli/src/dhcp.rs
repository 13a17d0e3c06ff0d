//! `dhcp`: the dnsmasq hosts file (or additional-hosts file) of the address state.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::address::JsonFileStore;
use edgeworker_core::context::Context;
use edgeworker_core::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};

use crate::address::{read_state, runtime};
use crate::context;
use crate::failure::{self, Failure};

/// Arguments of `dhcp`.
#[derive(Debug, Args)]
pub struct DhcpArgs {
    /// The address state file.
    #[arg(long, value_name = "STATE")]
    state: PathBuf,
    /// A context file (JSON, `-` for stdin) whose hosts give the MACs of the reservations;
    /// without it, lines carry no MAC.
    #[arg(long, value_name = "CTX")]
    context: Option<PathBuf>,
    /// Print the additional-hosts file (`<ip> <hostname>`) instead of the hosts file.
    #[arg(long)]
    addn_hosts: bool,
}

/// `dhcp`: prints the file's contents, one entry a line.
pub fn dhcp(args: &DhcpArgs) -> Result<ExitCode, Failure> {
    let context = match &args.context {
        Some(path) => Some(context::read(Some(path))?),
        None => None,
    };
    // A discovered host has no hostname yet: nothing to reserve for it.
    let macs: Vec<(String, String)> = context
        .iter()
        .flat_map(Context::hosts)
        .filter_map(|host| {
            Some((
                host.hostname.as_ref()?.to_string(),
                host.mgmt_mac.to_string(),
            ))
        })
        .collect();
    let store = JsonFileStore::new(&args.state);
    let (rows, _) = runtime()?.block_on(read_state(&store))?;
    let rows = rows.rows();
    let lines = if args.addn_hosts {
        dnsmasq_addn_hosts(&rows)
    } else {
        dnsmasq_hosts(&rows, macs)
    }
    .map_err(|err| Failure::invalid(format!("{}: {err}", err.code())))?;
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in &lines {
        out.push_str(line);
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) => failure::from_io(&err).map_or(Ok(ExitCode::SUCCESS), Err),
    }
}
