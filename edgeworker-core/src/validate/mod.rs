//! The rules: host-add ([`validate_host_add`]), host-update ([`validate_host_update`]) and the
//! operation gate ([`check_operation`]), as RULES.md §1–3 state them.
//!
//! Every violation found is reported, in sysinv's order, so `errors()[0]` is the answer
//! sysinv would give. A check whose input is already invalid is skipped rather than adding
//! noise. Checks that go beyond sysinv (strict-mode hostname errors, `subfunctions.invalid`)
//! come after all of sysinv's, so they never displace sysinv's first answer.

mod add;
mod batch;
mod operation;
mod rules;
mod update;

use serde::Serialize;

use crate::context::HostRecord;
use crate::host::Host;
use crate::violation::Violation;

pub use add::{validate_host_add, validate_host_add_read, validate_host_add_value};
pub use batch::Batch;
pub use operation::{check_operation, check_operation_under};
pub use update::{validate_host_update, validate_host_update_read, validate_host_update_value};

/// How strictly to validate. Options will grow, so they are built from the default with the
/// `with_*` methods rather than by a struct literal.
///
/// ```
/// use edgeworker_core::validate::Options;
/// assert!(!Options::default().strict);
/// assert!(Options::default().with_strict(true).strict);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Options {
    /// Turn the hostname warnings (`hostname.not_dns_compatible`,
    /// `hostname.not_dhcp_compatible`, `hostname.shadows_platform_name`) into errors.
    pub strict: bool,
}

impl Options {
    /// These options with [`strict`](Self::strict) set to `strict`.
    ///
    /// ```
    /// use edgeworker_core::validate::Options;
    /// let strict = Options::default().with_strict(true);
    /// assert!(strict.strict && !strict.with_strict(false).strict);
    /// ```
    #[must_use]
    pub const fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// What an accepted host-add does.
///
/// ```
/// use edgeworker_core::validate::Effect;
/// assert_eq!(serde_json::to_string(&Effect::UpdateDiscovered)?, "\"update_discovered\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A new host.
    Create,
    /// The auto-discovered host with this MAC address gets its identity; its uuid is
    /// [`Host::uuid`].
    UpdateDiscovered,
}

impl Effect {
    /// The effect's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::UpdateDiscovered => "update_discovered",
        }
    }
}

/// An accepted host-add: the normalized host, the warnings and the effect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// The normalized host.
    pub host: Host,
    /// Concerns that do not fail the request.
    pub warnings: Vec<Violation>,
    /// Create, or update a discovered host.
    pub effect: Effect,
}

/// The changes of an accepted host-update, normalized (RULES §3): only what the change set
/// gave, each field parsed (the host name, the personality, the subfunctions in their
/// normalized order, `bm_type` defaulted, a BMC address parsed); board management a
/// personality ignores is `bm_type: none` with its other fields dropped. The password is
/// never part of it.
///
/// ```
/// use edgeworker_core::{context::Context, validate};
/// use serde_json::json;
///
/// let ctx = Context::example();
/// let host = ctx.find_host("controller-1").expect("the example has it");
/// let outcome = validate::validate_host_update_value(
///     host,
///     &json!({"console": "ttyS1,115200", "bm_type": "ipmi", "bm_ip": "10.0.0.9", "bm_username": "root"}),
///     &ctx,
///     Default::default(),
/// )
/// .expect("accepted");
/// assert_eq!(
///     serde_json::to_value(&outcome.changes)?,
///     json!({"bm_type": "ipmi", "bm_ip": "10.0.0.9", "bm_username": "root", "console": "ttyS1,115200"}),
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Changes {
    /// The new host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<crate::hostname::Hostname>,
    /// The new personality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personality: Option<crate::personality::Personality>,
    /// The new subfunctions, normalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subfunctions: Option<String>,
    /// The board management type, defaulted as sysinv does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm_type: Option<crate::host::BmType>,
    /// The BMC address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm_ip: Option<std::net::IpAddr>,
    /// The BMC user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm_username: Option<String>,
    /// The pass-through fields given.
    #[serde(flatten)]
    pub extra: crate::host::PassThrough,
}

