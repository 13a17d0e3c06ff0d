//! Pool specs: any JSON either fails with a coded error or builds a pool whose invariants
//! hold (sorted, disjoint ranges inside the network) and whose JSON round-trips exactly.
#![no_main]

use edgeworker_core::address::AddressPool;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(pool) = serde_json::from_slice::<AddressPool>(data) else {
        return;
    };
    let ranges = pool.ranges();
    assert!(!ranges.is_empty());
    for range in ranges {
        assert!(pool.network().contains(&range.start()) && pool.network().contains(&range.end()));
        assert!(pool.contains(range.start()) && pool.contains(range.end()));
    }
    let json = serde_json::to_string(&pool).expect("a pool serializes");
    let again: AddressPool = serde_json::from_str(&json).expect("a serialized pool parses");
    assert_eq!(again, pool);
});
