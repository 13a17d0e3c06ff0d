//! Why plan inputs are refused: one error type, one message per problem.

use std::fmt;

use crate::excerpt::excerpt;

/// What a [`PlanError`] concerns: the controller facts, or one node (by hostname when it was
/// readable, always by its position in the nodes array).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The controller facts (one object per run).
    Controller,
    /// The node at `index` in the nodes array, with its hostname when that field was valid.
    Node {
        /// Position in the nodes array, from 0.
        index: usize,
        /// The node's hostname, when it could be read.
        hostname: Option<String>,
    },
    /// The nodes array as a whole (for example, it is empty).
    Nodes,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Controller => f.write_str("controller"),
            Self::Nodes => f.write_str("nodes"),
            Self::Node {
                index,
                hostname: Some(name),
            } => write!(f, "node {:?} (nodes[{index}])", excerpt(name)),
            Self::Node {
                index,
                hostname: None,
            } => write!(f, "nodes[{index}]"),
        }
    }
}

/// The problem itself, without its location. Each variant is the one place its message is
/// written; [`Problem::code`] is its stable identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The input is not a JSON object (or array, for the nodes).
    #[error("must be {expected}")]
    WrongType {
        /// What the field must be, in words ("a string", "an array of strings").
        expected: &'static str,
    },
    /// A required field is absent or null.
    #[error("is required")]
    Missing,
    /// A field the schema does not define (a typo would otherwise be silently ignored).
    #[error("is not a known field")]
    Unknown,
    /// The hostname breaks sysinv's rules or is not a Kubernetes node name.
    #[error("{:?} is not a valid hostname: {reason}", excerpt(.value))]
    Hostname {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// Not an IP address, a subnet, or an address of the wrong family or outside the subnet.
    #[error("{:?} {reason}", excerpt(.value))]
    Address {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// Not a MAC address.
    #[error("{:?} is not a MAC address (six pairs of hex digits separated by ':' or by '-')", excerpt(.value))]
    Mac {
        /// The value as given.
        value: String,
    },
    /// Not a Kubernetes release version.
    #[error("{:?} is not a Kubernetes release version like 1.29.2 or v1.29.2", excerpt(.value))]
    Version {
        /// The value as given.
        value: String,
    },
    /// A malformed `host:port` (API server endpoint or registry).
    #[error("{:?} is not host:port (an IPv6 host goes in brackets): {reason}", excerpt(.value))]
    Endpoint {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A proxy URL or `no_proxy` entry that would break the files it is written into.
    #[error("{:?} is not a usable proxy setting: {reason}", excerpt(.value))]
    Proxy {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A malformed join token. The value is a secret, so it is never repeated.
    #[error("is not a bootstrap token of the form [a-z0-9]{{6}}.[a-z0-9]{{16}} (value not shown)")]
    Token,
    /// A malformed CA public-key hash.
    #[error("{:?} is not sha256:<64 hex digits>", excerpt(.value))]
    CaCertHash {
        /// The value as given.
        value: String,
    },
    /// A node label key or value Kubernetes would refuse.
    #[error("{:?} is not a valid Kubernetes label {part}: {reason}", excerpt(.value))]
    Label {
        /// `key` or `value`.
        part: &'static str,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An operating system release outside the table.
    #[error("{id} {version} is not supported; supported: {supported}")]
    UnsupportedOs {
        /// The OS id as given.
        id: String,
        /// The release as given.
        version: String,
        /// The supported releases, comma-separated.
        supported: String,
    },
    /// A package source (`package_sources.*.url` or `.key`) that is not usable as one.
    #[error("{:?} is not a usable package source: {reason}", excerpt(.value))]
    PackageSource {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A CPU architecture outside amd64/arm64.
    #[error("{:?} is not supported; supported: amd64 (x86_64), arm64 (aarch64)", excerpt(.value))]
    UnsupportedArch {
        /// The value as given.
        value: String,
    },
    /// A path that is not absolute or carries control characters.
    #[error("{:?} is not an absolute path without control characters{extra}", excerpt(.value))]
    Path {
        /// The value as given.
        value: String,
        /// A further restriction of this field, or empty.
        extra: &'static str,
    },
    /// Not a Linux user name.
    #[error(
        "{:?} is not a user name (a-z, 0-9, '_', '-', starting with a letter or '_', at most 32)",
        excerpt(.value)
    )]
    User {
        /// The value as given.
        value: String,
    },
    /// A number out of its range.
    #[error("{value} is out of range {min}..={max}")]
    Range {
        /// The value as given.
        value: i128,
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
    /// Two nodes share a value that must be unique.
    #[error("{:?} is also used by nodes[{other}]", excerpt(.value))]
    Duplicate {
        /// The shared value.
        value: String,
        /// The index of the earlier node.
        other: usize,
    },
    /// `max_unavailable` is neither a count nor a percentage.
    #[error(
        "{:?} is not a number of nodes (1 to 100000) or a percentage of them (1% to 100%)",
        excerpt(.value)
    )]
    MaxUnavailable {
        /// The value as given (JSON text when it was not a string).
        value: String,
    },
    /// A word outside the field's list.
    #[error("{:?} is not one of {allowed}", excerpt(.value))]
    Choice {
        /// The value as given.
        value: String,
        /// The accepted words, for the message.
        allowed: &'static str,
    },
    /// A field the rest of the input makes meaningless (it would silently do nothing).
    #[error("{reason}")]
    Unused {
        /// Why, and what would use it.
        reason: &'static str,
    },
    /// There is nothing to provision.
    #[error("must list at least one node")]
    NoNodes,
}

impl Problem {
    /// The stable code of this problem; never changes once released.
    ///
    /// ```
    /// use edgeworker_core::plan::Problem;
    /// assert_eq!(Problem::Missing.code(), "plan.missing_field");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongType { .. } => "plan.wrong_type",
            Self::Missing => "plan.missing_field",
            Self::Unknown => "plan.unknown_field",
            Self::Hostname { .. } => "plan.invalid_hostname",
            Self::Address { .. } => "plan.invalid_address",
            Self::Mac { .. } => "plan.invalid_mac",
            Self::Version { .. } => "plan.invalid_version",
            Self::Endpoint { .. } => "plan.invalid_endpoint",
            Self::Proxy { .. } => "plan.invalid_proxy",
            Self::PackageSource { .. } => "plan.invalid_package_source",
            Self::Token => "plan.invalid_token",
            Self::CaCertHash { .. } => "plan.invalid_ca_cert_hash",
            Self::Label { .. } => "plan.invalid_label",
            Self::UnsupportedOs { .. } => "plan.unsupported_os",
            Self::UnsupportedArch { .. } => "plan.unsupported_arch",
            Self::Path { .. } => "plan.invalid_path",
            Self::User { .. } => "plan.invalid_user",
            Self::Range { .. } => "plan.out_of_range",
            Self::Duplicate { .. } => "plan.duplicate",
            Self::MaxUnavailable { .. } => "plan.invalid_max_unavailable",
            Self::Choice { .. } => "plan.invalid_choice",
            Self::Unused { .. } => "plan.unused_field",
            Self::NoNodes => "plan.no_nodes",
        }
    }
}

