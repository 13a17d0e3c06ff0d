//! An [`AddressStore`] in a JSON file, shared safely by processes on one machine.
//!
//! # The state file (schema 1)
//!
//! ```json
//! {
//!   "schema": 1,
//!   "version": 2,
//!   "pool": {"name": "management", "network": "192.168.204.0/24",
//!            "ranges": [["192.168.204.2", "192.168.204.254"]], "order": "random"},
//!   "rows": [{"name": "controller-mgmt", "address": "192.168.204.2"},
//!            {"name": "edge-1-mgmt", "address": "192.168.204.77"}]
//! }
//! ```
//!
//! `schema` changes when the layout does; a file of another schema is refused, never
//! guessed at. `version` counts commits. `rows` are in row order. Unknown keys are errors.
//!
//! # Safety under concurrency and crashes
//!
//! - A commit takes an exclusive advisory lock on a sidecar file (`<state>.lock`, left in
//!   place: deleting a lock file races with its next user), re-reads the state, checks the
//!   version, and writes the new state to a temporary file in the same directory, syncs it,
//!   renames it over the state file and syncs the directory. A crash leaves the old state or
//!   the new one, never half of either.
//! - A writer waits for the lock at most [`JsonFileStore::with_lock_timeout`]
//!   ([`DEFAULT_LOCK_TIMEOUT`] unless set), then fails with [`StoreError::Locked`]: a stuck
//!   holder is reported, never waited on forever.
//! - A load takes no lock: the rename is atomic, so a reader sees one whole state. A reader
//!   can therefore work on a read-only copy or directory, and a stuck writer never blocks it.
//!   [`JsonFileStore::create_if_absent`] on an existing file is such a read.
//! - A corrupt, truncated or foreign file is an error naming the file; it is never reset.
//! - A state file made read-only (`chmod a-w`) is refused for writing even by root. A
//!   rewrite keeps the file's mode and, where the writer may set it, its owner and group.
//!
//! # Safety against a hostile directory
//!
//! - A state path that is a symbolic link is resolved to the real file before anything is
//!   locked or written: the lock is the real file's, the new state replaces the real file and
//!   the link stays a link. Two paths to one file therefore share one lock and one state.
//! - The temporary file has a name unique to the call and is created with create-new
//!   semantics (`O_EXCL`): a file or link planted under that name is never followed or
//!   truncated, and only what this call created is ever removed.
//! - The lock file is opened without following a link (`O_NOFOLLOW`).
//! - The state and the lock must be regular files: a FIFO, a device or a directory is refused
//!   without blocking on it, and a state is read only up to [`MAX_STATE_BYTES`].

use std::fs::{self, File, OpenOptions};
use std::io;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::allocation::AllocatedPool;
use super::pool::{AddressPool, PoolSpec};
use super::store::{AddressStore, Change, StoreError, Version};
use crate::atomic_file::{not_regular, read_regular, replace};

/// How errors name the state file.
const WHAT: &str = "the address state";

/// The schema this code reads and writes.
pub const STATE_SCHEMA: u32 = 1;

/// How long a writer waits for another writer's lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest state file read. A /16 fully allocated is about 4 MB of JSON; the bound is
/// there so a state linked to `/dev/zero` or a runaway file fails instead of exhausting
/// memory.
pub const MAX_STATE_BYTES: u64 = 256 << 20;

#[derive(Deserialize)]
struct SchemaProbe {
    schema: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    schema: u32,
    version: Version,
    pool: PoolSpec,
    rows: Vec<RowEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowEntry {
    name: String,
    address: IpAddr,
}

/// Address state in one JSON file holding one pool.
///
/// ```
/// use edgeworker_core::address::{AddressManager, AddressPool, AllocationOrder, JsonFileStore};
/// use rand::SeedableRng;
///
/// # let dir = tempfile::tempdir()?;
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = JsonFileStore::new(dir.path().join("mgmt.json"));
/// let pool: AddressPool = serde_json::from_str(r#"{"name": "management", "network": "10.0.0.0/24"}"#)?;
/// assert!(store.create_if_absent(&pool).await?);
///
/// let manager = AddressManager::new(&store);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let address = manager.allocate("management", "edge-1-mgmt", Some(AllocationOrder::Sequential), &mut rng).await?;
/// assert_eq!(address.to_string(), "10.0.0.1");
///
/// let (rows, version) = store.read().await?;
/// assert_eq!((rows.len(), version.get()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct JsonFileStore {
    path: PathBuf,
    lock_timeout: Duration,
}

