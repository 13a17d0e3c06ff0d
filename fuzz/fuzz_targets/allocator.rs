//! The allocator against a naive model: arbitrary sequences of allocate / reserve / release
//! on small IPv4 pools and IPv6 pools (small ranges, and ranges of up to 2^64 addresses).
//!
//! The model keeps the rows in a `Vec` (row order) and the ranges as numbers; it answers
//! every operation the obvious way (scan for the lowest free address, compare every row).
//! Properties: every result (address or error) is the model's; `Random` picks a free
//! address of the ranges; after each step `rows()`, `free_count()`, `len()`, `address_of`
//! and `is_allocated` agree with the model and no address is held twice; a clone taken
//! mid-sequence never sees later changes; the rows rebuild an equal pool.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use edgeworker_core::address::{
    AddressPool, AddressRange, AllocatedPool, AllocationError, AllocationOrder, MAX_ROW_NAME_LEN,
};
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;

#[derive(Debug, Arbitrary)]
enum Family {
    /// `10.0.0.0/24`, offsets as given.
    V4,
    /// `fd00::/64`, offsets as given.
    V6Small,
    /// `fd00::/64`, offsets shifted left 48 bits: huge ranges.
    V6Huge,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Allocate {
        name: u8,
        order: Option<bool>,
        seed: u64,
    },
    Reserve {
        name: u8,
        offset: u16,
        other_family: bool,
    },
    Release {
        name: u8,
    },
    Snapshot,
}

#[derive(Debug, Arbitrary)]
struct Input {
    family: Family,
    sequential: bool,
    ranges: Vec<(u16, u16)>,
    initial: Vec<(u8, u16)>,
    ops: Vec<Op>,
}

const NAMES: usize = 10;

fn name(i: u8) -> String {
    match usize::from(i) % NAMES {
        0 => "a-mgmt".into(),
        1 => "b-mgmt".into(),
        2 => "c-mgmt".into(),
        3 => "controller-mgmt".into(),
        4 => "gateway".into(),
        5 => "x".repeat(MAX_ROW_NAME_LEN),
        6 => String::new(),
        7 => "bad,name-mgmt".into(),
        8 => "x".repeat(MAX_ROW_NAME_LEN + 1),
        _ => "edge_1.site-mgmt".into(),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_ROW_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

struct Net {
    v6: bool,
    base: u128,
    shift: u32,
    last: u128,
}

impl Net {
    fn at(&self, offset: u16) -> u128 {
        (self.base + (u128::from(offset) << self.shift)).min(self.last)
    }
    fn ip(&self, n: u128) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(n))
        } else {
            IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX)))
        }
    }
    fn other_family(&self, offset: u16) -> IpAddr {
        if self.v6 {
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, offset.to_be_bytes()[1]))
        } else {
            IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, offset))
        }
    }
}

fn number(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The naive model: rows in row order, the ranges as inclusive number pairs.
#[derive(Clone, Debug)]
struct Model {
    v6: bool,
    ranges: Vec<(u128, u128)>,
    rows: Vec<(String, IpAddr)>,
    pool_name: String,
}

impl Model {
    fn in_ranges(&self, ip: IpAddr) -> bool {
        ip.is_ipv6() == self.v6
            && self
                .ranges
                .iter()
                .any(|&(s, e)| (s..=e).contains(&number(ip)))
    }
    fn holder(&self, ip: IpAddr) -> Option<&str> {
        self.rows
            .iter()
            .find(|(_, a)| *a == ip)
            .map(|(n, _)| n.as_str())
    }
    fn held_by(&self, name: &str) -> Option<IpAddr> {
        self.rows.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }
    fn total(&self) -> u128 {
        self.ranges.iter().map(|&(s, e)| e - s + 1).sum()
    }
    fn used_in_ranges(&self) -> u128 {
        self.rows.iter().filter(|(_, a)| self.in_ranges(*a)).count() as u128
    }
    fn free(&self) -> u128 {
        self.total() - self.used_in_ranges()
    }
    fn ip(&self, n: u128) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(n))
        } else {
            IpAddr::V4(Ipv4Addr::from(n as u32))
        }
    }
    fn lowest_free(&self) -> Option<IpAddr> {
        // At most `rows` addresses are taken, so the scan ends within rows + 1 steps.
        for &(s, e) in &self.ranges {
            let mut n = s;
            loop {
                let ip = self.ip(n);
                if self.holder(ip).is_none() {
                    return Some(ip);
                }
                if n == e {
                    break;
                }
                n += 1;
            }
        }
        None
    }
    fn exhausted(&self) -> AllocationError {
        AllocationError::Exhausted {
            pool: self.pool_name.clone(),
        }
    }
    fn invalid(name: &str) -> AllocationError {
        AllocationError::InvalidName {
            name: name.to_owned(),
        }
    }
}

