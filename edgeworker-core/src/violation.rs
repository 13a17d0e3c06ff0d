//! Rule violations: a stable code, the field, sysinv's message and the HTTP status.
//!
//! This module is the one place where every code and every message is defined. Messages
//! quoted from sysinv are kept verbatim, odd punctuation and trailing spaces included, because
//! a caller plugged into sysinv must show exactly what sysinv shows. Messages sysinv has no
//! text for are ours and say so in [`Code`]'s documentation.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::ser::SerializeStruct as _;
use serde::{Serialize, Serializer};

use crate::address::AllocationError;
use crate::excerpt::excerpt;
use crate::personality::{Operation, Personality};

/// The stable identifier of a violation. Codes never change once released.
///
/// ```
/// use edgeworker_core::violation::Code;
/// assert_eq!(Code::HostnameReserved.as_str(), "hostname.reserved");
/// assert_eq!(Code::MgmtIpAllocated.status(), 409);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `request.unknown_field`: a field the request does not have (ours).
    RequestUnknownField,
    /// `request.invalid_type`: a field, or the request itself, of the wrong JSON type (ours).
    RequestInvalidType,
    /// `request.duplicate_field`: the same field twice with different values.
    RequestDuplicateField,
    /// `host.no_unlocked_controller`: a host-add without a personality while no controller
    /// is unlocked and enabled.
    HostNoUnlockedController,
    /// `vsc_controllers.not_applicable`: `vsc_controllers` given for a host that is not a
    /// worker, or on a system whose vswitch is not `nuage_vrs`.
    VscControllersNotApplicable,
    /// `vsc_controllers.invalid`: not two comma-separated IPv4 addresses (a worker on
    /// `nuage_vrs`).
    VscControllersInvalid,
    /// `system.simplex`: adding a host, or making one an edgeworker, on a simplex system.
    SystemSimplex,
    /// `mgmt_ip.not_allowed`: `mgmt_ip` given with dynamic addressing.
    MgmtIpNotAllowed,
    /// `mgmt_ip.required`: `mgmt_ip` missing with static addressing.
    MgmtIpRequired,
    /// `mgmt_ip.duplicate`: another host has this management address.
    MgmtIpDuplicate,
    /// `mgmt_ip.invalid`: not an IP address of the pool's family (ours).
    MgmtIpInvalid,
    /// `mgmt_ip.allocated`: an address row holds this address under another name (409).
    MgmtIpAllocated,
    /// `mgmt_ip.name_allocated`: the row `<hostname>-mgmt` holds another address (409).
    MgmtIpNameAllocated,
    /// `mgmt_ip.out_of_pool`: outside the management pool's ranges.
    MgmtIpOutOfPool,
    /// `mgmt_ip.ignored`: a `mgmt_ip` in a host-add under the stx10 profile, where hosts
    /// have no such field (warning; ours).
    MgmtIpIgnored,
    /// `hostname.missing`: no host name for a personality that needs one.
    HostnameMissing,
    /// `hostname.invalid_chars`: outside sysinv's host-name alphabet.
    HostnameInvalidChars,
    /// `hostname.too_long`: more than 255 characters.
    HostnameTooLong,
    /// `hostname.reserved`: a controller or storage name for a worker or edgeworker.
    HostnameReserved,
    /// `hostname.invalid_for_personality`: a controller not named `controller-0/1`, or a
    /// storage host not named `storage-<n>`.
    HostnameInvalidForPersonality,
    /// `hostname.duplicate`: another host has this name.
    HostnameDuplicate,
    /// `hostname.immutable`: the host name is already set.
    HostnameImmutable,
    /// `hostname.not_expected`: a storage host named other than the name the platform gives
    /// the next storage host.
    HostnameNotExpected,
    /// `hostname.not_dns_compatible`: not a Kubernetes node name (warning; ours).
    HostnameNotDnsCompatible,
    /// `hostname.not_dhcp_compatible`: dnsmasq would read the name as a keyword, a lease
    /// time or an address, so no DHCP reservation can carry it (warning; ours).
    HostnameNotDhcpCompatible,
    /// `hostname.shadows_platform_name`: a platform name or address-row name (warning; ours).
    HostnameShadowsPlatformName,
    /// `mgmt_mac.missing`: no management MAC address.
    MgmtMacMissing,
    /// `mgmt_mac.invalid`: not a MAC address.
    MgmtMacInvalid,
    /// `mgmt_mac.duplicate`: a configured host has this MAC address.
    MgmtMacDuplicate,
    /// `personality.invalid`: not one of the four personalities.
    PersonalityInvalid,
    /// `personality.incompatible`: not allowed on this system type and mode.
    PersonalityIncompatible,
    /// `personality.immutable`: the personality is already set.
    PersonalityImmutable,
    /// `personality.controllers_full`: a third controller.
    PersonalityControllersFull,
    /// `subfunctions.invalid`: a subfunction other than the personality and `lowlatency` (ours).
    SubfunctionsInvalid,
    /// `subfunctions.immutable`: the subfunctions are already set.
    SubfunctionsImmutable,
    /// `bmc.unsupported`: board management requested for a personality without it (ours).
    BmcUnsupported,
    /// `bmc.ignored`: board management fields dropped because `bm_type` is `none` (warning; ours).
    BmcIgnored,
    /// `bm_type.invalid`: not a board management type.
    BmTypeInvalid,
    /// `bm_username.missing`: a provisioned BMC without user name.
    BmUsernameMissing,
    /// `bm_username.too_long`: more than 16 characters (stx10).
    BmUsernameTooLong,
    /// `bm_username.whitespace`: a whitespace character in the user name (stx10).
    BmUsernameWhitespace,
    /// `bm_password.no_username`: a password without a user name (stx10).
    BmPasswordNoUsername,
    /// `bm_password.whitespace`: a whitespace character in the password (stx10).
    BmPasswordWhitespace,
    /// `bm_ip.no_oam_network`: a BMC address to check against an OAM network the system
    /// does not have (stx10).
    BmIpNoOamNetwork,
    /// `bm_ip.wrong_family`: a BMC address not of the OAM network's family (stx10).
    BmIpWrongFamily,
    /// `bm_ip.invalid`: a provisioned BMC without a valid address.
    BmIpInvalid,
    /// `bm_ip.duplicate`: another host has this BMC address.
    BmIpDuplicate,
    /// `field.restricted`: an update touching a field only the platform changes (ours).
    FieldRestricted,
    /// `host.provisioned`: identity fields of a configured host cannot change.
    HostProvisioned,
    /// `host.incomplete`: host name and personality must be provisioned together.
    HostIncomplete,
    /// `operation.not_supported`: the personality does not support the operation.
    OperationNotSupported,
    /// `operation.not_yet_supported`: a later phase of the edgeworker feature brings it (ours).
    OperationNotYetSupported,
}

