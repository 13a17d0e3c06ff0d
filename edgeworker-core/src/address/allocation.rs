//! A pool together with its address rows: allocation, reservation and release.
//!
//! Cost: every operation is O(log n) in the rows (plus O(log r) in the ranges); memory is
//! proportional to the rows, never to the pool's size, so a /64 with a million rows is as
//! cheap to allocate in as a /24. Cloning is O(1) (the rows are shared until written).

use crate::profile::{NetworkPools, Profile};
use std::cmp::Ordering;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use rand::Rng;

use super::intervals::Intervals;
use super::pool::{AddressPool, AllocationOrder, ip_to_u128};
use super::tree::{Tree, Weighted};
use crate::excerpt::excerpt;
use crate::hostname::{self, is_hostname_char};

/// The longest row name: a host name of [`hostname::MAX_LEN`] characters plus `-mgmt`.
pub const MAX_ROW_NAME_LEN: usize = hostname::MAX_LEN + MGMT_SUFFIX.len();

/// The suffix of a host's management address row (`edge-1-mgmt`).
pub const MGMT_SUFFIX: &str = "-mgmt";

/// The name of a host's management address row: `<hostname>-mgmt`, as sysinv names it.
///
/// ```
/// use edgeworker_core::address::mgmt_row_name;
/// assert_eq!(mgmt_row_name("edge-1"), "edge-1-mgmt");
/// ```
#[must_use]
pub fn mgmt_row_name(hostname: &str) -> String {
    format!("{hostname}{MGMT_SUFFIX}")
}

/// Why an allocation, reservation or set of rows is refused. Codes are stable; the 409/400
/// messages are sysinv's (RULES.md §2 rows 17–19 and §4), so a caller can show them as is.
///
/// Separate from [`PoolError`](super::PoolError) because a `PoolError` means the pool itself
/// is malformed (always 400, found when it is built), while these depend on the rows at the
/// moment of a request, and a caller treats them differently (exhaustion and conflicts are
/// 409s, retried or shown, never "fix your pool file").
///
/// ```
/// use edgeworker_core::address::AllocationError;
/// let err = AllocationError::Exhausted { pool: "management".into() };
/// assert_eq!(err.code(), "pool.exhausted");
/// assert_eq!(err.status(), 409);
/// assert_eq!(err.to_string(), "Address pool management has no available addresses");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocationError {
    /// No free address is left in the ranges.
    #[error("Address pool {pool} has no available addresses")]
    Exhausted {
        /// The pool's name.
        pool: String,
    },
    /// The address is held by another row.
    #[error("Address {address} is already allocated")]
    AddressAllocated {
        /// The address asked for.
        address: IpAddr,
    },
    /// The name already holds another address.
    #[error("Address {name} is already allocated")]
    NameAllocated {
        /// The row name.
        name: String,
    },
    /// The address is not inside the pool's ranges (or not of its family).
    #[error("IP address {address} is not within address pool ranges")]
    OutOfPool {
        /// The address asked for.
        address: IpAddr,
    },
    /// The row name is empty, too long, or has a character outside the host-name alphabet
    /// (such a name could never be written to the DHCP files safely).
    #[error(
        "Address name {name:?} must be 1 to {MAX_ROW_NAME_LEN} letters, numbers, underscores, periods or hyphens"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Text given as an address (a reservation, or a row from a caller that keeps rows as
    /// text) that is not an IPv4 or IPv6 address. See [`parse_address`].
    #[error("{:?} is not an IP address", excerpt(.text))]
    InvalidAddress {
        /// The text given.
        text: String,
    },
}

impl AllocationError {
    /// The stable code. Rule failures share the codes of the host-add rules they are
    /// (RULES.md §2), so a validator can pass them on unchanged.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Exhausted { .. } => "pool.exhausted",
            Self::AddressAllocated { .. } => "mgmt_ip.allocated",
            Self::NameAllocated { .. } => "mgmt_ip.name_allocated",
            Self::OutOfPool { .. } => "mgmt_ip.out_of_pool",
            Self::InvalidName { .. } => "address.invalid_name",
            Self::InvalidAddress { .. } => "address.invalid",
        }
    }

    /// The HTTP status sysinv would answer: 409 for conflicts, else 400.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::Exhausted { .. } | Self::AddressAllocated { .. } | Self::NameAllocated { .. } => {
                409
            }
            Self::OutOfPool { .. } | Self::InvalidName { .. } | Self::InvalidAddress { .. } => 400,
        }
    }
}

