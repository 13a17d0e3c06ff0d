//! dnsmasq rendering for 10,000 hosts.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use edgeworker_core::dhcp::{dnsmasq_addn_hosts, dnsmasq_hosts};

/// `(row name, address)` and `(host name, MAC)` pairs.
type Rows = Vec<(String, IpAddr)>;
type Macs = Vec<(String, String)>;

fn rows_and_macs(n: u32) -> (Rows, Macs) {
    // The controller's row last: the additional-hosts file looks it up among all the rows.
    let rows = (0..n)
        .map(|i| {
            let [_, _, a, b] = i.to_be_bytes();
            let address = IpAddr::from([10, 50, a, b]);
            (format!("edge-{i}-mgmt"), address)
        })
        .chain([("controller-mgmt".to_owned(), IpAddr::from([10, 51, 0, 2]))])
        .collect();
    let macs = (0..n)
        .map(|i| {
            let [_, _, a, b] = i.to_be_bytes();
            (format!("edge-{i}"), format!("08:00:27:00:{a:02x}:{b:02x}"))
        })
        .collect();
    (rows, macs)
}

fn render_10k(c: &mut Criterion) {
    let (rows, macs) = rows_and_macs(10_000);
    let mut group = c.benchmark_group("dhcp_10k_hosts");
    group.bench_function("hosts_with_macs", |b| {
        b.iter(|| black_box(dnsmasq_hosts(&rows, macs.iter().map(|(h, m)| (h, m))).unwrap()));
    });
    group.bench_function("addn_hosts", |b| {
        b.iter(|| black_box(dnsmasq_addn_hosts(&rows).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, render_10k);
criterion_main!(benches);
