//! What the rules check a request against: the system, the management network and its pool,
//! the existing hosts and the existing address rows.
//!
//! A [`Context`] indexes its hosts and rows once, when it is built, so each rule is a hash
//! lookup rather than a scan. The allocator and DHCP stages read the same rows and MACs
//! through [`Context::addresses`] and [`Context::mac_of`].

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::address::{AddressPool, AddressRange, AllocationOrder, MGMT_SUFFIX};
use crate::host::Host;
use crate::hostname::Hostname;
use crate::mac::MacAddress;
use crate::personality::Personality;
use crate::profile::{IpFamily, Profile};

mod relevance;

pub use relevance::{HostKeys, Relevance};

/// The system's redundancy mode.
///
/// ```
/// use edgeworker_core::context::SystemMode;
/// let mode: SystemMode = serde_json::from_str("\"duplex-direct\"")?;
/// assert_eq!(mode, SystemMode::DuplexDirect);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystemMode {
    /// One controller, nothing else may be added.
    Simplex,
    /// Two controllers.
    #[default]
    Duplex,
    /// Two directly connected controllers.
    DuplexDirect,
}

/// The system type.
///
/// ```
/// use edgeworker_core::context::SystemType;
/// assert_eq!(serde_json::to_string(&SystemType::AllInOne)?, "\"All-in-one\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SystemType {
    /// Controllers that are also workers.
    #[serde(rename = "All-in-one")]
    AllInOne,
    /// Dedicated controllers.
    #[default]
    Standard,
}

/// The system's vswitch (sysinv `utils.get_vswitch_type()`); only `nuage_vrs` changes what a
/// host-add accepts (`vsc_controllers`).
///
/// ```
/// use edgeworker_core::context::VswitchType;
/// let t: VswitchType = serde_json::from_str(r#""nuage_vrs""#)?;
/// assert_eq!(t, VswitchType::NuageVrs);
/// assert_eq!(VswitchType::default(), VswitchType::None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum VswitchType {
    /// No accelerated vswitch (the container platform's default).
    #[default]
    #[serde(rename = "none")]
    None,
    /// OVS with DPDK.
    #[serde(rename = "ovs-dpdk")]
    OvsDpdk,
    /// Nuage VRS, whose workers name their VSC controllers.
    #[serde(rename = "nuage_vrs")]
    NuageVrs,
}

/// The system: mode, type and vswitch. JSON:
/// `{"mode": "duplex", "type": "Standard", "vswitch_type": "none"}`.
///
/// ```
/// use edgeworker_core::context::{System, SystemMode, SystemType, VswitchType};
/// let system = System::default();
/// assert_eq!((system.mode, system.system_type), (SystemMode::Duplex, SystemType::Standard));
/// assert_eq!(system.vswitch_type, VswitchType::None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Redundancy mode.
    #[serde(default)]
    pub mode: SystemMode,
    /// System type.
    #[serde(default, rename = "type")]
    pub system_type: SystemType,
    /// The vswitch.
    #[serde(default)]
    pub vswitch_type: VswitchType,
}

/// The management network: how addresses are assigned, and from which pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MgmtNetwork {
    /// `true`: the platform allocates management addresses (sysinv's default).
    pub dynamic: bool,
    /// The management address pool (sysinv's primary pool).
    pub pool: AddressPool,
    /// A dual-stack network's second pool, of the other family (`secondary_pool`; only the
    /// stx10 profile allocates from it, RULES §7).
    pub secondary_pool: Option<AddressPool>,
}

impl MgmtNetwork {
    /// Reads `{"dynamic": bool, "pool": {...}}`; an absent or `null` key keeps the empty
    /// system's value (dynamic, `192.168.204.0/24`), which is also the example's.
    ///
    /// ```
    /// use edgeworker_core::context::MgmtNetwork;
    /// let network = MgmtNetwork::from_value(&serde_json::json!({"dynamic": false}))?;
    /// assert!(!network.dynamic);
    /// assert_eq!(network.pool.network().to_string(), "192.168.204.0/24");
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ContextError`] naming the path (`mgmt_network.pool`).
    pub fn from_value(value: &Value) -> Result<Self, ContextError> {
        let fields = object(value, "mgmt_network")?;
        let (mut dynamic, mut pool, mut secondary_pool) = (true, None, None);
        for (key, value) in fields {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "dynamic" => dynamic = typed(value, "mgmt_network.dynamic")?,
                "pool" => pool = Some(typed(value, "mgmt_network.pool")?),
                "secondary_pool" => {
                    secondary_pool = Some(typed(value, "mgmt_network.secondary_pool")?);
                }
                other => {
                    return Err(ContextError::UnknownField {
                        path: format!("mgmt_network.{other}"),
                    });
                }
            }
        }
        // The default pool is built only when none is given (the Python binding reads a
        // context's network on every call).
        let pool = match pool {
            Some(pool) => pool,
            None => default_mgmt_network().pool,
        };
        Ok(Self {
            dynamic,
            pool,
            secondary_pool,
        })
    }
}

/// The cluster-host network's pools (`{"pool": {...}, "secondary_pool": {...}}`): from
/// stx.8.0 (sysinv `be4dce95f`) every host but a controller gets a `<host>-cluster-host`
/// address from it, allocated like the management one (RULES §7).
///
/// ```
/// use edgeworker_core::context::Context;
/// let ctx = Context::from_json(r#"{"cluster_host_network": {"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}}}"#)?;
/// let network = ctx.cluster_host_network().expect("given");
/// assert_eq!(network.pool.network().to_string(), "192.168.206.0/24");
/// # Ok::<(), edgeworker_core::context::ContextError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterHostNetwork {
    /// The primary pool.
    pub pool: AddressPool,
    /// A dual-stack network's second pool, of the other family.
    #[serde(default)]
    pub secondary_pool: Option<AddressPool>,
}

/// A platform network a host gets an address row from.
///
/// ```
/// use edgeworker_core::context::PlatformNetwork;
/// assert_eq!(PlatformNetwork::ClusterHost.row_name("edge-1"), "edge-1-cluster-host");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformNetwork {
    /// The management network: `<host>-mgmt`.
    Management,
    /// The cluster-host network: `<host>-cluster-host`.
    ClusterHost,
}

impl PlatformNetwork {
    /// The row name of `hostname`'s address on this network (sysinv `format_address_name`).
    #[must_use]
    pub fn row_name(self, hostname: &str) -> String {
        match self {
            Self::Management => format!("{hostname}{MGMT_SUFFIX}"),
            Self::ClusterHost => format!("{hostname}-cluster-host"),
        }
    }
}

/// One address row a configured host must have: its name, and the pools it comes from
/// (the primary, and under stx10 a dual-stack network's secondary: one address per family).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressNeed<'a> {
    /// The network.
    pub network: PlatformNetwork,
    /// The row name (`edge-1-mgmt`, `edge-1-cluster-host`).
    pub name: String,
    /// The primary pool.
    pub pool: &'a AddressPool,
    /// The second pool, when the profile allocates from it.
    pub secondary_pool: Option<&'a AddressPool>,
}

/// A host's provisioning state (sysinv `invprovision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provisioning {
    /// Not yet configured.
    Unprovisioned,
    /// Being configured.
    Provisioning,
    /// Configured.
    Provisioned,
    /// Being upgraded.
    Upgrading,
}

impl Provisioning {
    /// Whether the host has been (or is being) configured, which freezes its identity.
    ///
    /// ```
    /// use edgeworker_core::context::Provisioning;
    /// assert!(Provisioning::Upgrading.is_configured());
    /// assert!(!Provisioning::Unprovisioned.is_configured());
    /// ```
    #[must_use]
    pub fn is_configured(self) -> bool {
        self != Self::Unprovisioned
    }
}

/// A host's administrative state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Administrative {
    /// Locked.
    Locked,
    /// Unlocked.
    Unlocked,
}

/// A host's operational state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operational {
    /// Enabled.
    Enabled,
    /// Disabled.
    Disabled,
}

/// An existing host, as sysinv stores it. A host with neither hostname nor personality was
/// auto-discovered (it booted on the management network) and awaits its host-add.
///
/// ```
/// use edgeworker_core::context::HostRecord;
/// let host: HostRecord = serde_json::from_str(
///     r#"{"mgmt_mac": "08:00:27:aa:00:07", "uuid": "0b3c9f7e"}"#,
/// )?;
/// assert!(host.is_discovered());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRecord {
    /// Host name (absent for a discovered host).
    #[serde(default)]
    pub hostname: Option<Hostname>,
    /// Personality (absent for a discovered host).
    #[serde(default)]
    pub personality: Option<Personality>,
    /// Subfunctions as stored (e.g. `controller,worker` on All-in-one).
    #[serde(default)]
    pub subfunctions: Option<String>,
    /// Management MAC address.
    pub mgmt_mac: MacAddress,
    /// Management address.
    #[serde(default)]
    pub mgmt_ip: Option<IpAddr>,
    /// BMC address.
    #[serde(default)]
    pub bm_ip: Option<IpAddr>,
    /// sysinv's identifier.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Provisioning state.
    #[serde(default)]
    pub invprovision: Option<Provisioning>,
    /// Administrative state.
    #[serde(default)]
    pub administrative: Option<Administrative>,
    /// Operational state.
    #[serde(default)]
    pub operational: Option<Operational>,
    /// Availability (`available`, `online`, `offline`, ...).
    #[serde(default)]
    pub availability: Option<String>,
}

