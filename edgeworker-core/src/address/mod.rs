//! Management addresses: pools and their validation.
//!
//! The data flow is request → validation → **address** → DHCP → plan: this module only knows
//! pools and addresses, never hosts.

mod pool;

pub use pool::{AddressPool, AddressRange, AllocationOrder, PoolError, PoolSpec};
