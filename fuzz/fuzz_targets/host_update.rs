//! host-update: any change set to any host of any context.
//!
//! Input: byte 0 picks the host (by index among the context's hosts) and, below 64, raw
//! mode: the rest is the change-set text, against `examples/context.json`. Otherwise the rest
//! drives a structured generator of contexts and change sets (duplicate fields included).
//!
//! Properties, beyond "never panics":
//! - the text path (`ChangeSet::from_json`, which sees duplicate fields) and the `Value`
//!   path agree whenever no field is given twice with different values;
//! - a rejection has at least one error, in the order of RULES §3, shape errors alone;
//! - strict mode is exactly lenient mode with the hostname warnings appended to the errors;
//! - an accepted update is a fixed point: applied again to the updated host, in the context
//!   holding it, it is accepted, changes nothing and configures nothing.
#![no_main]

use arbitrary::Unstructured;
use edgeworker_core::context::{Context, HostRecord};
use edgeworker_core::host::{ChangeSet, ChangeSetError};
use edgeworker_core::validate::{self, Options, Rejection, UpdateOutcome};
use edgeworker_core::violation::Violation;
use edgeworker_fuzz::{inputs, order};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn inputs(data: &[u8]) -> Option<(Context, usize, String)> {
    let (&mode, rest) = data.split_first()?;
    let pick = usize::from(mode);
    if mode < 64 {
        let ctx = Context::from_value(&inputs::example_context()).ok()?;
        return Some((ctx, pick, String::from_utf8(rest.to_vec()).ok()?));
    }
    let mut u = Unstructured::new(rest);
    let ctx = match inputs::context(&mut u).ok()? {
        Some(value) => Context::from_value(&value).ok()?,
        None => Context::example(),
    };
    Some((ctx, pick, inputs::change_set_text(&mut u).ok()?))
}

/// Violations in a canonical order, for comparing two paths that read fields in different
/// orders.
fn sorted(mut v: Vec<Violation>) -> Vec<Violation> {
    v.sort_by(|a, b| (a.code(), a.field(), a.message()).cmp(&(b.code(), b.field(), b.message())));
    v
}

fn canonical(mut c: ChangeSet) -> ChangeSet {
    c.restricted.sort_unstable();
    c
}

/// Whether the text holds a field twice with different values (top level only).
fn conflicting_duplicates(text: &str) -> bool {
    let Ok(Value::Object(_)) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let Ok(pairs) = serde::Deserialize::deserialize(&mut de).map(|p: Pairs| p.0) else {
        return false;
    };
    pairs
        .iter()
        .enumerate()
        .any(|(i, (k, v))| pairs[..i].iter().any(|(k2, v2)| k2 == k && v2 != v))
}

struct Pairs(Vec<(String, Value)>);
impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = m.next_entry()? {
                    out.push(pair);
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn parts(result: &Result<UpdateOutcome, Rejection>) -> (Vec<Violation>, Vec<Violation>) {
    match result {
        Ok(outcome) => (Vec::new(), outcome.warnings.clone()),
        Err(rejection) => (rejection.errors().to_vec(), rejection.warnings().to_vec()),
    }
}

/// The context with `updated` in place of the host it was.
fn with_host(ctx: &Context, index: usize, updated: &HostRecord) -> Context {
    let mut hosts = ctx.hosts().to_vec();
    hosts[index] = updated.clone();
    // Under the context's profile: it decides how rows are matched (stx10: by name and
    // family), and its rules judge the next update.
    Context::new_under(
        ctx.profile(),
        ctx.system(),
        ctx.mgmt_network().clone(),
        hosts,
        ctx.addresses().to_vec(),
    )
    .map(|new| {
        new.with_oam_family(ctx.oam_family())
            .with_cluster_host_network(ctx.cluster_host_network().cloned())
    })
    .unwrap_or_else(|e| panic!("an accepted update cannot stand in its context: {e}"))
}

fuzz_target!(|data: &[u8]| {
    let Some((ctx, pick, text)) = inputs(data) else {
        return;
    };
    if ctx.hosts().is_empty() {
        return;
    }
    let index = pick % ctx.hosts().len();
    let host = &ctx.hosts()[index];

    let from_text = ChangeSet::from_json(&text);
    if let Ok(value) = serde_json::from_str::<Value>(&text)
        && !conflicting_duplicates(&text)
    {
        match (&from_text, ChangeSet::from_value(&value)) {
            (Ok(a), Ok(b)) => assert_eq!(canonical(a.clone()), canonical(b)),
            (Err(ChangeSetError::Invalid(a)), Err(b)) => assert_eq!(sorted(a.clone()), sorted(b)),
            (a, b) => panic!("text and value paths disagree on {text}: {a:?} / {b:?}"),
        }
    }
    let changes = match from_text {
        Ok(changes) => changes,
        Err(ChangeSetError::Invalid(errors)) => {
            order::check_errors(order::UPDATE, &errors);
            return;
        }
        Err(ChangeSetError::Json(err)) => {
            assert!(
                serde_json::from_str::<Value>(&text).is_err(),
                "{err} but {text} is JSON"
            );
            return;
        }
        Err(other) => panic!("a change-set error this target does not check yet: {other}"),
    };

    let lenient = validate::validate_host_update(host, &changes, &ctx, Options::default());
    let strict =
        validate::validate_host_update(host, &changes, &ctx, Options::default().with_strict(true));
    for result in [&lenient, &strict] {
        match result {
            Err(rejection) => {
                order::check_errors(order::UPDATE, rejection.errors());
                order::check_warnings(rejection.warnings());
                assert_eq!(rejection.to_string(), rejection.errors()[0].message());
            }
            Ok(outcome) => order::check_warnings(&outcome.warnings),
        }
    }
    let (le, lw) = parts(&lenient);
    let (se, sw) = parts(&strict);
    order::check_strict_relation((&le, &lw), (&se, &sw));
    let Ok(outcome) = lenient else { return };
    assert_eq!(
        outcome.host.mgmt_mac, host.mgmt_mac,
        "an update moved the MAC"
    );
    assert_eq!(outcome.host.uuid, host.uuid, "an update moved the uuid");

    let after = with_host(&ctx, index, &outcome.host);
    let again = validate::validate_host_update(&outcome.host, &changes, &after, Options::default())
        .unwrap_or_else(|r| {
            panic!(
                "{text} accepted once, refused when repeated: {:?}",
                r.errors()
            )
        });
    assert_eq!(again.host, outcome.host, "{text} is not a fixed point");
    assert!(!again.configure, "{text} configures twice");
});