impl HostRecord {
    /// Reads the host at `hosts[index]` of a context, with exactly the errors
    /// [`Context::from_value`] gives for it (paths `hosts[<index>].<field>`), for readers
    /// that convert a context's hosts one by one.
    ///
    /// ```
    /// use edgeworker_core::context::HostRecord;
    /// let err = HostRecord::from_value_at(&serde_json::json!({"mgmt_mac": "08:00:27"}), 4).unwrap_err();
    /// assert_eq!(err.to_string(), "hosts[4].mgmt_mac: a MAC address is six pairs of hex digits separated by ':' or by '-'");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ContextError`] naming the field's path.
    pub fn from_value_at(value: &Value, index: usize) -> Result<Self, ContextError> {
        read_host(value, &|| format!("hosts[{index}]"))
    }

    /// The error [`Context::from_value`] gives for `value` as `field` of the host at
    /// `hosts[index]`, or `None` when the field takes it: for readers that check some
    /// fields of a host without reading the rest.
    ///
    /// ```
    /// use edgeworker_core::context::{HostField, HostRecord};
    /// let err = HostRecord::field_error(HostField::MgmtIp, &serde_json::json!(5), 2).expect("refused");
    /// assert_eq!(err.to_string(), "hosts[2].mgmt_ip: invalid type: integer `5`, expected IP address");
    /// assert!(HostRecord::field_error(HostField::MgmtIp, &serde_json::Value::Null, 2).is_none());
    /// ```
    #[must_use]
    pub fn field_error(field: HostField, value: &Value, index: usize) -> Option<ContextError> {
        let mut builder = HostRecordBuilder::default();
        builder
            .set_value(field, value)
            .err()
            .map(|err| ContextError::Invalid {
                path: format!("hosts[{index}].{}", field.name()),
                problem: err.to_string(),
            })
    }

    /// The error [`Context::from_value`] gives for the host at `hosts[index]` without a
    /// `mgmt_mac`.
    ///
    /// ```
    /// use edgeworker_core::context::HostRecord;
    /// assert_eq!(HostRecord::missing_mac(0).to_string(), "hosts[0]: missing field `mgmt_mac`");
    /// ```
    #[must_use]
    pub fn missing_mac(index: usize) -> ContextError {
        let problem = HostRecordBuilder::default()
            .finish()
            .err()
            .map_or_else(String::new, |err| err.to_string());
        ContextError::Invalid {
            path: format!("hosts[{index}]"),
            problem,
        }
    }

    /// Whether this is an auto-discovered host: no hostname and no personality.
    #[must_use]
    pub fn is_discovered(&self) -> bool {
        self.hostname.is_none() && self.personality.is_none()
    }

    /// Whether the host's identity is frozen by provisioning.
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.invprovision.is_some_and(Provisioning::is_configured)
    }
}

/// The fields of a [`HostRecord`], by their JSON names: one table for every reader.
///
/// ```
/// use edgeworker_core::context::HostField;
/// assert_eq!(HostField::from_name("mgmt_mac"), Some(HostField::MgmtMac));
/// assert_eq!(HostField::MgmtMac.name(), "mgmt_mac");
/// assert_eq!(HostField::from_name("colour"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostField {
    /// `hostname`.
    Hostname,
    /// `personality`.
    Personality,
    /// `subfunctions`.
    Subfunctions,
    /// `mgmt_mac` (the one required field).
    MgmtMac,
    /// `mgmt_ip`.
    MgmtIp,
    /// `bm_ip`.
    BmIp,
    /// `uuid`.
    Uuid,
    /// `invprovision`.
    Invprovision,
    /// `administrative`.
    Administrative,
    /// `operational`.
    Operational,
    /// `availability`.
    Availability,
}

impl HostField {
    /// Every field, in [`HostRecord`]'s order.
    pub const ALL: [Self; 11] = [
        Self::Hostname,
        Self::Personality,
        Self::Subfunctions,
        Self::MgmtMac,
        Self::MgmtIp,
        Self::BmIp,
        Self::Uuid,
        Self::Invprovision,
        Self::Administrative,
        Self::Operational,
        Self::Availability,
    ];

    /// The JSON name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Hostname => "hostname",
            Self::Personality => "personality",
            Self::Subfunctions => "subfunctions",
            Self::MgmtMac => "mgmt_mac",
            Self::MgmtIp => "mgmt_ip",
            Self::BmIp => "bm_ip",
            Self::Uuid => "uuid",
            Self::Invprovision => "invprovision",
            Self::Administrative => "administrative",
            Self::Operational => "operational",
            Self::Availability => "availability",
        }
    }

    /// The field with this JSON name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        // A `match`, not a search of `ALL`: this runs for every field of every host.
        Some(match name {
            "hostname" => Self::Hostname,
            "personality" => Self::Personality,
            "subfunctions" => Self::Subfunctions,
            "mgmt_mac" => Self::MgmtMac,
            "mgmt_ip" => Self::MgmtIp,
            "bm_ip" => Self::BmIp,
            "uuid" => Self::Uuid,
            "invprovision" => Self::Invprovision,
            "administrative" => Self::Administrative,
            "operational" => Self::Operational,
            "availability" => Self::Availability,
            _ => return None,
        })
    }
}

/// A [`HostRecord`] read one field at a time, for readers that see fields one by one (the
/// JSON reader here, the Python binding's dict reader): each field accepts exactly what
/// serde accepts for it inside a host object, with serde's message otherwise.
///
/// ```
/// use edgeworker_core::context::{HostField, HostRecordBuilder};
/// let mut host = HostRecordBuilder::default();
/// host.set_str(HostField::Hostname, "edge-1")?;
/// host.set_value(HostField::MgmtIp, &serde_json::Value::Null)?; // null: absent
/// host.set_str(HostField::MgmtMac, "08:00:27:AA:00:09")?;
/// let record = host.finish()?;
/// assert_eq!(record.mgmt_mac.to_string(), "08:00:27:aa:00:09");
/// let err = HostRecordBuilder::default().finish().unwrap_err();
/// assert_eq!(err.to_string(), "missing field `mgmt_mac`");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct HostRecordBuilder {
    hostname: Option<Hostname>,
    personality: Option<Personality>,
    subfunctions: Option<String>,
    mgmt_mac: Option<MacAddress>,
    mgmt_ip: Option<IpAddr>,
    bm_ip: Option<IpAddr>,
    uuid: Option<String>,
    invprovision: Option<Provisioning>,
    administrative: Option<Administrative>,
    operational: Option<Operational>,
    availability: Option<String>,
}

impl HostRecordBuilder {
    /// Sets `field` from its JSON value; `null` is absent, except for `mgmt_mac`, which
    /// must be a MAC address.
    ///
    /// # Errors
    ///
    /// serde's error for a value the field does not take.
    pub fn set_value(&mut self, field: HostField, value: &Value) -> Result<(), serde_json::Error> {
        if value.is_null() && field != HostField::MgmtMac {
            self.clear(field);
            return Ok(());
        }
        self.set(field, value)
    }

    /// Sets `field` from a JSON string's text, exactly as
    /// `set_value(field, &Value::String(text.into()))` would, without building the value.
    ///
    /// # Errors
    ///
    /// serde's error for text the field does not take.
    pub fn set_str(&mut self, field: HostField, text: &str) -> Result<(), serde_json::Error> {
        self.set(
            field,
            serde::de::value::BorrowedStrDeserializer::<serde_json::Error>::new(text),
        )
    }

    /// One `match` for both readers, so they cannot drift apart. serde's derive reads an
    /// optional field as `Option<T>`, which for a value other than `null` is reading `T`.
    fn set<'de, D>(&mut self, field: HostField, de: D) -> Result<(), serde_json::Error>
    where
        D: serde::Deserializer<'de, Error = serde_json::Error>,
    {
        match field {
            HostField::Hostname => self.hostname = Some(Deserialize::deserialize(de)?),
            HostField::Personality => self.personality = Some(Deserialize::deserialize(de)?),
            HostField::Subfunctions => self.subfunctions = Some(Deserialize::deserialize(de)?),
            HostField::MgmtMac => self.mgmt_mac = Some(Deserialize::deserialize(de)?),
            HostField::MgmtIp => self.mgmt_ip = Some(Deserialize::deserialize(de)?),
            HostField::BmIp => self.bm_ip = Some(Deserialize::deserialize(de)?),
            HostField::Uuid => self.uuid = Some(Deserialize::deserialize(de)?),
            HostField::Invprovision => self.invprovision = Some(Deserialize::deserialize(de)?),
            HostField::Administrative => {
                self.administrative = Some(Deserialize::deserialize(de)?);
            }
            HostField::Operational => self.operational = Some(Deserialize::deserialize(de)?),
            HostField::Availability => self.availability = Some(Deserialize::deserialize(de)?),
        }
        Ok(())
    }

    /// An optional field set to `null`.
    fn clear(&mut self, field: HostField) {
        match field {
            HostField::Hostname => self.hostname = None,
            HostField::Personality => self.personality = None,
            HostField::Subfunctions => self.subfunctions = None,
            HostField::MgmtMac => self.mgmt_mac = None,
            HostField::MgmtIp => self.mgmt_ip = None,
            HostField::BmIp => self.bm_ip = None,
            HostField::Uuid => self.uuid = None,
            HostField::Invprovision => self.invprovision = None,
            HostField::Administrative => self.administrative = None,
            HostField::Operational => self.operational = None,
            HostField::Availability => self.availability = None,
        }
    }

