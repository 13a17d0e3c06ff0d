//! An [`AddressStore`] in memory, for one process (tests, a conductor keeping its own state).

use std::collections::HashMap;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::allocation::AllocatedPool;
use super::store::{AddressStore, Change, StoreError, Version};

/// Pools in memory behind a tokio mutex. Loading is O(1) (an [`AllocatedPool`] clone shares
/// its rows), committing O(log n).
///
/// ```
/// use edgeworker_core::address::{AddressPool, AddressStore, AllocatedPool, Change, MemoryStore, StoreError, Version};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let pool: AddressPool = serde_json::from_str(r#"{"name": "management", "network": "10.0.0.0/24"}"#)?;
/// let store = MemoryStore::new([AllocatedPool::new(pool)]);
/// let (_, version) = store.load("management").await?;
/// let add = Change::Add { name: "edge-1-mgmt".into(), address: "10.0.0.9".parse()? };
/// assert_eq!(store.commit("management", &add, version).await?, Version::new(1));
/// // A second writer that read version 0 is refused.
/// let stale = store.commit("management", &Change::Remove { name: "edge-1-mgmt".into() }, version).await;
/// assert!(matches!(stale, Err(StoreError::Conflict { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    pools: Mutex<HashMap<String, (AllocatedPool, Version)>>,
}

impl MemoryStore {
    /// A store holding these pools at [`Version::INITIAL`], keyed by their names (a later pool
    /// of the same name replaces an earlier one).
    #[must_use]
    pub fn new(pools: impl IntoIterator<Item = AllocatedPool>) -> Self {
        let pools = pools
            .into_iter()
            .map(|pool| (pool.pool().name().to_owned(), (pool, Version::INITIAL)))
            .collect();
        Self {
            pools: Mutex::new(pools),
        }
    }
}

#[async_trait]
impl AddressStore for MemoryStore {
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError> {
        let pools = self.pools.lock().await;
        pools
            .get(pool)
            .map(|(rows, version)| (rows.clone(), *version))
            .ok_or_else(|| StoreError::UnknownPool {
                pool: pool.to_owned(),
            })
    }

    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut pools = self.pools.lock().await;
        let (rows, version) = pools.get_mut(pool).ok_or_else(|| StoreError::UnknownPool {
            pool: pool.to_owned(),
        })?;
        if *version != expected {
            return Err(StoreError::Conflict {
                pool: pool.to_owned(),
                expected,
                found: *version,
            });
        }
        let next = version.next().ok_or_else(|| StoreError::VersionExhausted {
            pool: pool.to_owned(),
        })?;
        // `apply` checks before it writes, so a rejected change leaves the rows untouched.
        change.apply(rows)?;
        *version = next;
        Ok(next)
    }
}
