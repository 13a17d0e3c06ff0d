//! Host-add validation throughput: a valid edgeworker and a request with five violations,
//! against the `serde_json` parse of the same request alone as the floor.
//!
//! Run: `cargo bench -p edgeworker-benches --bench validate -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use edgeworker_core::context::Context;
use edgeworker_core::host::HostAddRequest;
use edgeworker_core::validate::{self, Options};
use serde_json::{Value, json};

const VALID: &str = r#"{"hostname": "edge-factory-2", "personality": "edgeworker", "mgmt_mac": "3C:EC:EF:10:20:02", "console": "ttyS0,115200"}"#;

/// `mgmt_ip.not_allowed`, `hostname.reserved`, `hostname.duplicate`, `mgmt_mac.duplicate`,
/// `bmc.unsupported` (pinned in `edgeworker-core/tests/validate_add.rs`).
const FIVE_VIOLATIONS: &str = r#"{"hostname": "controller-0", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:01", "mgmt_ip": "192.168.204.9", "bm_type": "ipmi"}"#;

fn request(text: &str) -> HostAddRequest {
    let value: Value = serde_json::from_str(text).expect("bench input is JSON");
    HostAddRequest::from_value(&value).expect("bench input is well-typed")
}

/// The example context plus `n` edgeworkers, so lookups face a realistic inventory.
fn context(extra: u32) -> Context {
    let example = Context::example();
    let mut hosts = serde_json::to_value(example.hosts()).expect("serializable");
    if let Some(list) = hosts.as_array_mut() {
        for i in 0..extra {
            let octets = i.to_be_bytes().map(|o| format!("{o:02x}")).join(":");
            list.push(json!({
                "hostname": format!("edge-{i}"), "personality": "edgeworker",
                "mgmt_mac": format!("02:{octets}:01"),
                "uuid": format!("uuid-{i}"),
            }));
        }
    }
    Context::from_value(&json!({"hosts": hosts, "addresses": example.addresses()}))
        .expect("bench context")
}

fn bench(c: &mut Criterion) {
    let small = Context::example();
    let large = context(10_000);
    let valid = request(VALID);
    let five = request(FIVE_VIOLATIONS);
    assert!(validate::validate_host_add(&valid, &large, Options::default()).is_ok());
    assert_eq!(
        validate::validate_host_add(&five, &small, Options::default())
            .map_err(|r| r.errors().len()),
        Err(5)
    );

    let mut group = c.benchmark_group("validate_host_add");
    group.throughput(Throughput::Elements(1));
    group.bench_function("serde_json_parse_baseline", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(VALID)));
    });
    group.bench_function("valid_edgeworker", |b| {
        b.iter(|| validate::validate_host_add(black_box(&valid), &small, Options::default()));
    });
    group.bench_function("valid_edgeworker_10k_hosts", |b| {
        b.iter(|| validate::validate_host_add(black_box(&valid), &large, Options::default()));
    });
    group.bench_function("five_violations", |b| {
        b.iter(|| validate::validate_host_add(black_box(&five), &small, Options::default()));
    });
    group.bench_function("valid_edgeworker_from_text", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_str(black_box(VALID)).expect("JSON");
            validate::validate_host_add_value(&value, &small, Options::default())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