    /// The record.
    ///
    /// # Errors
    ///
    /// serde's error for the missing `mgmt_mac` when no MAC was set.
    pub fn finish(self) -> Result<HostRecord, serde_json::Error> {
        let Some(mgmt_mac) = self.mgmt_mac else {
            return Err(serde::de::Error::missing_field("mgmt_mac"));
        };
        Ok(HostRecord {
            hostname: self.hostname,
            personality: self.personality,
            subfunctions: self.subfunctions,
            mgmt_mac,
            mgmt_ip: self.mgmt_ip,
            bm_ip: self.bm_ip,
            uuid: self.uuid,
            invprovision: self.invprovision,
            administrative: self.administrative,
            operational: self.operational,
            availability: self.availability,
        })
    }
}

/// An address row of the management pool: `controller-0-mgmt` → `192.168.204.3`.
///
/// ```
/// use edgeworker_core::context::AddressRow;
/// let row: AddressRow = serde_json::from_str(r#"{"name": "controller-mgmt", "address": "192.168.204.2"}"#)?;
/// assert_eq!(row.host_name(), Some("controller"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressRow {
    /// The row's name.
    pub name: String,
    /// The address.
    pub address: IpAddr,
}

impl AddressRow {
    /// Reads the row at `addresses[index]` of a context, with exactly the errors
    /// [`Context::from_value`] gives for it.
    ///
    /// ```
    /// use edgeworker_core::context::AddressRow;
    /// let err = AddressRow::from_value_at(&serde_json::json!({"name": "a"}), 7).unwrap_err();
    /// assert_eq!(err.to_string(), "addresses[7]: missing field `address`");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ContextError`] naming the path.
    pub fn from_value_at(value: &Value, index: usize) -> Result<Self, ContextError> {
        read_row(value, &|| format!("addresses[{index}]"))
    }

    /// The host name the row is for: its name without the `-mgmt` suffix.
    #[must_use]
    pub fn host_name(&self) -> Option<&str> {
        self.name.strip_suffix(MGMT_SUFFIX)
    }
}

/// A context that cannot be used: the JSON path and what is wrong there.
///
/// ```
/// use edgeworker_core::context::Context;
/// let err = Context::from_value(&serde_json::json!({"hosts": [{"uuid": "u", "mgmt_mac": "x"}]}))
///     .unwrap_err();
/// assert_eq!(err.code(), "context.invalid");
/// assert!(err.to_string().starts_with("hosts[0].mgmt_mac: "), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A key the context does not have.
    #[error("{path}: unknown field")]
    UnknownField {
        /// Where.
        path: String,
    },
    /// A value of the wrong type or form.
    #[error("{path}: {problem}")]
    Invalid {
        /// Where.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// Text that is not JSON, or is nested deeper than [`crate::json::MAX_NESTING`] (only
    /// from [`Context::from_json`]).
    #[error("{problem}")]
    NotJson {
        /// `serde_json`'s message, with the line and column.
        problem: String,
    },
    /// Two hosts, or two address rows, share what must be unique.
    #[error("{path}: {what} {value} is already used by {other}")]
    Duplicate {
        /// Where.
        path: String,
        /// Which property (`hostname`, `mgmt_mac`, ...).
        what: &'static str,
        /// The value.
        value: String,
        /// The path of the first holder.
        other: String,
    },
}

impl ContextError {
    /// The stable code: `context.unknown_field`, `context.invalid`, `context.not_json` or
    /// `context.duplicate`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownField { .. } => "context.unknown_field",
            Self::Invalid { .. } => "context.invalid",
            Self::NotJson { .. } => "context.not_json",
            Self::Duplicate { .. } => "context.duplicate",
        }
    }
}

/// Lookups built once per context.
#[derive(Debug, Clone, Default)]
struct Index {
    by_hostname: HashMap<String, usize>,
    by_mac: HashMap<MacAddress, usize>,
    by_uuid: HashMap<String, usize>,
    by_mgmt_ip: HashMap<IpAddr, usize>,
    by_bm_ip: HashMap<IpAddr, usize>,
    row_by_ip: HashMap<IpAddr, usize>,
    /// Rows by name, and by family where a name may hold one address per family.
    row_by_name: HashMap<(String, Option<bool>), usize>,
    /// Whether rows are matched by name and family (dual-stack, stx10) rather than by name.
    rows_by_family: bool,
    /// Rows named `<host>-mgmt`, keyed by `<host>`, so a rule needs no string building.
    mgmt_row_by_host: HashMap<String, usize>,
    controllers: usize,
    /// Where each host and row stood in the input, when the context holds only some of it
    /// ([`ContextParts::build_at`]): a duplicate names the input's positions, not ours.
    /// Empty: the positions are the input's.
    host_at: Vec<usize>,
    row_at: Vec<usize>,
}

/// Inserts `key`, or answers the index of the entry already holding it.
fn claim<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, usize>,
    key: K,
    i: usize,
) -> Result<(), usize> {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Err(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(i);
            Ok(())
        }
    }
}

impl Index {
    /// An index sized for `hosts` hosts and `rows` rows, so building it never rehashes.
    fn with_capacity(hosts: usize, rows: usize) -> Self {
        Self {
            by_hostname: HashMap::with_capacity(hosts),
            by_mac: HashMap::with_capacity(hosts),
            by_uuid: HashMap::with_capacity(hosts),
            by_mgmt_ip: HashMap::with_capacity(hosts),
            by_bm_ip: HashMap::new(),
            row_by_ip: HashMap::with_capacity(rows),
            row_by_name: HashMap::with_capacity(rows),
            rows_by_family: false,
            mgmt_row_by_host: HashMap::with_capacity(rows),
            controllers: 0,
            host_at: Vec::new(),
            row_at: Vec::new(),
        }
    }

    /// Host `i`'s position in the input.
    fn host_label(&self, i: usize) -> usize {
        self.host_at.get(i).copied().unwrap_or(i)
    }

    /// Row `i`'s position in the input.
    fn row_label(&self, i: usize) -> usize {
        self.row_at.get(i).copied().unwrap_or(i)
    }

    fn add_host(&mut self, i: usize, host: &HostRecord) -> Result<(), ContextError> {
        // Each key is claimed with one hash (the entry API); a refused host's earlier claims
        // are released, so the index is left as it was.
        if let Err((what, value, other)) = self.claim_host(i, host) {
            self.release_host(i, host);
            return Err(ContextError::Duplicate {
                path: format!("hosts[{}].{what}", self.host_label(i)),
                what,
                value,
                other: format!("hosts[{}]", self.host_label(other)),
            });
        }
        if host
            .personality
            .is_some_and(|p| p.capabilities().control_plane)
        {
            self.controllers += 1;
        }
        Ok(())
    }

    /// Claims the host's keys in a fixed order; the first taken one is the error.
    fn claim_host(
        &mut self,
        i: usize,
        host: &HostRecord,
    ) -> Result<(), (&'static str, String, usize)> {
        if let Some(name) = &host.hostname {
            claim(&mut self.by_hostname, name.to_string(), i)
                .map_err(|o| ("hostname", name.to_string(), o))?;
        }
        claim(&mut self.by_mac, host.mgmt_mac, i)
            .map_err(|o| ("mgmt_mac", host.mgmt_mac.to_string(), o))?;
        if let Some(uuid) = &host.uuid {
            claim(&mut self.by_uuid, uuid.clone(), i).map_err(|o| ("uuid", uuid.clone(), o))?;
        }
        if let Some(ip) = host.mgmt_ip {
            claim(&mut self.by_mgmt_ip, ip, i).map_err(|o| ("mgmt_ip", ip.to_string(), o))?;
        }
        if let Some(ip) = host.bm_ip {
            claim(&mut self.by_bm_ip, ip, i).map_err(|o| ("bm_ip", ip.to_string(), o))?;
        }
        Ok(())
    }

    /// Removes the keys host `i` holds (those another host holds stay).
    fn release_host(&mut self, i: usize, host: &HostRecord) {
        fn release<
            K: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
            Q: std::hash::Hash + Eq + ?Sized,
        >(
            map: &mut HashMap<K, usize>,
            key: &Q,
            i: usize,
        ) {
            if map.get(key) == Some(&i) {
                map.remove(key);
            }
        }
        if let Some(name) = &host.hostname {
            release(&mut self.by_hostname, name.as_str(), i);
        }
        release(&mut self.by_mac, &host.mgmt_mac, i);
        if let Some(uuid) = &host.uuid {
            release(&mut self.by_uuid, uuid.as_str(), i);
        }
        if let Some(ip) = &host.mgmt_ip {
            release(&mut self.by_mgmt_ip, ip, i);
        }
        if let Some(ip) = &host.bm_ip {
            release(&mut self.by_bm_ip, ip, i);
        }
    }

    /// Indexes `rows` afresh, matched as `profile` matches them (by name and family where it
    /// gives hosts one address per family, else by name).
    fn index_rows(&mut self, profile: Profile, rows: &[AddressRow]) -> Result<(), ContextError> {
        self.rows_by_family =
            profile.rules().network_pools == crate::profile::NetworkPools::EveryFamily;
        self.row_by_ip.clear();
        self.row_by_name.clear();
        self.mgmt_row_by_host.clear();
        for (i, row) in rows.iter().enumerate() {
            self.add_row(i, row)?;
        }
        Ok(())
    }

