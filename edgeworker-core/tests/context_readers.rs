//! The two context readers agree: `Context::from_json` (typed, straight from the text) gives
//! what parsing into a `serde_json::Value` and `Context::from_value` give, the same context
//! or the same error, for generated contexts valid and invalid alike.

use edgeworker_core::context::{Context, ContextError};
use proptest::prelude::*;
use serde_json::Value;

/// A field value: mostly well-formed for its field, sometimes not, sometimes another type.
fn value_for(field: &'static str) -> BoxedStrategy<String> {
    let good: Vec<&'static str> = match field {
        "hostname" => vec!["\"edge-1\"", "\"controller-0\"", "\"edge-2\""],
        "personality" => vec!["\"edgeworker\"", "\"controller\""],
        "mgmt_mac" => vec!["\"08:00:27:aa:00:01\"", "\"08-00-27-AA-00-02\""],
        "mgmt_ip" | "bm_ip" => vec!["\"10.0.0.1\"", "\"fd00::1\""],
        "invprovision" => vec!["\"provisioned\""],
        "administrative" => vec!["\"unlocked\""],
        "operational" => vec!["\"enabled\""],
        _ => vec!["\"x\"", "\"u-1\""],
    };
    let bad = vec![
        "null",
        "1",
        "true",
        "[]",
        "{}",
        "\"\"",
        "\"Edge Worker\"",
        "\"10.0.0.256\"",
    ];
    prop_oneof![
        4 => proptest::sample::select(good).prop_map(str::to_owned),
        1 => proptest::sample::select(bad).prop_map(str::to_owned),
    ]
    .boxed()
}

const FIELDS: [&str; 9] = [
    "hostname",
    "personality",
    "mgmt_mac",
    "mgmt_ip",
    "bm_ip",
    "uuid",
    "invprovision",
    "administrative",
    "colour",
];

/// A host object as text, keys possibly repeated (which a `Value` resolves to the last).
fn host() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(FIELDS.to_vec())
            .prop_flat_map(|f| value_for(f).prop_map(move |v| format!("\"{f}\": {v}"))),
        0..6,
    )
    .prop_map(|fields| format!("{{{}}}", fields.join(", ")))
}

fn row() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(vec!["\"a-mgmt\"", "\"b-mgmt\"", "1", "null"]),
        proptest::sample::select(vec!["\"10.0.0.1\"", "\"10.0.0.2\"", "\"x\"", "null"]),
        any::<bool>(),
    )
        .prop_map(|(name, address, both)| {
            if both {
                format!("{{\"name\": {name}, \"address\": {address}}}")
            } else {
                format!("{{\"name\": {name}}}")
            }
        })
}

fn context() -> impl Strategy<Value = String> {
    (
        proptest::option::of(proptest::collection::vec(host(), 0..4)),
        proptest::option::of(proptest::collection::vec(row(), 0..3)),
        proptest::sample::select(vec![
            "",
            "\"system\": {\"mode\": \"simplex\"}, ",
            "\"system\": [\"duplex\"], ",
            "\"mgmt_network\": {\"dynamic\": false}, ",
            "\"mgmt_network\": [false], ",
            "\"colour\": null, ",
            "\"hosts\": null, ",
        ]),
    )
        .prop_map(|(hosts, rows, extra)| {
            let mut parts = vec![];
            if let Some(hosts) = hosts {
                parts.push(format!("\"hosts\": [{}]", hosts.join(", ")));
            }
            if let Some(rows) = rows {
                parts.push(format!("\"addresses\": [{}]", rows.join(", ")));
            }
            format!("{{{extra}{}}}", parts.join(", ")).replace(", }", "}")
        })
}

fn summary(result: Result<Context, ContextError>) -> Result<Value, ContextError> {
    result.map(|ctx| {
        serde_json::json!({
            "system": ctx.system(),
            "mgmt_network": ctx.mgmt_network(),
            "hosts": ctx.hosts(),
            "addresses": ctx.addresses(),
        })
    })
}

proptest! {
    #[test]
    fn from_json_is_from_value(text in context()) {
        let value: Value = serde_json::from_str(&text).expect("generated text is JSON");
        prop_assert_eq!(summary(Context::from_json(&text)), summary(Context::from_value(&value)), "{}", text);
    }
}
