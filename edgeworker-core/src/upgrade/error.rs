//! Why an upgrade plan is refused: one error type, one message per problem.

use crate::excerpt::excerpt;
use crate::plan::PlanError;

use super::policy::Refusal;

/// An upgrade plan was refused: an input is invalid, the cluster's view does not match the
/// nodes, or the policy refuses a node's upgrade.
///
/// ```
/// use edgeworker_core::upgrade::UpgradeError;
/// let err = UpgradeError::UnknownNode { node: "edge-9".into() };
/// assert_eq!(err.code(), "upgrade.unknown_node");
/// assert_eq!(err.node(), Some("edge-9"));
/// assert!(!err.is_refusal());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeError {
    /// The controller facts or the nodes are invalid (as for `plan`).
    #[error(transparent)]
    Input(#[from] PlanError),
    /// The cluster's view of the nodes is not the output of `kubectl get nodes -o json`.
    #[error("kube-nodes: {at}: {problem}")]
    KubeNodes {
        /// Where: `.`, `items[3]`, or the node's name and position.
        at: String,
        /// What is wrong there.
        problem: String,
    },
    /// A node to upgrade that the cluster does not know.
    #[error(
        "node {:?}: not in the cluster (no item of kube-nodes has this metadata.name)",
        excerpt(.node)
    )]
    UnknownNode {
        /// The node.
        node: String,
    },
    /// The cluster reports a kubelet version that is not a release version.
    #[error(
        "node {:?}: status.nodeInfo.kubeletVersion {:?} in kube-nodes is not a Kubernetes release version like v1.29.2",
        excerpt(.node),
        excerpt(.value)
    )]
    KubeletVersion {
        /// The node.
        node: String,
        /// The version as the cluster reports it.
        value: String,
    },
    /// The policy refuses this node's upgrade.
    #[error("node {:?}: {refusal}", excerpt(.node))]
    Refused {
        /// The node.
        node: String,
        /// Why.
        refusal: Refusal,
    },
}

impl UpgradeError {
    /// The stable code of this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Input(e) => e.code(),
            Self::KubeNodes { .. } => "upgrade.invalid_kube_nodes",
            Self::UnknownNode { .. } => "upgrade.unknown_node",
            Self::KubeletVersion { .. } => "upgrade.invalid_kubelet_version",
            Self::Refused { refusal, .. } => refusal.code(),
        }
    }

    /// The node concerned, when the error is about one.
    #[must_use]
    pub fn node(&self) -> Option<&str> {
        match self {
            Self::Input(_) | Self::KubeNodes { .. } => None,
            Self::UnknownNode { node }
            | Self::KubeletVersion { node, .. }
            | Self::Refused { node, .. } => Some(node),
        }
    }

    /// True when the inputs were read but the policy refuses an upgrade (the CLI's exit 1),
    /// false when an input is not what it must be.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Refused { .. })
    }
}
