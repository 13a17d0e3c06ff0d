//! Shared inputs for the criterion benchmarks under `benches/benches/` and for
//! `scripts/bench`.

use serde_json::{Value, json};

/// The context sizes every context benchmark measures (hosts in the context).
pub const CONTEXT_SIZES: [usize; 4] = [0, 200, 2_000, 20_000];

/// A context as sysinv's conductor would build it from its database: a Standard duplex
/// system, a dynamic `10.8.0.0/16` management network, `hosts` hosts with every field set
/// (two unlocked controllers first, then edgeworkers), and one `<host>-mgmt` address row per
/// host plus the floating `controller-mgmt`. `edgeworker-py/bench.py` builds the same shape.
///
/// ```
/// let ctx = edgeworker_benches::context(3);
/// assert_eq!(ctx["hosts"].as_array().map(Vec::len), Some(3));
/// assert_eq!(ctx["addresses"].as_array().map(Vec::len), Some(4));
/// assert!(edgeworker_core::context::Context::from_value(&ctx).is_ok());
/// ```
#[must_use]
pub fn context(hosts: usize) -> Value {
    let ip = |i: usize| format!("10.8.{}.{}", (i + 3) / 256, (i + 3) % 256);
    let list: Vec<Value> = (0..hosts)
        .map(|i| {
            let (name, personality) = if i < 2 {
                (format!("controller-{i}"), "controller")
            } else {
                (format!("edge-{i}"), "edgeworker")
            };
            let mac = format!(
                "{:02x}:{:02x}:{:02x}:{:02x}",
                i >> 24 & 255,
                i >> 16 & 255,
                i >> 8 & 255,
                i & 255
            );
            json!({
                "hostname": name, "personality": personality, "subfunctions": personality,
                "mgmt_mac": format!("02:{mac}:01"), "mgmt_ip": ip(i), "bm_ip": null,
                "uuid": format!("5c0f4a6e-8a1b-4f6e-9d3c-{i:012x}"),
                "invprovision": "provisioned", "administrative": "unlocked",
                "operational": "enabled", "availability": "available",
            })
        })
        .collect();
    let mut rows = vec![json!({"name": "controller-mgmt", "address": "10.8.0.2"})];
    rows.extend(list.iter().enumerate().map(|(i, host)| {
        json!({"name": format!("{}-mgmt", host["hostname"].as_str().unwrap_or("")), "address": ip(i)})
    }));
    json!({
        "system": {"mode": "duplex", "type": "Standard"},
        "mgmt_network": {
            "dynamic": true,
            "pool": {"name": "management", "network": "10.8.0.0/16", "order": "random"},
        },
        "hosts": list,
        "addresses": rows,
    })
}

/// A valid edgeworker host-add request against [`context`] of any size.
pub const REQUEST: &str = r#"{"hostname": "edge-new", "personality": "edgeworker", "mgmt_mac": "3c:ec:ef:10:20:02", "console": "ttyS0,115200"}"#;