impl JsonFileStore {
    /// A store over `path`; nothing is touched until used. Writers wait for the lock at most
    /// [`DEFAULT_LOCK_TIMEOUT`].
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The same store, with writers waiting for the lock at most `timeout` before failing
    /// with [`StoreError::Locked`]. Readers never wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// use edgeworker_core::address::JsonFileStore;
    ///
    /// let store = JsonFileStore::new("mgmt.json").with_lock_timeout(Duration::from_secs(5));
    /// assert_eq!(store.lock_timeout(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// How long a writer waits for the lock.
    #[must_use]
    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    /// The state file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes an empty state for `pool` unless the file exists; returns whether it wrote.
    /// An existing file is left as it is, whatever it holds.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the lock or the file cannot be written.
    pub async fn create_if_absent(&self, pool: &AddressPool) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let pool = pool.clone();
        let timeout = self.lock_timeout;
        blocking(move || create_if_absent(&path, pool, timeout)).await
    }

    /// The pool the file holds, whatever its name, with its version.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] when the file cannot be read (absent, a directory, ...),
    /// [`StoreError::Corrupt`] when it is not a valid state.
    pub async fn read(&self) -> Result<(AllocatedPool, Version), StoreError> {
        let path = self.path.clone();
        blocking(move || read_state(&path)).await
    }
}

#[async_trait]
impl AddressStore for JsonFileStore {
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError> {
        let (rows, version) = self.read().await?;
        if rows.pool().name() != pool {
            return Err(StoreError::UnknownPool {
                pool: pool.to_owned(),
            });
        }
        Ok((rows, version))
    }

    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let path = self.path.clone();
        let pool = pool.to_owned();
        let change = change.clone();
        let timeout = self.lock_timeout;
        blocking(move || commit(&path, &pool, &change, expected, timeout)).await
    }
}

/// Runs file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(join) => Err(StoreError::Io {
            path: PathBuf::new(),
            action: "run the file task",
            source: io::Error::other(join.to_string()),
        }),
    }
}

fn io_error(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io {
        path,
        action,
        source,
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn read_state(path: &Path) -> Result<(AllocatedPool, Version), StoreError> {
    let (bytes, _) = read_regular(path, MAX_STATE_BYTES, WHAT)?;
    parse_state(path, &bytes)
}

/// The file a state path names: links followed to the real file, so every path to one file
/// shares its lock and a rewrite replaces the file, not the link. A path that does not exist
/// yet (or a link to one) resolves through its directory, so an operator may link the state
/// path before the first run.
fn resolve(path: &Path) -> Result<PathBuf, StoreError> {
    // The kernel's own limit on links followed in one lookup.
    const MAX_LINKS: usize = 40;
    let action = "resolve the address state path";
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::canonicalize(&current) {
            Ok(real) => return Ok(real),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_error(path, action)(err)),
        }
        let dir = match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        // A dangling link: follow it by hand to the file it would create.
        if let Ok(target) = fs::read_link(&current) {
            current = dir.join(target);
            continue;
        }
        let name = current.file_name().ok_or_else(|| {
            io_error(path, action)(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ))
        })?;
        let dir = fs::canonicalize(&dir).map_err(io_error(&dir, action))?;
        return Ok(dir.join(name));
    }
    Err(io_error(path, action)(io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    )))
}

fn parse_state(path: &Path, bytes: &[u8]) -> Result<(AllocatedPool, Version), StoreError> {
    crate::json::check(bytes).map_err(|err| corrupt(path, err.to_string()))?;
    let probe: SchemaProbe =
        crate::json::from_slice_checked(bytes).map_err(|err| corrupt(path, err.to_string()))?;
    if probe.schema != STATE_SCHEMA {
        return Err(corrupt(
            path,
            format!(
                "schema {} is not supported (this program reads schema {STATE_SCHEMA})",
                probe.schema
            ),
        ));
    }
    let state: StateFile =
        crate::json::from_slice_checked(bytes).map_err(|err| corrupt(path, err.to_string()))?;
    let pool = AddressPool::try_from(state.pool)
        .map_err(|err| corrupt(path, format!("pool: {} ({})", err, err.code())))?;
    let rows = AllocatedPool::with_rows(
        pool,
        state
            .rows
            .iter()
            .map(|row| (row.name.as_str(), row.address)),
    )
    .map_err(|err| corrupt(path, format!("rows: {} ({})", err, err.code())))?;
    Ok((rows, state.version))
}

fn render_state(rows: &AllocatedPool, version: Version) -> Result<Vec<u8>, serde_json::Error> {
    let state = StateFile {
        schema: STATE_SCHEMA,
        version,
        pool: PoolSpec::from(rows.pool().clone()),
        rows: rows
            .rows()
            .into_iter()
            .map(|(name, address)| RowEntry {
                name: name.to_owned(),
                address,
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&state)?;
    json.push(b'\n');
    Ok(json)
}

/// Holds the exclusive writer lock of the real state file `real` until dropped, waiting at
/// most `timeout` for another holder.
fn lock_writers(real: &Path, timeout: Duration) -> Result<File, StoreError> {
    let mut lock_path = real.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&lock_path)
        .map_err(io_error(&lock_path, "open the lock file"))?;
    let metadata = file
        .metadata()
        .map_err(io_error(&lock_path, "open the lock file"))?;
    if !metadata.is_file() {
        return Err(io_error(&lock_path, "open the lock file")(not_regular(
            &metadata,
        )));
    }
    let started = Instant::now();
    // Polling with a short, growing pause instead of a blocking flock(2): a blocking call
    // cannot be given a deadline, and a holder that never lets go must be reported.
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) => {
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(StoreError::Locked {
                        path: real.to_owned(),
                        waited,
                    });
                }
                std::thread::sleep(pause.min(timeout.saturating_sub(waited)));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(err)) => return Err(io_error(&lock_path, "lock")(err)),
        }
    }
}

