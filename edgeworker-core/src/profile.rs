//! Release profiles (RULES §7): which StarlingX releases' rules a context follows, and one
//! typed rule table per profile for every rule that differs between them.
//!
//! A check never asks "which profile is this?"; it reads its row of the table
//! ([`Profile::rules`]), exactly as personality checks read the capability table
//! ([`Personality::capabilities`](crate::personality::Personality::capabilities)). Each
//! field of [`Rules`] names the sysinv commit (public `starlingx/config` repository) that
//! made the stx10 value what it is.
//!
//! - [`Profile::Classic`]: stx.5.0 through stx.8.0, the rules of phase one (the default).
//! - [`Profile::Stx10`]: stx.10.0, 11.0, 12.0 and master.
//!
//! stx.9.0 has no profile: it is a transitional mix (classic host-add, the later DHCP
//! layout), which neither table describes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The StarlingX releases whose rules a context follows.
///
/// ```
/// use edgeworker_core::profile::Profile;
/// assert_eq!(Profile::default(), Profile::Classic);
/// assert_eq!("stx10".parse::<Profile>(), Ok(Profile::Stx10));
/// assert_eq!(serde_json::to_string(&Profile::Stx10)?, "\"stx10\"");
/// assert!("stx9".parse::<Profile>().is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// stx.5.0 through stx.8.0 (RULES §1–§6).
    #[default]
    Classic,
    /// stx.10.0 to master (RULES §7).
    Stx10,
}

/// The string is not a profile name.
///
/// ```
/// use edgeworker_core::profile::{Profile, UnknownProfile};
/// assert_eq!("Stx10".parse::<Profile>(), Err(UnknownProfile));
/// assert_eq!(UnknownProfile.to_string(), "not a profile: expected classic or stx10");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("not a profile: expected classic or stx10")]
pub struct UnknownProfile;

impl UnknownProfile {
    /// The stable code: `profile.unknown`.
    ///
    /// ```
    /// use edgeworker_core::profile::UnknownProfile;
    /// assert_eq!(UnknownProfile.code(), "profile.unknown");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        "profile.unknown"
    }
}

/// What a host-add does with a `mgmt_ip` in the request.
///
/// ```
/// use edgeworker_core::profile::{MgmtIpRule, Profile};
/// assert_eq!(Profile::Classic.rules().mgmt_ip, MgmtIpRule::Checked);
/// assert_eq!(Profile::Stx10.rules().mgmt_ip, MgmtIpRule::Ignored);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MgmtIpRule {
    /// Host-add checks 1, 2, 11 and 14–17 apply, and a static address is the host's.
    Checked,
    /// The host has no `mgmt_ip` column: none of those checks exist, a given `mgmt_ip` is
    /// accepted and dropped with the warning `mgmt_ip.ignored`.
    Ignored,
}

/// How `host-upgrade` and `host-downgrade` are answered.
///
/// ```
/// use edgeworker_core::profile::{PlatformUpgrade, Profile};
/// assert_eq!(Profile::Stx10.rules().platform_upgrade, PlatformUpgrade::Deprecated);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformUpgrade {
    /// By the personality's capability table.
    ByPersonality,
    /// Refused for every personality: `This API is deprecated.`
    Deprecated,
}

/// How the dnsmasq files serve the management network.
///
/// ```
/// use edgeworker_core::profile::{DhcpLayout, Profile};
/// assert_eq!(Profile::Classic.rules().dhcp, DhcpLayout::Reservations);
/// assert_eq!(Profile::Stx10.rules().dhcp, DhcpLayout::InternalNames);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhcpLayout {
    /// stx.5.0 (RULES §5): a hosts-file reservation per management row; the
    /// additional-hosts file is the one line `<ip> pxecontroller`.
    Reservations,
    /// RULES §7: no management reservation; the additional-hosts file names every
    /// management row `<ip> <name>.internal <name>`, so a node's address must be static.
    InternalNames,
}

/// Which pools of a platform network (management, cluster-host) give a host its addresses.
///
/// ```
/// use edgeworker_core::profile::{NetworkPools, Profile};
/// assert_eq!(Profile::Stx10.rules().network_pools, NetworkPools::EveryFamily);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkPools {
    /// The network's one pool.
    Primary,
    /// Every pool of the network, one per family (dual-stack): one address per family.
    EveryFamily,
}

