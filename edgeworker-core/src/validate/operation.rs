//! The operation gate (RULES §1): may a host of this personality undergo this operation?

use crate::personality::{Operation, Personality, Support};
use crate::profile::{PlatformUpgrade, Profile};
use crate::violation::Violation;

/// Allows `operation` on a host of `personality`, or refuses it with sysinv's message where
/// sysinv has one.
///
/// Codes: `operation.not_supported` (refused by design) and `operation.not_yet_supported`
/// (a later phase of the edgeworker feature brings it); both status 400.
///
/// # Errors
///
/// The refusal, as a [`Violation`] with no field.
///
/// ```
/// use edgeworker_core::personality::{Operation, Personality};
/// use edgeworker_core::validate::check_operation;
///
/// let refusal = check_operation(Personality::Edgeworker, Operation::HostUpgrade).unwrap_err();
/// assert_eq!(refusal.code().as_str(), "operation.not_supported");
/// assert_eq!(refusal.message(), "host-upgrade rejected: Not supported for EDGEWORKER node.");
/// assert!(check_operation(Personality::Worker, Operation::HostUpgrade).is_ok());
/// ```
pub fn check_operation(personality: Personality, operation: Operation) -> Result<(), Violation> {
    match personality.support(operation) {
        Support::Supported => Ok(()),
        Support::NotSupported => Err(Violation::operation_not_supported(personality, operation)),
        Support::NotYetSupported => Err(Violation::operation_not_yet_supported(
            personality,
            operation,
        )),
    }
}

/// [`check_operation`] under `profile`'s rules (RULES §7): stx10 answers `host-upgrade` and
/// `host-downgrade` with sysinv's `This API is deprecated.` for every personality (sysinv
/// `c904e3f5c`; an HTTP 500 there, `operation.not_supported` with status 400 here); every
/// other operation is answered as in [`check_operation`].
///
/// # Errors
///
/// The refusal, as a [`Violation`] with no field.
///
/// ```
/// use edgeworker_core::personality::{Operation, Personality};
/// use edgeworker_core::profile::Profile;
/// use edgeworker_core::validate::check_operation_under;
///
/// let refusal = check_operation_under(Profile::Stx10, Personality::Worker, Operation::HostUpgrade)
///     .unwrap_err();
/// assert_eq!((refusal.code().as_str(), refusal.message()),
///            ("operation.not_supported", "This API is deprecated."));
/// assert!(check_operation_under(Profile::Classic, Personality::Worker, Operation::HostUpgrade).is_ok());
/// ```
pub fn check_operation_under(
    profile: Profile,
    personality: Personality,
    operation: Operation,
) -> Result<(), Violation> {
    let platform_upgrade = matches!(operation, Operation::HostUpgrade | Operation::HostDowngrade);
    match profile.rules().platform_upgrade {
        PlatformUpgrade::Deprecated if platform_upgrade => Err(Violation::operation_deprecated()),
        PlatformUpgrade::Deprecated | PlatformUpgrade::ByPersonality => {
            check_operation(personality, operation)
        }
    }
}
