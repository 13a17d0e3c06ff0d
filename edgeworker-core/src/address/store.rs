//! Where address rows live between requests, and the compare-and-swap that keeps two
//! allocators from handing out one address.
//!
//! A writer [`load`](AddressStore::load)s a snapshot and its [`Version`], decides a
//! [`Change`] on the snapshot, and [`commit`](AddressStore::commit)s it with the version it
//! read. The store applies the change only if the pool is still at that version; otherwise it
//! answers [`StoreError::Conflict`] and the writer starts again from a fresh snapshot (the
//! [`AddressManager`](super::AddressManager) does this, a bounded number of times).

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::allocation::{AllocatedPool, AllocationError};

/// A pool's version: how many changes were committed to it. A commit made against an older
/// version is refused.
///
/// ```
/// use edgeworker_core::address::Version;
/// assert_eq!(Version::INITIAL.next(), Some(Version::new(1)));
/// assert_eq!(Version::new(u64::MAX).next(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    /// The version of a pool nothing was committed to.
    pub const INITIAL: Self = Self(0);

    /// A version from its number.
    #[must_use]
    pub const fn new(number: u64) -> Self {
        Self(number)
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The version after one more commit; `None` when the counter is exhausted.
    #[must_use]
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One change to a pool's rows: the unit a store commits atomically.
///
/// ```
/// use edgeworker_core::address::{AddressPool, AllocatedPool, Change};
/// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
/// let mut pool = AllocatedPool::new(pool);
/// Change::Add { name: "edge-1-mgmt".into(), address: "10.0.0.4".parse()? }.apply(&mut pool)?;
/// assert_eq!(pool.address_of("edge-1-mgmt"), Some("10.0.0.4".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new row (an allocation or a reservation).
    Add {
        /// The row name.
        name: String,
        /// Its address, inside the pool's ranges.
        address: IpAddr,
    },
    /// A row removed (a release).
    Remove {
        /// The row name.
        name: String,
    },
}

impl Change {
    /// Applies the change with the allocator's rules, so a store never records a row that
    /// [`AllocatedPool::reserve`] would refuse. Removing an absent row changes nothing.
    ///
    /// # Errors
    ///
    /// The [`AllocationError`] of [`AllocatedPool::reserve`] for an `Add`.
    pub fn apply(&self, pool: &mut AllocatedPool) -> Result<(), AllocationError> {
        match self {
            Self::Add { name, address } => pool.reserve(name, *address),
            Self::Remove { name } => {
                pool.release(name);
                Ok(())
            }
        }
    }
}

/// Why a store could not load or commit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The pool changed since the version the change was made against.
    #[error(
        "address pool {pool} changed while the change was made (expected version {expected}, found {found})"
    )]
    Conflict {
        /// The pool's name.
        pool: String,
        /// The version the writer read.
        expected: Version,
        /// The version the store holds.
        found: Version,
        /// The pool at `found`, when the store had it at hand (it read it to compare).
        /// Starting the next attempt from it, instead of loading again, keeps a writer that
        /// lost from losing again to the winner's next load (compare-exchange returns the
        /// current value for the same reason).
        latest: Option<Box<AllocatedPool>>,
    },
    /// The store holds no pool of that name.
    #[error("address pool {pool} is not in the store")]
    UnknownPool {
        /// The name asked for.
        pool: String,
    },
    /// The change breaks a rule against the stored rows (a writer that skipped the version
    /// check, or a store edited by hand).
    #[error(transparent)]
    Rejected(#[from] AllocationError),
    /// Reading, writing or locking a file failed.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`read`, `write`, `lock`, ...).
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Reading or replacing the state file failed.
    #[error(transparent)]
    File(#[from] crate::atomic_file::FileError),
    /// A state file is not a valid state (bad JSON, truncated, unknown schema, broken rows).
    /// Never repaired or reset silently: the file is left as it is for a person to look at.
    #[error("{}: corrupt address state: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position for JSON errors.
        reason: String,
    },
    /// Another writer held the state's lock for longer than the writer would wait. Nothing
    /// was written.
    #[error("{}: is locked by another process (waited {:.1} s)", path.display(), waited.as_secs_f64())]
    Locked {
        /// The state file (its real path, links resolved).
        path: PathBuf,
        /// How long the writer waited.
        waited: std::time::Duration,
    },
    /// The version counter cannot go higher.
    #[error("address pool {pool} has reached its last version")]
    VersionExhausted {
        /// The pool's name.
        pool: String,
    },
}

impl StoreError {
    /// The stable code: the rule's code for [`StoreError::Rejected`], else `store.*`.
    ///
    /// ```
    /// use edgeworker_core::address::StoreError;
    /// let err = StoreError::UnknownPool { pool: "oam".into() };
    /// assert_eq!(err.code(), "store.unknown_pool");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Conflict { .. } => "store.conflict",
            Self::UnknownPool { .. } => "store.unknown_pool",
            Self::Rejected(rule) => rule.code(),
            Self::Io { .. } | Self::File(_) => "store.io",
            Self::Corrupt { .. } => "store.corrupt",
            Self::Locked { .. } => "store.locked",
            Self::VersionExhausted { .. } => "store.version_exhausted",
        }
    }
}

/// Storage of address pools with compare-and-swap commits.
///
/// Implementations: [`MemoryStore`](super::MemoryStore) (one process) and
/// [`JsonFileStore`](super::JsonFileStore) (processes sharing a file).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AddressStore: Send + Sync {
    /// The pool's current rows and version. The snapshot is the caller's to change freely;
    /// changing it changes nothing stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownPool`], or the store's own failures (I/O, corrupt state).
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError>;

    /// Applies `change` if the pool is still at `expected`, and returns the new version.
    ///
    /// A conflict or a rejected change changed nothing. An I/O error may come after the new
    /// state is already durable (a file store's directory sync failing after the rename), so
    /// a writer that sees one must re-read rather than assume either way; the
    /// [`AddressManager`](super::AddressManager) stops and reports it, and because allocation
    /// is idempotent per name, asking again returns the address that was stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::Conflict`] when the pool moved on; [`StoreError::Rejected`] when the
    /// change breaks a rule; the store's own failures.
    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// A shared reference is a store, so managers can borrow one store.
#[async_trait]
impl<T: AddressStore + ?Sized> AddressStore for &T {
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError> {
        (**self).load(pool).await
    }

    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError> {
        (**self).commit(pool, change, expected).await
    }
}

/// An `Arc` is a store, so tasks can share one store.
#[async_trait]
impl<T: AddressStore + ?Sized> AddressStore for std::sync::Arc<T> {
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError> {
        (**self).load(pool).await
    }

    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError> {
        (**self).commit(pool, change, expected).await
    }
}
