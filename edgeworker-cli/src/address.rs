//! `allocate`, `reserve` and `release`: management addresses kept in a JSON state file.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use edgeworker_core::address::{
    AddressManager, AddressPool, AllocatedPool, AllocationOrder, JsonFileStore, ManagerError,
    StoreError, Version, mgmt_row_name,
};
use edgeworker_core::hostname::Hostname;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::failure::Failure;
use crate::input;
use crate::output::{self, Format};

/// The state file and the host, common to the three commands.
#[derive(Debug, Args)]
pub struct Target {
    /// The address state file (JSON, schema 1); shared safely by concurrent runs.
    #[arg(long, value_name = "STATE")]
    state: PathBuf,
    /// The host; its address row is `<host>-mgmt`.
    #[arg(long = "host", value_name = "NAME", value_parser = parse_host)]
    host: Hostname,
    /// How long to wait for another writer's lock on STATE before giving up (exit 3).
    /// Runs that only read (a host that already has its address) never wait.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    lock_timeout: Duration,
    /// Output: the address alone (nothing when `release` finds none), or
    /// `{"schema": 1, "name": "<host>-mgmt", "address": ...}` (`null` when none).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

impl Target {
    /// The store over STATE, with the lock timeout asked for.
    fn store(&self) -> JsonFileStore {
        JsonFileStore::new(&self.state).with_lock_timeout(self.lock_timeout)
    }
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("'{value}' is not a number of seconds (0 or more)"))
}

/// The pool a command may create the state from.
#[derive(Debug, Args)]
pub struct PoolArg {
    /// The pool (JSON); creates STATE from it when STATE does not exist, and must match
    /// the pool STATE holds when it does.
    #[arg(long, value_name = "POOL.json")]
    pool: Option<PathBuf>,
}

impl PoolArg {
    /// Reads the pool file, if one was given (before any state is touched).
    fn read(&self) -> Result<Option<AddressPool>, Failure> {
        self.pool
            .as_deref()
            .map(input::read_json::<AddressPool>)
            .transpose()
    }

    /// Reads the state, creating it from the pool when absent and refusing a state that
    /// holds another pool.
    async fn open(
        &self,
        store: &JsonFileStore,
        pool: Option<&AddressPool>,
    ) -> Result<AllocatedPool, Failure> {
        if let Some(pool) = pool {
            store
                .create_if_absent(pool)
                .await
                .map_err(|err| store_failure(&err))?;
        }
        let (rows, _) = read_state(store).await?;
        if let (Some(wanted), Some(path)) = (pool, &self.pool)
            && rows.pool() != wanted
        {
            return Err(Failure::input(format!(
                "{}: holds pool {} of network {}, which differs from the pool in {}",
                store.path().display(),
                rows.pool().name(),
                rows.pool().network(),
                input::label(path),
            )));
        }
        Ok(rows)
    }
}

/// Arguments of `allocate`.
#[derive(Debug, Args)]
pub struct AllocateArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    pool: PoolArg,
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
    pool: PoolArg,
    /// The address to record for the host (static mode).
    #[arg(long, value_name = "IP")]
    address: IpAddr,
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
}

impl Target {
    /// Prints the host's row: the address, or the JSON answer (see [`Target::format`]).
    fn print(&self, name: &str, address: Option<IpAddr>) -> Result<ExitCode, Failure> {
        match self.format {
            Format::Text => {
                if let Some(address) = address {
                    output::print_line(ANSWER, &address.to_string())?;
                }
            }
            Format::Json => output::print_json(
                ANSWER,
                &Answer {
                    schema: output::SCHEMA,
                    name,
                    address,
                },
            )?,
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// What these commands print, for a message about a failed write.
const ANSWER: &str = "the address";

fn parse_host(value: &str) -> Result<Hostname, String> {
    Hostname::parse(value).map_err(|err| err.to_string())
}

/// `allocate`: prints the host's address, allocating one if it has none.
pub fn allocate(args: &AllocateArgs) -> Result<ExitCode, Failure> {
    let store = args.target.store();
    let name = mgmt_row_name(args.target.host.as_str());
    let pool = args.pool.read()?;
    let mut rng = match args.seed {
        Some(seed) => ChaCha8Rng::seed_from_u64(seed),
        None => ChaCha8Rng::from_os_rng(),
    };
    let address = runtime()?.block_on(async {
        let rows = args.pool.open(&store, pool.as_ref()).await?;
        AddressManager::new(&store)
            .allocate(
                rows.pool().name(),
                &name,
                args.order.map(Into::into),
                &mut rng,
            )
            .await
            .map_err(|err| manager_failure(&err))
    })?;
    args.target.print(&name, Some(address))
}

/// `reserve`: records the host's address chosen by the operator.
pub fn reserve(args: &ReserveArgs) -> Result<ExitCode, Failure> {
    let store = args.target.store();
    let name = mgmt_row_name(args.target.host.as_str());
    let pool = args.pool.read()?;
    runtime()?.block_on(async {
        let rows = args.pool.open(&store, pool.as_ref()).await?;
        AddressManager::new(&store)
            .reserve(rows.pool().name(), &name, args.address)
            .await
            .map_err(|err| manager_failure(&err))
    })?;
    args.target.print(&name, Some(args.address))
}

/// `release`: removes the host's row; prints the address it held, nothing if none.
pub fn release(args: &ReleaseArgs) -> Result<ExitCode, Failure> {
    let store = args.target.store();
    let name = mgmt_row_name(args.target.host.as_str());
    let released = runtime()?.block_on(async {
        let (rows, _) = read_state(&store).await?;
        AddressManager::new(&store)
            .release(rows.pool().name(), &name)
            .await
            .map_err(|err| manager_failure(&err))
    })?;
    if released.is_none() {
        // Still a success, so a retried release script is idempotent; but said, so an
        // operator who mistyped the name does not take it for a release.
        eprintln!(
            "edgeworker-cli: {}: {} has no management address ({name}); nothing released",
            args.target.state.display(),
            args.target.host
        );
    }
    args.target.print(&name, released)
}

/// The state, with a hint when it does not exist yet.
pub async fn read_state(store: &JsonFileStore) -> Result<(AllocatedPool, Version), Failure> {
    store.read().await.map_err(|err| match &err {
        StoreError::File(file) if file.source.kind() == std::io::ErrorKind::NotFound => {
            Failure::input(format!(
                "{}: no such address state file (allocate or reserve with --pool POOL.json creates it)",
                store.path().display()
            ))
        }
        _ => store_failure(&err),
    })
}

/// A single-threaded runtime: one command is one sequence of store operations.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|err| Failure::input(format!("cannot start the async runtime: {err}")))
}

/// Rules (exhausted, taken, out of pool) and contention exit 1; the state file's problems
/// exit 3. The message starts with the stable code.
fn manager_failure(err: &ManagerError) -> Failure {
    match err {
        ManagerError::Store(store) => store_failure(store),
        other => Failure::invalid(format!("{}: {other}", other.code())),
    }
}

fn store_failure(err: &StoreError) -> Failure {
    match err {
        StoreError::Rejected(rule) => Failure::invalid(format!("{}: {rule}", rule.code())),
        other => Failure::input(format!("{}: {other}", other.code())),
    }
}
