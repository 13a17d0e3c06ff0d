//! Management addresses: pools, the allocator over their rows, and the stores that keep rows
//! safe under concurrency.
//!
//! The data flow is request → validation → **address** → DHCP → plan: this module only knows
//! pools, row names and addresses, never hosts.
//!
//! - [`AddressPool`]: a validated pool definition.
//! - [`AllocatedPool`]: a pool with its rows; allocate / reserve / release in O(log n).
//! - [`AddressStore`]: where rows live, with compare-and-swap commits; [`MemoryStore`] and
//!   [`JsonFileStore`].
//! - [`AddressManager`]: the operations through a store, retrying on conflict.
//!
//! The last two, async (tokio, async-trait), come with the `store` feature, on by default. A
//! caller that keeps rows itself (sysinv keeps them in its database) can build with
//! `default-features = false` and use [`AllocatedPool`] alone.

mod allocation;
#[cfg(feature = "store")]
mod file;
mod intervals;
#[cfg(feature = "store")]
mod manager;
#[cfg(feature = "store")]
mod memory;
mod network;
mod pool;
#[cfg(feature = "store")]
mod store;
mod tree;

pub use allocation::{
    AllocatedPool, AllocationError, MAX_ROW_NAME_LEN, MGMT_SUFFIX, mgmt_row_name, parse_address,
};
#[cfg(feature = "store")]
pub use file::{DEFAULT_LOCK_TIMEOUT, JsonFileStore, MAX_STATE_BYTES, STATE_SCHEMA};
#[cfg(feature = "store")]
pub use manager::{AddressManager, DEFAULT_MAX_ATTEMPTS, ManagerError};
#[cfg(feature = "store")]
pub use memory::MemoryStore;
pub use network::NetworkPools;
pub use pool::{AddressPool, AddressRange, AllocationOrder, PoolError, PoolSpec};
#[cfg(feature = "store")]
pub use store::{AddressStore, Change, StoreError, Version};