fn create_if_absent(path: &Path, pool: AddressPool, timeout: Duration) -> Result<bool, StoreError> {
    let real = resolve(path)?;
    // An existing state needs no lock to be left alone: a stuck writer must not block a run
    // that only reads.
    let exists = |real: &Path| match fs::symlink_metadata(real) {
        Ok(_) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(io_error(real, "inspect the address state")(err)),
    };
    if exists(&real)? {
        return Ok(false);
    }
    let _lock = lock_writers(&real, timeout)?;
    if exists(&real)? {
        return Ok(false);
    }
    let json = render_state(&AllocatedPool::new(pool), Version::INITIAL)
        .map_err(|err| io_error(&real, "serialize the address state")(io::Error::other(err)))?;
    replace(&real, &json, None, WHAT)?;
    Ok(true)
}

fn commit(
    path: &Path,
    pool: &str,
    change: &Change,
    expected: Version,
    timeout: Duration,
) -> Result<Version, StoreError> {
    let real = resolve(path)?;
    let _lock = lock_writers(&real, timeout)?;
    let (bytes, metadata) = read_regular(&real, MAX_STATE_BYTES, WHAT)?;
    let (rows, found) = parse_state(&real, &bytes)?;
    if rows.pool().name() != pool {
        return Err(StoreError::UnknownPool {
            pool: pool.to_owned(),
        });
    }
    if found != expected {
        return Err(StoreError::Conflict {
            pool: pool.to_owned(),
            expected,
            found,
            latest: Some(Box::new(rows)),
        });
    }
    let mut rows = rows;
    let next = found.next().ok_or_else(|| StoreError::VersionExhausted {
        pool: pool.to_owned(),
    })?;
    if metadata.permissions().readonly() {
        // Root could write anyway; the operator's chmod says not to.
        return Err(io_error(&real, "write the address state")(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only",
        )));
    }
    change.apply(&mut rows)?;
    let json = render_state(&rows, next)
        .map_err(|err| io_error(&real, "serialize the address state")(io::Error::other(err)))?;
    replace(&real, &json, Some(&metadata), WHAT)?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_checked_before_the_layout() {
        let path = Path::new("state.json");
        let err = parse_state(path, br#"{"schema": 2, "whatever": true}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "state.json: corrupt address state: schema 2 is not supported (this program reads schema 1)"
        );
        let err = parse_state(path, br#"{"version": 0}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `schema`"), "{err}");
    }

    #[test]
    fn broken_rows_and_pools_are_named() {
        let path = Path::new("s.json");
        let pool = r#""pool": {"name": "m", "network": "10.0.0.0/24"}"#;
        let twice = format!(
            r#"{{"schema": 1, "version": 0, {pool}, "rows": [{{"name": "a", "address": "10.0.0.1"}}, {{"name": "a", "address": "10.0.0.2"}}]}}"#
        );
        assert_eq!(
            parse_state(path, twice.as_bytes()).unwrap_err().to_string(),
            "s.json: corrupt address state: rows: Address a is already allocated (mgmt_ip.name_allocated)"
        );
        let bad_pool = br#"{"schema": 1, "version": 0, "pool": {"name": "m", "network": "10.0.0.0/31"}, "rows": []}"#;
        assert_eq!(
            parse_state(path, bad_pool).unwrap_err().to_string(),
            "s.json: corrupt address state: pool: Address pool network 10.0.0.0/31 is too small (pool.network_too_small)"
        );
    }

    #[test]
    fn render_then_parse_round_trips() {
        let pool: AddressPool =
            serde_json::from_str(r#"{"name": "m", "network": "fd00::/64"}"#).unwrap();
        let rows = AllocatedPool::with_rows(
            pool,
            [
                ("z-mgmt", "fd00::9".parse().unwrap()),
                ("a-mgmt", "fd00::1".parse().unwrap()),
            ],
        )
        .unwrap();
        let json = render_state(&rows, Version::new(7)).unwrap();
        let (back, version) = parse_state(Path::new("s"), &json).unwrap();
        assert_eq!(version, Version::new(7));
        assert_eq!(back.rows(), rows.rows());
        assert_eq!(back.pool(), rows.pool());
    }
}