fn check(pool: &AllocatedPool, model: &Model) {
    let rows: Vec<(String, IpAddr)> = pool
        .rows()
        .into_iter()
        .map(|(n, a)| (n.to_owned(), a))
        .collect();
    assert_eq!(rows, model.rows, "rows");
    assert_eq!(pool.len(), model.rows.len());
    assert_eq!(pool.is_empty(), model.rows.is_empty());
    assert_eq!(pool.free_count(), model.free(), "free_count");
    for (i, (name, address)) in model.rows.iter().enumerate() {
        assert_eq!(pool.address_of(name), Some(*address));
        assert!(pool.is_allocated(*address));
        assert!(
            model.rows[..i].iter().all(|(_, a)| a != address),
            "{address} held twice"
        );
    }
}

fuzz_target!(|input: Input| {
    let net = match input.family {
        Family::V4 => Net {
            v6: false,
            base: 0x0a00_0000,
            shift: 0,
            last: 0x0a00_00ff,
        },
        Family::V6Small => Net {
            v6: true,
            base: 0xfd00 << 112,
            shift: 0,
            last: (0xfd00 << 112) | u128::from(u64::MAX),
        },
        Family::V6Huge => Net {
            v6: true,
            base: 0xfd00 << 112,
            shift: 48,
            last: (0xfd00 << 112) | u128::from(u64::MAX),
        },
    };
    // Sorted, disjoint ranges (the pool refuses anything else; its own checks are the
    // pool_spec target's business).
    let mut spans: Vec<(u128, u128)> = input
        .ranges
        .iter()
        .take(4)
        .map(|&(a, b)| (net.at(a.min(b)), net.at(a.max(b))))
        .collect();
    spans.sort_unstable();
    let mut ranges: Vec<(u128, u128)> = Vec::new();
    for (s, e) in spans {
        if ranges.last().is_none_or(|&(_, pe)| s > pe) {
            ranges.push((s, e));
        }
    }
    let network = if net.v6 { "fd00::/64" } else { "10.0.0.0/24" };
    let order = if input.sequential {
        AllocationOrder::Sequential
    } else {
        AllocationOrder::Random
    };
    let built: Option<Vec<AddressRange>> = ranges
        .iter()
        .map(|&(s, e)| AddressRange::new(net.ip(s), net.ip(e)).ok())
        .collect();
    let Some(built) = built else { return };
    let explicit = if built.is_empty() { None } else { Some(built) };
    let Ok(pool) = AddressPool::new(
        "management",
        network.parse().expect("constant"),
        explicit,
        order,
    ) else {
        return;
    };
    let mut model = Model {
        v6: net.v6,
        ranges: pool
            .ranges()
            .iter()
            .map(|r| (number(r.start()), number(r.end())))
            .collect(),
        rows: Vec::new(),
        pool_name: pool.name().to_owned(),
    };

    // Initial rows: with_rows takes addresses outside the ranges (of the same family).
    let initial: Vec<(String, IpAddr)> = input
        .initial
        .iter()
        .take(8)
        .map(|&(n, off)| (name(n), net.ip(net.at(off))))
        .collect();
    let mut expected_initial = Ok(());
    for (name, address) in &initial {
        let error = if !valid_name(name) {
            Some(Model::invalid(name))
        } else if model.holder(*address).is_some() {
            Some(AllocationError::AddressAllocated { address: *address })
        } else if model.held_by(name).is_some() {
            Some(AllocationError::NameAllocated { name: name.clone() })
        } else {
            None
        };
        if let Some(error) = error {
            expected_initial = Err(error);
            break;
        }
        model.rows.push((name.clone(), *address));
    }
    let mut pool = match (
        AllocatedPool::with_rows(pool.clone(), initial.clone()),
        expected_initial,
    ) {
        (Ok(p), Ok(())) => p,
        (Err(e), Err(m)) => {
            assert_eq!(e, m);
            model.rows.clear();
            AllocatedPool::new(pool)
        }
        (got, want) => panic!(
            "with_rows {initial:?}: {:?} / model {want:?}",
            got.map(|p| p.rows().len())
        ),
    };
    check(&pool, &model);

    let mut snapshots: Vec<(AllocatedPool, Model)> = Vec::new();
    for op in input.ops.iter().take(64) {
        match *op {
            Op::Allocate {
                name: n,
                order,
                seed,
            } => {
                let name = name(n);
                let order = order.map(|seq| {
                    if seq {
                        AllocationOrder::Sequential
                    } else {
                        AllocationOrder::Random
                    }
                });
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                let got = pool.allocate(&name, order, &mut rng);
                let sequential =
                    order.unwrap_or(pool.pool().order()) == AllocationOrder::Sequential;
                if !valid_name(&name) {
                    assert_eq!(got, Err(Model::invalid(&name)));
                } else if let Some(held) = model.held_by(&name) {
                    assert_eq!(got, Ok(held), "a row keeps its address");
                } else if model.free() == 0 {
                    assert_eq!(got, Err(model.exhausted()));
                } else {
                    let address =
                        got.unwrap_or_else(|e| panic!("{name}: {e} with {} free", model.free()));
                    if sequential {
                        assert_eq!(
                            Some(address),
                            model.lowest_free(),
                            "sequential is the lowest free"
                        );
                    } else {
                        assert!(
                            model.in_ranges(address) && model.holder(address).is_none(),
                            "{address}"
                        );
                    }
                    model.rows.push((name, address));
                }
            }
            Op::Reserve {
                name: n,
                offset,
                other_family,
            } => {
                let name = name(n);
                let address = if other_family {
                    net.other_family(offset)
                } else {
                    net.ip(net.at(offset))
                };
                let got = pool.reserve(&name, address);
                let held = model.held_by(&name);
                let want = if !valid_name(&name) {
                    Err(Model::invalid(&name))
                } else if held == Some(address) {
                    Ok(())
                } else if model.holder(address).is_some() {
                    Err(AllocationError::AddressAllocated { address })
                } else if held.is_some() {
                    Err(AllocationError::NameAllocated { name: name.clone() })
                } else if !model.in_ranges(address) {
                    Err(AllocationError::OutOfPool { address })
                } else {
                    model.rows.push((name.clone(), address));
                    Ok(())
                };
                assert_eq!(got, want, "reserve {name} {address}");
            }
            Op::Release { name: n } => {
                let name = name(n);
                let want = model
                    .rows
                    .iter()
                    .position(|(r, _)| *r == name)
                    .map(|i| model.rows.remove(i).1);
                assert_eq!(pool.release(&name), want, "release {name}");
            }
            Op::Snapshot => snapshots.push((pool.clone(), model.clone())),
        }
        check(&pool, &model);
    }
    for (snapshot, model) in &snapshots {
        check(snapshot, model);
    }
    let rebuilt = AllocatedPool::with_rows(pool.pool().clone(), pool.rows())
        .expect("its own rows rebuild a pool");
    assert_eq!(rebuilt.rows(), pool.rows());
    assert_eq!(rebuilt.free_count(), pool.free_count());
});
