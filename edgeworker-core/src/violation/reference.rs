//! `docs/reference/violations.md`, generated from the catalogue itself so that it cannot
//! drift: the test below renders every message form of every code and fails when the page
//! differs. `EDGEWORKER_BLESS=1 cargo test -p edgeworker-core violation::reference` rewrites
//! the page.

use std::fmt::Write as _;
use std::path::Path;

use super::{Code, Violation};
use crate::personality::{Operation, Personality};

/// One example of every message form, in the catalogue's order (sysinv's check order).
fn samples() -> Vec<Violation> {
    let edge = Personality::Edgeworker;
    let ip = |s: &str| s.parse().expect("sample address");
    vec![
        Violation::unknown_fields(&["colour", "size"]),
        Violation::invalid_type(Some("hostname"), "a string", "an array"),
        Violation::duplicate_field("hostname"),
        Violation::host_no_unlocked_controller(Some("08:00:27:aa:00:09")),
        Violation::mgmt_ip_not_allowed(),
        Violation::mgmt_ip_required(),
        Violation::vsc_controllers_not_applicable(),
        Violation::vsc_controllers_not_two(),
        Violation::vsc_controllers_not_ipv4(),
        Violation::vsc_controllers_invalid_address("vsc-b"),
        Violation::system_simplex(),
        Violation::hostname_missing(Some("edgeworker")),
        Violation::hostname_invalid_chars(),
        Violation::hostname_too_long(),
        Violation::hostname_reserved("controller-0", edge),
        Violation::hostname_not_controller_name(),
        Violation::hostname_not_storage_name(),
        Violation::personality_invalid(Some("edge-1"), Some("Edgeworker")),
        Violation::mgmt_mac_missing(),
        Violation::mgmt_mac_invalid(),
        Violation::personality_incompatible(Personality::Storage),
        Violation::hostname_duplicate(),
        Violation::mgmt_ip_duplicate("192.168.204.50"),
        Violation::mgmt_mac_duplicate("08:00:27:AA:00:09"),
        Violation::bm_username_too_long(Some("worker-1")),
        Violation::bm_username_whitespace(Some("worker-1")),
        Violation::bm_password_no_username(Some("worker-1")),
        Violation::bm_password_whitespace(Some("worker-1")),
        Violation::bmc_unsupported(edge),
        Violation::bm_type_invalid(Some("worker-1"), "foo"),
        Violation::bm_username_missing(Some("worker-1")),
        Violation::bm_ip_invalid(Some("worker-1")),
        Violation::bm_ip_no_oam_network(),
        Violation::bm_ip_wrong_family(),
        Violation::bm_ip_duplicate("10.10.0.5"),
        Violation::personality_controllers_full(),
        Violation::hostname_not_expected("storage-3", "storage-1"),
        Violation::mgmt_ip_ignored("192.168.204.50"),
        Violation::mgmt_ip_invalid("192.168.204.04"),
        Violation::mgmt_ip_allocated(ip("192.168.204.50")),
        Violation::mgmt_ip_name_allocated("edge-1"),
        Violation::mgmt_ip_out_of_pool(ip("10.0.0.9")),
        Violation::subfunctions_invalid("edgeworker,storage"),
        Violation::hostname_not_dns_compatible("Edge_1", "it contains upper-case letters"),
        Violation::hostname_not_dhcp_compatible("3600", "a lease time"),
        Violation::hostname_shadows_platform_name("controller"),
        Violation::bmc_ignored(&["bm_ip", "bm_username"]),
        Violation::field_restricted("mgmt_mac"),
        Violation::host_provisioned(Some("edge-1")),
        Violation::personality_immutable(Some("edge-1")),
        Violation::hostname_immutable("edge-1"),
        Violation::subfunctions_immutable(Some("edge-1")),
        Violation::host_incomplete(),
        Violation::operation_not_supported(edge, Operation::HostUpgrade),
        Violation::operation_not_supported(edge, Operation::KubeHostUpgradeKubelet),
        Violation::operation_not_supported(edge, Operation::KubeHostUpgradeControlPlane),
        Violation::operation_not_supported(edge, Operation::PowerOn),
        Violation::operation_not_supported(edge, Operation::Reinstall),
        Violation::operation_not_supported(Personality::Worker, Operation::Lock),
        Violation::operation_deprecated(),
        Violation::operation_not_yet_supported(edge, Operation::Lock),
    ]
}

