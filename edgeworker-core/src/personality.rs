//! The four host personalities and what each of them supports.
//!
//! Every question of the form "does this host do X?" is answered by the capability table
//! ([`Personality::capabilities`]) or the operation table ([`Personality::support`]), never by
//! comparing personality names. sysinv has bugs where `'worker' in 'edgeworker'` is true; an
//! enum and a table make that class of bug impossible here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A host personality, exactly as sysinv spells it (lowercase, case-sensitive).
///
/// ```
/// use edgeworker_core::personality::Personality;
///
/// assert_eq!("edgeworker".parse::<Personality>(), Ok(Personality::Edgeworker));
/// assert!("Edgeworker".parse::<Personality>().is_err());
/// assert_eq!(Personality::Edgeworker.to_string(), "edgeworker");
/// assert_eq!(Personality::ALL.len(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Personality {
    /// Runs the platform services and the Kubernetes control plane.
    Controller,
    /// A platform-installed Kubernetes worker.
    Worker,
    /// A Ceph storage node.
    Storage,
    /// A Kubernetes worker whose operating system the administrator installs (phase one).
    Edgeworker,
}

/// The string is not one of the four personalities.
///
/// ```
/// use edgeworker_core::personality::{Personality, UnknownPersonality};
/// assert_eq!("compute".parse::<Personality>(), Err(UnknownPersonality));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("not one of the personalities controller, worker, storage, edgeworker")]
pub struct UnknownPersonality;

impl UnknownPersonality {
    /// The stable code: `personality.invalid`, the code of the host-add rule for the same
    /// mistake.
    ///
    /// ```
    /// use edgeworker_core::personality::UnknownPersonality;
    /// assert_eq!(UnknownPersonality.code(), "personality.invalid");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        crate::violation::Code::PersonalityInvalid.as_str()
    }
}

/// Which host names a personality may take (RULES §2.1).
///
/// ```
/// use edgeworker_core::personality::{HostnamePolicy, Personality};
/// assert_eq!(Personality::Edgeworker.capabilities().hostnames, HostnamePolicy::NotReserved);
/// assert!(HostnamePolicy::NotReserved.allows("edge-1"));
/// assert!(!HostnamePolicy::NotReserved.allows("storage-0"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostnamePolicy {
    /// Only `controller-0` or `controller-1`.
    ControllerNames,
    /// Only `storage-<digits>`.
    StorageNames,
    /// Anything but `controller-0`, `controller-1` and names starting with `storage`.
    NotReserved,
}

impl HostnamePolicy {
    /// Whether `hostname` (already in the host-name alphabet) is allowed by this policy.
    ///
    /// ```
    /// use edgeworker_core::personality::HostnamePolicy;
    /// assert!(HostnamePolicy::StorageNames.allows("storage-12"));
    /// assert!(!HostnamePolicy::StorageNames.allows("storage-"));
    /// assert!(HostnamePolicy::ControllerNames.allows("controller-1"));
    /// assert!(HostnamePolicy::NotReserved.allows("Storage-1"));
    /// ```
    #[must_use]
    pub fn allows(self, hostname: &str) -> bool {
        match self {
            Self::ControllerNames => CONTROLLER_NAMES.contains(&hostname),
            Self::StorageNames => hostname
                .strip_prefix("storage-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
            Self::NotReserved => {
                !CONTROLLER_NAMES.contains(&hostname) && !hostname.starts_with("storage")
            }
        }
    }
}

/// The host names sysinv reserves for the two controllers.
pub const CONTROLLER_NAMES: [&str; 2] = ["controller-0", "controller-1"];

/// Whether a personality may be added to an All-in-one system (RULES §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AllInOne {
    /// On every All-in-one system.
    Always,
    /// Only on a duplex or duplex-direct All-in-one system.
    DuplexOnly,
    /// Never.
    Never,
}

/// What a personality is and does: one row of the capability table.
///
/// ```
/// use edgeworker_core::personality::Personality;
/// let edge = Personality::Edgeworker.capabilities();
/// assert!(edge.kubelet && !edge.board_management && !edge.platform_installs_os);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::struct_excessive_bools)] // a table row: each flag is one independent fact
pub struct Capabilities {
    /// A host-add must name the host (controllers and storage hosts get platform names).
    pub hostname_required: bool,
    /// With static management addressing, a host-add must give `mgmt_ip`.
    pub mgmt_ip_required_when_static: bool,
    /// The host names this personality may take.
    pub hostnames: HostnamePolicy,
    /// Whether it may be added to an All-in-one system.
    pub all_in_one: AllInOne,
    /// Board management (BMC) and power control through it.
    pub board_management: bool,
    /// Runs a kubelet: the host is a Kubernetes node.
    pub kubelet: bool,
    /// Runs the Kubernetes control plane.
    pub control_plane: bool,
    /// The platform installs its operating system (PXE).
    pub platform_installs_os: bool,
}