/// A plan input was refused: which node (or the controller), which field, and why.
///
/// ```
/// use edgeworker_core::plan::{PlanError, Problem, Subject};
///
/// let err = PlanError::new(
///     Subject::Node { index: 2, hostname: Some("edge-3".into()) },
///     "mgmt_mac",
///     Problem::Mac { value: "nope".into() },
/// );
/// assert_eq!(err.code(), "plan.invalid_mac");
/// assert_eq!(err.node().as_deref(), Some("edge-3"));
/// assert_eq!(err.field(), "mgmt_mac");
/// assert!(err.to_string().starts_with("node \"edge-3\" (nodes[2]): mgmt_mac: \"nope\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}: {}", .0.subject, .0.field, .0.problem)]
pub struct PlanError(Box<Located>);

/// A problem with its location; boxed so `Result<_, PlanError>` stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    subject: Subject,
    field: String,
    problem: Problem,
}

impl PlanError {
    /// An error about `field` of `subject`.
    #[must_use]
    pub fn new(subject: Subject, field: impl Into<String>, problem: Problem) -> Self {
        Self(Box::new(Located {
            subject,
            field: field.into(),
            problem,
        }))
    }

    /// The stable code, as [`Problem::code`].
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.0.problem.code()
    }

    /// The node concerned: its hostname when known, else `nodes[<index>]`; `None` for the
    /// controller facts and the nodes array as a whole.
    #[must_use]
    pub fn node(&self) -> Option<String> {
        match &self.0.subject {
            Subject::Node {
                hostname: Some(name),
                ..
            } => Some(name.clone()),
            Subject::Node { index, .. } => Some(format!("nodes[{index}]")),
            Subject::Controller | Subject::Nodes => None,
        }
    }

    /// The field concerned, as a dotted path inside the controller or node object
    /// (`proxy.https`, `labels.tier`, `os.version`).
    #[must_use]
    pub fn field(&self) -> &str {
        &self.0.field
    }

    /// What the error concerns.
    #[must_use]
    pub fn subject(&self) -> &Subject {
        &self.0.subject
    }

    /// The problem, without its location.
    #[must_use]
    pub fn problem(&self) -> &Problem {
        &self.0.problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_errors_name_the_field_and_have_no_node() {
        let err = PlanError::new(Subject::Controller, "join.token", Problem::Token);
        assert_eq!(err.node(), None);
        assert_eq!(err.code(), "plan.invalid_token");
        assert_eq!(
            err.to_string(),
            "controller: join.token: is not a bootstrap token of the form \
             [a-z0-9]{6}.[a-z0-9]{16} (value not shown)"
        );
    }

    #[test]
    fn nodes_without_a_readable_hostname_are_named_by_index() {
        let err = PlanError::new(
            Subject::Node {
                index: 4,
                hostname: None,
            },
            "hostname",
            Problem::Missing,
        );
        assert_eq!(err.node().as_deref(), Some("nodes[4]"));
        assert_eq!(err.to_string(), "nodes[4]: hostname: is required");
    }
}
