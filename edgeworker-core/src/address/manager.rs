//! Allocation through any [`AddressStore`], retrying when another writer got there first.

use std::net::IpAddr;

use rand::Rng;

use super::allocation::{AllocatedPool, AllocationError};
use super::pool::AllocationOrder;
use super::store::{AddressStore, Change, StoreError, Version};

/// How many times an operation reads and commits before giving up under contention.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 64;

/// Why a managed operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The operation breaks a rule (exhausted, already allocated, out of pool, bad name).
    #[error(transparent)]
    Rule(#[from] AllocationError),
    /// The store failed (I/O, corrupt state, unknown pool).
    #[error(transparent)]
    Store(StoreError),
    /// Every attempt lost the race to another writer.
    #[error("address pool {pool} kept changing: gave up after {attempts} attempts")]
    Contention {
        /// The pool's name.
        pool: String,
        /// How many times the operation was tried.
        attempts: u32,
    },
}

impl From<StoreError> for ManagerError {
    fn from(err: StoreError) -> Self {
        match err {
            // A rule refused by the store is still a rule, whoever noticed it.
            StoreError::Rejected(rule) => Self::Rule(rule),
            other => Self::Store(other),
        }
    }
}

impl ManagerError {
    /// The stable code (the rule's or the store's, or `store.contention`).
    ///
    /// ```
    /// use edgeworker_core::address::ManagerError;
    /// let err = ManagerError::Contention { pool: "management".into(), attempts: 3 };
    /// assert_eq!(err.code(), "store.contention");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rule(rule) => rule.code(),
            Self::Store(store) => store.code(),
            Self::Contention { .. } => "store.contention",
        }
    }
}

/// Allocates, reserves and releases management addresses through a store: read, decide,
/// compare-and-swap, and on a conflict start over, at most `max_attempts` times.
///
/// Two managers (threads, tasks or processes) on one store never hand out one address: each
/// commit names the version it was decided on, and the store refuses stale ones.
///
/// ```
/// use edgeworker_core::address::{AddressManager, AddressPool, AllocatedPool, AllocationOrder, MemoryStore};
/// use rand::SeedableRng;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let pool: AddressPool = serde_json::from_str(r#"{"name": "management", "network": "10.0.0.0/30"}"#)?;
/// let store = MemoryStore::new([AllocatedPool::new(pool)]);
/// let manager = AddressManager::new(&store);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
///
/// let a = manager.allocate("management", "edge-1-mgmt", None, &mut rng).await?;
/// assert_eq!(manager.allocate("management", "edge-1-mgmt", None, &mut rng).await?, a);
/// manager.reserve("management", "edge-2-mgmt", if a.to_string() == "10.0.0.1" { "10.0.0.2" } else { "10.0.0.1" }.parse()?).await?;
/// let full = manager.allocate("management", "edge-3-mgmt", None, &mut rng).await.unwrap_err();
/// assert_eq!(full.code(), "pool.exhausted");
/// assert_eq!(manager.release("management", "edge-1-mgmt").await?, Some(a));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AddressManager<S> {
    store: S,
    max_attempts: u32,
}

impl<S: AddressStore> AddressManager<S> {
    /// A manager with [`DEFAULT_MAX_ATTEMPTS`]. `S` is a store or a reference to one.
    pub fn new(store: S) -> Self {
        Self {
            store,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The same manager giving up after `attempts` tries (at least one).
    #[must_use]
    pub fn with_max_attempts(self, attempts: u32) -> Self {
        Self {
            max_attempts: attempts.max(1),
            ..self
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// [`AllocatedPool::allocate`] through the store: the existing address of `name`, or a
    /// new one committed. Retrying draws a new address from `rng` each time.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Rule`] (e.g. `pool.exhausted`), [`ManagerError::Store`],
    /// [`ManagerError::Contention`].
    pub async fn allocate<R: Rng + Send + ?Sized>(
        &self,
        pool: &str,
        name: &str,
        order: Option<AllocationOrder>,
        rng: &mut R,
    ) -> Result<IpAddr, ManagerError> {
        self.retry(pool, |mut rows| {
            if let Some(address) = rows.address_of(name) {
                return Ok((address, None));
            }
            let address = rows.allocate(name, order, rng)?;
            Ok((
                address,
                Some(Change::Add {
                    name: name.to_owned(),
                    address,
                }),
            ))
        })
        .await
    }

    /// [`AllocatedPool::reserve`] through the store.
    ///
    /// # Errors
    ///
    /// As [`AddressManager::allocate`]; the rules are `mgmt_ip.allocated`,
    /// `mgmt_ip.name_allocated` and `mgmt_ip.out_of_pool`.
    pub async fn reserve(
        &self,
        pool: &str,
        name: &str,
        address: IpAddr,
    ) -> Result<(), ManagerError> {
        self.retry(pool, |mut rows| {
            if rows.address_of(name) == Some(address) {
                return Ok(((), None));
            }
            rows.reserve(name, address)?;
            Ok((
                (),
                Some(Change::Add {
                    name: name.to_owned(),
                    address,
                }),
            ))
        })
        .await
    }

    /// [`AllocatedPool::release`] through the store; `None` when `name` had no row.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Store`], [`ManagerError::Contention`].
    pub async fn release(&self, pool: &str, name: &str) -> Result<Option<IpAddr>, ManagerError> {
        self.retry(pool, |rows| {
            Ok(match rows.address_of(name) {
                Some(address) => (
                    Some(address),
                    Some(Change::Remove {
                        name: name.to_owned(),
                    }),
                ),
                None => (None, None),
            })
        })
        .await
    }

    /// Loads, lets `decide` pick the answer and the change (none: nothing to write), commits,
    /// and starts over on a conflict.
    async fn retry<T>(
        &self,
        pool: &str,
        mut decide: impl FnMut(AllocatedPool) -> Result<(T, Option<Change>), AllocationError>,
    ) -> Result<T, ManagerError> {
        for attempt in 1..=self.max_attempts {
            let (rows, version): (AllocatedPool, Version) = self.store.load(pool).await?;
            let (answer, change) = decide(rows)?;
            let Some(change) = change else {
                return Ok(answer);
            };
            match self.store.commit(pool, &change, version).await {
                Ok(_) => return Ok(answer),
                Err(StoreError::Conflict { .. }) => {
                    if attempt < self.max_attempts {
                        // Let the winner's peers run before re-reading, so a storm thins out.
                        tokio::task::yield_now().await;
                    }
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(ManagerError::Contention {
            pool: pool.to_owned(),
            attempts: self.max_attempts,
        })
    }
}