impl Code {
    /// The dotted, stable name of the code.
    ///
    /// ```
    /// use edgeworker_core::violation::Code;
    /// assert_eq!(Code::OperationNotYetSupported.as_str(), "operation.not_yet_supported");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RequestUnknownField => "request.unknown_field",
            Self::RequestInvalidType => "request.invalid_type",
            Self::RequestDuplicateField => "request.duplicate_field",
            Self::HostNoUnlockedController => "host.no_unlocked_controller",
            Self::VscControllersNotApplicable => "vsc_controllers.not_applicable",
            Self::VscControllersInvalid => "vsc_controllers.invalid",
            Self::SystemSimplex => "system.simplex",
            Self::MgmtIpNotAllowed => "mgmt_ip.not_allowed",
            Self::MgmtIpRequired => "mgmt_ip.required",
            Self::MgmtIpDuplicate => "mgmt_ip.duplicate",
            Self::MgmtIpInvalid => "mgmt_ip.invalid",
            Self::MgmtIpAllocated => "mgmt_ip.allocated",
            Self::MgmtIpNameAllocated => "mgmt_ip.name_allocated",
            Self::MgmtIpOutOfPool => "mgmt_ip.out_of_pool",
            Self::MgmtIpIgnored => "mgmt_ip.ignored",
            Self::HostnameMissing => "hostname.missing",
            Self::HostnameInvalidChars => "hostname.invalid_chars",
            Self::HostnameTooLong => "hostname.too_long",
            Self::HostnameReserved => "hostname.reserved",
            Self::HostnameInvalidForPersonality => "hostname.invalid_for_personality",
            Self::HostnameDuplicate => "hostname.duplicate",
            Self::HostnameImmutable => "hostname.immutable",
            Self::HostnameNotExpected => "hostname.not_expected",
            Self::HostnameNotDnsCompatible => "hostname.not_dns_compatible",
            Self::HostnameNotDhcpCompatible => "hostname.not_dhcp_compatible",
            Self::HostnameShadowsPlatformName => "hostname.shadows_platform_name",
            Self::MgmtMacMissing => "mgmt_mac.missing",
            Self::MgmtMacInvalid => "mgmt_mac.invalid",
            Self::MgmtMacDuplicate => "mgmt_mac.duplicate",
            Self::PersonalityInvalid => "personality.invalid",
            Self::PersonalityIncompatible => "personality.incompatible",
            Self::PersonalityImmutable => "personality.immutable",
            Self::PersonalityControllersFull => "personality.controllers_full",
            Self::SubfunctionsInvalid => "subfunctions.invalid",
            Self::SubfunctionsImmutable => "subfunctions.immutable",
            Self::BmcUnsupported => "bmc.unsupported",
            Self::BmcIgnored => "bmc.ignored",
            Self::BmTypeInvalid => "bm_type.invalid",
            Self::BmUsernameMissing => "bm_username.missing",
            Self::BmUsernameTooLong => "bm_username.too_long",
            Self::BmUsernameWhitespace => "bm_username.whitespace",
            Self::BmPasswordNoUsername => "bm_password.no_username",
            Self::BmPasswordWhitespace => "bm_password.whitespace",
            Self::BmIpNoOamNetwork => "bm_ip.no_oam_network",
            Self::BmIpWrongFamily => "bm_ip.wrong_family",
            Self::BmIpInvalid => "bm_ip.invalid",
            Self::BmIpDuplicate => "bm_ip.duplicate",
            Self::FieldRestricted => "field.restricted",
            Self::HostProvisioned => "host.provisioned",
            Self::HostIncomplete => "host.incomplete",
            Self::OperationNotSupported => "operation.not_supported",
            Self::OperationNotYetSupported => "operation.not_yet_supported",
        }
    }

    /// The HTTP status sysinv answers: 409 for address conflicts, else 400.
    ///
    /// ```
    /// use edgeworker_core::violation::Code;
    /// assert_eq!(Code::HostnameDuplicate.status(), 400);
    /// ```
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            Self::MgmtIpAllocated | Self::MgmtIpNameAllocated => 409,
            _ => 400,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule (or, as a warning, one concern): code, field, message and status.