/// An accepted host-update: the normalized changes, the host as it will be stored,
/// warnings, and whether the conductor must now configure the host (its personality is
/// newly set: that is when the management address is allocated).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateOutcome {
    /// The validated changes, normalized.
    pub changes: Changes,
    /// The host with the changes applied.
    pub host: HostRecord,
    /// Concerns that do not fail the request.
    pub warnings: Vec<Violation>,
    /// The personality was newly set.
    pub configure: bool,
}

/// A refused request: every error in sysinv's order (never empty), and the warnings.
///
/// ```
/// use edgeworker_core::{context::Context, validate};
/// let rejection = validate::validate_host_add_value(
///     &serde_json::json!({"personality": "edgeworker"}),
///     &Context::default(),
///     Default::default(),
/// )
/// .unwrap_err();
/// let codes: Vec<_> = rejection.errors().iter().map(|v| v.code().as_str()).collect();
/// assert_eq!(codes, ["hostname.missing", "mgmt_mac.missing"]);
/// assert_eq!(rejection.to_string(), "Host-add Rejected. Must provide a hostname for a node of personality edgeworker");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    errors: Vec<Violation>,
    warnings: Vec<Violation>,
}

impl Rejection {
    /// Only this module builds rejections, and only from a non-empty list.
    fn new(errors: Vec<Violation>, warnings: Vec<Violation>) -> Self {
        debug_assert!(!errors.is_empty(), "a rejection without errors");
        Self { errors, warnings }
    }

    /// The errors, in sysinv's order: the first is sysinv's answer.
    #[must_use]
    pub fn errors(&self) -> &[Violation] {
        &self.errors
    }

    /// The warnings.
    #[must_use]
    pub fn warnings(&self) -> &[Violation] {
        &self.warnings
    }

    /// Consumes the rejection into its errors and warnings.
    #[must_use]
    pub fn into_parts(self) -> (Vec<Violation>, Vec<Violation>) {
        (self.errors, self.warnings)
    }
}

impl std::fmt::Display for Rejection {
    /// The first error's message: exactly what sysinv shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.errors.first() {
            Some(first) => f.write_str(first.message()),
            None => f.write_str("rejected"),
        }
    }
}

impl std::error::Error for Rejection {}

/// Errors and warnings collected by the checks, in order.
#[derive(Debug, Default)]
struct Findings {
    errors: Vec<Violation>,
    warnings: Vec<Violation>,
    /// Warnings that strict mode turns into errors, reported after sysinv's errors.
    strict: Vec<Violation>,
}

impl Findings {
    fn error(&mut self, violation: Violation) {
        self.errors.push(violation);
    }

    fn warn(&mut self, violation: Violation) {
        self.warnings.push(violation);
    }

    fn strict_warn(&mut self, violation: Violation) {
        self.strict.push(violation);
    }

    /// The rejection if anything failed; else `value` (the result the checks built) and
    /// the warnings. Every check that leaves a part of `value` unbuilt records an error, so
    /// `value` is `None` only with errors; debug builds (tests, fuzzing) assert it.
    fn finish<T>(
        self,
        options: Options,
        value: Option<T>,
    ) -> Result<(T, Vec<Violation>), Rejection> {
        let Self {
            mut errors,
            mut warnings,
            strict,
        } = self;
        if options.strict {
            errors.extend(strict);
        } else {
            // Hostname warnings come first: they are about the earliest-checked field.
            warnings.splice(0..0, strict);
        }
        match value {
            Some(value) if errors.is_empty() => Ok((value, warnings)),
            _ => Err(Rejection::new(errors, warnings)),
        }
    }
}
