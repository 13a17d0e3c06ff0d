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
//! - A load takes no lock: the rename is atomic, so a reader sees one whole state. A reader
//!   can therefore work on a read-only copy or directory.
//! - A corrupt, truncated or foreign file is an error naming the file; it is never reset.
//! - A state file made read-only (`chmod a-w`) is refused for writing even by root.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::allocation::AllocatedPool;
use super::pool::{AddressPool, PoolSpec};
use super::store::{AddressStore, Change, StoreError, Version};

/// The schema this code reads and writes.
pub const STATE_SCHEMA: u32 = 1;

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
}

impl JsonFileStore {
    /// A store over `path`; nothing is touched until used.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
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
        blocking(move || create_if_absent(&path, pool)).await
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
        blocking(move || commit(&path, &pool, &change, expected)).await
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
    let bytes = fs::read(path).map_err(io_error(path, "read the address state"))?;
    parse_state(path, &bytes)
}

fn parse_state(path: &Path, bytes: &[u8]) -> Result<(AllocatedPool, Version), StoreError> {
    let probe: SchemaProbe =
        serde_json::from_slice(bytes).map_err(|err| corrupt(path, err.to_string()))?;
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
        serde_json::from_slice(bytes).map_err(|err| corrupt(path, err.to_string()))?;
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

/// Holds the exclusive writer lock until dropped.
fn lock_writers(path: &Path) -> Result<File, StoreError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io_error(&lock_path, "open the lock file"))?;
    file.lock().map_err(io_error(&lock_path, "lock"))?;
    Ok(file)
}

fn create_if_absent(path: &Path, pool: AddressPool) -> Result<bool, StoreError> {
    let _lock = lock_writers(path)?;
    match fs::symlink_metadata(path) {
        Ok(_) => return Ok(false),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_error(path, "inspect the address state")(err)),
    }
    let json = render_state(&AllocatedPool::new(pool), Version::INITIAL)
        .map_err(|err| io_error(path, "serialize the address state")(io::Error::other(err)))?;
    replace(path, &json, None)?;
    Ok(true)
}

fn commit(
    path: &Path,
    pool: &str,
    change: &Change,
    expected: Version,
) -> Result<Version, StoreError> {
    let _lock = lock_writers(path)?;
    let metadata = fs::metadata(path).map_err(io_error(path, "read the address state"))?;
    let (rows, found) = read_state(path)?;
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
        return Err(io_error(path, "write the address state")(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only",
        )));
    }
    change.apply(&mut rows)?;
    let json = render_state(&rows, next)
        .map_err(|err| io_error(path, "serialize the address state")(io::Error::other(err)))?;
    replace(path, &json, Some(metadata.permissions()))?;
    Ok(next)
}

/// Writes `contents` to a temporary file beside `path`, syncs it, renames it over `path` and
/// syncs the directory. Callers hold the writer lock, so one temporary name suffices.
fn replace(
    path: &Path,
    contents: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<(), StoreError> {
    let file_name = path.file_name().ok_or_else(|| {
        io_error(path, "write the address state")(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(".tmp");
    let temp = dir.join(temp_name);
    let written = write_synced(&temp, contents, permissions)
        .map_err(io_error(&temp, "write the new address state"));
    if let Err(err) = written {
        // Best effort: the old state is intact either way.
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    if let Err(err) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io_error(path, "replace the address state")(err));
    }
    File::open(&dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(&dir, "sync the directory"))
}

fn write_synced(
    temp: &Path,
    contents: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(temp)?;
    file.write_all(contents)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.sync_all()
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