///
/// Serializes to exactly `{"code", "field", "message", "status"}`.
///
/// ```
/// use edgeworker_core::{context::Context, host::HostAddRequest, validate};
///
/// let request = HostAddRequest {
///     hostname: Some("controller-0".into()),
///     personality: Some("edgeworker".into()),
///     mgmt_mac: Some("08:00:27:aa:00:09".into()),
///     ..HostAddRequest::default()
/// };
/// let rejection = validate::validate_host_add(&request, &Context::default(), Default::default())
///     .unwrap_err();
/// let first = &rejection.errors()[0];
/// assert_eq!(first.code().as_str(), "hostname.reserved");
/// assert_eq!(
///     serde_json::to_string(first)?,
///     r#"{"code":"hostname.reserved","field":"hostname","message":"controller-0 Reject attempt to configure invalid hostname for personality edgeworker.","status":400}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    code: Code,
    field: Option<Cow<'static, str>>,
    message: String,
}

impl Violation {
    fn new(code: Code, field: Option<&'static str>, message: String) -> Self {
        Self {
            code,
            field: field.map(Cow::Borrowed),
            message,
        }
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> Code {
        self.code
    }

    /// The request field this is about, if any.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The message: sysinv's text where sysinv has one.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status sysinv would answer.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Serialize for Violation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Violation", 4)?;
        s.serialize_field("code", self.code.as_str())?;
        s.serialize_field("field", &self.field)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("status", &self.status())?;
        s.end()
    }
}

/// How sysinv (Python) prints an absent value inside a message.
fn or_none(value: Option<&str>) -> &str {
    value.unwrap_or("None")
}

// Constructors, in the order of RULES.md. Each is the single definition of its message.
impl Violation {
    /// wsme's `UnknownAttribute`, for every unknown name at once, each quoted through the
    /// bounded excerpt. wsme lists a set; sorted here, so the order never depends on how the
    /// request was read.
    pub(crate) fn unknown_fields(names: &[&str]) -> Self {
        let mut names: Vec<String> = names.iter().map(|n| excerpt(n).to_string()).collect();
        names.sort();
        names.dedup();
        let joined = names.join(", ");
        let plural = if names.len() > 1 { "s" } else { "" };
        Self {
            code: Code::RequestUnknownField,
            message: format!("Unknown attribute{plural} for argument host: {joined}"),
            field: Some(Cow::Owned(joined)),
        }
    }