/// One profile's row of the rule table: every rule that is not the same in all profiles.
///
/// ```
/// use edgeworker_core::profile::Profile;
/// let stx10 = Profile::Stx10.rules();
/// assert!(stx10.bmc_credentials && stx10.bmc_ip_family);
/// assert!(!Profile::Classic.rules().bmc_credentials);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::struct_excessive_bools)] // a table row: each flag is one independent fact
#[non_exhaustive]
pub struct Rules {
    /// `mgmt_ip` on host-add. stx10: ignored (`937449c0a`, "Remove `mgmt_ip` field from host
    /// DB table").
    pub mgmt_ip: MgmtIpRule,
    /// `bm_username` at most 16 characters without whitespace, `bm_password` only with a
    /// user name and without whitespace, checked before the other BMC checks whatever the
    /// `bm_type`. stx10: yes (`bbf53dcc5`, "Validate `bm_username` and `bm_password`").
    pub bmc_credentials: bool,
    /// A provisioned BMC's address must be of the OAM network's family. stx10: yes
    /// (`89226d45c`, "Add semantic check to host-add to ensure BMC IP version is same as
    /// OAM").
    pub bmc_ip_family: bool,
    /// `host-upgrade` / `host-downgrade`. stx10: deprecated (`c904e3f5c`, "Disable system
    /// upgrade command").
    pub platform_upgrade: PlatformUpgrade,
    /// Attributes of sysinv's `Host` API type a host-add accepts and drops, besides the
    /// ones every profile accepts. stx10 (RULES §7: stx.8.0's, then the later ones):
    /// `kube_update_ca` (`33e24936d`), `max_cpu_mhz_configured`, `max_cpu_mhz_allowed`
    /// (`37abe7a7d`), `apparmor` (`b453882a2`), `min_cpu_mhz_allowed`, `cstates_available`
    /// (`b05dfdbe8`), `nvme_host_id`, `nvme_host_nqn` (`9ac218170`), `sw_version`
    /// (`6c6e8c192`).
    pub added_host_attributes: &'static [&'static str],
    /// Request fields of the one field table this profile's `Host` API type does not have
    /// (unknown fields here). classic: `hw_settle`, which only stx.9.0 added (stx.5.0 and
    /// stx.8.0 refuse it as unknown, RULES §2). stx10: `iprofile_uuid` (`e535293c6`, gone by
    /// stx.8.0), `software_load`, `target_load` (`d7ecf4606`).
    pub removed_host_attributes: &'static [&'static str],
    /// The dnsmasq files. stx10: [`DhcpLayout::InternalNames`] (`afa45530c`, "Add pxeboot
    /// network support to sysinv conductor"; in stx.9.0 already).
    pub dhcp: DhcpLayout,
    /// The pools a host's management and cluster-host addresses come from. stx10: every
    /// pool of the network (`fcebab8ef`, "Introduce Puppet variables for primary and
    /// secondary pool addresses"; `_allocate_addresses_for_host` at master).
    pub network_pools: NetworkPools,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Self; 2] = [Self::Classic, Self::Stx10];

    /// The name contexts, the CLI and Python use.
    ///
    /// ```
    /// use edgeworker_core::profile::Profile;
    /// assert_eq!(Profile::Classic.as_str(), "classic");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Stx10 => "stx10",
        }
    }

    /// This profile's row of the rule table.
    ///
    /// ```
    /// use edgeworker_core::profile::Profile;
    /// assert!(Profile::Stx10.rules().added_host_attributes.contains(&"sw_version"));
    /// assert!(Profile::Classic.rules().added_host_attributes.is_empty());
    /// ```
    #[must_use]
    pub const fn rules(self) -> Rules {
        match self {
            Self::Classic => Rules {
                mgmt_ip: MgmtIpRule::Checked,
                bmc_credentials: false,
                bmc_ip_family: false,
                platform_upgrade: PlatformUpgrade::ByPersonality,
                added_host_attributes: &[],
                removed_host_attributes: &["hw_settle"],
                dhcp: DhcpLayout::Reservations,
                network_pools: NetworkPools::Primary,
            },
            Self::Stx10 => Rules {
                mgmt_ip: MgmtIpRule::Ignored,
                bmc_credentials: true,
                bmc_ip_family: true,
                platform_upgrade: PlatformUpgrade::Deprecated,
                added_host_attributes: &[
                    "kube_update_ca",
                    "max_cpu_mhz_configured",
                    "max_cpu_mhz_allowed",
                    "apparmor",
                    "min_cpu_mhz_allowed",
                    "cstates_available",
                    "nvme_host_id",
                    "nvme_host_nqn",
                    "sw_version",
                ],
                removed_host_attributes: &["iprofile_uuid", "software_load", "target_load"],
                dhcp: DhcpLayout::InternalNames,
                network_pools: NetworkPools::EveryFamily,
            },
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(UnknownProfile)
    }
}

/// The address family of the OAM network's primary pool (sysinv `primary_pool_family`),
/// which a stx10 BMC address must share. JSON: `4` or `6`.
///
/// ```
/// use edgeworker_core::profile::IpFamily;
/// let family: IpFamily = serde_json::from_str("6")?;
/// assert_eq!(family, IpFamily::V6);
/// assert!(IpFamily::V4.contains("10.0.0.1".parse().unwrap()));
/// assert!(serde_json::from_str::<IpFamily>("5").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpFamily {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl IpFamily {
    /// Whether `ip` is of this family.
    #[must_use]
    pub fn contains(self, ip: std::net::IpAddr) -> bool {
        match self {
            Self::V4 => ip.is_ipv4(),
            Self::V6 => ip.is_ipv6(),
        }
    }

    /// `4` or `6`.
    ///
    /// ```
    /// use edgeworker_core::profile::IpFamily;
    /// assert_eq!(IpFamily::V6.number(), 6);
    /// ```
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Self::V4 => 4,
            Self::V6 => 6,
        }
    }
}

impl Serialize for IpFamily {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for IpFamily {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u64::deserialize(deserializer)? {
            4 => Ok(Self::V4),
            6 => Ok(Self::V6),
            other => Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(other),
                &"4 or 6",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.as_str().parse::<Profile>(), Ok(p));
            assert_eq!(
                serde_json::from_str::<Profile>(&format!("\"{p}\"")).unwrap(),
                p
            );
        }
    }

    /// A profile's added attributes are new, its removed ones are classic's.
    #[test]
    fn attribute_changes_are_disjoint() {
        for p in Profile::ALL {
            let rules = p.rules();
            for name in rules.added_host_attributes {
                assert!(!rules.removed_host_attributes.contains(name), "{name}");
            }
        }
    }
}