    fn add_row(&mut self, i: usize, row: &AddressRow) -> Result<(), ContextError> {
        let (at, labels) = (self.row_label(i), &self.row_at);
        let dup = |what: &'static str, value: String, other: usize| ContextError::Duplicate {
            path: format!("addresses[{at}].{what}"),
            what,
            value,
            other: format!("addresses[{}]", labels.get(other).copied().unwrap_or(other)),
        };
        // Dual-stack (stx10): `edge-1-mgmt` may hold one address of each family.
        let key = (
            row.name.clone(),
            self.rows_by_family.then_some(row.address.is_ipv4()),
        );
        claim(&mut self.row_by_name, key.clone(), i)
            .map_err(|o| dup("name", row.name.clone(), o))?;
        if let Err(o) = claim(&mut self.row_by_ip, row.address, i) {
            self.row_by_name.remove(&key);
            return Err(dup("address", row.address.to_string(), o));
        }
        if let Some(host) = row.host_name() {
            let _ = claim(&mut self.mgmt_row_by_host, host.to_owned(), i);
        }
        Ok(())
    }
}

/// Everything a rule may look at besides the request.
///
/// ```
/// use edgeworker_core::context::Context;
/// let ctx = Context::example();
/// assert!(ctx.mgmt_network().dynamic);
/// assert_eq!(ctx.host("controller-1").and_then(|h| h.mgmt_ip).map(|ip| ip.to_string()),
///            Some("192.168.204.4".to_owned()));
/// assert_eq!(ctx.mgmt_row_of("controller").map(|r| r.address.to_string()),
///            Some("192.168.204.2".to_owned()));
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    system: System,
    profile: Profile,
    oam_family: Option<IpFamily>,
    mgmt_network: MgmtNetwork,
    cluster_host_network: Option<ClusterHostNetwork>,
    hosts: Vec<HostRecord>,
    addresses: Vec<AddressRow>,
    index: Index,
}

impl Context {
    /// Builds a context, checking that hostnames, MACs, uuids, management and BMC
    /// addresses, and row names and addresses, are each unique.
    ///
    /// # Errors
    ///
    /// [`ContextError::Duplicate`] naming the second holder and the first.
    pub fn new(
        system: System,
        mgmt_network: MgmtNetwork,
        hosts: Vec<HostRecord>,
        addresses: Vec<AddressRow>,
    ) -> Result<Self, ContextError> {
        Self::new_under(Profile::default(), system, mgmt_network, hosts, addresses)
    }

    /// [`Context::new`] for `profile`: where it gives hosts one address per family
    /// (stx10, dual-stack, sysinv `fcebab8ef`), address rows are matched by name and family,
    /// so a name may hold one row of each family; elsewhere a name holds one row.
    ///
    /// ```
    /// use edgeworker_core::context::{AddressRow, Context, MgmtNetwork, System};
    /// use edgeworker_core::profile::Profile;
    /// let rows = vec![
    ///     AddressRow { name: "controller-mgmt".into(), address: "192.168.204.2".parse()? },
    ///     AddressRow { name: "controller-mgmt".into(), address: "fd00:204::2".parse()? },
    /// ];
    /// let network = Context::default().mgmt_network().clone();
    /// assert!(Context::new_under(Profile::Stx10, System::default(), network.clone(), vec![], rows.clone()).is_ok());
    /// let err = Context::new(System::default(), network, vec![], rows).unwrap_err();
    /// assert_eq!(err.code(), "context.duplicate");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Context::new`].
    pub fn new_under(
        profile: Profile,
        system: System,
        mgmt_network: MgmtNetwork,
        hosts: Vec<HostRecord>,
        addresses: Vec<AddressRow>,
    ) -> Result<Self, ContextError> {
        Self::assemble(
            profile,
            system,
            mgmt_network,
            (hosts, Vec::new()),
            (addresses, Vec::new()),
        )
    }

    /// [`Context::new_under`] of hosts and rows taken from positions `host_at` and `row_at`
    /// of the input (empty: all of it, in order), which the errors name.
    fn assemble(
        profile: Profile,
        system: System,
        mgmt_network: MgmtNetwork,
        (hosts, host_at): (Vec<HostRecord>, Vec<usize>),
        (addresses, row_at): (Vec<AddressRow>, Vec<usize>),
    ) -> Result<Self, ContextError> {
        one_pool_per_family(
            &mgmt_network.pool,
            mgmt_network.secondary_pool.as_ref(),
            "mgmt_network.secondary_pool",
        )?;
        let mut index = Index::with_capacity(hosts.len(), addresses.len());
        index.host_at = host_at;
        index.row_at = row_at;
        for (i, host) in hosts.iter().enumerate() {
            index.add_host(i, host)?;
        }
        index.index_rows(profile, &addresses)?;
        // Later hosts (a batch's) are ours, not the input's.
        index.host_at = Vec::new();
        index.row_at = Vec::new();
        Ok(Self {
            system,
            profile,
            oam_family: None,
            cluster_host_network: None,
            mgmt_network,
            hosts,
            addresses,
            index,
        })
    }