/// An address written as text, read as the allocator's rules need it: for a caller that holds
/// rows or a reservation as text (a database, a Python dict). No normalization beyond Rust's
/// own parser: leading zeros and zone suffixes are refused.
///
/// ```
/// use edgeworker_core::address::parse_address;
/// assert_eq!(parse_address("192.168.204.9")?, std::net::Ipv4Addr::new(192, 168, 204, 9));
/// assert_eq!(parse_address("fd00::9")?.to_string(), "fd00::9");
/// let err = parse_address("192.168.204.999").unwrap_err();
/// assert_eq!(err.code(), "address.invalid");
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.to_string(), r#""192.168.204.999" is not an IP address"#);
/// # Ok::<(), edgeworker_core::address::AllocationError>(())
/// ```
///
/// # Errors
///
/// [`AllocationError::InvalidAddress`] (`address.invalid`), quoting at most 64 characters of
/// the text.
pub fn parse_address(text: &str) -> Result<IpAddr, AllocationError> {
    text.parse().map_err(|_| AllocationError::InvalidAddress {
        text: text.to_owned(),
    })
}

/// A row name keyed by a hash first: most comparisons in the name tree are then one
/// integer compare on the node itself instead of a trip to the heap for the string. Equal
/// hashes fall back to the names, so collisions (even chosen ones) cost time, never
/// correctness.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct NameKey {
    hash: u64,
    name: Arc<str>,
}

/// A fast multiply-rotate hash over 8-byte words (the mixing of rustc's `FxHash`); not for security.
fn name_hash(name: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash = name.len() as u64;
    for chunk in name.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    hash
}

/// Where `name` (with its hash) lies relative to `key`.
fn seek(hash: u64, name: &str) -> impl Fn(&NameKey) -> Ordering + Copy + '_ {
    move |key| hash.cmp(&key.hash).then_with(|| name.cmp(&key.name))
}

/// What the allocator keeps per row.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Insertion order, so rows come back in row order (DHCP files follow it).
    seq: u64,
    address: IpAddr,
}

/// The name tree's weights count rows.
impl Weighted for Row {
    fn weight(&self) -> u64 {
        1
    }
}

/// A pool and its address rows (name → address): the management pool as the conductor sees
/// it.
///
/// Rows outside the ranges (loaded from a pool whose ranges were later narrowed) are kept and
/// stay in use, but are never handed out again; [`reserve`](Self::reserve) only takes
/// addresses inside the ranges.
///
/// ```
/// use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationOrder};
/// use rand::SeedableRng;
///
/// let pool: AddressPool = serde_json::from_str(
///     r#"{"name": "management", "network": "192.168.204.0/24", "ranges": [["192.168.204.2", "192.168.204.9"]]}"#,
/// )?;
/// let mut pool = AllocatedPool::with_rows(pool, [("controller-mgmt", "192.168.204.2".parse()?)])?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
///
/// let address = pool.allocate("edge-1-mgmt", Some(AllocationOrder::Sequential), &mut rng)?;
/// assert_eq!(address.to_string(), "192.168.204.3");
/// // Idempotent: configuring the host again keeps its address.
/// assert_eq!(pool.allocate("edge-1-mgmt", None, &mut rng)?, address);
/// assert_eq!(pool.free_count(), 6);
/// assert_eq!(pool.release("edge-1-mgmt"), Some(address));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AllocatedPool {
    pool: Arc<AddressPool>,
    /// `offsets[i]`: how many range addresses lie before range `i`. An address's *position*
    /// is its index in the ranges laid end to end; positions fit a `u128` even for `::/0`.
    offsets: Arc<[u128]>,
    /// How many addresses the ranges hold (saturating).
    total: u128,
    /// Positions of the rows inside the ranges.
    used: Intervals,
    /// Addresses (as numbers) of the rows outside the ranges.
    outside: Intervals,
    rows: Tree<NameKey, Row>,
    next_seq: u64,
}

