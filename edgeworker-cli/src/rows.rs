//! `addresses`: the rows of the address state files, listed or looked up by host or
//! address, so nobody needs to read the JSON by hand.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use edgeworker_core::address::{AddressPool, mgmt_row_name};
use edgeworker_core::hostname::Hostname;
use serde::Serialize;

use crate::address::parse_host;
use crate::failure::Failure;
use crate::output::{self, Format};
use crate::state::{self, StateArgs};

/// Arguments of `addresses`.
#[derive(Debug, Args)]
pub struct AddressesArgs {
    #[command(flatten)]
    states: StateArgs,
    /// Only the row of this host (`<host>-mgmt`); exit 1 when it has none.
    #[arg(long, value_name = "NAME", value_parser = parse_host, conflicts_with = "address")]
    host: Option<Hostname>,
    /// Only the row holding this address; exit 1 when none does.
    #[arg(long, value_name = "IP")]
    address: Option<IpAddr>,
    /// Output: a table (row, host, address, pool), or `{"schema": 1, "pools": [{"state",
    /// "version", "pool"}], "rows": [{"name", "host", "address", "pool"}]}`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// One state file, as the JSON answer describes it.
#[derive(Serialize)]
struct StateFile<'a> {
    state: &'a Path,
    version: u64,
    pool: &'a AddressPool,
}

/// One row.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    host: &'a str,
    address: IpAddr,
    pool: &'a str,
}

/// The JSON answer.
#[derive(Serialize)]
struct Answer<'a> {
    schema: u32,
    pools: Vec<StateFile<'a>>,
    rows: Vec<Row<'a>>,
}

/// `addresses`: reads the states (never waiting for a writer: a read takes no lock) and
/// prints their rows.
pub fn addresses(args: &AddressesArgs) -> Result<ExitCode, Failure> {
    let stores = args.states.stores(Duration::ZERO);
    let states = state::runtime()?.block_on(async {
        let mut states = Vec::with_capacity(stores.len());
        for store in &stores {
            states.push(state::read(store).await?);
        }
        Ok::<_, Failure>(states)
    })?;
    let wanted_name = args.host.as_ref().map(|host| mgmt_row_name(host.as_str()));
    let mut rows = Vec::new();
    for (rows_of, _) in &states {
        for (name, address) in rows_of.rows() {
            let keep = wanted_name.as_deref().is_none_or(|wanted| wanted == name)
                && args.address.is_none_or(|wanted| wanted == address);
            if keep {
                rows.push(Row {
                    name,
                    host: state::host_of(name),
                    address,
                    pool: rows_of.pool().name(),
                });
            }
        }
    }
    if rows.is_empty()
        && let Some(missing) = not_found(args)
    {
        return Err(Failure::invalid(format!(
            "address.not_found: {}: {missing}",
            args.states.state.display()
        )));
    }
    match args.format {
        Format::Text => output::print(WHAT, &table(&rows))?,
        Format::Json => output::print_json(
            WHAT,
            &Answer {
                schema: output::SCHEMA,
                pools: stores
                    .iter()
                    .zip(&states)
                    .map(|(store, (rows, version))| StateFile {
                        state: store.path(),
                        version: version.get(),
                        pool: rows.pool(),
                    })
                    .collect(),
                rows,
            },
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// What `addresses` prints, for a message about a failed write.
const WHAT: &str = "the address rows";

/// What a lookup did not find, or `None` for a plain listing (an empty state is no error).
fn not_found(args: &AddressesArgs) -> Option<String> {
    match (&args.host, args.address) {
        (Some(host), _) => Some(format!(
            "{host} has no management address ({})",
            mgmt_row_name(host.as_str())
        )),
        (None, Some(address)) => Some(format!("no row holds {address}")),
        (None, None) => None,
    }
}

/// The rows as an aligned table with a header, as `kubectl get` prints.
fn table(rows: &[Row<'_>]) -> String {
    let header = ["ROW", "HOST", "ADDRESS", "POOL"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            [
                row.name.to_owned(),
                row.host.to_owned(),
                row.address.to_string(),
                row.pool.to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut text = String::new();
    let header = header.map(str::to_owned);
    for line in std::iter::once(&header).chain(&cells) {
        let [row, host, address, pool] = line;
        let _ = writeln!(
            text,
            "{row:<w0$}  {host:<w1$}  {address:<w2$}  {pool}",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
    }
    text
}