/// How a personality stands towards an [`Operation`].
///
/// ```
/// use edgeworker_core::personality::{Operation, Personality, Support};
/// assert_eq!(Personality::Edgeworker.support(Operation::Lock), Support::NotYetSupported);
/// assert_eq!(Personality::Worker.support(Operation::Lock), Support::Supported);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Support {
    /// Allowed.
    Supported,
    /// Refused by design.
    NotSupported,
    /// Refused until a later phase of the edgeworker feature.
    NotYetSupported,
}

impl Personality {
    /// Every personality, in sysinv's order.
    pub const ALL: [Self; 4] = [
        Self::Controller,
        Self::Worker,
        Self::Storage,
        Self::Edgeworker,
    ];

    /// The name sysinv uses.
    ///
    /// ```
    /// use edgeworker_core::personality::Personality;
    /// assert_eq!(Personality::Storage.as_str(), "storage");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Controller => "controller",
            Self::Worker => "worker",
            Self::Storage => "storage",
            Self::Edgeworker => "edgeworker",
        }
    }

    /// This personality's row of the capability table.
    ///
    /// ```
    /// use edgeworker_core::personality::Personality;
    /// assert!(!Personality::Storage.capabilities().hostname_required);
    /// assert!(Personality::Edgeworker.capabilities().hostname_required);
    /// ```
    #[must_use]
    pub const fn capabilities(self) -> Capabilities {
        match self {
            Self::Controller => Capabilities {
                hostname_required: false,
                mgmt_ip_required_when_static: false,
                hostnames: HostnamePolicy::ControllerNames,
                all_in_one: AllInOne::Always,
                board_management: true,
                kubelet: true,
                control_plane: true,
                platform_installs_os: true,
            },
            Self::Worker => Capabilities {
                hostname_required: true,
                mgmt_ip_required_when_static: true,
                hostnames: HostnamePolicy::NotReserved,
                all_in_one: AllInOne::DuplexOnly,
                board_management: true,
                kubelet: true,
                control_plane: false,
                platform_installs_os: true,
            },
            Self::Storage => Capabilities {
                hostname_required: false,
                mgmt_ip_required_when_static: false,
                hostnames: HostnamePolicy::StorageNames,
                all_in_one: AllInOne::Never,
                board_management: true,
                kubelet: false,
                control_plane: false,
                platform_installs_os: true,
            },
            Self::Edgeworker => Capabilities {
                hostname_required: true,
                mgmt_ip_required_when_static: true,
                hostnames: HostnamePolicy::NotReserved,
                all_in_one: AllInOne::Always,
                board_management: false,
                kubelet: true,
                control_plane: false,
                platform_installs_os: false,
            },
        }
    }

    /// How this personality stands towards `operation`.
    ///
    /// ```
    /// use edgeworker_core::personality::{Operation, Personality, Support};
    /// assert_eq!(Personality::Storage.support(Operation::KubeHostUpgradeKubelet), Support::NotSupported);
    /// assert_eq!(Personality::Controller.support(Operation::Reinstall), Support::Supported);
    /// ```
    #[must_use]
    pub const fn support(self, operation: Operation) -> Support {
        let caps = self.capabilities();
        let supported = match operation {
            // Upgrades of the platform software need a platform-installed OS.
            Operation::HostUpgrade | Operation::HostDowngrade | Operation::Reinstall => {
                caps.platform_installs_os
            }
            // sysinv upgrades only the kubelets it installed; an edgeworker's is the plan's.
            Operation::KubeHostUpgradeKubelet => caps.kubelet && caps.platform_installs_os,
            Operation::KubeHostUpgradeControlPlane => caps.control_plane,
            Operation::PowerOn | Operation::PowerOff | Operation::Reset => caps.board_management,
            // Phase two of the edgeworker feature brings these; every other personality has them.
            Operation::Lock
            | Operation::Unlock
            | Operation::InterfaceModify
            | Operation::LabelAssign => {
                return match self {
                    Self::Edgeworker => Support::NotYetSupported,
                    Self::Controller | Self::Worker | Self::Storage => Support::Supported,
                };
            }
        };
        if supported {
            Support::Supported
        } else {
            Support::NotSupported
        }
    }

    /// Whether `operation` is allowed for this personality.
    ///
    /// ```
    /// use edgeworker_core::personality::{Operation, Personality};
    /// assert!(!Personality::Edgeworker.supports(Operation::HostUpgrade));
    /// assert!(Personality::Worker.supports(Operation::KubeHostUpgradeKubelet));
    /// ```
    #[must_use]
    pub const fn supports(self, operation: Operation) -> bool {
        matches!(self.support(operation), Support::Supported)
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Personality {
    type Err = UnknownPersonality;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(UnknownPersonality)
    }
}

