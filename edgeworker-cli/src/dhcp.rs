//! `dhcp`: the dnsmasq hosts file (or additional-hosts file) of the address state, printed or
//! written in place the way sysinv's conductor writes it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::address::JsonFileStore;
use edgeworker_core::atomic_file::{self, FileError};
use edgeworker_core::context::{Context, System};
use edgeworker_core::dhcp::{Rendered, dnsmasq_addn_hosts_under, dnsmasq_hosts_under};
use edgeworker_core::profile::Profile;
use serde::Serialize;

use crate::context;
use crate::failure::Failure;
use crate::input::MAX_INPUT_BYTES;
use crate::output::{self, Format};
use crate::profile::ProfileArg;
use crate::state::{read as read_state, runtime};

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
    /// Output: the file itself, or a JSON object with its lines, what was left out and, with
    /// --out, whether FILE was rewritten.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// The JSON answer of `dhcp`.
#[derive(Serialize)]
struct Answer<'a> {
    schema: u32,
    /// `hosts` or `addn-hosts`.
    file: &'static str,
    profile: Profile,
    lines: &'a [String],
    warnings: Vec<Finding>,
    unreserved: Vec<Finding>,
    /// With --out: the file and whether it was rewritten (false: the content was the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    out: Option<Written<'a>>,
}

/// A warning or note of the rendering, as its code and message.
#[derive(Serialize)]
struct Finding {
    code: &'static str,
    message: String,
}

/// Where `--out` went and whether it changed.
#[derive(Serialize)]
struct Written<'a> {
    path: &'a Path,
    written: bool,
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
    let written = match &args.out {
        Some(path) => Some(write_out(path, &file.text())?),
        None => None,
    };
    match args.format {
        Format::Text if args.out.is_none() => output::print(WHAT, &file.text())?,
        Format::Text => {}
        Format::Json => output::print_json(
            WHAT,
            &Answer {
                schema: output::SCHEMA,
                file: if args.addn_hosts {
                    "addn-hosts"
                } else {
                    "hosts"
                },
                profile,
                lines: &file.lines,
                warnings: findings(file.warnings.iter().map(|w| (w.code(), w.to_string()))),
                unreserved: findings(file.unreserved.iter().map(|n| (n.code(), n.to_string()))),
                out: args
                    .out
                    .as_deref()
                    .zip(written)
                    .map(|(path, written)| Written { path, written }),
            },
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// What `dhcp` writes, for messages.
const WHAT: &str = "the dnsmasq file";

fn findings(items: impl Iterator<Item = (&'static str, String)>) -> Vec<Finding> {
    items
        .map(|(code, message)| Finding { code, message })
        .collect()
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
/// rename), says which happened on stderr, and returns whether it rewrote FILE.
fn write_out(path: &Path, text: &str) -> Result<bool, Failure> {
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
        return Ok(false);
    }
    atomic_file::replace(
        path,
        text.as_bytes(),
        previous.as_ref().map(|(_, m)| m),
        WHAT,
    )
    .map_err(io_failure)?;
    eprintln!("edgeworker-cli: {}: written", path.display());
    Ok(true)
}
