//! sysinv's check order as RULES.md §2 and §3 state it, by code: the model the fuzz targets
//! and the core's property test (`edgeworker-core/tests/validate_props.rs`, which includes
//! this file) hold the validator's error lists to. One model, written from RULES.md, never
//! from the validator. Codes on one line share a rank (alternatives of one check).

use edgeworker_core::violation::Violation;

/// host-add (RULES §2, checks 0–17; sysinv host.py stx.5.0 `_new_host_semantic_checks`
/// then `_do_post`; under the stx10 profile of RULES §7 the `mgmt_ip` checks are absent and
/// check 13 has sysinv master's BMC checks), then our own checks, then the strict-mode
/// warnings. Check 6 is
/// `_validate_hostname` by personality: an invalid personality is refused there, before the
/// MAC checks. Between the BMC and the address checks, `_controller_storage_node_setup`
/// names controllers and storage hosts (RULES §2 is silent on it; sysinv's code is not).
pub const ADD: &[&str] = &[
    "host.no_unlocked_controller",
    "mgmt_ip.not_allowed|mgmt_ip.required",
    "vsc_controllers.not_applicable|vsc_controllers.invalid",
    "system.simplex",
    "hostname.missing",
    "hostname.invalid_chars|hostname.invalid_for_personality|personality.invalid",
    "hostname.too_long",
    "hostname.reserved",
    "mgmt_mac.missing",
    "mgmt_mac.invalid",
    "personality.incompatible",
    "hostname.duplicate",
    "mgmt_ip.duplicate",
    "mgmt_mac.duplicate",
    // stx10 (RULES §7): the credential checks open check 13, whatever the bm_type.
    "bm_username.too_long|bm_username.whitespace",
    "bm_password.no_username|bm_password.whitespace",
    "bm_type.invalid|bmc.unsupported",
    "bm_username.missing",
    "bm_ip.invalid",
    // stx10: the OAM family check, between the address and duplicate checks.
    "bm_ip.no_oam_network|bm_ip.wrong_family",
    "bm_ip.duplicate",
    "personality.controllers_full|hostname.not_expected",
    "mgmt_ip.invalid",
    "mgmt_ip.allocated",
    "mgmt_ip.name_allocated",
    "mgmt_ip.out_of_pool",
    "subfunctions.invalid",
    "hostname.not_dns_compatible",
    "hostname.not_dhcp_compatible",
    "hostname.shadows_platform_name",
];

/// host-update (RULES §3, in the table's order, the personality checks before the hostname
/// rules as for host-add), then our own checks, then the strict-mode warnings.
pub const UPDATE: &[&str] = &[
    "field.restricted",
    "host.provisioned",
    "personality.immutable",
    "hostname.immutable",
    "subfunctions.immutable",
    "host.incomplete",
    "personality.invalid",
    "personality.incompatible",
    "hostname.invalid_chars",
    "hostname.too_long",
    "hostname.reserved|hostname.invalid_for_personality",
    "hostname.duplicate",
    "system.simplex",
    "bm_username.too_long|bm_username.whitespace",
    "bm_password.no_username|bm_password.whitespace",
    "bm_type.invalid|bmc.unsupported",
    "bm_username.missing",
    "bm_ip.invalid",
    "bm_ip.no_oam_network|bm_ip.wrong_family",
    "bm_ip.duplicate",
    "subfunctions.invalid",
    "hostname.not_dns_compatible",
    "hostname.not_dhcp_compatible",
    "hostname.shadows_platform_name",
];

/// The codes a request's shape produces; they come alone (the rules never ran).
pub const SHAPE: &[&str] = &[
    "request.unknown_field",
    "request.invalid_type",
    "request.duplicate_field",
];

/// The codes a warning may have.
pub const WARNINGS: &[&str] = &[
    "hostname.not_dns_compatible",
    "hostname.not_dhcp_compatible",
    "hostname.shadows_platform_name",
    "bmc.ignored",
    "mgmt_ip.ignored",
];

/// The warnings strict mode turns into errors.
pub const STRICT: &[&str] = &[
    "hostname.not_dns_compatible",
    "hostname.not_dhcp_compatible",
    "hostname.shadows_platform_name",
];

fn rank(table: &[&str], code: &str) -> usize {
    table
        .iter()
        .position(|group| group.split('|').any(|c| c == code))
        .unwrap_or_else(|| panic!("code {code} is not in sysinv's order"))
}

/// Asserts the properties every rejection has: never empty; statuses 400/409; no violation
/// twice; shape errors alone; otherwise codes in `table`'s order.
pub fn check_errors(table: &[&str], errors: &[Violation]) {
    assert!(!errors.is_empty(), "a rejection without errors");
    for (i, v) in errors.iter().enumerate() {
        assert!(matches!(v.status(), 400 | 409), "{v:?}");
        assert!(!v.message().is_empty(), "{v:?}");
        assert!(
            !errors[..i].contains(v),
            "reported twice: {v:?} in {errors:?}"
        );
    }
    let shape = errors
        .iter()
        .filter(|v| SHAPE.contains(&v.code().as_str()))
        .count();
    if shape > 0 {
        assert_eq!(
            shape,
            errors.len(),
            "shape errors mixed with rules: {errors:?}"
        );
        return;
    }
    let ranks: Vec<usize> = errors
        .iter()
        .map(|v| rank(table, v.code().as_str()))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "not in sysinv's order: {errors:?}"
    );
}

/// Asserts every warning is one of [`WARNINGS`].
pub fn check_warnings(warnings: &[Violation]) {
    for w in warnings {
        assert!(
            WARNINGS.contains(&w.code().as_str()),
            "unexpected warning {w:?}"
        );
    }
}

/// Asserts strict mode is exactly "the hostname warnings become errors, after sysinv's":
/// `lenient` and `strict` are `(errors, warnings)` of the same request in both modes.
pub fn check_strict_relation(
    lenient: (&[Violation], &[Violation]),
    strict: (&[Violation], &[Violation]),
) {
    let is_strict = |v: &&Violation| STRICT.contains(&v.code().as_str());
    let hostname: Vec<&Violation> = lenient.1.iter().filter(is_strict).collect();
    let others: Vec<&Violation> = lenient.1.iter().filter(|v| !is_strict(v)).collect();
    // Lenient mode lists the hostname warnings first.
    let reordered: Vec<&Violation> = hostname.iter().chain(others.iter()).copied().collect();
    assert_eq!(
        lenient.1.iter().collect::<Vec<_>>(),
        reordered,
        "hostname warnings not first"
    );
    let expected: Vec<&Violation> = lenient.0.iter().chain(hostname.iter().copied()).collect();
    assert_eq!(
        strict.0.iter().collect::<Vec<_>>(),
        expected,
        "strict errors"
    );
    assert_eq!(
        strict.1.iter().collect::<Vec<_>>(),
        others,
        "strict warnings"
    );
}
