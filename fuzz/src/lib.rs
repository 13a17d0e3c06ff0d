//! Shared pieces of the fuzz targets: structured input generators, the models the targets
//! check the library against, and independent re-parsers of what the library writes.
//!
//! Everything here is test code: it may panic on a broken property (that is how libFuzzer
//! learns of a finding), but never on any input.

pub mod dnsmasq;
pub mod inputs;
pub mod order;
pub mod yaml;
