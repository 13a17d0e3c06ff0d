//! host-add: any request against any context.
//!
//! Input: byte 0 picks how the rest is read. Below 64, the rest is `request JSON`, then
//! optionally `0xFF context JSON` (raw mode, for the parser and the seeds from
//! `examples/`); otherwise the rest drives a structured generator of realistic requests and
//! contexts.
//!
//! Properties, beyond "never panics":
//! - a rejection has at least one error, each 400/409, none twice, in sysinv's order
//!   (RULES §2), shape errors alone; `to_string()` is the first error's message;
//! - warnings are only the three warning codes;
//! - strict mode is exactly lenient mode with the hostname warnings appended to the errors;
//! - the accepted host, serialized back into a request, is accepted again in the same
//!   context with the same normalized host and effect (normalization is a fixed point);
//! - once admitted to the context, the same request is refused as a duplicate MAC.
#![no_main]

use arbitrary::Unstructured;
use edgeworker_core::context::Context;
use edgeworker_core::validate::{self, Effect, Options, Outcome, Rejection};
use edgeworker_core::violation::Violation;
use edgeworker_fuzz::{inputs, order};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn inputs(data: &[u8]) -> Option<(Value, Context)> {
    let (&mode, rest) = data.split_first()?;
    if mode < 64 {
        let (request, context) = match rest.iter().position(|&b| b == 0xFF) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let request: Value = serde_json::from_slice(request).ok()?;
        let ctx = match context {
            Some(text) => context_of(&serde_json::from_slice(text).ok()?)?,
            None => Context::example(),
        };
        return Some((request, ctx));
    }
    let mut u = Unstructured::new(rest);
    let ctx = match inputs::context(&mut u).ok()? {
        Some(value) => context_of(&value)?,
        None => Context::example(),
    };
    Some((inputs::add_request(&mut u).ok()?, ctx))
}

fn context_of(value: &Value) -> Option<Context> {
    match Context::from_value(value) {
        Ok(ctx) => Some(ctx),
        Err(err) => {
            assert!(err.code().starts_with("context."), "{err}");
            assert!(!err.to_string().is_empty());
            None
        }
    }
}

fn parts(result: &Result<Outcome, Rejection>) -> (Vec<Violation>, Vec<Violation>) {
    match result {
        Ok(outcome) => (Vec::new(), outcome.warnings.clone()),
        Err(rejection) => (rejection.errors().to_vec(), rejection.warnings().to_vec()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((request, ctx)) = inputs(data) else {
        return;
    };
    let lenient = validate::validate_host_add_value(&request, &ctx, Options::default());
    let strict =
        validate::validate_host_add_value(&request, &ctx, Options::default().with_strict(true));
    for result in [&lenient, &strict] {
        match result {
            Err(rejection) => {
                order::check_errors(order::ADD, rejection.errors());
                order::check_warnings(rejection.warnings());
                assert_eq!(rejection.to_string(), rejection.errors()[0].message());
            }
            Ok(outcome) => order::check_warnings(&outcome.warnings),
        }
    }
    let (le, lw) = parts(&lenient);
    let (se, sw) = parts(&strict);
    order::check_strict_relation((&le, &lw), (&se, &sw));
    if let (Ok(a), Ok(b)) = (&lenient, &strict) {
        assert_eq!((&a.host, a.effect), (&b.host, b.effect));
    }
    let Ok(outcome) = lenient else { return };

    // The normalized host is itself a request that normalizes to the same host.
    let mut again = serde_json::to_value(&outcome.host).expect("a host serializes");
    if let Value::Object(map) = &mut again {
        map.remove("uuid");
    }
    match validate::validate_host_add_value(&again, &ctx, Options::default()) {
        Ok(second) => {
            assert_eq!(second.host, outcome.host, "request {again}");
            assert_eq!(second.effect, outcome.effect);
            let codes = |o: &Outcome| -> Vec<&str> {
                o.warnings
                    .iter()
                    .map(|w| w.code().as_str())
                    // Ignored fields are dropped from the host, and so are their warnings.
                    .filter(|c| !matches!(*c, "bmc.ignored" | "mgmt_ip.ignored"))
                    .collect()
            };
            assert_eq!(codes(&second), codes(&outcome), "request {request}\nagain {again}\nctx {ctx:?}");
        }
        Err(rejection) => panic!("normalized host {again} refused: {:?}", rejection.errors()),
    }

    // Admitted, the same request is a duplicate.
    let mut batch = validate::Batch::new(ctx.clone(), Options::default());
    batch
        .add_value(&request)
        .unwrap_or_else(|e| panic!("an accepted host cannot join its context: {e}\nrequest {request}"))
        .expect("accepted once already");
    let repeat = batch
        .add_value(&request)
        .unwrap_or_else(|e| panic!("a refused host changes nothing: {e}"))
        .expect_err("the same host accepted twice");
    assert!(
        repeat
            .errors()
            .iter()
            .any(|v| v.code().as_str() == "mgmt_mac.duplicate"),
        "{:?}",
        repeat.errors()
    );
    // The effect names the discovered host with this MAC, by its uuid.
    let known = ctx.host_by_mac(&outcome.host.mgmt_mac());
    match outcome.effect {
        Effect::UpdateDiscovered => {
            let host = known.expect("a discovered host has this MAC");
            assert!(host.is_discovered());
            assert_eq!(outcome.host.uuid(), host.uuid.as_deref());
        }
        Effect::Create => assert!(known.is_none() && outcome.host.uuid().is_none()),
    }
});
