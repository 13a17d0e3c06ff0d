//! `allocate`, `reserve` and `release`: a host's management addresses kept in JSON state
//! files (`state.rs`), one address per pool the profile uses.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use edgeworker_core::address::{
    AddressManager, AllocatedPool, AllocationError, AllocationOrder, JsonFileStore, mgmt_row_name,
};
use edgeworker_core::hostname::Hostname;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::failure::Failure;
use crate::output::{self, Format};
use crate::state::{self, PoolArgs, StateArgs};

/// The state files and the host, common to the three commands.
#[derive(Debug, Args)]
pub struct Target {
    #[command(flatten)]
    states: StateArgs,
    /// The host; its address row is `<host>-mgmt`.
    #[arg(long = "host", value_name = "NAME", value_parser = parse_host)]
    host: Hostname,
    /// How long to wait for another writer's lock on STATE before giving up (exit 3).
    /// Runs that only read (a host that already has its address) never wait.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    lock_timeout: Duration,
    /// Output: the addresses, one a line (none when `release` finds none), or `{"schema": 1,
    /// "name": "<host>-mgmt", "address": the first or null, "addresses": [every one]}`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

impl Target {
    /// The stores over the state files, the primary's first.
    fn stores(&self) -> Vec<JsonFileStore> {
        self.states.stores(self.lock_timeout)
    }

    /// The host's row name.
    fn row(&self) -> String {
        mgmt_row_name(self.host.as_str())
    }

    /// Prints the host's addresses, or the JSON answer (see [`Target::format`]).
    fn print(&self, name: &str, addresses: &[IpAddr]) -> Result<ExitCode, Failure> {
        match self.format {
            Format::Text => {
                for address in addresses {
                    output::print_line(ANSWER, &address.to_string())?;
                }
            }
            Format::Json => output::print_json(
                ANSWER,
                &Answer {
                    schema: output::SCHEMA,
                    name,
                    address: addresses.first().copied(),
                    addresses,
                },
            )?,
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("'{value}' is not a number of seconds (0 or more)"))
}

/// `--host`'s value (shared with the commands that look rows up by host).
pub fn parse_host(value: &str) -> Result<Hostname, String> {
    Hostname::parse(value).map_err(|err| err.to_string())
}

/// Arguments of `allocate`.
#[derive(Debug, Args)]
pub struct AllocateArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    pools: PoolArgs,
    /// How to pick a free address [default: the pool's order].
    #[arg(long, value_enum)]
    order: Option<Order>,
    /// Seed of the random choice, for reproducible runs [default: from the OS].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

/// Arguments of `reserve`.
#[derive(Debug, Args)]
pub struct ReserveArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    pools: PoolArgs,
    /// The address to record for the host (static mode); on a dual-stack network under
    /// stx10, once per family, each recorded in its family's pool.
    #[arg(long, value_name = "IP", required = true)]
    address: Vec<IpAddr>,
}

/// Arguments of `release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    target: Target,
}

/// `--order`: how `allocate` picks a free address (clap lists these in `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// Uniformly random among the free addresses (sysinv's default).
    Random,
    /// The lowest free address.
    Sequential,
}

impl From<Order> for AllocationOrder {
    fn from(order: Order) -> Self {
        match order {
            Order::Random => Self::Random,
            Order::Sequential => Self::Sequential,
        }
    }
}

/// The JSON answer of `allocate`, `reserve` and `release`, fields in the documented order.
#[derive(serde::Serialize)]
struct Answer<'a> {
    schema: u32,
    name: &'a str,
    address: Option<IpAddr>,
    addresses: &'a [IpAddr],
}

/// What these commands print, for a message about a failed write.
const ANSWER: &str = "the address";

/// The rows this call added, taken out again when a later pool fails: a host gets an
/// address from every pool in use or from none.
#[derive(Default)]
struct Added<'a> {
    stores: Vec<(&'a JsonFileStore, &'a AllocatedPool)>,
}