    pub(crate) fn invalid_type(field: Option<&'static str>, expected: &str, found: &str) -> Self {
        let message = match field {
            Some(name) => format!("Field {name} must be {expected}, not {found}"),
            None => format!("The request must be {expected}, not {found}"),
        };
        Self::new(Code::RequestInvalidType, field, message)
    }

    pub(crate) fn duplicate_field(field: &'static str) -> Self {
        Self::new(
            Code::RequestDuplicateField,
            Some(field),
            "Illegal duplicate parameters passed.".to_owned(),
        )
    }

    pub(crate) fn host_no_unlocked_controller(mgmt_mac: Option<&str>) -> Self {
        Self::new(
            Code::HostNoUnlockedController,
            None,
            format!(
                "Provisioning request for new host '{}' is not permitted while there is no unlocked-enabled controller. Unlock controller-0, wait for it to enable and then retry.",
                excerpt(or_none(mgmt_mac))
            ),
        )
    }

    pub(crate) fn vsc_controllers_not_applicable() -> Self {
        Self::new(
            Code::VscControllersNotApplicable,
            Some("vsc_controllers"),
            "The vsc_controllers property is not applicable to this host.".to_owned(),
        )
    }

    pub(crate) fn vsc_controllers_not_two() -> Self {
        Self::new(
            Code::VscControllersInvalid,
            Some("vsc_controllers"),
            "Rejected: two VSC controllers (active and standby) must be specified (comma separated)."
                .to_owned(),
        )
    }

    pub(crate) fn vsc_controllers_not_ipv4() -> Self {
        Self::new(
            Code::VscControllersInvalid,
            Some("vsc_controllers"),
            "Invalid vsc_controller IP version - only IPv4 supported".to_owned(),
        )
    }

    pub(crate) fn vsc_controllers_invalid_address(value: &str) -> Self {
        Self::new(
            Code::VscControllersInvalid,
            Some("vsc_controllers"),
            format!(
                "Rejected: invalid VSC controller IP address: {}",
                excerpt(value)
            ),
        )
    }

    pub(crate) fn system_simplex() -> Self {
        Self::new(
            Code::SystemSimplex,
            None,
            "Host-add Rejected: Adding a host on a simplex system is not allowed.".to_owned(),
        )
    }

    pub(crate) fn mgmt_ip_not_allowed() -> Self {
        Self::new(
            Code::MgmtIpNotAllowed,
            Some("mgmt_ip"),
            "Host-add Rejected: Cannot specify a mgmt_ip when dynamic address allocation is configured"
                .to_owned(),
        )
    }

    pub(crate) fn mgmt_ip_required() -> Self {
        // sysinv says "worker" whatever the personality.
        Self::new(
            Code::MgmtIpRequired,
            Some("mgmt_ip"),
            "Host-add Rejected: Cannot add a worker host without specifying a mgmt_ip when static address allocation is configured."
                .to_owned(),
        )
    }

    pub(crate) fn hostname_missing(personality: Option<&str>) -> Self {
        Self::new(
            Code::HostnameMissing,
            Some("hostname"),
            format!(
                "Host-add Rejected. Must provide a hostname for a node of personality {}",
                or_none(personality)
            ),
        )
    }

    pub(crate) fn hostname_invalid_chars() -> Self {
        Self::new(
            Code::HostnameInvalidChars,
            Some("hostname"),
            "Name may only contain letters, numbers, underscores, periods and hyphens.".to_owned(),
        )
    }

    pub(crate) fn hostname_too_long() -> Self {
        Self::new(
            Code::HostnameTooLong,
            Some("hostname"),
            "Name restricted to at most 255 characters.".to_owned(),
        )
    }

    pub(crate) fn hostname_reserved(hostname: &str, personality: Personality) -> Self {
        Self::new(
            Code::HostnameReserved,
            Some("hostname"),
            format!(
                "{hostname} Reject attempt to configure invalid hostname for personality {personality}."
            ),
        )
    }

    pub(crate) fn hostname_not_controller_name() -> Self {
        Self::new(
            Code::HostnameInvalidForPersonality,
            Some("hostname"),
            "Host with personality=controller can only have a hostname from ['controller-0', 'controller-1']"
                .to_owned(),
        )
    }