    /// This context under `profile`'s rules (the CLI's `--profile` overrides a file's).
    /// The profile decides how address rows are matched ([`Context::new_under`]: by name, or
    /// by name and family), so the rows are indexed again under it, and rows that `profile`
    /// does not allow together (two rows of one name, once names hold one row) are refused
    /// as they would be in a context read under it.
    ///
    /// ```
    /// use edgeworker_core::{context::Context, profile::Profile};
    /// let ctx = Context::default().with_profile(Profile::Stx10)?;
    /// assert_eq!(ctx.profile(), Profile::Stx10);
    ///
    /// let dual = Context::from_json(r#"{"profile": "stx10", "addresses": [
    ///     {"name": "controller-mgmt", "address": "192.168.204.2"},
    ///     {"name": "controller-mgmt", "address": "fd00:204::2"}]}"#)?;
    /// let err = dual.with_profile(Profile::Classic).unwrap_err();
    /// assert_eq!(err.to_string(), "addresses[1].name: name controller-mgmt is already used by addresses[0]");
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ContextError::Duplicate`] for rows `profile` does not allow together.
    pub fn with_profile(mut self, profile: Profile) -> Result<Self, ContextError> {
        self.index.index_rows(profile, &self.addresses)?;
        self.profile = profile;
        Ok(self)
    }

    /// This context with a cluster-host network (`None`: the system has none).
    ///
    /// ```
    /// use edgeworker_core::context::{ClusterHostNetwork, Context};
    /// let pool = serde_json::from_str(r#"{"name": "cluster-host", "network": "192.168.206.0/24"}"#)?;
    /// let ctx = Context::default()
    ///     .with_cluster_host_network(Some(ClusterHostNetwork { pool, secondary_pool: None }));
    /// assert!(ctx.cluster_host_network().is_some());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_cluster_host_network(mut self, network: Option<ClusterHostNetwork>) -> Self {
        self.cluster_host_network = network;
        self
    }

    /// The cluster-host network, when the context has one.
    #[must_use]
    pub fn cluster_host_network(&self) -> Option<&ClusterHostNetwork> {
        self.cluster_host_network.as_ref()
    }

    /// The address rows a host of `personality` named `hostname` must have once configured
    /// (RULES §4 and §7), in the order sysinv's conductor allocates them: `<host>-mgmt` from
    /// the management pools, then, when the context has a cluster-host network and the host
    /// is no controller (controllers have theirs from the bootstrap; sysinv `be4dce95f`,
    /// stx.8.0 on, both profiles), `<host>-cluster-host` from its pools. The profile decides
    /// whether a dual-stack network's second pool is used (stx10: one address per family,
    /// `fcebab8ef`).
    ///
    /// ```
    /// use edgeworker_core::context::{Context, PlatformNetwork};
    /// use edgeworker_core::personality::Personality;
    /// let ctx = Context::from_json(r#"{"profile": "stx10",
    ///     "mgmt_network": {"secondary_pool": {"name": "mgmt-v6", "network": "fd00:204::/64"}},
    ///     "cluster_host_network": {"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}}}"#)?;
    /// let needs = ctx.address_needs("edge-1", Personality::Edgeworker);
    /// assert_eq!(needs.len(), 2);
    /// assert_eq!((needs[0].network, needs[0].name.as_str()), (PlatformNetwork::Management, "edge-1-mgmt"));
    /// assert!(needs[0].secondary_pool.is_some());
    /// assert_eq!(needs[1].name, "edge-1-cluster-host");
    /// assert_eq!(ctx.address_needs("controller-1", Personality::Controller).len(), 1);
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    #[must_use]
    pub fn address_needs(&self, hostname: &str, personality: Personality) -> Vec<AddressNeed<'_>> {
        let every_family =
            self.profile.rules().network_pools == crate::profile::NetworkPools::EveryFamily;
        let mut needs = vec![AddressNeed {
            network: PlatformNetwork::Management,
            name: PlatformNetwork::Management.row_name(hostname),
            pool: &self.mgmt_network.pool,
            secondary_pool: self
                .mgmt_network
                .secondary_pool
                .as_ref()
                .filter(|_| every_family),
        }];
        if let (Some(network), false) = (
            &self.cluster_host_network,
            personality.capabilities().control_plane,
        ) {
            needs.push(AddressNeed {
                network: PlatformNetwork::ClusterHost,
                name: PlatformNetwork::ClusterHost.row_name(hostname),
                pool: &network.pool,
                secondary_pool: network.secondary_pool.as_ref().filter(|_| every_family),
            });
        }
        needs
    }

    /// This context with an OAM network of `family` (`None`: the system has none).
    ///
    /// ```
    /// use edgeworker_core::{context::Context, profile::IpFamily};
    /// let ctx = Context::default().with_oam_family(Some(IpFamily::V6));
    /// assert_eq!(ctx.oam_family(), Some(IpFamily::V6));
    /// ```
    #[must_use]
    pub fn with_oam_family(mut self, family: Option<IpFamily>) -> Self {
        self.oam_family = family;
        self
    }

    /// The demo system the CLI uses without `--context` and the examples run against: a
    /// Standard duplex system, dynamic IPv4 management network `192.168.204.0/24` (ranges
    /// `.2`–`.254`, random order), rows `controller-mgmt` `.2`, `controller-0-mgmt` `.3`,
    /// `controller-1-mgmt` `.4`, and both controllers unlocked, enabled, available and
    /// provisioned. Never a default: an absent context is [`Context::default`], the empty
    /// system.
    ///
    /// ```
    /// use edgeworker_core::context::Context;
    /// let ctx = Context::example();
    /// assert_eq!(ctx.hosts().len(), 2);
    /// assert_eq!(ctx.mgmt_row_of("controller-0").map(|r| r.address.to_string()),
    ///            Some("192.168.204.3".to_owned()));
    /// ```
    #[must_use]
    pub fn example() -> Self {
        let hosts = example_hosts();
        let addresses = example_addresses();
        let mut index = Index::with_capacity(hosts.len(), addresses.len());
        // Constants whose keys are distinct: the unit test `example_context_builds` proves it.
        for (i, host) in hosts.iter().enumerate() {
            let _ = index.add_host(i, host);
        }
        for (i, row) in addresses.iter().enumerate() {
            let _ = index.add_row(i, row);
        }
        Self {
            system: System::default(),
            profile: Profile::default(),
            oam_family: None,
            cluster_host_network: None,
            mgmt_network: default_mgmt_network(),
            hosts,
            addresses,
            index,
        }
    }

    /// Reads a context from JSON (RULES §2; every key optional, an absent one being that
    /// part of the empty system, [`Context::default`]: no hosts, no rows, a dynamic
    /// management network with the default pool; `null` counts as absent).
    ///
    /// ```
    /// use edgeworker_core::context::Context;
    /// let ctx = Context::from_value(&serde_json::json!({"system": {"mode": "simplex"}}))?;
    /// assert!(ctx.hosts().is_empty() && ctx.addresses().is_empty());
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    ///
    /// Each host and address row is read once, field by field, so an error names the
    /// field's path (`hosts[3].mgmt_mac`) without a second pass.
    ///
    /// # Errors
    ///
    /// A [`ContextError`] naming the JSON path of the first problem.
    pub fn from_value(value: &Value) -> Result<Self, ContextError> {
        let top = object(value, "")?;
        let mut parts = ContextParts::default();
        for (key, value) in top {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "system" => parts.system = Some(typed(value, "system")?),
                "profile" => parts.profile = Some(typed(value, "profile")?),
                "oam_family" => parts.oam_family = Some(typed(value, "oam_family")?),
                "cluster_host_network" => {
                    parts.cluster_host_network = Some(typed(value, "cluster_host_network")?);
                }
                "mgmt_network" => parts.mgmt_network = Some(MgmtNetwork::from_value(value)?),
                "hosts" => parts.hosts = Some(list(value, "hosts", read_host)?),
                "addresses" => parts.addresses = Some(list(value, "addresses", read_row)?),
                other => {
                    return Err(ContextError::UnknownField {
                        path: other.to_owned(),
                    });
                }
            }
        }
        parts.build()
    }

    /// Reads a context from JSON text: the same context, and the same errors, as parsing
    /// the text into a [`Value`] and calling [`Context::from_value`], at the cost of
    /// parsing the text once (no [`Value`] is built unless the text has a problem).
    ///
    /// ```
    /// use edgeworker_core::context::Context;
    /// let ctx = Context::from_json(r#"{"hosts": [{"hostname": "controller-0",
    ///     "personality": "controller", "mgmt_mac": "08:00:27:aa:00:01"}]}"#)?;
    /// assert_eq!(ctx.hosts().len(), 1);
    /// let err = Context::from_json(r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": 1}]}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "hosts[0].colour: unknown field");
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ContextError::NotJson`] for text that is not JSON (`serde_json`'s message, with the
    /// line and column); otherwise the error [`Context::from_value`] gives.
    pub fn from_json(text: &str) -> Result<Self, ContextError> {
        // The typed reader accepts a subset of what the `Value` path accepts (it refuses
        // duplicate keys, which a `Value` resolves to the last one) and reads what it accepts
        // the same way; anything it refuses takes the `Value` path, whose errors name paths.
        let not_json = |err: serde_json::Error| ContextError::NotJson {
            problem: err.to_string(),
        };
        crate::json::check(text.as_bytes()).map_err(not_json)?;
        if let Ok(parts) = crate::json::from_str_checked::<ContextParts>(text) {
            return parts.build();
        }
        let value: Value = crate::json::from_str_checked(text).map_err(not_json)?;
        Self::from_value(&value)
    }

    /// The system mode and type.
    #[must_use]
    pub fn system(&self) -> System {
        self.system
    }

    /// The release profile whose rules apply (RULES §7; `classic` unless the context says).
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The family of the OAM network's primary pool, `None` when the system has no OAM
    /// network (the stx10 BMC check then answers sysinv's `Rejected: OAM network does not
    /// exist.`).
    #[must_use]
    pub fn oam_family(&self) -> Option<IpFamily> {
        self.oam_family
    }

    /// The management network.
    #[must_use]
    pub fn mgmt_network(&self) -> &MgmtNetwork {
        &self.mgmt_network
    }

    /// The existing hosts, in input order.
    #[must_use]
    pub fn hosts(&self) -> &[HostRecord] {
        &self.hosts
    }

    /// The address rows of the management pool, in input order.
    #[must_use]
    pub fn addresses(&self) -> &[AddressRow] {
        &self.addresses
    }

    /// Whether any host runs the Kubernetes control plane (a controller).
    #[must_use]
    pub fn has_controller(&self) -> bool {
        self.index.controllers > 0
    }

    /// The host with this host name (case-sensitive).
    #[must_use]
    pub fn host(&self, hostname: &str) -> Option<&HostRecord> {
        self.at(self.index.by_hostname.get(hostname))
    }

    /// The host with this management MAC address.
    #[must_use]
    pub fn host_by_mac(&self, mac: &MacAddress) -> Option<&HostRecord> {
        self.at(self.index.by_mac.get(mac))
    }

    /// The host with this uuid.
    #[must_use]
    pub fn host_by_uuid(&self, uuid: &str) -> Option<&HostRecord> {
        self.at(self.index.by_uuid.get(uuid))
    }

    /// The host with this management address.
    #[must_use]
    pub fn host_by_mgmt_ip(&self, ip: IpAddr) -> Option<&HostRecord> {
        self.at(self.index.by_mgmt_ip.get(&ip))
    }

    /// The host with this BMC address.
    #[must_use]
    pub fn host_by_bm_ip(&self, ip: IpAddr) -> Option<&HostRecord> {
        self.at(self.index.by_bm_ip.get(&ip))
    }

    /// The host a person means by `key`: its hostname, uuid or management MAC address.
    ///
    /// ```
    /// use edgeworker_core::context::Context;
    /// let ctx = Context::example();
    /// let by_mac = ctx.find_host("08:00:27:AA:00:02").and_then(|h| h.hostname.clone());
    /// assert_eq!(by_mac.map(String::from), Some("controller-1".to_owned()));
    /// ```
    #[must_use]
    pub fn find_host(&self, key: &str) -> Option<&HostRecord> {
        self.host(key)
            .or_else(|| self.host_by_uuid(key))
            .or_else(|| {
                MacAddress::parse(key)
                    .ok()
                    .and_then(|mac| self.host_by_mac(&mac))
            })
    }

    /// The management MAC address of the host named `hostname`, for DHCP reservations.
    #[must_use]
    pub fn mac_of(&self, hostname: &str) -> Option<MacAddress> {
        self.host(hostname).map(|h| h.mgmt_mac)
    }

    /// The address row holding `ip`.
    #[must_use]
    pub fn row_by_ip(&self, ip: IpAddr) -> Option<&AddressRow> {
        self.index
            .row_by_ip
            .get(&ip)
            .and_then(|&i| self.addresses.get(i))
    }

    /// The row named `<hostname>-mgmt`.
    #[must_use]
    pub fn mgmt_row_of(&self, hostname: &str) -> Option<&AddressRow> {
        self.index
            .mgmt_row_by_host
            .get(hostname)
            .and_then(|&i| self.addresses.get(i))
    }

    /// Adds the host an accepted host-add produced, so that later requests of the same
    /// batch see it (as sysinv's bulk add does). An add that updates a discovered host
    /// gives that host its hostname, personality and subfunctions instead.
    ///
    /// # Errors
    ///
    /// [`ContextError::Duplicate`] when the outcome was not produced against this context
    /// and clashes with a host in it; the context is then unchanged.
    ///
    /// Host-add batches use it through [`validate::Batch`](crate::validate::Batch), which
    /// is where the accepted outcome comes from.
    pub(crate) fn admit(&mut self, host: &Host, discovered: bool) -> Result<(), ContextError> {
        if discovered {
            self.admit_discovered(host)
        } else {
            self.admit_new(host)
        }
    }

    fn admit_new(&mut self, host: &Host) -> Result<(), ContextError> {
        {
            {
                let record = HostRecord {
                    hostname: host.hostname.clone(),
                    personality: Some(host.personality),
                    subfunctions: Some(host.subfunctions.to_string()),
                    mgmt_mac: host.mgmt_mac,
                    mgmt_ip: host.mgmt_ip,
                    bm_ip: host.bm_ip,
                    uuid: None,
                    invprovision: Some(Provisioning::Unprovisioned),
                    administrative: Some(Administrative::Locked),
                    operational: Some(Operational::Disabled),
                    availability: Some("offline".to_owned()),
                };
                let i = self.hosts.len();
                self.index.add_host(i, &record)?;
                self.hosts.push(record);
            }
        }
        Ok(())
    }

    fn admit_discovered(&mut self, host: &Host) -> Result<(), ContextError> {
        {
            {
                let Some(&i) = self.index.by_mac.get(&host.mgmt_mac) else {
                    return Err(ContextError::Invalid {
                        path: "hosts".to_owned(),
                        problem: format!("no discovered host has mgmt_mac {}", host.mgmt_mac),
                    });
                };
                if let Some(name) = &host.hostname {
                    if let Some(&other) = self.index.by_hostname.get(name.as_str()) {
                        return Err(ContextError::Duplicate {
                            path: format!("hosts[{i}].hostname"),
                            what: "hostname",
                            value: name.to_string(),
                            other: format!("hosts[{other}]"),
                        });
                    }
                    self.index.by_hostname.insert(name.to_string(), i);
                }
                if host.personality.capabilities().control_plane {
                    self.index.controllers += 1;
                }
                if let Some(record) = self.hosts.get_mut(i) {
                    record.hostname.clone_from(&host.hostname);
                    record.personality = Some(host.personality);
                    record.subfunctions = Some(host.subfunctions.to_string());
                }
            }
        }
        Ok(())
    }

    fn at(&self, i: Option<&usize>) -> Option<&HostRecord> {
        i.and_then(|&i| self.hosts.get(i))
    }
}