impl AllocatedPool {
    /// A pool without rows.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationOrder};
    /// let pool = AddressPool::new("management", "fd00::/64".parse()?, None, AllocationOrder::Random)?;
    /// let pool = AllocatedPool::new(pool);
    /// assert_eq!(pool.free_count(), (1u128 << 64) - 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(pool: AddressPool) -> Self {
        let mut offsets = Vec::with_capacity(pool.ranges().len());
        let mut before: u128 = 0;
        for range in pool.ranges() {
            offsets.push(before);
            before = before.saturating_add(range.len());
        }
        Self {
            pool: Arc::new(pool),
            offsets: offsets.into(),
            total: before,
            used: Intervals::new(),
            outside: Intervals::new(),
            rows: Tree::new(),
            next_seq: 0,
        }
    }

    /// A pool with existing rows, kept in the order given.
    ///
    /// # Errors
    ///
    /// [`AllocationError::InvalidName`] for a bad name, [`AllocationError::NameAllocated`] /
    /// [`AllocationError::AddressAllocated`] when two rows share a name / an address, and
    /// [`AllocationError::OutOfPool`] for an address of the other family.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let twice = [("a-mgmt", "10.0.0.5".parse()?), ("b-mgmt", "10.0.0.5".parse()?)];
    /// let err = AllocatedPool::with_rows(pool, twice).unwrap_err();
    /// assert_eq!(err.to_string(), "Address 10.0.0.5 is already allocated");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_rows<N: AsRef<str>>(
        pool: AddressPool,
        rows: impl IntoIterator<Item = (N, IpAddr)>,
    ) -> Result<Self, AllocationError> {
        let mut allocated = Self::new(pool);
        for (name, address) in rows {
            let name = name.as_ref();
            check_name(name)?;
            if address.is_ipv4() != allocated.pool.is_ipv4() {
                return Err(AllocationError::OutOfPool { address });
            }
            if allocated.is_allocated(address) {
                return Err(AllocationError::AddressAllocated { address });
            }
            if allocated.address_of(name).is_some() {
                return Err(AllocationError::NameAllocated {
                    name: name.to_owned(),
                });
            }
            allocated.insert_row(name, address);
        }
        Ok(allocated)
    }

    /// [`AllocatedPool::with_rows`] under `profile`'s rules: where the profile gives a host
    /// one address per family (stx10, dual-stack, sysinv `fcebab8ef`), rows are matched by
    /// name and family, so the rows of the network's other family are its other pool's and
    /// are left out here; under classic such a row is [`AllocationError::OutOfPool`].
    ///
    /// # Errors
    ///
    /// As [`AllocatedPool::with_rows`].
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// use edgeworker_core::profile::Profile;
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let rows = [("edge-1-mgmt", "10.0.0.5".parse()?), ("edge-1-mgmt", "fd00::5".parse()?)];
    /// let stx10 = AllocatedPool::with_rows_under(pool.clone(), rows, Profile::Stx10)?;
    /// assert_eq!(stx10.rows(), [("edge-1-mgmt", "10.0.0.5".parse()?)]);
    /// let classic = AllocatedPool::with_rows_under(pool, rows, Profile::Classic).unwrap_err();
    /// assert_eq!(classic.code(), "mgmt_ip.out_of_pool");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_rows_under<N: AsRef<str>>(
        pool: AddressPool,
        rows: impl IntoIterator<Item = (N, IpAddr)>,
        profile: Profile,
    ) -> Result<Self, AllocationError> {
        let every_family = profile.rules().network_pools == NetworkPools::EveryFamily;
        let family = pool.is_ipv4();
        Self::with_rows(
            pool,
            rows.into_iter()
                .filter(|(_, address)| !every_family || address.is_ipv4() == family),
        )
    }

    /// The pool definition.
    #[must_use]
    pub fn pool(&self) -> &AddressPool {
        &self.pool
    }

    /// Gives `name` an address: its existing one if it has a row (configuring a host twice
    /// keeps its address), else the lowest free address (`Sequential`) or one drawn uniformly
    /// from all free addresses (`Random`). `order: None` uses the pool's order. The caller
    /// owns the random generator, so a seeded generator makes the result reproducible.
    ///
    /// # Errors
    ///
    /// [`AllocationError::InvalidName`], or [`AllocationError::Exhausted`] when no address is
    /// free.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationOrder};
    /// use rand::SeedableRng;
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "tiny", "network": "10.0.0.0/30"}"#)?;
    /// let mut pool = AllocatedPool::new(pool);
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// pool.allocate("a-mgmt", Some(AllocationOrder::Random), &mut rng)?;
    /// pool.allocate("b-mgmt", Some(AllocationOrder::Random), &mut rng)?;
    /// let err = pool.allocate("c-mgmt", None, &mut rng).unwrap_err();
    /// assert_eq!(err.code(), "pool.exhausted");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allocate<R: Rng + ?Sized>(
        &mut self,
        name: &str,
        order: Option<AllocationOrder>,
        rng: &mut R,
    ) -> Result<IpAddr, AllocationError> {
        check_name(name)?;
        if let Some(address) = self.address_of(name) {
            return Ok(address);
        }
        let free = self.free_count();
        if free == 0 {
            return Err(self.exhausted());
        }
        let k = match order.unwrap_or(self.pool.order()) {
            AllocationOrder::Sequential => 0,
            AllocationOrder::Random => rng.random_range(0..free),
        };
        let address = self
            .address_at(self.used.nth_gap(k))
            .ok_or_else(|| self.exhausted())?;
        self.insert_row(name, address);
        Ok(address)
    }

    /// Records `name` → `address` (static mode: the operator chose the address). Asking again
    /// for the row that exists is a success that changes nothing.
    ///
    /// # Errors
    ///
    /// In sysinv's order: [`AllocationError::AddressAllocated`] (409) when another row holds
    /// the address, [`AllocationError::NameAllocated`] (409) when `name` holds another
    /// address, [`AllocationError::OutOfPool`] (400) when the address is outside the ranges;
    /// [`AllocationError::InvalidName`] before all of them.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(
    ///     r#"{"name": "m", "network": "10.0.0.0/24", "ranges": [["10.0.0.10", "10.0.0.20"]]}"#,
    /// )?;
    /// let mut pool = AllocatedPool::new(pool);
    /// pool.reserve("edge-1-mgmt", "10.0.0.12".parse()?)?;
    /// let taken = pool.reserve("edge-2-mgmt", "10.0.0.12".parse()?).unwrap_err();
    /// assert_eq!(taken.to_string(), "Address 10.0.0.12 is already allocated");
    /// let moved = pool.reserve("edge-1-mgmt", "10.0.0.13".parse()?).unwrap_err();
    /// assert_eq!(moved.to_string(), "Address edge-1-mgmt is already allocated");
    /// let outside = pool.reserve("edge-3-mgmt", "10.0.0.2".parse()?).unwrap_err();
    /// assert_eq!(outside.to_string(), "IP address 10.0.0.2 is not within address pool ranges");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reserve(&mut self, name: &str, address: IpAddr) -> Result<(), AllocationError> {
        check_name(name)?;
        let held = self.address_of(name);
        if held == Some(address) {
            return Ok(());
        }
        if self.is_allocated(address) {
            return Err(AllocationError::AddressAllocated { address });
        }
        if held.is_some() {
            return Err(AllocationError::NameAllocated {
                name: name.to_owned(),
            });
        }
        if !self.pool.contains(address) {
            return Err(AllocationError::OutOfPool { address });
        }
        self.insert_row(name, address);
        Ok(())
    }

    /// Removes `name`'s row (host delete), returning the address it held.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let mut pool = AllocatedPool::with_rows(pool, [("edge-1-mgmt", "10.0.0.7".parse()?)])?;
    /// assert_eq!(pool.release("edge-1-mgmt"), Some("10.0.0.7".parse()?));
    /// assert_eq!(pool.release("edge-1-mgmt"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(&mut self, name: &str) -> Option<IpAddr> {
        let row = self.rows.remove_by(seek(name_hash(name), name))?;
        match self.position_of(row.address) {
            Some(position) => self.used.remove(position),
            None => self.outside.remove(ip_to_u128(row.address)),
        };
        Some(row.address)
    }

    /// The address `name` holds.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let pool = AllocatedPool::with_rows(pool, [("edge-1-mgmt", "10.0.0.7".parse()?)])?;
    /// assert_eq!(pool.address_of("edge-1-mgmt"), Some("10.0.0.7".parse()?));
    /// assert_eq!(pool.address_of("edge-2-mgmt"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn address_of(&self, name: &str) -> Option<IpAddr> {
        self.rows
            .find(seek(name_hash(name), name))
            .map(|row| row.address)
    }

    /// Whether a row holds `address`.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let pool = AllocatedPool::with_rows(pool, [("gateway-mgmt", "10.0.0.1".parse()?)])?;
    /// assert!(pool.is_allocated("10.0.0.1".parse()?));
    /// assert!(!pool.is_allocated("10.0.0.2".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_allocated(&self, address: IpAddr) -> bool {
        if address.is_ipv4() != self.pool.is_ipv4() {
            return false;
        }
        match self.position_of(address) {
            Some(position) => self.used.contains(position),
            None => self.outside.contains(ip_to_u128(address)),
        }
    }

    /// Whether `address` lies in the pool's ranges, allocated or not (whether a row holds
    /// it is [`AllocatedPool::is_allocated`]).
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/30"}"#)?;
    /// let pool = AllocatedPool::new(pool);
    /// assert!(pool.contains_address("10.0.0.2".parse()?));
    /// assert!(!pool.contains_address("10.0.0.3".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contains_address(&self, address: IpAddr) -> bool {
        self.pool.contains(address)
    }

    /// How many addresses of the ranges no row holds; exact for any pool (an IPv6 /64 has
    /// 2^64 − 1), saturating only for a range covering all of IPv6.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let pool = AllocatedPool::with_rows(pool, [("gateway-mgmt", "10.0.0.1".parse()?)])?;
    /// assert_eq!(pool.free_count(), 253);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn free_count(&self) -> u128 {
        self.total.saturating_sub(u128::from(self.used.count()))
    }

    /// The rows, `(name, address)`, in row order (the order given, then allocated).
    /// O(n log n): it sorts.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, AllocatedPool};
    /// let pool: AddressPool = serde_json::from_str(r#"{"name": "m", "network": "10.0.0.0/24"}"#)?;
    /// let mut pool = AllocatedPool::with_rows(pool, [("z-mgmt", "10.0.0.9".parse()?)])?;
    /// pool.reserve("a-mgmt", "10.0.0.3".parse()?)?;
    /// let names: Vec<&str> = pool.rows().into_iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["z-mgmt", "a-mgmt"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn rows(&self) -> Vec<(&str, IpAddr)> {
        let mut rows: Vec<(u64, &str, IpAddr)> = self
            .rows
            .iter()
            .map(|(key, row)| (row.seq, &*key.name, row.address))
            .collect();
        rows.sort_unstable_by_key(|&(seq, _, _)| seq);
        rows.into_iter()
            .map(|(_, name, address)| (name, address))
            .collect()
    }

    /// How many rows there are.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::try_from(self.rows.weight()).unwrap_or(usize::MAX)
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.weight() == 0
    }

    fn exhausted(&self) -> AllocationError {
        AllocationError::Exhausted {
            pool: self.pool.name().to_owned(),
        }
    }

    /// Adds a row whose name and address are known to be free.
    fn insert_row(&mut self, name: &str, address: IpAddr) {
        match self.position_of(address) {
            Some(position) => self.used.insert(position),
            None => self.outside.insert(ip_to_u128(address)),
        };
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let key = NameKey {
            hash: name_hash(name),
            name: Arc::from(name),
        };
        self.rows.insert(key, Row { seq, address });
    }

    /// The position of an address inside the ranges, `None` outside them.
    fn position_of(&self, address: IpAddr) -> Option<u128> {
        if address.is_ipv4() != self.pool.is_ipv4() {
            return None;
        }
        let value = ip_to_u128(address);
        let ranges = self.pool.ranges();
        let index = ranges
            .partition_point(|range| ip_to_u128(range.start()) <= value)
            .checked_sub(1)?;
        let range = ranges.get(index)?;
        let start = ip_to_u128(range.start());
        if value > ip_to_u128(range.end()) {
            return None;
        }
        Some(self.offsets.get(index)? + (value - start))
    }

    /// The address at a position; `None` past the last range.
    fn address_at(&self, position: u128) -> Option<IpAddr> {
        let index = self
            .offsets
            .partition_point(|&offset| offset <= position)
            .checked_sub(1)?;
        let range = self.pool.ranges().get(index)?;
        let value = ip_to_u128(range.start()).checked_add(position - self.offsets.get(index)?)?;
        if value > ip_to_u128(range.end()) {
            return None;
        }
        Some(match range.start() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).ok()?)),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(value)),
        })
    }
}

