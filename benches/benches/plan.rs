//! Plan + Ansible rendering for 1, 100 and 10,000 nodes (target: linear, under 100 ms for
//! 10,000). The baseline, measured in the same run, is serializing the same nodes' JSON
//! input to text: a linear pass over the same data that any consumer pays at least once.
//! `plan_only` and `ansible_only` time the two halves (parse + validate, render) apart.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgeworker_core::plan::Plan;
use serde_json::{Value, json};

const OSES: [(&str, &str); 6] = [
    ("ubuntu", "22.04"),
    ("debian", "12"),
    ("centos", "7"),
    ("rocky", "9"),
    ("almalinux", "8"),
    ("ubuntu", "24.04"),
];

fn controller() -> Value {
    json!({
        "kubernetes_version": "1.29.2", "apiserver": "10.0.0.2:6443",
        "mgmt_floating_address": "10.0.0.2", "mgmt_subnet": "10.0.0.0/16",
        "proxy": {"https": "http://proxy.example:3128", "no_proxy": ["localhost", "10.0.0.0/16"]},
    })
}

fn nodes(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| {
                let (id, version) = OSES[i % OSES.len()];
                let (hi, lo) = ((i + 10) / 256, (i + 10) % 256);
                json!({
                    "hostname": format!("edge-{i}"),
                    "mgmt_ip": format!("10.0.{hi}.{lo}"),
                    "mgmt_mac": format!("08:00:27:{:02x}:{:02x}:{:02x}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff),
                    "os": {"id": id, "version": version},
                    "arch": if i % 3 == 0 { "arm64" } else { "amd64" },
                    "ssh_user": "sysadmin",
                    "labels": {"site": format!("site-{}", i % 7)},
                    "kubelet_version": if i % 4 == 0 { Value::from("1.28.4") } else { Value::Null },
                })
            })
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    for count in [1usize, 100, 10_000] {
        let input = (controller(), nodes(count));
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(
            BenchmarkId::new("baseline_serialize_input", count),
            &input,
            |b, (_, n)| {
                b.iter(|| serde_json::to_string(black_box(n)).map(|s| s.len()));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("plan_and_ansible", count),
            &input,
            |b, input| {
                b.iter_batched(
                    || input.clone(),
                    |(c, n)| {
                        let plan = Plan::from_values(c, n).map_err(|e| e.to_string())?;
                        plan.to_ansible()
                            .map(|f| f.playbook.len() + f.inventory.len())
                            .map_err(|e| e.to_string())
                    },
                    BatchSize::LargeInput,
                );
            },
        );
        // The two halves, to see which one grows: parsing and validating the JSON values
        // (which the plan consumes), and rendering the playbook and inventory of a plan.
        group.bench_with_input(BenchmarkId::new("plan_only", count), &input, |b, input| {
            b.iter_batched(
                || input.clone(),
                |(c, n)| {
                    Plan::from_values(c, n)
                        .map(|p| p.nodes().len())
                        .map_err(|e| e.to_string())
                },
                BatchSize::LargeInput,
            );
        });
        let plan = Plan::from_values(input.0.clone(), input.1.clone())
            .expect("the bench fleet is a valid plan");
        group.bench_with_input(BenchmarkId::new("ansible_only", count), &plan, |b, plan| {
            b.iter(|| {
                plan.to_ansible()
                    .map(|f| f.playbook.len() + f.inventory.len())
                    .map_err(|e| e.to_string())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
