//! The address state files: the management network's pool and, on a dual-stack network, its
//! secondary pool of the other family, one file each (each with its own lock, as sysinv
//! keeps one pool per family), and how their failures are told.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use edgeworker_core::address::{
    AddressPool, AllocatedPool, AllocationError, JsonFileStore, ManagerError, NetworkPools,
    StoreError, Version,
};
use edgeworker_core::profile::Profile;

use crate::failure::Failure;
use crate::input;
use crate::profile::ProfileArg;

/// The state files a command reads or changes.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// The address state file (JSON, schema 1) of the management network's pool; shared
    /// safely by concurrent runs.
    #[arg(long, value_name = "STATE")]
    pub state: PathBuf,
    /// The state file of a dual-stack network's secondary pool, of the other family: under
    /// --profile stx10 a host gets an address from each pool.
    #[arg(long, value_name = "STATE")]
    pub secondary_state: Option<PathBuf>,
}

impl StateArgs {
    /// The stores, the primary pool's first, waiting `lock_timeout` for a writer's lock.
    pub fn stores(&self, lock_timeout: Duration) -> Vec<JsonFileStore> {
        std::iter::once(&self.state)
            .chain(&self.secondary_state)
            .map(|path| JsonFileStore::new(path).with_lock_timeout(lock_timeout))
            .collect()
    }
}

/// The pools a command may create the states from, and the profile that says which pools a
/// host takes addresses from.
#[derive(Debug, Args)]
pub struct PoolArgs {
    /// The pool (JSON); creates STATE from it when STATE does not exist, and must match
    /// the pool STATE holds when it does.
    #[arg(long, value_name = "POOL.json")]
    pool: Option<PathBuf>,
    /// The secondary pool (JSON), for --secondary-state as --pool is for --state.
    #[arg(long, value_name = "POOL.json", requires = "secondary_state")]
    secondary_pool: Option<PathBuf>,
    /// The release profile: stx10 gives a host an address from each pool of a dual-stack
    /// network; classic (the default) from the primary pool only.
    #[arg(long, value_name = "PROFILE", value_enum)]
    profile: Option<ProfileArg>,
}

impl PoolArgs {
    /// Opens the states (creating each from its pool when absent, refusing one that holds
    /// another pool), and keeps those the profile allocates from: the primary's, and the
    /// secondary's under stx10. Every pool file is read before any state is touched.
    pub async fn open(&self, stores: &[JsonFileStore]) -> Result<Vec<AllocatedPool>, Failure> {
        let files = [&self.pool, &self.secondary_pool];
        let pools = files
            .iter()
            .map(|file| {
                file.as_deref()
                    .map(input::read_json::<AddressPool>)
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let profile = self.profile.map_or_else(Profile::default, Into::into);
        // Two pools of one family are refused before either state is created from them.
        if let [Some(primary), Some(secondary)] = pools.as_slice() {
            pools_in_use(profile, primary, Some(secondary))?;
        }
        let mut opened = Vec::with_capacity(stores.len());
        for ((store, pool), file) in stores.iter().zip(&pools).zip(files) {
            if let Some(pool) = pool {
                store
                    .create_if_absent(pool)
                    .await
                    .map_err(|err| store_failure(&err))?;
            }
            let (rows, _) = read(store).await?;
            if let (Some(wanted), Some(path)) = (pool, file)
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
            opened.push(rows);
        }
        let mut rows = opened.into_iter();
        let Some(primary) = rows.next() else {
            return Ok(Vec::new());
        };
        let secondary = rows.next();
        let in_use = pools_in_use(
            profile,
            primary.pool(),
            secondary.as_ref().map(AllocatedPool::pool),
        )?;
        if in_use == 1
            && let (Some(_), Some(path)) = (&secondary, stores.get(1))
        {
            eprintln!(
                "edgeworker-cli: note: {}: profile {profile} takes addresses from the primary pool only; the secondary pool is left alone",
                path.path().display()
            );
        }
        Ok(std::iter::once(primary)
            .chain(secondary)
            .take(in_use)
            .collect())
    }
}

/// How many of the network's pools `profile` takes addresses from (the core's rule), or a
/// secondary pool of the primary's family refused (exit 1).
fn pools_in_use(
    profile: Profile,
    primary: &AddressPool,
    secondary: Option<&AddressPool>,
) -> Result<usize, Failure> {
    NetworkPools::new(profile, primary.clone(), secondary.cloned())
        .map(|pools| pools.pools().len())
        .map_err(|err| Failure::invalid(format!("{}: {err}", err.code())))
}

/// The state, with a hint when it does not exist yet.
pub async fn read(store: &JsonFileStore) -> Result<(AllocatedPool, Version), Failure> {
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
/// exit 3. The message starts with the stable code, and a taken address or name says what
/// holds it (as the state now has it), so the operator knows which host to look at.
pub async fn manager_failure(store: &JsonFileStore, err: &ManagerError) -> Failure {
    let holder = match err {
        ManagerError::Rule(AllocationError::AddressAllocated { address }) => {
            holder_of(store, *address)
                .await
                .map(|row| format!(" (held by {}, row {row})", host_of(&row)))
        }
        ManagerError::Rule(AllocationError::NameAllocated { name }) => store
            .read()
            .await
            .ok()
            .and_then(|(rows, _)| rows.address_of(name))
            .map(|address| format!(" (to {address} in {})", store.path().display())),
        _ => None,
    };
    match err {
        ManagerError::Store(store) => store_failure(store),
        other => Failure::invalid(format!(
            "{}: {other}{}",
            other.code(),
            holder.unwrap_or_default()
        )),
    }
}

/// The row that holds `address`, if the state can be read and one does.
async fn holder_of(store: &JsonFileStore, address: IpAddr) -> Option<String> {
    let (rows, _) = store.read().await.ok()?;
    rows.rows()
        .into_iter()
        .find(|(_, held)| *held == address)
        .map(|(name, _)| name.to_owned())
}

/// The host a row belongs to: its name without the management suffix.
pub fn host_of(row: &str) -> &str {
    row.strip_suffix(edgeworker_core::address::MGMT_SUFFIX)
        .unwrap_or(row)
}

/// A store's failure: a rule it refused exits 1, anything about the file 3.
pub fn store_failure(err: &StoreError) -> Failure {
    match err {
        StoreError::Rejected(rule) => Failure::invalid(format!("{}: {rule}", rule.code())),
        other => Failure::input(format!("{}: {other}", other.code())),
    }
}