/// The parts of a context as read, before they are checked and indexed; an absent part is
/// the empty system's ([`Context::default`]: no hosts, no rows, the default dynamic
/// management network).
///
/// For readers other than this module's (the Python binding reads dicts into it). From JSON
/// text, it reads objects only and refuses duplicate keys, so that whatever it accepts reads
/// the same as through a [`Value`].
///
/// ```
/// use edgeworker_core::context::{ContextParts, System, SystemMode};
/// let parts = ContextParts {
///     system: Some(System { mode: SystemMode::Simplex, ..System::default() }),
///     hosts: Some(Vec::new()),
///     ..ContextParts::default()
/// };
/// let ctx = parts.build()?;
/// assert!(ctx.hosts().is_empty());
/// assert!(ctx.addresses().is_empty());
/// # Ok::<(), edgeworker_core::context::ContextError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ContextParts {
    /// `system`.
    pub system: Option<System>,
    /// `profile`: `"classic"` (absent) or `"stx10"`.
    pub profile: Option<Profile>,
    /// `oam_family`: `4` or `6`, absent when the system has no OAM network.
    pub oam_family: Option<IpFamily>,
    /// `cluster_host_network`, absent when the system has none.
    pub cluster_host_network: Option<ClusterHostNetwork>,
    /// `mgmt_network`.
    pub mgmt_network: Option<MgmtNetwork>,
    /// `hosts`.
    pub hosts: Option<Vec<HostRecord>>,
    /// `addresses`.
    pub addresses: Option<Vec<AddressRow>>,
}

impl ContextParts {
    /// Checks and indexes the parts ([`Context::new`]).
    ///
    /// # Errors
    ///
    /// [`ContextError::Duplicate`] naming the second holder and the first.
    pub fn build(self) -> Result<Context, ContextError> {
        self.build_at(Vec::new(), Vec::new())
    }

    /// [`ContextParts::build`] of parts whose hosts and rows are some of the input's: host `i`
    /// stood at position `host_at[i]` of the input's `hosts`, row `i` at `row_at[i]` of its
    /// `addresses` (an empty list: all of them, in order). Errors name the input's positions,
    /// so a context read in part (see [`Relevance`]) reports a problem where the whole one
    /// would.
    ///
    /// ```
    /// use edgeworker_core::context::{ContextParts, HostRecord};
    /// let host: HostRecord = serde_json::from_str(r#"{"hostname": "edge-1", "mgmt_mac": "08:00:27:aa:00:09"}"#)?;
    /// let parts = ContextParts { hosts: Some(vec![host.clone(), host]), ..ContextParts::default() };
    /// let err = parts.build_at(vec![3, 17], Vec::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "hosts[17].hostname: hostname edge-1 is already used by hosts[3]");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ContextParts::build`].
    pub fn build_at(
        self,
        host_at: Vec<usize>,
        row_at: Vec<usize>,
    ) -> Result<Context, ContextError> {
        if let Some(network) = &self.cluster_host_network {
            one_pool_per_family(
                &network.pool,
                network.secondary_pool.as_ref(),
                "cluster_host_network.secondary_pool",
            )?;
        }
        let profile = self.profile.unwrap_or_default();
        let ctx = Context::assemble(
            profile,
            self.system.unwrap_or_default(),
            self.mgmt_network.unwrap_or_else(default_mgmt_network),
            (self.hosts.unwrap_or_default(), host_at),
            (self.addresses.unwrap_or_default(), row_at),
        )?;
        Ok(ctx
            .with_oam_family(self.oam_family)
            .with_cluster_host_network(self.cluster_host_network))
    }
}

impl<'de> Deserialize<'de> for ContextParts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PartsVisitor)
    }
}

/// The top-level keys; any other is an error (the `Value` path then names it).
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum PartKey {
    System,
    Profile,
    OamFamily,
    ClusterHostNetwork,
    MgmtNetwork,
    Hosts,
    Addresses,
}

/// Objects only: serde's derive would also take an array of the fields in order, which
/// [`Context::from_value`] refuses at the top level and for `mgmt_network`.
struct PartsVisitor;

impl<'de> serde::de::Visitor<'de> for PartsVisitor {
    type Value = ContextParts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a context object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ContextParts, A::Error> {
        let mut parts = ContextParts::default();
        let mut seen = [false; 7];
        while let Some(key) = map.next_key::<PartKey>()? {
            let slot = &mut seen[key as usize];
            if std::mem::replace(slot, true) {
                return Err(serde::de::Error::custom("duplicate key"));
            }
            match key {
                PartKey::System => parts.system = map.next_value()?,
                PartKey::Profile => parts.profile = map.next_value()?,
                PartKey::OamFamily => parts.oam_family = map.next_value()?,
                PartKey::ClusterHostNetwork => parts.cluster_host_network = map.next_value()?,
                PartKey::MgmtNetwork => {
                    parts.mgmt_network = map.next_value::<Option<NetworkText>>()?.map(|n| n.0);
                }
                PartKey::Hosts => parts.hosts = map.next_value()?,
                PartKey::Addresses => parts.addresses = map.next_value()?,
            }
        }
        Ok(parts)
    }
}

/// `mgmt_network` from text: an object, absent or `null` keys keeping the defaults.
struct NetworkText(MgmtNetwork);

impl<'de> Deserialize<'de> for NetworkText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NetworkVisitor;
        impl<'de> serde::de::Visitor<'de> for NetworkVisitor {
            type Value = NetworkText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a management network object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<NetworkText, A::Error> {
                let mut network = default_mgmt_network();
                let (mut dynamic, mut pool, mut secondary) = (false, false, false);
                while let Some(key) = map.next_key::<NetworkKey>()? {
                    let seen = match key {
                        NetworkKey::Dynamic => &mut dynamic,
                        NetworkKey::Pool => &mut pool,
                        NetworkKey::SecondaryPool => &mut secondary,
                    };
                    if std::mem::replace(seen, true) {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                    match key {
                        NetworkKey::Dynamic => {
                            if let Some(v) = map.next_value()? {
                                network.dynamic = v;
                            }
                        }
                        NetworkKey::Pool => {
                            if let Some(v) = map.next_value()? {
                                network.pool = v;
                            }
                        }
                        NetworkKey::SecondaryPool => {
                            if let Some(v) = map.next_value()? {
                                network.secondary_pool = Some(v);
                            }
                        }
                    }
                }
                Ok(NetworkText(network))
            }
        }
        deserializer.deserialize_map(NetworkVisitor)
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum NetworkKey {
    Dynamic,
    Pool,
    SecondaryPool,
}

const DEFAULT_NET: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 204, 0), 24);

fn default_ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 168, 204, last))
}

/// Dynamic `192.168.204.0/24`, ranges `.2`–`.254`, random order.
fn default_mgmt_network() -> MgmtNetwork {
    // Constants: these cannot fail, and the unit test `default_context_builds` proves it.
    let range = AddressRange::new(default_ip(2), default_ip(254)).expect("constant range");
    let pool = AddressPool::new(
        "management",
        IpNet::V4(DEFAULT_NET),
        Some(vec![range]),
        AllocationOrder::Random,
    )
    .expect("constant pool");
    MgmtNetwork {
        dynamic: true,
        pool,
        secondary_pool: None,
    }
}

/// Both controllers, unlocked, enabled, available and provisioned.
fn example_hosts() -> Vec<HostRecord> {
    let controller = |n: u8, uuid: &str| HostRecord {
        hostname: Hostname::parse(&format!("controller-{n}")).ok(),
        personality: Some(Personality::Controller),
        subfunctions: Some("controller".to_owned()),
        mgmt_mac: MacAddress::new(
            [0x08, 0x00, 0x27, 0xaa, 0x00, n + 1],
            crate::mac::Separator::Colon,
        ),
        mgmt_ip: Some(default_ip(3 + n)),
        bm_ip: None,
        uuid: Some(uuid.to_owned()),
        invprovision: Some(Provisioning::Provisioned),
        administrative: Some(Administrative::Unlocked),
        operational: Some(Operational::Enabled),
        availability: Some("available".to_owned()),
    };
    vec![
        controller(0, "3d6e2a40-1b7c-4f0e-9a51-6c2f8d0e0a00"),
        controller(1, "3d6e2a40-1b7c-4f0e-9a51-6c2f8d0e0a01"),
    ]
}

