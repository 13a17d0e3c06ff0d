//! The allocator against a naive model, its uniformity, and pools far larger than memory.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;

use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationError, AllocationOrder};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn pool(json: &str) -> AddressPool {
    serde_json::from_str(json).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The obvious implementation: every address of the ranges listed, rows in a `Vec`.
struct Model {
    pool_name: String,
    addresses: Vec<IpAddr>,
    rows: Vec<(String, IpAddr)>,
}

impl Model {
    fn new(pool: &AddressPool, addresses: Vec<IpAddr>) -> Self {
        Self {
            pool_name: pool.name().to_owned(),
            addresses,
            rows: Vec::new(),
        }
    }

    fn holder(&self, address: IpAddr) -> Option<&str> {
        self.rows
            .iter()
            .find(|(_, a)| *a == address)
            .map(|(n, _)| n.as_str())
    }

    fn address_of(&self, name: &str) -> Option<IpAddr> {
        self.rows.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    fn free(&self) -> Vec<IpAddr> {
        let used: BTreeSet<IpAddr> = self.rows.iter().map(|(_, a)| *a).collect();
        self.addresses
            .iter()
            .copied()
            .filter(|a| !used.contains(a))
            .collect()
    }

    fn allocate(
        &mut self,
        name: &str,
        order: AllocationOrder,
        rng: &mut ChaCha8Rng,
    ) -> Result<IpAddr, AllocationError> {
        if let Some(address) = self.address_of(name) {
            return Ok(address);
        }
        let free = self.free();
        if free.is_empty() {
            return Err(AllocationError::Exhausted {
                pool: self.pool_name.clone(),
            });
        }
        let k = match order {
            AllocationOrder::Sequential => 0,
            AllocationOrder::Random => rng.random_range(0..free.len() as u128),
        };
        let address = free[usize::try_from(k).unwrap()];
        self.rows.push((name.to_owned(), address));
        Ok(address)
    }

    fn reserve(&mut self, name: &str, address: IpAddr) -> Result<(), AllocationError> {
        if self.address_of(name) == Some(address) {
            return Ok(());
        }
        if self.holder(address).is_some() {
            return Err(AllocationError::AddressAllocated { address });
        }
        if self.address_of(name).is_some() {
            return Err(AllocationError::NameAllocated {
                name: name.to_owned(),
            });
        }
        if !self.addresses.contains(&address) {
            return Err(AllocationError::OutOfPool { address });
        }
        self.rows.push((name.to_owned(), address));
        Ok(())
    }

    fn release(&mut self, name: &str) -> Option<IpAddr> {
        let at = self.rows.iter().position(|(n, _)| n == name)?;
        Some(self.rows.remove(at).1)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Allocate {
        name: u8,
        order: AllocationOrder,
        seed: u64,
    },
    Reserve {
        name: u8,
        address: IpAddr,
    },
    Release {
        name: u8,
    },
}

/// Two pools with a few small ranges each: one IPv4, one IPv6 reaching the top of a /64.
fn fixture(v6: bool) -> (AddressPool, Vec<IpAddr>, Vec<IpAddr>) {
    if v6 {
        let pool = pool(
            r#"{"name": "v6", "network": "fd00::/64", "ranges": [["fd00::1", "fd00::5"], ["fd00::ffff:ffff:ffff:fffb", "fd00::ffff:ffff:ffff:ffff"]]}"#,
        );
        let inside: Vec<IpAddr> = (1..=5)
            .map(|i| ip(&format!("fd00::{i:x}")))
            .chain((0xfffb..=0xffff).map(|i| ip(&format!("fd00::ffff:ffff:ffff:{i:x}"))))
            .collect();
        let candidates = inside
            .iter()
            .copied()
            .chain(["fd00::", "fd00::6", "fd00::ffff:ffff:ffff:fffa", "10.0.0.1"].map(ip))
            .collect();
        (pool, inside, candidates)
    } else {
        let pool = pool(
            r#"{"name": "v4", "network": "10.0.0.0/26", "ranges": [["10.0.0.40", "10.0.0.40"], ["10.0.0.2", "10.0.0.6"], ["10.0.0.20", "10.0.0.23"]]}"#,
        );
        let inside = [2, 3, 4, 5, 6, 20, 21, 22, 23, 40]
            .map(|i| ip(&format!("10.0.0.{i}")))
            .to_vec();
        let candidates = (0..64)
            .map(|i| ip(&format!("10.0.0.{i}")))
            .chain([ip("::a00:2")])
            .collect();
        (pool, inside, candidates)
    }
}

fn ops(candidates: Vec<IpAddr>) -> impl Strategy<Value = Vec<Op>> {
    let order = prop_oneof![
        Just(AllocationOrder::Sequential),
        Just(AllocationOrder::Random)
    ];
    let op = prop_oneof![
        3 => (0u8..14, order, any::<u64>()).prop_map(|(name, order, seed)| Op::Allocate { name, order, seed }),
        2 => (0u8..14, proptest::sample::select(candidates)).prop_map(|(name, address)| Op::Reserve { name, address }),
        2 => (0u8..14).prop_map(|name| Op::Release { name }),
    ];
    proptest::collection::vec(op, 1..120)
}

fn run_model(v6: bool, ops: &[Op]) -> Result<(), TestCaseError> {
    let (spec, inside, _) = fixture(v6);
    let mut model = Model::new(&spec, inside);
    let mut pool = AllocatedPool::new(spec);
    for op in ops {
        match op {
            Op::Allocate { name, order, seed } => {
                let name = format!("edge-{name}-mgmt");
                let got = pool.allocate(&name, Some(*order), &mut ChaCha8Rng::seed_from_u64(*seed));
                let want = model.allocate(&name, *order, &mut ChaCha8Rng::seed_from_u64(*seed));
                prop_assert_eq!(got, want, "{:?}", op);
            }
            Op::Reserve { name, address } => {
                let name = format!("edge-{name}-mgmt");
                prop_assert_eq!(
                    pool.reserve(&name, *address),
                    model.reserve(&name, *address),
                    "{:?}",
                    op
                );
            }
            Op::Release { name } => {
                let name = format!("edge-{name}-mgmt");
                prop_assert_eq!(pool.release(&name), model.release(&name));
            }
        }
        prop_assert_eq!(pool.free_count(), model.free().len() as u128);
        let rows: Vec<(String, IpAddr)> = pool
            .rows()
            .into_iter()
            .map(|(n, a)| (n.to_owned(), a))
            .collect();
        prop_assert_eq!(&rows, &model.rows);
        for address in &model.addresses {
            prop_assert_eq!(
                pool.is_allocated(*address),
                model.holder(*address).is_some()
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn agrees_with_a_naive_model_ipv4(ops in ops(fixture(false).2)) {
        run_model(false, &ops)?;
    }

    #[test]
    fn agrees_with_a_naive_model_ipv6(ops in ops(fixture(true).2)) {
        run_model(true, &ops)?;
    }
}

/// Chi-square statistic of `counts` against a uniform expectation.
fn chi_square(counts: &BTreeMap<IpAddr, u32>, draws: u32) -> f64 {
    let expected = f64::from(draws) / f64::from(u32::try_from(counts.len()).unwrap());
    counts
        .values()
        .map(|&n| (f64::from(n) - expected).powi(2) / expected)
        .sum()
}

/// Ranges .1–.100 with .11–.60 used: 50 free addresses, 10 below the block and 40 above.
fn pool_with_a_used_block() -> AllocatedPool {
    let spec =
        pool(r#"{"name": "m", "network": "10.0.0.0/24", "ranges": [["10.0.0.1", "10.0.0.100"]]}"#);
    let rows: Vec<(String, IpAddr)> = (11..=60)
        .map(|i| (format!("used-{i}"), ip(&format!("10.0.0.{i}"))))
        .collect();
    AllocatedPool::with_rows(spec, rows.iter().map(|(n, a)| (n.as_str(), *a))).unwrap()
}

// The 0.1% critical value of chi-square with 49 degrees of freedom.
const CHI2_49_P001: f64 = 85.35;
const DRAWS: u32 = 50_000;

#[test]
fn random_is_uniform_over_free_addresses() {
    let mut pool = pool_with_a_used_block();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut counts = BTreeMap::new();
    for _ in 0..DRAWS {
        let address = pool
            .allocate("probe", Some(AllocationOrder::Random), &mut rng)
            .unwrap();
        *counts.entry(address).or_insert(0u32) += 1;
        pool.release("probe");
    }
    assert_eq!(counts.len(), 50, "every free address is drawn, no used one");
    assert!(counts.keys().all(|a| !pool.is_allocated(*a)));
    let chi2 = chi_square(&counts, DRAWS);
    assert!(chi2 < CHI2_49_P001, "chi-square {chi2:.1}");
    // The address right after the block gets its 1/50 share, not the block's 51/100.
    let after_block = counts[&ip("10.0.0.61")];
    assert!((850..1150).contains(&after_block), "{after_block}");
}

#[test]
fn the_statistic_catches_random_start_then_scan() {
    // The scheme the issue rules out, on the same pool: pick any address of the range, then
    // walk up to the next free one. The same test must reject it, or it proves nothing.
    let pool = pool_with_a_used_block();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut counts = BTreeMap::new();
    for _ in 0..DRAWS {
        let mut i = rng.random_range(1..=100u8);
        while pool.is_allocated(ip(&format!("10.0.0.{i}"))) {
            i += 1;
        }
        *counts.entry(ip(&format!("10.0.0.{i}"))).or_insert(0u32) += 1;
    }
    assert!(chi_square(&counts, DRAWS) > 10.0 * CHI2_49_P001);
}

#[test]
fn a_64_holds_many_rows_and_counts_exactly() {
    let spec = pool(r#"{"name": "v6", "network": "fd00:1::/64"}"#);
    let mut pool = AllocatedPool::new(spec);
    let mut rng = ChaCha8Rng::seed_from_u64(64);
    let rows = 100_000u32;
    let mut seen = HashSet::new();
    for i in 0..rows {
        let address = pool
            .allocate(&format!("n{i}"), Some(AllocationOrder::Random), &mut rng)
            .unwrap();
        assert!(seen.insert(address), "{address} twice");
    }
    assert_eq!(pool.free_count(), (1u128 << 64) - 1 - u128::from(rows));
    assert_eq!(
        pool.allocate("first", Some(AllocationOrder::Sequential), &mut rng),
        Ok(ip("fd00:1::1"))
    );
    // Counts above 2^64 are exact too.
    let wide = AllocatedPool::new(pool_spec_48());
    assert_eq!(wide.free_count(), (1u128 << 80) - 1);
}

fn pool_spec_48() -> AddressPool {
    pool(r#"{"name": "v6", "network": "fd00:2::/48"}"#)
}

#[test]
fn sequential_fill_is_in_address_order_then_exhausts() {
    let spec = pool(r#"{"name": "m", "network": "10.1.0.0/22"}"#);
    let mut pool = AllocatedPool::new(spec);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let got: Vec<IpAddr> = (0..1022)
        .map(|i| {
            pool.allocate(
                &format!("h{i}"),
                Some(AllocationOrder::Sequential),
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let want: Vec<IpAddr> = (1..=1022u32)
        .map(|i| IpAddr::from(std::net::Ipv4Addr::from(0x0a01_0000 + i)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        pool.allocate("one-more", None, &mut rng)
            .unwrap_err()
            .to_string(),
        "Address pool m has no available addresses"
    );
}

#[test]
fn clones_are_snapshots() {
    let spec = pool(r#"{"name": "m", "network": "10.0.0.0/24"}"#);
    let mut pool = AllocatedPool::new(spec);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for i in 0..50 {
        pool.allocate(&format!("h{i}"), None, &mut rng).unwrap();
    }
    let snapshot = pool.clone();
    pool.release("h7");
    pool.allocate("late", None, &mut rng).unwrap();
    assert_eq!(snapshot.len(), 50);
    assert!(snapshot.address_of("late").is_none());
    assert!(snapshot.address_of("h7").is_some());
    assert_eq!(snapshot.free_count(), 254 - 50);
}