    pub(crate) fn hostname_not_storage_name() -> Self {
        Self::new(
            Code::HostnameInvalidForPersonality,
            Some("hostname"),
            "Host with personality=storage can only have a hostname starting with storage-(number)"
                .to_owned(),
        )
    }

    pub(crate) fn mgmt_mac_missing() -> Self {
        Self::new(
            Code::MgmtMacMissing,
            Some("mgmt_mac"),
            "Host-add Rejected: Must provide MAC Address of the host mgmt interface".to_owned(),
        )
    }

    pub(crate) fn mgmt_mac_invalid() -> Self {
        Self::new(
            Code::MgmtMacInvalid,
            Some("mgmt_mac"),
            "Host-add Rejected: Must provide a valid format of a MAC Address".to_owned(),
        )
    }

    pub(crate) fn personality_invalid(hostname: Option<&str>, personality: Option<&str>) -> Self {
        Self::new(
            Code::PersonalityInvalid,
            Some("personality"),
            format!(
                "{}: Reject attempt to configure with invalid personality={} ",
                or_none(hostname),
                or_none(personality)
            ),
        )
    }

    pub(crate) fn personality_incompatible(personality: Personality) -> Self {
        Self::new(
            Code::PersonalityIncompatible,
            Some("personality"),
            format!(
                "Personality [{personality}] for host is not compatible with installed software. "
            ),
        )
    }

    pub(crate) fn personality_controllers_full() -> Self {
        Self::new(
            Code::PersonalityControllersFull,
            Some("personality"),
            "Two controller nodes have already been configured. This host can not be configured as a controller."
                .to_owned(),
        )
    }

    pub(crate) fn hostname_not_expected(hostname: &str, expected: &str) -> Self {
        Self::new(
            Code::HostnameNotExpected,
            Some("hostname"),
            format!(
                "Storage name {hostname} not allowed.  Expected {expected}. Storage nodes can be one of: storage-#."
            ),
        )
    }

    pub(crate) fn hostname_duplicate() -> Self {
        Self::new(
            Code::HostnameDuplicate,
            Some("hostname"),
            "Host-add Rejected: Hostname already exists".to_owned(),
        )
    }

    pub(crate) fn mgmt_ip_duplicate(ip: &str) -> Self {
        Self::new(
            Code::MgmtIpDuplicate,
            Some("mgmt_ip"),
            format!("Host-add Rejected: Host with mgmt_ip {ip} already exists"),
        )
    }

    pub(crate) fn mgmt_mac_duplicate(mac_as_typed: &str) -> Self {
        Self::new(
            Code::MgmtMacDuplicate,
            Some("mgmt_mac"),
            format!("Host-add Rejected: Host with mgmt_mac {mac_as_typed} already exists"),
        )
    }

    pub(crate) fn bmc_unsupported(personality: Personality) -> Self {
        Self::new(
            Code::BmcUnsupported,
            Some("bm_type"),
            format!(
                "Host-add Rejected: Board management is not supported for personality {personality}"
            ),
        )
    }

    pub(crate) fn bmc_ignored(fields: &[&str]) -> Self {
        Self::new(
            Code::BmcIgnored,
            Some("bm_type"),
            format!(
                "Board management is not configured (bm_type none): {} ignored",
                fields.join(", ")
            ),
        )
    }