impl Added<'_> {
    async fn undo(self, name: &str) {
        for (store, rows) in self.stores {
            // Best effort: the failure being reported is the one that matters.
            let _ = AddressManager::new(store)
                .release(rows.pool().name(), name)
                .await;
        }
    }
}

/// `allocate`: prints the host's addresses, allocating one per pool in use where it has none.
pub fn allocate(args: &AllocateArgs) -> Result<ExitCode, Failure> {
    let stores = args.target.stores();
    let name = args.target.row();
    let mut rng = match args.seed {
        Some(seed) => ChaCha8Rng::seed_from_u64(seed),
        None => ChaCha8Rng::from_os_rng(),
    };
    let order = args.order.map(Into::into);
    let addresses = state::runtime()?.block_on(async {
        let pools = args.pools.open(&stores).await?;
        let mut added = Added::default();
        let mut addresses = Vec::with_capacity(pools.len());
        for (store, rows) in stores.iter().zip(&pools) {
            let existed = rows.address_of(&name).is_some();
            let result = AddressManager::new(store)
                .allocate(rows.pool().name(), &name, order, &mut rng)
                .await;
            match result {
                Ok(address) => addresses.push(address),
                Err(err) => {
                    let failure = state::manager_failure(store, &err).await;
                    added.undo(&name).await;
                    return Err(failure);
                }
            }
            if !existed {
                added.stores.push((store, rows));
            }
        }
        Ok(addresses)
    })?;
    args.target.print(&name, &addresses)
}

/// `reserve`: records the host's addresses chosen by the operator, each in the pool of its
/// family.
pub fn reserve(args: &ReserveArgs) -> Result<ExitCode, Failure> {
    let stores = args.target.stores();
    let name = args.target.row();
    for (i, address) in args.address.iter().enumerate() {
        if let Some(other) = args.address[..i]
            .iter()
            .find(|other| other.is_ipv4() == address.is_ipv4())
        {
            return Err(Failure::usage(format!(
                "--address {other} and --address {address} are of one family: give one address per family"
            )));
        }
    }
    state::runtime()?.block_on(async {
        let pools = args.pools.open(&stores).await?;
        // Each address to the pool of its family, checked before anything is recorded.
        let mut targets = Vec::with_capacity(args.address.len());
        for &address in &args.address {
            let target = stores
                .iter()
                .zip(&pools)
                .find(|(_, rows)| rows.pool().is_ipv4() == address.is_ipv4());
            let Some((store, rows)) = target else {
                let err = AllocationError::OutOfPool { address };
                return Err(Failure::invalid(format!("{}: {err}", err.code())));
            };
            targets.push((store, rows, address));
        }
        let mut added = Added::default();
        for (store, rows, address) in targets {
            let existed = rows.address_of(&name).is_some();
            let result = AddressManager::new(store)
                .reserve(rows.pool().name(), &name, address)
                .await;
            if let Err(err) = result {
                let failure = state::manager_failure(store, &err).await;
                added.undo(&name).await;
                return Err(failure);
            }
            if !existed {
                added.stores.push((store, rows));
            }
        }
        Ok(())
    })?;
    args.target.print(&name, &args.address)
}

/// `release`: removes the host's rows from every state given; prints the addresses they
/// held, nothing if none.
pub fn release(args: &ReleaseArgs) -> Result<ExitCode, Failure> {
    let stores = args.target.stores();
    let name = args.target.row();
    let released = state::runtime()?.block_on(async {
        let mut released = Vec::new();
        for store in &stores {
            let (rows, _) = state::read(store).await?;
            let result = AddressManager::new(store)
                .release(rows.pool().name(), &name)
                .await;
            match result {
                Ok(address) => released.extend(address),
                Err(err) => return Err(state::manager_failure(store, &err).await),
            }
        }
        Ok(released)
    })?;
    if released.is_empty() {
        // Still a success, so a retried release script is idempotent; but said, so an
        // operator who mistyped the name does not take it for a release.
        eprintln!(
            "edgeworker-cli: {}: {} has no management address ({name}); nothing released",
            args.target.states.state.display(),
            args.target.host
        );
    }
    args.target.print(&name, &released)
}
