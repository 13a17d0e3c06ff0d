//! The pools of one platform network: the primary pool and, from stx.10.0 (dual-stack,
//! sysinv `fcebab8ef`), a secondary pool of the other family. A host's row name is the same
//! in both (`edge-1-mgmt`); rows are matched by name and family.

use std::net::IpAddr;

use rand::Rng;

use super::{AddressPool, AllocatedPool, AllocationError, AllocationOrder, PoolError};
use crate::profile::{NetworkPools as PoolUse, Profile};

/// The allocated pools of one network, at most one per family, the primary first.
///
/// ```
/// use edgeworker_core::address::{AddressPool, NetworkPools};
/// use edgeworker_core::profile::Profile;
/// use rand::SeedableRng;
/// let v4: AddressPool = serde_json::from_str(r#"{"name": "mgmt-v4", "network": "10.0.0.0/24", "order": "sequential"}"#)?;
/// let v6: AddressPool = serde_json::from_str(r#"{"name": "mgmt-v6", "network": "fd00::/64", "order": "sequential"}"#)?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
///
/// let mut stx10 = NetworkPools::new(Profile::Stx10, v4.clone(), Some(v6.clone()))?;
/// let both = stx10.allocate("edge-1-mgmt", None, &mut rng)?;
/// assert_eq!(both, ["10.0.0.1".parse::<std::net::IpAddr>()?, "fd00::1".parse()?]);
///
/// // Classic sysinv allocates from the primary pool only.
/// let mut classic = NetworkPools::new(Profile::Classic, v4, Some(v6))?;
/// assert_eq!(classic.allocate("edge-1-mgmt", None, &mut rng)?.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct NetworkPools {
    /// One or two pools; a second is of the other family.
    pools: Vec<AllocatedPool>,
}

impl NetworkPools {
    /// The network's pools as `profile` uses them: both under stx10, the primary alone under
    /// classic (a secondary is then checked, and left unused).
    ///
    /// # Errors
    ///
    /// [`PoolError::SameFamily`] when the secondary pool is of the primary's family.
    pub fn new(
        profile: Profile,
        primary: AddressPool,
        secondary: Option<AddressPool>,
    ) -> Result<Self, PoolError> {
        if let Some(second) = &secondary
            && second.is_ipv4() == primary.is_ipv4()
        {
            return Err(PoolError::SameFamily {
                primary: primary.name().to_owned(),
                secondary: second.name().to_owned(),
            });
        }
        let mut pools = vec![AllocatedPool::new(primary)];
        if let (PoolUse::EveryFamily, Some(second)) = (profile.rules().network_pools, secondary) {
            pools.push(AllocatedPool::new(second));
        }
        Ok(Self { pools })
    }

    /// Records existing rows, each in the pool of its address's family (rows are matched by
    /// name and family: `edge-1-mgmt` may hold one address of each).
    ///
    /// # Errors
    ///
    /// [`AllocationError::OutOfPool`] for a row of a family no pool has, else what
    /// [`AllocatedPool::reserve`] answers.
    ///
    /// ```
    /// use edgeworker_core::address::{AddressPool, NetworkPools};
    /// use edgeworker_core::profile::Profile;
    /// let v4: AddressPool = serde_json::from_str(r#"{"name": "m4", "network": "10.0.0.0/24"}"#)?;
    /// let v6: AddressPool = serde_json::from_str(r#"{"name": "m6", "network": "fd00::/64"}"#)?;
    /// let mut pools = NetworkPools::new(Profile::Stx10, v4, Some(v6))?;
    /// pools.record("edge-1-mgmt", "10.0.0.5".parse()?)?;
    /// pools.record("edge-1-mgmt", "fd00::5".parse()?)?;
    /// assert_eq!(pools.addresses_of("edge-1-mgmt").len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&mut self, name: &str, address: IpAddr) -> Result<(), AllocationError> {
        match self.pool_of(address) {
            Some(pool) => pool.reserve(name, address),
            None => Err(AllocationError::OutOfPool { address }),
        }
    }

    /// Gives `name` one address per pool, the primary's first: its existing ones where it has
    /// rows. All or nothing: when one pool cannot give an address, the addresses this call
    /// allocated are released again.
    ///
    /// # Errors
    ///
    /// What [`AllocatedPool::allocate`] answers for the first pool that fails.
    pub fn allocate<R: Rng + ?Sized>(
        &mut self,
        name: &str,
        order: Option<AllocationOrder>,
        rng: &mut R,
    ) -> Result<Vec<IpAddr>, AllocationError> {
        let mut addresses = Vec::with_capacity(self.pools.len());
        let mut fresh = Vec::with_capacity(self.pools.len());
        for (i, pool) in self.pools.iter_mut().enumerate() {
            let existed = pool.address_of(name).is_some();
            match pool.allocate(name, order, rng) {
                Ok(address) => {
                    addresses.push(address);
                    if !existed {
                        fresh.push(i);
                    }
                }
                Err(err) => {
                    for j in fresh {
                        if let Some(pool) = self.pools.get_mut(j) {
                            pool.release(name);
                        }
                    }
                    return Err(err);
                }
            }
        }
        Ok(addresses)
    }

    /// The addresses `name` holds, the primary pool's first.
    #[must_use]
    pub fn addresses_of(&self, name: &str) -> Vec<IpAddr> {
        self.pools
            .iter()
            .filter_map(|p| p.address_of(name))
            .collect()
    }

    /// The pools in use, the primary first.
    #[must_use]
    pub fn pools(&self) -> &[AllocatedPool] {
        &self.pools
    }

    fn pool_of(&mut self, address: IpAddr) -> Option<&mut AllocatedPool> {
        self.pools
            .iter_mut()
            .find(|p| p.pool().is_ipv4() == address.is_ipv4())
    }
}
