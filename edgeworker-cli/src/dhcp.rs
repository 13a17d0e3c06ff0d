//! `dhcp`: the dnsmasq hosts file (or additional-hosts file) of the address state, printed or
//! written in place the way sysinv's conductor writes it.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::address::JsonFileStore;
use edgeworker_core::atomic_file::{self, FileError};
use edgeworker_core::context::{Context, System};
use edgeworker_core::dhcp::{Rendered, dnsmasq_addn_hosts_under, dnsmasq_hosts_under};

use crate::address::{read_state, runtime};
use crate::context;
use crate::failure::Failure;
use crate::input::MAX_INPUT_BYTES;
use crate::output;
use crate::profile::ProfileArg;

/// Arguments of `dhcp`.
#[derive(Debug, Args)]
pub struct DhcpArgs {
    /// The address state file.
    #[arg(long, value_name = "STATE")]
    state: PathBuf,
    /// A context file (JSON, `-` for stdin) whose hosts give the MACs of the reservations
    /// (without it, lines carry no MAC) and whose address rows may hold `controller-pxeboot`.
    #[arg(long, value_name = "CTX")]
    context: Option<PathBuf>,
    /// The additional-hosts file (`<ip> pxecontroller`; under stx10 also every management
    /// row's `.internal` name) instead of the hosts file.
    #[arg(long)]
    addn_hosts: bool,
    /// The release profile whose DHCP layout is written, overriding the context's
    /// `profile` (stx10 reserves no management address: the nodes are told on stderr).
    #[arg(long, value_name = "PROFILE", value_enum)]
    profile: Option<ProfileArg>,
    /// Write the file to FILE (atomically, and not at all when its content is unchanged, so
    /// dnsmasq is not reloaded for nothing) instead of printing it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `dhcp`: prints or writes the file; names left out are warned about on stderr (exit 0).
pub fn dhcp(args: &DhcpArgs) -> Result<ExitCode, Failure> {
    let context = match &args.context {
        Some(path) => Some(context::read(Some(path))?),
        None => None,
    };
    let store = JsonFileStore::new(&args.state);
    let (rows, _) = runtime()?.block_on(read_state(&store))?;
    let mut rows: Vec<(String, IpAddr)> = rows
        .rows()
        .into_iter()
        .map(|(name, address)| (name.to_owned(), address))
        .collect();
    let profile = args
        .profile
        .map(Into::into)
        .or_else(|| context.as_ref().map(Context::profile))
        .unwrap_or_default();
    let system = context
        .as_ref()
        .map_or_else(System::default, Context::system);
    let file = if args.addn_hosts {
        // The pxeboot row lives in another pool; the context's rows bring it. A row the
        // state has is the state's (stx10 writes a line per row: none twice).
        let known: std::collections::HashSet<String> =
            rows.iter().map(|(name, _)| name.clone()).collect();
        rows.extend(
            context
                .iter()
                .flat_map(Context::addresses)
                .filter(|row| !known.contains(&row.name))
                .map(|row| (row.name.clone(), row.address)),
        );
        dnsmasq_addn_hosts_under(profile, system, &rows)
    } else {
        // A discovered host has no hostname yet: nothing to reserve for it.
        let macs = context.iter().flat_map(Context::hosts).filter_map(|host| {
            Some((
                host.hostname.as_ref()?.to_string(),
                host.mgmt_mac.to_string(),
            ))
        });
        dnsmasq_hosts_under(profile, &rows, macs)
    }
    .map_err(|err| Failure::invalid(format!("{}: {err}", err.code())))?;
    warn(&file);
    if let Some(path) = &args.out {
        return write_out(path, &file.text());
    }
    output::print("the dnsmasq file", &file.text())?;
    Ok(ExitCode::SUCCESS)
}

fn warn(file: &Rendered) {
    for warning in &file.warnings {
        eprintln!("edgeworker-cli: warning: {}: {warning}", warning.code());
    }
    for node in &file.unreserved {
        eprintln!("edgeworker-cli: note: {}: {node}", node.code());
    }
}

/// Replaces FILE when its content differs, as sysinv's conductor does (`filecmp` before the
/// rename), and says which happened.
fn write_out(path: &std::path::Path, text: &str) -> Result<ExitCode, Failure> {
    const WHAT: &str = "the dnsmasq file";
    let io_failure = |err: FileError| Failure::input(err.to_string());
    let previous = match atomic_file::read_regular(path, MAX_INPUT_BYTES, WHAT) {
        Ok((bytes, metadata)) => Some((bytes, metadata)),
        Err(err) if err.source.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(io_failure(err)),
    };
    if let Some((bytes, _)) = &previous
        && bytes == text.as_bytes()
    {
        eprintln!(
            "edgeworker-cli: {}: unchanged, not rewritten",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    atomic_file::replace(
        path,
        text.as_bytes(),
        previous.as_ref().map(|(_, m)| m),
        WHAT,
    )
    .map_err(io_failure)?;
    eprintln!("edgeworker-cli: {}: written", path.display());
    Ok(ExitCode::SUCCESS)
}