    pub(crate) fn bm_type_invalid(hostname: Option<&str>, bm_type: &str) -> Self {
        Self::new(
            Code::BmTypeInvalid,
            Some("bm_type"),
            format!(
                "{}: Rejected: '{bm_type}' is not a supported board management type. Must be one of ['none', 'dynamic', 'ipmi', 'redfish']",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn bm_username_missing(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmUsernameMissing,
            Some("bm_username"),
            format!(
                "{}: Rejected: Board Management controller username is not configured.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn bm_ip_invalid(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmIpInvalid,
            Some("bm_ip"),
            format!(
                "{}: Rejected: Board Management controller IP Address is not valid.",
                or_none(hostname)
            ),
        )
    }

    // The stx10 BMC checks (RULES §7; sysinv host.py at master, `bbf53dcc5` and `89226d45c`).
    // sysinv names the host as `phost.get('hostname', "unknown")`, `None` when unnamed.

    pub(crate) fn bm_username_too_long(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmUsernameTooLong,
            Some("bm_username"),
            format!(
                "{}: Rejected: Board management controller username is not valid. Cannot be longer than 16 characters.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn bm_username_whitespace(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmUsernameWhitespace,
            Some("bm_username"),
            format!(
                "{}: Rejected: Board management controller username is not valid. Whitespace characters are not permitted.",
                or_none(hostname)
            ),
        )
    }

    /// sic: no colon after the host name.
    pub(crate) fn bm_password_no_username(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmPasswordNoUsername,
            Some("bm_password"),
            format!(
                "{} Rejected: Board management controller password change attempt without corresponding username.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn bm_password_whitespace(hostname: Option<&str>) -> Self {
        Self::new(
            Code::BmPasswordWhitespace,
            Some("bm_password"),
            format!(
                "{}: Rejected: Board management controller password is not valid. Whitespace characters are not permitted.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn bm_ip_no_oam_network() -> Self {
        Self::new(
            Code::BmIpNoOamNetwork,
            Some("bm_ip"),
            "Rejected: OAM network does not exist.".to_owned(),
        )
    }

    pub(crate) fn bm_ip_wrong_family() -> Self {
        Self::new(
            Code::BmIpWrongFamily,
            Some("bm_ip"),
            "Rejected: Board management controller IP address must be the same version as OAM primary address.".to_owned(),
        )
    }

    pub(crate) fn bm_ip_duplicate(ip: &str) -> Self {
        Self::new(
            Code::BmIpDuplicate,
            Some("bm_ip"),
            format!("Host-add Rejected: bm_ip {ip} already exists"),
        )
    }

    pub(crate) fn mgmt_ip_ignored(value: &str) -> Self {
        Self::new(
            Code::MgmtIpIgnored,
            Some("mgmt_ip"),
            format!(
                "mgmt_ip '{}' ignored: from stx.10.0 on a host has no mgmt_ip; its management address comes from the management pool",
                excerpt(value)
            ),
        )
    }

    pub(crate) fn mgmt_ip_invalid(value: &str) -> Self {
        Self::new(
            Code::MgmtIpInvalid,
            Some("mgmt_ip"),
            format!("Host-add Rejected: Invalid mgmt_ip '{}'", excerpt(value)),
        )
    }

    // Rules 17 to 19 are the allocator's own refusals (a static address is a reservation):
    // their text is defined once, by `AllocationError`.
    pub(crate) fn mgmt_ip_allocated(ip: IpAddr) -> Self {
        let err = AllocationError::AddressAllocated { address: ip };
        Self::new(Code::MgmtIpAllocated, Some("mgmt_ip"), err.to_string())
    }

    pub(crate) fn mgmt_ip_name_allocated(hostname: &str) -> Self {
        let err = AllocationError::NameAllocated {
            name: format!("{hostname}-mgmt"),
        };
        Self::new(Code::MgmtIpNameAllocated, Some("mgmt_ip"), err.to_string())
    }

    pub(crate) fn mgmt_ip_out_of_pool(ip: IpAddr) -> Self {
        let err = AllocationError::OutOfPool { address: ip };
        Self::new(Code::MgmtIpOutOfPool, Some("mgmt_ip"), err.to_string())
    }

    pub(crate) fn subfunctions_invalid(value: &str) -> Self {
        Self::new(
            Code::SubfunctionsInvalid,
            Some("subfunctions"),
            format!(
                "Host-add Rejected: Invalid subfunction '{}'",
                excerpt(value)
            ),
        )
    }

    pub(crate) fn hostname_not_dns_compatible(hostname: &str, reason: &str) -> Self {
        Self::new(
            Code::HostnameNotDnsCompatible,
            Some("hostname"),
            format!(
                "Hostname '{}' cannot be a Kubernetes node or DNS name: {reason}",
                excerpt(hostname)
            ),
        )
    }

    pub(crate) fn hostname_not_dhcp_compatible(hostname: &str, reading: &str) -> Self {
        Self::new(
            Code::HostnameNotDhcpCompatible,
            Some("hostname"),
            format!(
                "Hostname '{}' cannot have a DHCP reservation: dnsmasq would read it as {reading}",
                excerpt(hostname)
            ),
        )
    }

    pub(crate) fn hostname_shadows_platform_name(hostname: &str) -> Self {
        Self::new(
            Code::HostnameShadowsPlatformName,
            Some("hostname"),
            format!(
                "Hostname '{}' is a name the platform already uses; the host would inherit its addresses",
                excerpt(hostname)
            ),
        )
    }

    pub(crate) fn field_restricted(field: &'static str) -> Self {
        Self::new(
            Code::FieldRestricted,
            Some(field),
            format!("Change {field} contains restricted field"),
        )
    }

    pub(crate) fn host_provisioned(hostname: Option<&str>) -> Self {
        Self::new(
            Code::HostProvisioned,
            None,
            format!(
                "The following fields can not be modified because this host {} has been configured: hostname, personality, subfunctions",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn personality_immutable(hostname: Option<&str>) -> Self {
        Self::new(
            Code::PersonalityImmutable,
            Some("personality"),
            format!(
                "Can not change personality after it has been set. Host {} must be deleted and re-added in order to change the personality.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn hostname_immutable(hostname: &str) -> Self {
        Self::new(
            Code::HostnameImmutable,
            Some("hostname"),
            format!(
                "The hostname field can not be modified because the hostname {hostname} has already been configured. If changing hostname is required, please delete this host, then readd."
            ),
        )
    }

    pub(crate) fn subfunctions_immutable(hostname: Option<&str>) -> Self {
        Self::new(
            Code::SubfunctionsImmutable,
            Some("subfunctions"),
            format!(
                "Can not change subfunctions after it has been set. Host {} must be deleted and re-added in order to change the subfunctions.",
                or_none(hostname)
            ),
        )
    }

    pub(crate) fn host_incomplete() -> Self {
        Self::new(
            Code::HostIncomplete,
            None,
            "Please provision 'hostname' and 'personality'.".to_owned(),
        )
    }

    pub(crate) fn operation_not_supported(personality: Personality, operation: Operation) -> Self {
        let message = match operation {
            Operation::HostUpgrade | Operation::HostDowngrade => format!(
                "{operation} rejected: Not supported for {} node.",
                personality.as_str().to_ascii_uppercase()
            ),
            Operation::KubeHostUpgradeKubelet => "This host does not have a kubelet.".to_owned(),
            Operation::KubeHostUpgradeControlPlane => {
                "This host does not have a kubernetes control plane.".to_owned()
            }
            Operation::PowerOn | Operation::PowerOff | Operation::Reset => format!(
                "{operation} rejected: Board management is not supported for personality {personality}"
            ),
            Operation::Reinstall => format!(
                "{operation} rejected: The platform does not install the operating system of a {personality} host"
            ),
            Operation::Lock
            | Operation::Unlock
            | Operation::InterfaceModify
            | Operation::LabelAssign => {
                format!("{operation} rejected: Not supported for personality {personality}")
            }
        };
        Self::new(Code::OperationNotSupported, None, message)
    }

    /// stx10: sysinv's `upgrade`/`downgrade` raise `NotImplementedError("This API is
    /// deprecated.")` (an HTTP 500); we answer the same text with 400, for every personality.
    pub(crate) fn operation_deprecated() -> Self {
        Self::new(
            Code::OperationNotSupported,
            None,
            "This API is deprecated.".to_owned(),
        )
    }

    pub(crate) fn operation_not_yet_supported(
        personality: Personality,
        operation: Operation,
    ) -> Self {
        Self::new(
            Code::OperationNotYetSupported,
            None,
            format!("{operation} rejected: Not yet supported for personality {personality}"),
        )
    }
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_exactly_four_keys_with_null_field() {
        let v = Violation::system_simplex();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"code":"system.simplex","field":null,"message":"Host-add Rejected: Adding a host on a simplex system is not allowed.","status":400}"#
        );
    }

    #[test]
    fn quotes_of_input_are_cut() {
        let long = "x".repeat(1_000_000);
        let v = Violation::mgmt_ip_invalid(&long);
        assert_eq!(
            v.message(),
            format!("Host-add Rejected: Invalid mgmt_ip '{}…'", "x".repeat(64))
        );
    }

    #[test]
    fn conflicts_are_409() {
        assert_eq!(
            Violation::mgmt_ip_allocated([10, 0, 0, 1].into()).status(),
            409
        );
        assert_eq!(Violation::mgmt_ip_name_allocated("edge").status(), 409);
        assert_eq!(
            Violation::mgmt_ip_out_of_pool([10, 0, 0, 1].into()).status(),
            400
        );
    }
}