/// `controller-mgmt` `.2`, `controller-0-mgmt` `.3`, `controller-1-mgmt` `.4`.
fn example_addresses() -> Vec<AddressRow> {
    let row = |name: &str, last: u8| AddressRow {
        name: name.to_owned(),
        address: default_ip(last),
    };
    vec![
        row("controller-mgmt", 2),
        row("controller-0-mgmt", 3),
        row("controller-1-mgmt", 4),
    ]
}

/// The empty system: a Standard duplex system whose management network is dynamic with the
/// default pool (`192.168.204.0/24`, ranges `.2`–`.254`, random order), and nothing else: no
/// hosts and no address rows. Having no controller, it is the state in which sysinv adds
/// controller-0's own record (RULES §2: checks 0–4 do not run). It is what a context's
/// absent keys mean, so nobody validates against demo data by accident; the demo is
/// [`Context::example`].
///
/// ```
/// use edgeworker_core::context::Context;
/// let ctx = Context::default();
/// assert!(ctx.hosts().is_empty() && ctx.addresses().is_empty());
/// assert!(ctx.mgmt_network().dynamic && !ctx.has_controller());
/// ```
impl Default for Context {
    fn default() -> Self {
        Self {
            system: System::default(),
            profile: Profile::default(),
            oam_family: None,
            cluster_host_network: None,
            mgmt_network: default_mgmt_network(),
            hosts: Vec::new(),
            addresses: Vec::new(),
            index: Index::default(),
        }
    }
}

