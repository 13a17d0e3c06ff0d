//! Allocation speed: filling a /16, one allocation among a million rows in a /64, churn,
//! and a sysinv-style baseline (free set rebuilt per allocation) measured in the same run.

use std::cell::LazyCell;
use std::collections::HashSet;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use edgeworker_core::address::{AddressPool, AllocatedPool, AllocationOrder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn pool(network: &str) -> AllocatedPool {
    let spec: AddressPool = serde_json::from_str(&format!(
        r#"{{"name": "management", "network": "{network}"}}"#
    ))
    .unwrap();
    AllocatedPool::new(spec)
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("edge-{i}-mgmt")).collect()
}

fn fill(empty: &AllocatedPool, names: &[String], order: AllocationOrder) -> AllocatedPool {
    let mut pool = empty.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for name in names {
        black_box(pool.allocate(name, Some(order), &mut rng).unwrap());
    }
    pool
}

/// What sysinv does per allocation: gather the used addresses from all rows, list the free
/// ones of the range, pick one. O(pool) per allocation, so a fill is quadratic.
fn sysinv_fill(first: u32, last: u32, names: &[String], order: AllocationOrder) -> usize {
    let mut rows: Vec<(String, IpAddr)> = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for name in names {
        let used: HashSet<IpAddr> = rows.iter().map(|(_, a)| *a).collect();
        let free: Vec<IpAddr> = (first..=last)
            .map(|v| IpAddr::V4(Ipv4Addr::from(v)))
            .filter(|a| !used.contains(a))
            .collect();
        let pick = match order {
            AllocationOrder::Sequential => free[0],
            AllocationOrder::Random => free[rng.random_range(0..free.len())],
        };
        rows.push((name.clone(), pick));
    }
    rows.len()
}

fn fill_16(c: &mut Criterion) {
    let empty = pool("10.20.0.0/16");
    let names = names(65_534);
    let mut group = c.benchmark_group("fill_16");
    group.sample_size(10);
    for order in [AllocationOrder::Sequential, AllocationOrder::Random] {
        group.bench_function(order.as_str(), |b| {
            b.iter_with_large_drop(|| fill(&empty, &names, order));
        });
    }
    group.finish();
}

fn baseline_22(c: &mut Criterion) {
    let empty = pool("10.30.0.0/22");
    let names = names(1_022);
    let first = u32::from(Ipv4Addr::new(10, 30, 0, 1));
    let last = u32::from(Ipv4Addr::new(10, 30, 3, 254));
    let mut group = c.benchmark_group("fill_22");
    group.sample_size(10);
    for order in [AllocationOrder::Sequential, AllocationOrder::Random] {
        group.bench_function(format!("ours_{order}"), |b| {
            b.iter_with_large_drop(|| fill(&empty, &names, order));
        });
        group.bench_function(format!("sysinv_style_{order}"), |b| {
            b.iter(|| sysinv_fill(first, last, &names, order));
        });
    }
    group.finish();
}

/// Resident memory in bytes, from /proc (Linux); 0 where unavailable.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A million random rows in a /64, built on first use: a filtered run (`--bench address
/// fill_16`) then skips building it, and profiles of other benches are not swamped by it.
fn million_row_pool() -> AllocatedPool {
    let before = resident_bytes();
    let names = names(1_000_000);
    let names_bytes = resident_bytes();
    let big = fill(&pool("fd00:64::/64"), &names, AllocationOrder::Random);
    let after = resident_bytes();
    drop(names);
    eprintln!(
        "1,000,000 rows in a /64: {} MiB resident for the pool ({} bytes a row; names list {} MiB)",
        after.saturating_sub(names_bytes) >> 20,
        after.saturating_sub(names_bytes) / 1_000_000,
        names_bytes.saturating_sub(before) >> 20,
    );
    big
}

fn million_rows_in_a_64(c: &mut Criterion) {
    let big = LazyCell::new(million_row_pool);
    let mut group = c.benchmark_group("alloc_64_1m_rows");
    for order in [AllocationOrder::Random, AllocationOrder::Sequential] {
        // Allocate and give back, on a pool nothing else shares: the steady-state cost.
        let mut own = None;
        let warm = || {
            let mut pool = (*big).clone();
            // Make `pool` the sole owner of its nodes, as in a long-running allocator.
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            pool.allocate("warm", Some(order), &mut rng).unwrap();
            pool.release("warm");
            pool
        };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        group.bench_function(format!("allocate_release_{order}"), |b| {
            let pool = own.get_or_insert_with(warm);
            b.iter(|| {
                black_box(pool.allocate("probe", Some(order), &mut rng).unwrap());
                pool.release("probe");
            });
        });
    }
    // Allocate on a fresh snapshot (what a store's writer does): includes copying the path.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    group.bench_function("allocate_on_snapshot_random", |b| {
        b.iter_batched(
            || big.clone(),
            |mut snapshot| {
                black_box(
                    snapshot
                        .allocate("probe", Some(AllocationOrder::Random), &mut rng)
                        .unwrap(),
                );
                snapshot
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn churn_16(c: &mut Criterion) {
    let names = names(32_767);
    let mut half_full = None;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut i = 0usize;
    c.bench_function("churn_16_half_full_release_allocate", |b| {
        let pool = half_full
            .get_or_insert_with(|| fill(&pool("10.40.0.0/16"), &names, AllocationOrder::Random));
        b.iter(|| {
            i = (i + 7919) % names.len();
            pool.release(&names[i]);
            black_box(
                pool.allocate(&names[i], Some(AllocationOrder::Random), &mut rng)
                    .unwrap(),
            );
        });
    });
}

criterion_group!(
    benches,
    fill_16,
    baseline_22,
    million_rows_in_a_64,
    churn_16
);
criterion_main!(benches);
