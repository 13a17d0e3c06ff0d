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

mod allocation;
mod file;
mod intervals;
mod manager;
mod memory;
mod pool;
mod store;
mod tree;

pub use allocation::{
    AllocatedPool, AllocationError, MAX_ROW_NAME_LEN, MGMT_SUFFIX, mgmt_row_name,
};
pub use file::{DEFAULT_LOCK_TIMEOUT, JsonFileStore, MAX_STATE_BYTES, STATE_SCHEMA};
pub use manager::{AddressManager, DEFAULT_MAX_ATTEMPTS, ManagerError};
pub use memory::MemoryStore;
pub use pool::{AddressPool, AddressRange, AllocationOrder, PoolError, PoolSpec};
pub use store::{AddressStore, Change, StoreError, Version};
