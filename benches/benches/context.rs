//! Loading a context of 0, 200, 2,000 and 20,000 hosts, from JSON text and from a parsed
//! `serde_json::Value`, against `serde_json` parsing the same text into a `Value` (the
//! floor: merely reading the data), and one host-add validated against each loaded context
//! (which must not grow with it).
//!
//! Run: `cargo bench -p edgeworker-benches --bench context -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgeworker_benches::{CONTEXT_SIZES, REQUEST, context};
use edgeworker_core::context::Context;
use edgeworker_core::host::HostAddRequest;
use edgeworker_core::validate::{self, Options};
use serde_json::Value;

fn bench(c: &mut Criterion) {
    let request: Value = serde_json::from_str(REQUEST).expect("bench request is JSON");
    let request = HostAddRequest::from_value(&request).expect("bench request is well-typed");
    let mut group = c.benchmark_group("context");
    for hosts in CONTEXT_SIZES {
        let value = context(hosts);
        let text = value.to_string();
        let ctx = Context::from_json(&text).expect("bench context");
        assert!(validate::validate_host_add(&request, &ctx, Options::default()).is_ok());
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("serde_json_value_baseline", hosts),
            &text,
            |b, t| {
                b.iter(|| serde_json::from_str::<Value>(black_box(t)).expect("JSON"));
            },
        );
        group.bench_with_input(BenchmarkId::new("from_json", hosts), &text, |b, t| {
            b.iter(|| Context::from_json(black_box(t)).expect("context"));
        });
        group.bench_with_input(BenchmarkId::new("from_value", hosts), &value, |b, v| {
            b.iter(|| Context::from_value(black_box(v)).expect("context"));
        });
        group.bench_with_input(
            BenchmarkId::new("validate_host_add", hosts),
            &ctx,
            |b, ctx| {
                b.iter(|| {
                    validate::validate_host_add(black_box(&request), ctx, Options::default())
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
