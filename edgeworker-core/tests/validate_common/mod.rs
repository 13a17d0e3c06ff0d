//! Helpers shared by the validation tests.
#![allow(clippy::needless_pass_by_value)] // test shorthand: callers pass json!() literals
#![allow(dead_code)]

use edgeworker_core::context::Context;
use edgeworker_core::validate::{self, Options, Outcome, Rejection};
use edgeworker_core::violation::Violation;
use serde_json::{Value, json};

/// A valid edgeworker request for the example context, with `overrides` merged in
/// (a `null` override removes the field).
pub fn edge(overrides: Value) -> Value {
    let mut request = json!({
        "hostname": "edge-1",
        "personality": "edgeworker",
        "mgmt_mac": "08:00:27:bb:00:01",
    });
    if let (Some(base), Some(extra)) = (request.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    request
}

/// The example context ([`Context::example`]) with `overrides` merged at the top level: a
/// key the overrides leave out keeps the example's hosts or rows (a context's own absent
/// key would be the empty system's).
pub fn ctx(overrides: Value) -> Context {
    Context::from_value(&example_with(overrides)).expect("test context")
}

/// The example context as JSON, with `overrides` merged at the top level.
pub fn example_with(overrides: Value) -> Value {
    let example = Context::example();
    let mut value = json!({"hosts": example.hosts(), "addresses": example.addresses()});
    if let (Some(base), Some(extra)) = (value.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    value
}

/// A static-addressing context (the example's pool and rows).
pub fn static_ctx() -> Context {
    ctx(json!({"mgmt_network": {"dynamic": false}}))
}

pub fn add_in(ctx: &Context, request: &Value) -> Result<Outcome, Rejection> {
    validate::validate_host_add_value(request, ctx, Options::default())
}

pub fn add(request: &Value) -> Result<Outcome, Rejection> {
    add_in(&Context::example(), request)
}

/// A violation as a comparable tuple: code, field, message, status.
pub fn row(v: &Violation) -> (String, Option<String>, String, u16) {
    (
        v.code().as_str().to_owned(),
        v.field().map(str::to_owned),
        v.message().to_owned(),
        v.status(),
    )
}

/// The error codes of a rejection, in order (empty when accepted).
pub fn codes(result: &Result<Outcome, Rejection>) -> Vec<&'static str> {
    match result {
        Ok(_) => Vec::new(),
        Err(r) => r.errors().iter().map(|v| v.code().as_str()).collect(),
    }
}

/// The only error of a rejection, as a tuple; fails when accepted or with several errors.
pub fn only_error(result: &Result<Outcome, Rejection>) -> (String, Option<String>, String, u16) {
    match result {
        Ok(outcome) => panic!("accepted: {outcome:?}"),
        Err(r) => {
            assert_eq!(r.errors().len(), 1, "{:?}", r.errors());
            row(&r.errors()[0])
        }
    }
}

/// Shorthand for an expected violation tuple.
pub fn v(
    code: &str,
    field: Option<&str>,
    message: &str,
    status: u16,
) -> (String, Option<String>, String, u16) {
    (
        code.to_owned(),
        field.map(str::to_owned),
        message.to_owned(),
        status,
    )
}