impl fmt::Debug for AllocatedPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllocatedPool")
            .field("pool", &self.pool)
            .field("rows", &self.rows())
            .finish_non_exhaustive()
    }
}

fn check_name(name: &str) -> Result<(), AllocationError> {
    let ok =
        !name.is_empty() && name.len() <= MAX_ROW_NAME_LEN && name.chars().all(is_hostname_char);
    if ok {
        Ok(())
    } else {
        Err(AllocationError::InvalidName {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn pool(json: &str) -> AllocatedPool {
        AllocatedPool::new(serde_json::from_str(json).unwrap())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sequential_crosses_ranges_and_skips_rows() {
        let mut pool = pool(
            r#"{"name":"m","network":"10.0.0.0/24","ranges":[["10.0.0.2","10.0.0.3"],["10.0.0.100","10.0.0.101"]]}"#,
        );
        pool.reserve("x-mgmt", ip("10.0.0.3")).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let got: Vec<IpAddr> = ["a", "b", "c"]
            .iter()
            .map(|n| {
                pool.allocate(n, Some(AllocationOrder::Sequential), &mut rng)
                    .unwrap()
            })
            .collect();
        assert_eq!(got, [ip("10.0.0.2"), ip("10.0.0.100"), ip("10.0.0.101")]);
        assert_eq!(
            pool.allocate("d", Some(AllocationOrder::Sequential), &mut rng),
            Err(AllocationError::Exhausted { pool: "m".into() })
        );
        assert_eq!(pool.free_count(), 0);
        assert_eq!(pool.release("b"), Some(ip("10.0.0.100")));
        assert_eq!(
            pool.allocate("e", Some(AllocationOrder::Sequential), &mut rng),
            Ok(ip("10.0.0.100"))
        );
    }

    #[test]
    fn rows_outside_the_ranges_stay_in_use_but_are_never_handed_out() {
        let spec: AddressPool = serde_json::from_str(
            r#"{"name":"m","network":"10.0.0.0/24","ranges":[["10.0.0.10","10.0.0.11"]]}"#,
        )
        .unwrap();
        let mut pool = AllocatedPool::with_rows(spec, [("gateway-mgmt", ip("10.0.0.1"))]).unwrap();
        assert!(pool.is_allocated(ip("10.0.0.1")));
        assert!(!pool.contains_address(ip("10.0.0.1")));
        assert_eq!(pool.free_count(), 2);
        assert_eq!(
            pool.reserve("edge-mgmt", ip("10.0.0.1")),
            Err(AllocationError::AddressAllocated {
                address: ip("10.0.0.1")
            })
        );
        assert_eq!(pool.release("gateway-mgmt"), Some(ip("10.0.0.1")));
        assert!(!pool.is_allocated(ip("10.0.0.1")));
        assert_eq!(
            pool.reserve("edge-mgmt", ip("10.0.0.1")),
            Err(AllocationError::OutOfPool {
                address: ip("10.0.0.1")
            })
        );
    }

    #[test]
    fn other_family_is_out_of_pool_and_never_allocated() {
        let mut pool = pool(r#"{"name":"m","network":"10.0.0.0/24"}"#);
        pool.reserve("a", ip("10.0.0.5")).unwrap();
        // ::a00:5 has the same number as 10.0.0.5; families must not mix.
        assert!(!pool.is_allocated(ip("::a00:5")));
        assert_eq!(
            pool.reserve("b", ip("::a00:6")),
            Err(AllocationError::OutOfPool {
                address: ip("::a00:6")
            })
        );
        let spec: AddressPool =
            serde_json::from_str(r#"{"name":"m","network":"10.0.0.0/24"}"#).unwrap();
        assert_eq!(
            AllocatedPool::with_rows(spec, [("a", ip("fd00::1"))]).unwrap_err(),
            AllocationError::OutOfPool {
                address: ip("fd00::1")
            }
        );
    }

    #[test]
    fn names_outside_the_alphabet_are_refused_everywhere() {
        let mut pool = pool(r#"{"name":"m","network":"10.0.0.0/24"}"#);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let long = "a".repeat(MAX_ROW_NAME_LEN + 1);
        for bad in ["", "a,b", "a\nb", "a b", "é", long.as_str()] {
            let expected = Err(AllocationError::InvalidName { name: bad.into() });
            assert_eq!(pool.allocate(bad, None, &mut rng).map(|_| ()), expected);
            assert_eq!(pool.reserve(bad, ip("10.0.0.9")), expected);
        }
        assert!(pool.is_empty());
        assert!(
            pool.allocate(&"a".repeat(MAX_ROW_NAME_LEN), None, &mut rng)
                .is_ok()
        );
        let err = AllocationError::InvalidName {
            name: "a\nb".into(),
        };
        assert_eq!(err.code(), "address.invalid_name");
        assert_eq!(err.status(), 400);
        assert!(
            err.to_string()
                .starts_with(r#"Address name "a\nb" must be"#)
        );
    }

    #[test]
    fn reserve_checks_in_sysinv_order() {
        let mut pool =
            pool(r#"{"name":"m","network":"10.0.0.0/24","ranges":[["10.0.0.10","10.0.0.20"]]}"#);
        pool.reserve("a", ip("10.0.0.10")).unwrap();
        pool.reserve("b", ip("10.0.0.11")).unwrap();
        // Both "address taken" and "name holds another": the address comes first.
        assert_eq!(
            pool.reserve("a", ip("10.0.0.11")).unwrap_err().code(),
            "mgmt_ip.allocated"
        );
        // Name holds another, and the new address is outside: the name comes first.
        assert_eq!(
            pool.reserve("a", ip("10.0.0.99")).unwrap_err().code(),
            "mgmt_ip.name_allocated"
        );
        assert_eq!(
            pool.reserve("c", ip("10.0.0.99")).unwrap_err().status(),
            400
        );
        assert_eq!(pool.reserve("a", ip("10.0.0.10")), Ok(()));
        assert_eq!(pool.len(), 2);
    }

    #[test]
    fn every_error_has_its_code_and_status() {
        let cases = [
            (
                AllocationError::Exhausted { pool: "p".into() },
                "pool.exhausted",
                409,
            ),
            (
                AllocationError::AddressAllocated {
                    address: ip("10.0.0.1"),
                },
                "mgmt_ip.allocated",
                409,
            ),
            (
                AllocationError::NameAllocated { name: "n".into() },
                "mgmt_ip.name_allocated",
                409,
            ),
            (
                AllocationError::OutOfPool {
                    address: ip("10.0.0.1"),
                },
                "mgmt_ip.out_of_pool",
                400,
            ),
            (
                AllocationError::InvalidName { name: "n".into() },
                "address.invalid_name",
                400,
            ),
        ];
        for (err, code, status) in cases {
            assert_eq!((err.code(), err.status()), (code, status), "{err}");
        }
    }

    #[test]
    fn whole_ipv6_space_does_not_overflow() {
        let mut pool = pool(
            // The largest pool there can be: every address but the network's own.
            r#"{"name":"m","network":"::/0","ranges":[["::1","ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]]}"#,
        );
        assert_eq!(pool.free_count(), u128::MAX);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(
            pool.allocate("a", Some(AllocationOrder::Sequential), &mut rng),
            Ok(ip("::1"))
        );
        pool.reserve("last", ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
            .unwrap();
        assert!(
            pool.allocate("r", Some(AllocationOrder::Random), &mut rng)
                .is_ok()
        );
        assert_eq!(pool.free_count(), u128::MAX - 3);
    }
}
