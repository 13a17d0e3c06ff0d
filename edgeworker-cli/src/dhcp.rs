//! `dhcp`: the dnsmasq hosts file (or additional-hosts file) of the address state.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::address::JsonFileStore;
use edgeworker_core::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};
use serde::Deserialize;

use crate::address::{read_state, runtime};
use crate::failure::{self, Failure};
use crate::input;

/// Arguments of `dhcp`.
#[derive(Debug, Args)]
pub struct DhcpArgs {
    /// The address state file.
    #[arg(long, value_name = "STATE")]
    state: PathBuf,
    /// A context file (JSON, `-` for stdin) whose `hosts[].hostname` and `hosts[].mgmt_mac`
    /// give the MACs of the reservations; without it, lines carry no MAC.
    #[arg(long, value_name = "CTX")]
    context: Option<PathBuf>,
    /// Print the additional-hosts file (`<ip> <hostname>`) instead of the hosts file.
    #[arg(long)]
    addn_hosts: bool,
}

// Only the two fields this command needs. The shared `Context` type is being written in
// parallel; at merge this should read that type instead (its validation then applies).
#[derive(Deserialize)]
struct ContextHosts {
    #[serde(default)]
    hosts: Vec<ContextHost>,
}

#[derive(Deserialize)]
struct ContextHost {
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    mgmt_mac: Option<String>,
}

/// `dhcp`: prints the file's contents, one entry a line.
pub fn dhcp(args: &DhcpArgs) -> Result<ExitCode, Failure> {
    let macs: Vec<(String, String)> = match &args.context {
        Some(path) => input::read_json::<ContextHosts>(path)?
            .hosts
            .into_iter()
            // A discovered host has no hostname yet, or no MAC: nothing to reserve for it.
            .filter_map(|host| Some((host.hostname?, host.mgmt_mac?)))
            .collect(),
        None => Vec::new(),
    };
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