/// A network's second pool must be of the other family (sysinv's primary and secondary).
fn one_pool_per_family(
    primary: &AddressPool,
    secondary: Option<&AddressPool>,
    path: &str,
) -> Result<(), ContextError> {
    match secondary {
        Some(second) if second.is_ipv4() == primary.is_ipv4() => Err(ContextError::Invalid {
            path: path.to_owned(),
            problem: crate::address::PoolError::SameFamily {
                primary: primary.name().to_owned(),
                secondary: second.name().to_owned(),
            }
            .to_string(),
        }),
        _ => Ok(()),
    }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ContextError> {
    value.as_object().ok_or_else(|| ContextError::Invalid {
        path: if path.is_empty() {
            "$".to_owned()
        } else {
            path.to_owned()
        },
        problem: format!("must be an object, not {}", crate::host::json_type(value)),
    })
}

fn typed<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T, ContextError> {
    T::deserialize(value).map_err(|err| ContextError::Invalid {
        path: path.to_owned(),
        problem: err.to_string(),
    })
}

/// Reads a list element by element with `read`, which is given the element and its path
/// (`hosts[3]`), built only when an error needs it.
fn list<T>(
    value: &Value,
    path: &str,
    read: fn(&Value, &dyn Fn() -> String) -> Result<T, ContextError>,
) -> Result<Vec<T>, ContextError> {
    let items = value.as_array().ok_or_else(|| ContextError::Invalid {
        path: path.to_owned(),
        problem: format!("must be an array, not {}", crate::host::json_type(value)),
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read(item, &|| format!("{path}[{i}]")))
        .collect()
}

/// One host: an object field by field, so an error names the field; anything else as serde
/// reads a struct (which takes an array as the fields in order).
fn read_host(item: &Value, at: &dyn Fn() -> String) -> Result<HostRecord, ContextError> {
    let Value::Object(fields) = item else {
        return typed(item, &at());
    };
    let mut builder = HostRecordBuilder::default();
    for (key, value) in fields {
        let Some(field) = HostField::from_name(key) else {
            return Err(ContextError::UnknownField {
                path: format!("{}.{key}", at()),
            });
        };
        builder
            .set_value(field, value)
            .map_err(|err| ContextError::Invalid {
                path: format!("{}.{key}", at()),
                problem: err.to_string(),
            })?;
    }
    builder.finish().map_err(|err| ContextError::Invalid {
        path: at(),
        problem: err.to_string(),
    })
}

/// One address row, read like a host.
fn read_row(item: &Value, at: &dyn Fn() -> String) -> Result<AddressRow, ContextError> {
    let Value::Object(fields) = item else {
        return typed(item, &at());
    };
    let (mut name, mut address) = (None, None);
    for (key, value) in fields {
        let read = match key.as_str() {
            "name" => String::deserialize(value).map(|v| name = Some(v)),
            "address" => IpAddr::deserialize(value).map(|v| address = Some(v)),
            _ => {
                return Err(ContextError::UnknownField {
                    path: format!("{}.{key}", at()),
                });
            }
        };
        read.map_err(|err| ContextError::Invalid {
            path: format!("{}.{key}", at()),
            problem: err.to_string(),
        })?;
    }
    // serde's derive reports the first missing field in declaration order.
    let missing = |field| ContextError::Invalid {
        path: at(),
        problem: <serde_json::Error as serde::de::Error>::missing_field(field).to_string(),
    };
    Ok(AddressRow {
        name: name.ok_or_else(|| missing("name"))?,
        address: address.ok_or_else(|| missing("address"))?,
    })
}

impl fmt::Display for SystemMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Simplex => "simplex",
            Self::Duplex => "duplex",
            Self::DuplexDirect => "duplex-direct",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn example_context_builds() {
        let ctx = Context::example();
        // Through `new`, the constants pass the uniqueness checks `example` takes as proven.
        let checked = Context::new(
            ctx.system(),
            ctx.mgmt_network().clone(),
            ctx.hosts().to_vec(),
            ctx.addresses().to_vec(),
        )
        .unwrap();
        assert_eq!(checked.hosts(), ctx.hosts());
        assert_eq!(ctx.hosts().len(), 2);
        assert!(ctx.has_controller());
        assert_eq!(
            ctx.mgmt_network().pool.ranges()[0].start(),
            "192.168.204.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            ctx.row_by_ip("192.168.204.3".parse().unwrap())
                .map(|r| r.name.as_str()),
            Some("controller-0-mgmt")
        );
        assert_eq!(
            ctx.mac_of("controller-0").map(|m| m.to_string()).as_deref(),
            Some("08:00:27:aa:00:01")
        );
    }

    #[test]
    fn the_default_is_the_empty_system() {
        let ctx = Context::default();
        assert_eq!(ctx.system(), System::default());
        assert_eq!(
            (ctx.system().mode, ctx.system().system_type),
            (SystemMode::Duplex, SystemType::Standard)
        );
        assert!(ctx.hosts().is_empty() && ctx.addresses().is_empty());
        assert!(!ctx.has_controller());
        // The same network as the example's: only the demo's hosts and rows are left out.
        assert_eq!(ctx.mgmt_network(), Context::example().mgmt_network());
        assert!(ctx.mgmt_network().dynamic);
    }

    #[test]
    fn absent_keys_are_the_empty_system_s_parts() {
        let texts = [
            "{}",
            r#"{"system": null, "mgmt_network": null, "hosts": null, "addresses": null}"#,
            r#"{"mgmt_network": {"dynamic": false}}"#,
            r#"{"system": {"mode": "duplex-direct"}}"#,
        ];
        for text in texts {
            for ctx in [
                Context::from_value(&serde_json::from_str(text).unwrap()).unwrap(),
                Context::from_json(text).unwrap(),
                ContextParts::default().build().unwrap(),
            ] {
                assert!(ctx.hosts().is_empty(), "{text}");
                assert!(ctx.addresses().is_empty(), "{text}");
                assert_eq!(
                    ctx.mgmt_network().pool,
                    Context::default().mgmt_network().pool,
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn errors_name_the_path() {
        let cases = [
            (json!([]), "$: must be an object, not an array"),
            (json!({"sytem": {}}), "sytem: unknown field"),
            (
                json!({"system": {"mode": "triplex"}}),
                "system: unknown variant `triplex`, expected one of `simplex`, `duplex`, `duplex-direct`",
            ),
            (
                json!({"mgmt_network": {"dynamic": "yes"}}),
                "mgmt_network.dynamic: invalid type: string \"yes\", expected a boolean",
            ),
            (
                json!({"mgmt_network": {"pool": {"name": "m", "network": "10.0.0.0/31"}}}),
                "mgmt_network.pool: Address pool network 10.0.0.0/31 is too small",
            ),
            (
                json!({"profile": "stx9"}),
                "profile: unknown variant `stx9`, expected `classic` or `stx10`",
            ),
            (
                json!({"oam_family": 5}),
                "oam_family: invalid value: integer `5`, expected 4 or 6",
            ),
            (
                json!({"mgmt_network": {"size": 1}}),
                "mgmt_network.size: unknown field",
            ),
            (
                json!({"hosts": {}}),
                "hosts: must be an array, not an object",
            ),
            (
                json!({"hosts": [{"uuid": "u"}]}),
                "hosts[0]: missing field `mgmt_mac`",
            ),
            (
                json!({"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "personality": "Edgeworker"}]}),
                "hosts[0].personality: unknown variant `Edgeworker`, expected one of `controller`, `worker`, `storage`, `edgeworker`",
            ),
            (
                json!({"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red"}]}),
                "hosts[0].colour: unknown field",
            ),
            (
                json!({"addresses": [{"name": "a", "address": "10.0.0.256"}]}),
                "addresses[0].address: invalid IP address syntax",
            ),
        ];
        for (value, expected) in cases {
            let err = Context::from_value(&value).unwrap_err();
            assert_eq!(err.to_string(), expected, "{value}");
        }
    }

    #[test]
    fn host_and_row_fields_name_their_path() {
        let mac = "08:00:27:aa:00:01";
        let cases = [
            (
                json!({"hosts": [{"mgmt_mac": null}]}),
                "hosts[0].mgmt_mac: invalid type: null, expected a string",
            ),
            (
                json!({"hosts": [{"mgmt_mac": mac, "hostname": 5}]}),
                "hosts[0].hostname: invalid type: integer `5`, expected a string",
            ),
            (
                json!({"hosts": [{"mgmt_mac": mac, "hostname": "edge 1"}]}),
                "hosts[0].hostname: host name may only contain letters, numbers, underscores, periods and hyphens",
            ),
            (
                json!({"hosts": [{"mgmt_mac": mac, "mgmt_ip": "fd00::1::2"}]}),
                "hosts[0].mgmt_ip: invalid IP address syntax",
            ),
            (
                json!({"hosts": [{"mgmt_mac": mac}, {"mgmt_mac": mac, "administrative": "Locked"}]}),
                "hosts[1].administrative: unknown variant `Locked`, expected `locked` or `unlocked`",
            ),
            (
                json!({"hosts": [{"hostname": "a"}]}),
                "hosts[0]: missing field `mgmt_mac`",
            ),
            (
                json!({"hosts": [5]}),
                "hosts[0]: invalid type: integer `5`, expected struct HostRecord",
            ),
            (
                json!({"addresses": [{"address": "10.0.0.1"}]}),
                "addresses[0]: missing field `name`",
            ),
            (
                json!({"addresses": [{"name": "a"}]}),
                "addresses[0]: missing field `address`",
            ),
            (
                json!({"addresses": [{}]}),
                "addresses[0]: missing field `name`",
            ),
            (
                json!({"addresses": [{"name": "a", "address": "10.0.0.1", "mac": "x"}]}),
                "addresses[0].mac: unknown field",
            ),
            (
                json!({"addresses": [{"name": 1, "address": "10.0.0.1"}]}),
                "addresses[0].name: invalid type: integer `1`, expected a string",
            ),
            (
                json!({"addresses": ["a"]}),
                "addresses[0]: invalid type: string \"a\", expected struct AddressRow",
            ),
            (
                json!({"mgmt_network": []}),
                "mgmt_network: must be an object, not an array",
            ),
        ];
        for (value, expected) in cases {
            let err = Context::from_value(&value).unwrap_err();
            assert_eq!(err.to_string(), expected, "{value}");
            let text = Context::from_json(&value.to_string()).unwrap_err();
            assert_eq!(text, err, "{value}");
        }
    }

    /// Whatever the text, `from_json` answers what parsing into a `Value` and `from_value`
    /// answer: the fast typed reader never accepts differently.
    #[test]
    fn from_json_is_from_value() {
        let texts = [
            "{}",
            r#"{"system": null, "mgmt_network": null, "hosts": null, "addresses": null}"#,
            r#"{"system": {"mode": "simplex"}, "hosts": [], "addresses": []}"#,
            r#"{"system": ["simplex", "All-in-one"]}"#,
            r#"{"profile": "stx10", "oam_family": 6}"#,
            r#"{"profile": "classic", "oam_family": null}"#,
            r#"{"profile": "stx9"}"#,
            r#"{"oam_family": 5}"#,
            r#"{"oam_family": "4"}"#,
            r#"{"profile": "stx10", "profile": "classic"}"#,
            r#"{"mgmt_network": {"dynamic": false, "pool": null}}"#,
            r#"{"mgmt_network": {"dynamic": null}}"#,
            r#"{"mgmt_network": [false]}"#,
            r#"{"mgmt_network": {"pool": {"name": "m", "network": "fd00::/64"}}}"#,
            "[]",
            "[null, null, [], []]",
            r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "a"}], "hosts": []}"#,
            r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "mgmt_mac": "08:00:27:aa:00:02"}]}"#,
            r#"{"hosts": [[null, null, null, "08:00:27:aa:00:01"]]}"#,
            r#"{"hosts": [{"mgmt_mac": "08-00-27-AA-00-01", "hostname": null, "uuid": "u", "bm_ip": "::1",
                 "personality": "edgeworker", "subfunctions": "edgeworker", "invprovision": "provisioned",
                 "administrative": "unlocked", "operational": "enabled", "availability": "available"}]}"#,
            r#"{"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "a"}, {"mgmt_mac": "08:00:27:aa:00:02", "hostname": "a"}]}"#,
            r#"{"addresses": [["controller-mgmt", "10.0.0.1"]]}"#,
            r#"{"addresses": [{"name": "a-mgmt", "address": "10.0.0.1"}, {"name": "a-mgmt", "address": "10.0.0.2"}]}"#,
            r#"{"colour": 1}"#,
            "{\"hosts\": [{\"mgmt_mac\": \"08:00:27:aa:00:01\", \"hostname\": \"\\u0061\"}]}",
        ];
        for text in texts {
            let expected = Context::from_value(&serde_json::from_str(text).unwrap());
            let got = Context::from_json(text);
            match (got, expected) {
                (Ok(got), Ok(expected)) => {
                    assert_eq!(got.system(), expected.system(), "{text}");
                    assert_eq!(got.profile(), expected.profile(), "{text}");
                    assert_eq!(got.oam_family(), expected.oam_family(), "{text}");
                    assert_eq!(got.mgmt_network(), expected.mgmt_network(), "{text}");
                    assert_eq!(got.hosts(), expected.hosts(), "{text}");
                    assert_eq!(got.addresses(), expected.addresses(), "{text}");
                }
                (got, expected) => assert_eq!(got.err(), expected.err(), "{text}"),
            }
        }
    }

    #[test]
    fn text_that_is_not_json_keeps_serde_json_s_message() {
        let err = Context::from_json("{\n  \"hosts\": ,\n}").unwrap_err();
        assert_eq!(err.to_string(), "expected value at line 2 column 12");
        assert_eq!(err.code(), "context.not_json");
    }

    #[test]
    fn a_refused_host_or_row_leaves_the_index_as_it_was() {
        let hosts = example_hosts();
        let mut index = Index::default();
        index.add_host(0, &hosts[0]).unwrap();
        let mut clash = hosts[1].clone();
        clash.mgmt_mac = hosts[0].mgmt_mac;
        assert!(index.add_host(1, &clash).is_err());
        assert!(!index.by_hostname.contains_key("controller-1"));
        assert_eq!(index.by_mac.get(&hosts[0].mgmt_mac), Some(&0));
        assert_eq!(index.controllers, 1);
        index.add_host(1, &hosts[1]).unwrap();

        let rows = example_addresses();
        index.add_row(0, &rows[0]).unwrap();
        let clash = AddressRow {
            name: "other-mgmt".to_owned(),
            address: rows[0].address,
        };
        assert!(index.add_row(1, &clash).is_err());
        assert!(
            !index
                .row_by_name
                .contains_key(&("other-mgmt".to_owned(), None))
        );
    }

    /// Rows are matched by name and family under stx10 and by name under classic: a profile
    /// set after reading re-indexes them, so a name with a row of each family is refused
    /// under classic as it is when read under classic.
    #[test]
    fn a_new_profile_matches_rows_its_own_way() {
        let text = r#"{"profile": "stx10", "addresses": [
            {"name": "edge-1-mgmt", "address": "192.168.204.9"},
            {"name": "edge-1-mgmt", "address": "fd00:204::9"}]}"#;
        let dual = Context::from_json(text).unwrap();
        let err = dual.clone().with_profile(Profile::Classic).unwrap_err();
        let read = Context::from_json(&text.replace("stx10", "classic")).unwrap_err();
        assert_eq!(err, read);
        assert_eq!(err.code(), "context.duplicate");
        // And back: a classic context set to stx10 takes a row of the other family.
        let classic = Context::from_json(
            r#"{"addresses": [{"name": "edge-1-mgmt", "address": "192.168.204.9"}]}"#,
        )
        .unwrap()
        .with_profile(Profile::Stx10)
        .unwrap();
        assert!(classic.index.rows_by_family);
        let stx10 = dual.with_profile(Profile::Stx10).unwrap();
        assert_eq!(
            stx10
                .mgmt_row_of("edge-1")
                .map(|r| r.address.to_string())
                .as_deref(),
            Some("192.168.204.9")
        );
    }

    #[test]
    fn host_field_names_round_trip() {
        for field in HostField::ALL {
            assert_eq!(HostField::from_name(field.name()), Some(field));
        }
    }

    #[test]
    fn duplicates_are_refused() {
        let host = |mac: &str, name: &str| json!({"mgmt_mac": mac, "hostname": name});
        let err = Context::from_value(
            &json!({"hosts": [host("08:00:27:aa:00:01", "a"), host("08:00:27:AA:00:01", "b")]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "hosts[1].mgmt_mac: mgmt_mac 08:00:27:aa:00:01 is already used by hosts[0]"
        );
        assert_eq!(err.code(), "context.duplicate");
        let err = Context::from_value(&json!({"addresses": [{"name": "a", "address": "10.0.0.1"}, {"name": "b", "address": "10.0.0.1"}]}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "addresses[1].address: address 10.0.0.1 is already used by addresses[0]"
        );
    }
}
