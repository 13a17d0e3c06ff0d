//! Allocation through any [`AddressStore`], retrying when another writer got there first.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use rand::Rng;

use super::allocation::{AllocatedPool, AllocationError};
use super::pool::AllocationOrder;
use super::store::{AddressStore, Change, StoreError};

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
    /// and on a conflict starts over from the state the store returned (or a fresh load).
    async fn retry<T>(
        &self,
        pool: &str,
        mut decide: impl FnMut(AllocatedPool) -> Result<(T, Option<Change>), AllocationError>,
    ) -> Result<T, ManagerError> {
        let mut latest = None;
        let mut jitter = Jitter::new();
        for attempt in 0..self.max_attempts {
            let started = Instant::now();
            let (rows, version) = match latest.take() {
                Some(known) => known,
                None => self.store.load(pool).await?,
            };
            let (answer, change) = decide(rows)?;
            let Some(change) = change else {
                return Ok(answer);
            };
            match self.store.commit(pool, &change, version).await {
                Ok(_) => return Ok(answer),
                Err(StoreError::Conflict {
                    found,
                    latest: current,
                    ..
                }) => {
                    // Alternate: first retry at once from the state the store returned,
                    // which puts this writer ahead of the winner's next load; if that
                    // loses too, the two are in lockstep: pause, then load afresh.
                    if attempt % 2 == 0 {
                        latest = current.map(|rows| (*rows, found));
                    } else {
                        jitter.pause(attempt / 2, started.elapsed()).await;
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

/// Pauses up to this long by spinning; longer pauses sleep on the blocking pool.
const SPIN_LIMIT: Duration = Duration::from_micros(100);

/// A random pause after losing twice in a row. Two writers whose decisions take equally
/// long stay in lockstep: the winner starts its next attempt first and wins again, so the
/// loser can lose every try. Waiting a random part of what the lost attempt cost (times 2,
/// 4, then 8 as losses repeat), then loading afresh, breaks the lockstep. The pause is
/// measured, not counted in instructions: a fixed spin count meant a microsecond on one CPU
/// and far more on another. Short pauses spin; long ones (a file store's fsync-sized
/// attempts) sleep on the blocking pool. No timer driver is needed, so the manager runs on
/// any tokio runtime. On the 64-task test: no pause, a yield, or a pause followed by the
/// pre-pause state each left tens to hundreds of allocations failing after 64 attempts;
/// alternating "retry at once from the returned state" with "pause, then reload", none.
struct Jitter {
    state: u64,
}

impl Jitter {
    fn new() -> Self {
        use std::hash::{BuildHasher, RandomState};
        Self {
            state: RandomState::new().hash_one(0x6a17_u64) | 1,
        }
    }

    async fn pause(&mut self, attempt: u32, spent: Duration) {
        // xorshift64: the state is never zero, so the sequence never sticks.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let span = spent.saturating_mul(2u32 << attempt.min(2));
        let span_nanos = u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
        let wait = Duration::from_nanos(self.state % span_nanos.saturating_add(1));
        if wait <= SPIN_LIMIT {
            let until = Instant::now() + wait;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        } else {
            // A failed pause only shortens the wait; the retry is still correct.
            let _ = tokio::task::spawn_blocking(move || std::thread::sleep(wait)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::{Arc, Mutex};

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::address::store::MockAddressStore;
    use crate::address::{AddressPool, Version};

    type Truth = Arc<Mutex<(AllocatedPool, Version)>>;

    fn truth(network: &str) -> Truth {
        let pool: AddressPool = serde_json::from_str(&format!(
            r#"{{"name": "management", "network": "{network}"}}"#
        ))
        .unwrap();
        Arc::new(Mutex::new((AllocatedPool::new(pool), Version::INITIAL)))
    }

    fn io_error() -> StoreError {
        StoreError::Io {
            path: "state.json".into(),
            action: "write",
            source: std::io::Error::other("disk on fire"),
        }
    }

    /// Applies a change to the truth the way a correct store does.
    fn apply(truth: &Truth, change: &Change, expected: Version) -> Result<Version, StoreError> {
        let mut guard = truth.lock().unwrap();
        let (rows, version) = &mut *guard;
        if *version != expected {
            return Err(StoreError::Conflict {
                pool: "management".into(),
                expected,
                found: *version,
                latest: None,
            });
        }
        change.apply(rows)?;
        *version = version.next().unwrap();
        Ok(*version)
    }

    fn loading_from(store: &mut MockAddressStore, truth: &Truth) {
        let truth = Arc::clone(truth);
        store
            .expect_load()
            .returning(move |_| Ok(truth.lock().unwrap().clone()));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn a_conflict_storm_is_ridden_out_then_bounded() {
        let truth = truth("10.0.0.0/24");
        let mut store = MockAddressStore::new();
        loading_from(&mut store, &truth);
        let commits = Arc::new(Mutex::new(0u32));
        let (t, c) = (Arc::clone(&truth), Arc::clone(&commits));
        store.expect_commit().returning(move |_, change, expected| {
            let mut count = c.lock().unwrap();
            *count += 1;
            if *count <= 5 {
                // Another writer takes the lowest free address each time we are about to.
                let intruder = Change::Add {
                    name: format!("intruder-{count}"),
                    address: format!("10.0.0.{count}").parse().unwrap(),
                };
                let version = t.lock().unwrap().1;
                apply(&t, &intruder, version).unwrap();
            }
            apply(&t, change, expected)
        });
        let manager = AddressManager::new(&store);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let address = runtime()
            .block_on(manager.allocate(
                "management",
                "edge-1-mgmt",
                Some(AllocationOrder::Sequential),
                &mut rng,
            ))
            .unwrap();
        assert_eq!(address.to_string(), "10.0.0.6");
        assert_eq!(*commits.lock().unwrap(), 6);
        let rows = truth.lock().unwrap().0.clone();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows.address_of("edge-1-mgmt"), Some(address));

        // The same storm with only three attempts: the manager gives up, having written
        // nothing of its own.
        let truth = self::truth("10.0.0.0/24");
        let mut store = MockAddressStore::new();
        loading_from(&mut store, &truth);
        let t = Arc::clone(&truth);
        store
            .expect_commit()
            .times(3)
            .returning(move |_, _, expected| {
                let mut guard = t.lock().unwrap();
                guard.1 = guard.1.next().unwrap();
                Err(StoreError::Conflict {
                    pool: "management".into(),
                    expected,
                    found: guard.1,
                    latest: None,
                })
            });
        let manager = AddressManager::new(&store).with_max_attempts(3);
        let err = runtime()
            .block_on(manager.allocate("management", "edge-1-mgmt", None, &mut rng))
            .unwrap_err();
        assert_eq!(err.code(), "store.contention");
        assert_eq!(
            err.to_string(),
            "address pool management kept changing: gave up after 3 attempts"
        );
        assert!(truth.lock().unwrap().0.is_empty());
    }

    #[test]
    fn io_failures_mid_commit_lose_nothing_and_duplicate_nothing() {
        // A /27 has 30 addresses; 24 hosts keep it busy enough for collisions to matter.
        let truth = truth("10.0.0.0/27");
        let mut store = MockAddressStore::new();
        loading_from(&mut store, &truth);
        let faults = Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(42)));
        let seen = Arc::new(Mutex::new([0u32; 4]));
        let (t, f, s) = (Arc::clone(&truth), Arc::clone(&faults), Arc::clone(&seen));
        store.expect_commit().returning(move |_, change, expected| {
            use rand::Rng as _;
            let fault = f.lock().unwrap().random_range(0..4usize);
            s.lock().unwrap()[fault] += 1;
            match fault {
                // The write failed before anything reached the disk.
                0 => Err(io_error()),
                // The write reached the disk, then the directory sync failed.
                1 => {
                    apply(&t, change, expected)?;
                    Err(io_error())
                }
                // Another writer got there first.
                2 => {
                    let mut guard = t.lock().unwrap();
                    guard.1 = guard.1.next().unwrap();
                    Err(StoreError::Conflict {
                        pool: "management".into(),
                        expected,
                        found: guard.1,
                        latest: None,
                    })
                }
                _ => apply(&t, change, expected),
            }
        });
        let manager = AddressManager::new(&store);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut answers: BTreeMap<String, IpAddr> = BTreeMap::new();
        runtime().block_on(async {
            for host in 0..24 {
                let name = format!("edge-{host}-mgmt");
                // A caller that sees an error asks again, as the conductor would.
                for _ in 0..50 {
                    match manager.allocate("management", &name, None, &mut rng).await {
                        Ok(address) => {
                            answers.insert(name.clone(), address);
                            break;
                        }
                        Err(ManagerError::Store(StoreError::Io { .. })) => {}
                        Err(other) => panic!("{other}"),
                    }
                }
            }
        });
        assert!(
            seen.lock().unwrap().iter().all(|&n| n > 0),
            "every fault happened"
        );
        let (rows, _) = truth.lock().unwrap().clone();
        let stored: BTreeMap<String, IpAddr> = rows
            .rows()
            .into_iter()
            .map(|(name, address)| (name.to_owned(), address))
            .collect();
        // Nothing lost: every host got an answer, and it is what the store holds.
        assert_eq!(answers.len(), 24);
        assert_eq!(stored, answers);
        // Nothing twice.
        let distinct: BTreeSet<IpAddr> = stored.values().copied().collect();
        assert_eq!(distinct.len(), 24);
    }

    #[test]
    fn a_rule_refused_by_the_store_is_a_rule() {
        let truth = truth("10.0.0.0/24");
        let mut store = MockAddressStore::new();
        loading_from(&mut store, &truth);
        store.expect_commit().returning(|_, change, _| {
            let Change::Add { address, .. } = change else {
                panic!("expected an add");
            };
            Err(StoreError::Rejected(AllocationError::AddressAllocated {
                address: *address,
            }))
        });
        let manager = AddressManager::new(&store);
        let err = runtime()
            .block_on(manager.reserve("management", "edge-1-mgmt", "10.0.0.9".parse().unwrap()))
            .unwrap_err();
        assert!(matches!(err, ManagerError::Rule(_)), "{err:?}");
        assert_eq!(err.code(), "mgmt_ip.allocated");
    }

    #[test]
    fn nothing_to_change_means_no_commit() {
        let truth = truth("10.0.0.0/24");
        apply(
            &truth,
            &Change::Add {
                name: "edge-1-mgmt".into(),
                address: "10.0.0.9".parse().unwrap(),
            },
            Version::INITIAL,
        )
        .unwrap();
        let mut store = MockAddressStore::new();
        loading_from(&mut store, &truth);
        store.expect_commit().never();
        let manager = AddressManager::new(&store);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        runtime().block_on(async {
            let address = "10.0.0.9".parse().unwrap();
            assert_eq!(
                manager
                    .allocate("management", "edge-1-mgmt", None, &mut rng)
                    .await
                    .unwrap(),
                address
            );
            manager
                .reserve("management", "edge-1-mgmt", address)
                .await
                .unwrap();
            assert_eq!(
                manager.release("management", "edge-2-mgmt").await.unwrap(),
                None
            );
        });
    }

    #[test]
    fn load_failures_pass_through() {
        let mut store = MockAddressStore::new();
        store
            .expect_load()
            .returning(|pool| Err(StoreError::UnknownPool { pool: pool.into() }));
        let manager = AddressManager::new(&store);
        let err = runtime()
            .block_on(manager.release("oam", "edge-1-mgmt"))
            .unwrap_err();
        assert_eq!(err.code(), "store.unknown_pool");
        assert_eq!(err.to_string(), "address pool oam is not in the store");
    }
}