/// Whether the code is one of the warnings (never an error unless strict mode makes it one).
fn is_warning(code: Code) -> bool {
    matches!(
        code,
        Code::HostnameNotDnsCompatible
            | Code::HostnameNotDhcpCompatible
            | Code::HostnameShadowsPlatformName
            | Code::BmcIgnored
            | Code::MgmtIpIgnored
    )
}

/// Whether the code comes only from the `stx10` release profile's rules.
fn is_stx10(code: Code) -> bool {
    matches!(
        code,
        Code::MgmtIpIgnored
            | Code::BmUsernameTooLong
            | Code::BmUsernameWhitespace
            | Code::BmPasswordNoUsername
            | Code::BmPasswordWhitespace
            | Code::BmIpNoOamNetwork
            | Code::BmIpWrongFamily
    )
}

/// A table cell: the text as code, pipes escaped, trailing spaces made visible.
fn cell(text: &str) -> String {
    let visible = match text.len() - text.trim_end().len() {
        0 => text.to_owned(),
        n => format!("{}{}", text.trim_end(), "·".repeat(n)),
    };
    format!("`{}`", visible.replace('|', "\\|"))
}

fn render() -> String {
    let mut page = String::from(
        "# Validation codes\n\n\
         Generated from `edgeworker-core/src/violation.rs` by its tests; do not edit by hand.\n\n\
         Every violation the validator reports, as host-add and host-update return it: the\n\
         stable code, the field it concerns, the HTTP status sysinv answers with, and an example\n\
         of each form of its message (the values in it are examples). Rows come in sysinv's\n\
         check order. A trailing space in a message, kept from sysinv, is shown as `·`.\n\
         Warnings (marked) never refuse a request, except in strict mode; codes marked stx10\n\
         come only from that release profile's rules.\n\n\
         | code | field | status | message (example) |\n\
         | --- | --- | --- | --- |\n",
    );
    for v in samples() {
        let warning = if is_warning(v.code()) {
            " (warning)"
        } else {
            ""
        };
        let profile = if is_stx10(v.code()) { " (stx10)" } else { "" };
        let _ = writeln!(
            page,
            "| `{}`{warning}{profile} | {} | {} | {} |",
            v.code(),
            v.field()
                .map_or_else(|| "—".to_owned(), |f| format!("`{f}`")),
            v.status(),
            cell(v.message()),
        );
    }
    page
}

#[test]
fn every_code_has_an_example() {
    // The codes, read from `Code::as_str`'s arms: a new code without a sample fails here.
    let source = include_str!("../violation.rs");
    let samples = samples();
    let mut missing = Vec::new();
    for line in source.lines() {
        let Some((_, rest)) = line.split_once("=> \"") else {
            continue;
        };
        let Some((code, _)) = rest.split_once('"') else {
            continue;
        };
        let is_code = code.split_once('.').is_some_and(|(a, b)| {
            [a, b].iter().all(|part| {
                !part.is_empty() && part.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
            })
        });
        if is_code && !samples.iter().any(|v| v.code().as_str() == code) {
            missing.push(code.to_owned());
        }
    }
    assert!(missing.is_empty(), "no sample for {missing:?}");
}

#[test]
fn the_reference_page_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reference/violations.md");
    let page = render();
    if std::env::var_os("EDGEWORKER_BLESS").is_some() {
        std::fs::write(&path, &page).expect("write the reference page");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == page,
        "{} is out of date: run EDGEWORKER_BLESS=1 cargo test -p edgeworker-core violation::reference",
        path.display()
    );
}
