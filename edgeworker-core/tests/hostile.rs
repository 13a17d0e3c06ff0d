//! Hostile input through the library's public entry points: enormous strings, deep
//! nesting, NUL and non-UTF-8 bytes, numbers where strings belong, duplicate keys, BOMs and
//! broken or contested state files. Every case ends in a coded error that names the field
//! or file (or a documented acceptance), never a panic, and never a partial file.
//!
//! Also the regression tests of the fuzz targets' findings (`fuzz/`), one per finding.

use edgeworker_core::context::Context;
use edgeworker_core::validate::{self, Options};
use serde_json::json;

// ------------------------------------------------------------------- fuzz findings

/// Fuzz target `host_add`: two invalid subfunctions longer than the quoted part of the
/// message, equal in it, were reported as two identical violations.
#[test]
fn long_invalid_subfunctions_equal_in_their_quote_are_reported_once() {
    let long = "s".repeat(100);
    let request = json!({
        "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01",
        "subfunctions": format!("{long}a,{long}b,other"),
    });
    let rejection =
        validate::validate_host_add_value(&request, &Context::default(), Options::default())
            .unwrap_err();
    let messages: Vec<&str> = rejection.errors().iter().map(|v| v.message()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("Host-add Rejected: Invalid subfunction 'sss"));
    assert_eq!(
        messages[1],
        "Host-add Rejected: Invalid subfunction 'other'"
    );
}
