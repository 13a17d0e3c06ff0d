//! Checks shared by host-add and host-update.

use std::net::IpAddr;

use crate::context::{Administrative, Context, Operational, SystemMode, SystemType, VswitchType};
use crate::host::{BmType, PasswordShape, Subfunctions, is_python_space};
use crate::hostname::{Hostname, HostnameError};
use crate::mac::MacAddress;
use crate::personality::{AllInOne, HostnamePolicy, Personality};
use crate::violation::Violation;

use super::Findings;

/// Names the platform itself answers to; a host named so would shadow it (RULES §2.1).
pub(super) const PLATFORM_NAMES: [&str; 5] = [
    "controller",
    "controller-gateway",
    "pxecontroller",
    "localhost",
    "registry.local",
];

/// A field's text, with the empty string counting as absent (as sysinv's `if not value`).
pub(super) fn given(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.is_empty())
}

/// Whether the system has its first controller yet (sysinv `_no_controllers_exist`, negated:
/// a host named `controller-0` or `controller-1`). Until then, sysinv's host-add checks 0 to
/// 4 do not apply: that is how controller-0's own record is added.
pub(super) fn controllers_exist(ctx: &Context) -> bool {
    ctx.host("controller-0").is_some() || ctx.host("controller-1").is_some()
}

/// Whether some controller is both unlocked and enabled (sysinv
/// `_block_add_host_semantic_checks`).
pub(super) fn unlocked_enabled_controller(ctx: &Context) -> bool {
    ctx.hosts().iter().any(|host| {
        host.personality == Some(Personality::Controller)
            && host.administrative == Some(Administrative::Unlocked)
            && host.operational == Some(Operational::Enabled)
    })
}

/// `system.simplex`: nothing may join a simplex system once its controller exists.
pub(super) fn simplex_full(ctx: &Context) -> bool {
    ctx.system().mode == SystemMode::Simplex && controllers_exist(ctx)
}

/// Check 3, sysinv `_semantic_check_vsc_controllers` for a new host: only a worker on a
/// `nuage_vrs` system may name VSC controllers, and then exactly two IPv4 addresses.
pub(super) fn check_vsc_controllers(
    value: &str,
    raw_personality: Option<&str>,
    ctx: &Context,
    findings: &mut Findings,
) {
    if ctx.system().vswitch_type != VswitchType::NuageVrs || raw_personality != Some("worker") {
        findings.error(Violation::vsc_controllers_not_applicable());
        return;
    }
    let list: Vec<&str> = value.split(',').collect();
    if list.len() != 2 {
        findings.error(Violation::vsc_controllers_not_two());
        return;
    }
    for address in list {
        match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => {}
            Ok(IpAddr::V6(_)) => {
                findings.error(Violation::vsc_controllers_not_ipv4());
                return;
            }
            Err(_) => {
                findings.error(Violation::vsc_controllers_invalid_address(address));
                return;
            }
        }
    }
}

/// Whether `personality` may run on this system type and mode (RULES §2.2).
pub(super) fn compatible(personality: Personality, ctx: &Context) -> bool {
    let system = ctx.system();
    match (system.system_type, personality.capabilities().all_in_one) {
        (SystemType::Standard, _) | (SystemType::AllInOne, AllInOne::Always) => true,
        (SystemType::AllInOne, AllInOne::DuplexOnly) => system.mode != SystemMode::Simplex,
        (SystemType::AllInOne, AllInOne::Never) => false,
    }
}

/// sysinv's alphabet and length checks of a given, non-empty host name.
pub(super) fn parse_hostname(raw: &str, findings: &mut Findings) -> Option<Hostname> {
    if let Ok(name) = Hostname::parse(raw) {
        Some(name)
    } else {
        for problem in Hostname::problems(raw) {
            match problem {
                HostnameError::InvalidChars => {
                    findings.error(Violation::hostname_invalid_chars());
                }
                HostnameError::TooLong => findings.error(Violation::hostname_too_long()),
                // Callers pass only non-empty names; `hostname.missing` covers empty ones.
                HostnameError::Empty => {}
            }
        }
        None
    }
}

/// The names a personality may not, or must, take (`hostname.reserved` and its contrasts).
/// Returns whether the name passed.
pub(super) fn check_hostname_policy(
    name: &str,
    personality: Personality,
    findings: &mut Findings,
) -> bool {
    let policy = personality.capabilities().hostnames;
    if policy.allows(name) {
        return true;
    }
    findings.error(match policy {
        HostnamePolicy::NotReserved => Violation::hostname_reserved(name, personality),
        HostnamePolicy::ControllerNames => Violation::hostname_not_controller_name(),
        HostnamePolicy::StorageNames => Violation::hostname_not_storage_name(),
    });
    false
}

/// The warnings beyond sysinv: names Kubernetes, DNS, DHCP or the platform cannot take.
pub(super) fn hostname_warnings(name: &Hostname, ctx: &Context, findings: &mut Findings) {
    if let Some(reason) = name.dns_incompatibility() {
        findings.strict_warn(Violation::hostname_not_dns_compatible(
            name.as_str(),
            reason,
        ));
    }
    if let Some(reading) = name.dhcp_misreading() {
        findings.strict_warn(Violation::hostname_not_dhcp_compatible(
            name.as_str(),
            reading,
        ));
    }
    let text = name.as_str();
    // A `<name>-mgmt` row with no host of that name serves another purpose (the floating
    // controller address, NFS, ...): the new host would inherit that address.
    let row_of_another = ctx.mgmt_row_of(text).is_some() && ctx.host(text).is_none();
    if PLATFORM_NAMES.contains(&text) || row_of_another {
        findings.strict_warn(Violation::hostname_shadows_platform_name(text));
    }
}

