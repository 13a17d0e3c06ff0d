//! The operation gate (RULES §1): may a host of this personality undergo this operation?

use crate::personality::{Operation, Personality, Support};
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