/// A host operation whose availability depends on the personality.
///
/// ```
/// use edgeworker_core::personality::Operation;
/// let op: Operation = "kube-host-upgrade-kubelet".parse()?;
/// assert_eq!(op, Operation::KubeHostUpgradeKubelet);
/// assert_eq!(Operation::PowerOff.to_string(), "power-off");
/// # Ok::<(), edgeworker_core::personality::UnknownOperation>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Operation {
    /// `system host-upgrade`.
    HostUpgrade,
    /// `system host-downgrade`.
    HostDowngrade,
    /// `system kube-host-upgrade <host> kubelet`.
    KubeHostUpgradeKubelet,
    /// `system kube-host-upgrade <host> control-plane`.
    KubeHostUpgradeControlPlane,
    /// Power on through the BMC.
    PowerOn,
    /// Power off through the BMC.
    PowerOff,
    /// Reset through the BMC.
    Reset,
    /// Reinstall the operating system by PXE.
    Reinstall,
    /// `system host-lock`.
    Lock,
    /// `system host-unlock`.
    Unlock,
    /// `system host-if-modify`.
    InterfaceModify,
    /// `system host-label-assign`.
    LabelAssign,
}

/// The string is not an [`Operation`] name.
///
/// ```
/// use edgeworker_core::personality::Operation;
/// assert!("host_upgrade".parse::<Operation>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("not a host operation")]
pub struct UnknownOperation;

impl UnknownOperation {
    /// The stable code: `operation.unknown`.
    ///
    /// ```
    /// use edgeworker_core::personality::UnknownOperation;
    /// assert_eq!(UnknownOperation.code(), "operation.unknown");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        "operation.unknown"
    }
}

impl Operation {
    /// Every operation.
    pub const ALL: [Self; 12] = [
        Self::HostUpgrade,
        Self::HostDowngrade,
        Self::KubeHostUpgradeKubelet,
        Self::KubeHostUpgradeControlPlane,
        Self::PowerOn,
        Self::PowerOff,
        Self::Reset,
        Self::Reinstall,
        Self::Lock,
        Self::Unlock,
        Self::InterfaceModify,
        Self::LabelAssign,
    ];

    /// The operation's name.
    ///
    /// ```
    /// use edgeworker_core::personality::Operation;
    /// assert_eq!(Operation::LabelAssign.as_str(), "label-assign");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HostUpgrade => "host-upgrade",
            Self::HostDowngrade => "host-downgrade",
            Self::KubeHostUpgradeKubelet => "kube-host-upgrade-kubelet",
            Self::KubeHostUpgradeControlPlane => "kube-host-upgrade-control-plane",
            Self::PowerOn => "power-on",
            Self::PowerOff => "power-off",
            Self::Reset => "reset",
            Self::Reinstall => "reinstall",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::InterfaceModify => "interface-modify",
            Self::LabelAssign => "label-assign",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or(UnknownOperation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_display_and_serde() {
        for p in Personality::ALL {
            assert_eq!(p.as_str().parse::<Personality>(), Ok(p));
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
        for op in Operation::ALL {
            assert_eq!(op.as_str().parse::<Operation>(), Ok(op));
            assert_eq!(op.to_string(), op.as_str());
            assert_eq!(
                serde_json::from_str::<Operation>(&format!("\"{op}\"")).unwrap(),
                op
            );
        }
    }

    #[test]
    fn parsing_is_exact() {
        for bad in [
            "Edgeworker",
            "EDGEWORKER",
            "edgeworker ",
            "edge",
            "",
            "compute",
        ] {
            assert_eq!(
                bad.parse::<Personality>(),
                Err(UnknownPersonality),
                "{bad:?}"
            );
        }
        assert!(serde_json::from_str::<Personality>("\"Worker\"").is_err());
    }
}