/// `subfunctions.invalid`, and the normalized subfunctions.
pub(super) fn check_subfunctions(
    personality: Personality,
    given: Option<&str>,
    findings: &mut Findings,
) -> Option<Subfunctions> {
    match Subfunctions::parse(personality, given) {
        Ok(subfunctions) => Some(subfunctions),
        Err(invalid) => {
            for value in invalid {
                // Messages quote a value cut to its first characters: two long values that
                // differ only after the cut read the same, and are reported once.
                let violation = Violation::subfunctions_invalid(&value);
                if !findings.errors.contains(&violation) {
                    findings.error(violation);
                }
            }
            None
        }
    }
}

/// The board management fields of a request or change set.
pub(super) struct BmFields<'a> {
    pub kind: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub username: Option<&'a str>,
    pub password: Option<PasswordShape>,
}

/// Board management as it will be stored.
pub(super) struct Bmc {
    pub kind: BmType,
    pub ip: Option<IpAddr>,
    pub username: Option<String>,
}

impl Bmc {
    const NONE: Self = Self {
        kind: BmType::None,
        ip: None,
        username: None,
    };
}

/// The longest BMC user name stx10 accepts (IPMI v2: 16 bytes).
const BM_USERNAME_MAX: usize = 16;

/// stx10's credential checks (sysinv `_bm_username_semantic_check` and
/// `_bm_password_semantic_check`), which run before every other BMC check and whatever the
/// `bm_type`. Returns whether they passed. sysinv raises at the first failure; the user name
/// and the password are independent fields, so each gets its first failure here.
fn check_bmc_credentials(
    fields: &BmFields<'_>,
    hostname: Option<&str>,
    findings: &mut Findings,
) -> bool {
    let before = findings.errors.len();
    if let Some(username) = fields.username {
        // Python's len(): code points.
        if username.chars().count() > BM_USERNAME_MAX {
            findings.error(Violation::bm_username_too_long(hostname));
        } else if username.chars().any(is_python_space) {
            findings.error(Violation::bm_username_whitespace(hostname));
        }
    }
    // An empty password is no password (`if patch_bm_password:`).
    if let Some(password) = fields.password.filter(|p| !p.empty) {
        if fields.username.is_none() {
            findings.error(Violation::bm_password_no_username(hostname));
        } else if password.whitespace {
            findings.error(Violation::bm_password_whitespace(hostname));
        }
    }
    findings.errors.len() == before
}

/// RULES §2.4, and §7's stx10 BMC checks where the context's profile has them. `own_mac` is
/// the host being updated, whose own `bm_ip` is no duplicate.
pub(super) fn check_bmc(
    fields: &BmFields<'_>,
    personality: Option<Personality>,
    hostname: Option<&str>,
    own_mac: Option<MacAddress>,
    ctx: &Context,
    findings: &mut Findings,
) -> Option<Bmc> {
    let rules = ctx.profile().rules();
    // The other checks still run: every violation is reported, the credentials' first.
    let credentials_ok =
        !rules.bmc_credentials || check_bmc_credentials(fields, hostname, findings);
    let bm_type = match fields.kind {
        Some(raw) => {
            if let Ok(t) = raw.parse::<BmType>() {
                t
            } else {
                findings.error(Violation::bm_type_invalid(hostname, raw));
                return None;
            }
        }
        // sysinv's default: a BMC address and user name mean "discover the protocol".
        None if fields.ip.is_some() && fields.username.is_some() => BmType::Dynamic,
        None => BmType::None,
    };
    let board_management = personality.is_none_or(|p| p.capabilities().board_management);
    if !bm_type.is_provisioned() {
        let ignored: Vec<&str> = [
            ("bm_ip", fields.ip.is_some()),
            ("bm_username", fields.username.is_some()),
            ("bm_password", fields.password.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if !ignored.is_empty() {
            findings.warn(Violation::bmc_ignored(&ignored));
        }
        return credentials_ok.then_some(Bmc::NONE);
    }
    if let (false, Some(p)) = (board_management, personality) {
        findings.error(Violation::bmc_unsupported(p));
        return None;
    }
    let before = findings.errors.len();
    if fields.username.is_none() {
        findings.error(Violation::bm_username_missing(hostname));
    }
    let bm_ip = fields
        .ip
        .and_then(|raw| raw.parse::<IpAddr>().ok().map(|ip| (raw, ip)));
    match bm_ip {
        None => findings.error(Violation::bm_ip_invalid(hostname)),
        Some((raw, ip)) => {
            // sysinv `_bm_ip_version_semantic_check`, between the address and duplicate checks.
            if rules.bmc_ip_family {
                match ctx.oam_family() {
                    None => findings.error(Violation::bm_ip_no_oam_network()),
                    Some(family) if !family.contains(ip) => {
                        findings.error(Violation::bm_ip_wrong_family());
                    }
                    Some(_) => {}
                }
            }
            if ctx
                .host_by_bm_ip(ip)
                .is_some_and(|other| Some(other.mgmt_mac) != own_mac)
            {
                findings.error(Violation::bm_ip_duplicate(raw));
            }
        }
    }
    (credentials_ok && findings.errors.len() == before).then(|| Bmc {
        kind: bm_type,
        ip: bm_ip.map(|(_, ip)| ip),
        username: fields.username.map(str::to_owned),
    })
}
