//! Hosts as requested (host-add request, host-update change set) and as validated.
//!
//! A request is raw input: its fields are the strings the caller sent, because the rules must
//! quote them back verbatim. A [`Host`] is the result of validation: every field is parsed and
//! normalized, so holding one proves the rules passed.
//!
//! Both the CLI and the Python binding build requests from a `serde_json::Value`
//! ([`HostAddRequest::from_value`], [`ChangeSet::from_value`]), so they share one input path.
//! JSON `null` means "absent" for every field.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::hostname::Hostname;
use crate::mac::MacAddress;
use crate::personality::Personality;
use crate::profile::Profile;
use crate::violation::Violation;

/// sysinv's fields a host carries through unchanged: the rules do not look at them.
///
/// ```
/// use edgeworker_core::host::PassThrough;
/// let extra = PassThrough { console: Some("ttyS0,115200".into()), ..PassThrough::default() };
/// assert_eq!(serde_json::to_string(&extra)?, r#"{"console":"ttyS0,115200"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PassThrough {
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serialid: Option<String>,
    /// Free-form location (sysinv stores an object, e.g. `{"locn": "rack 3"}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Map<String, Value>>,
    /// Boot device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_device: Option<String>,
    /// Root file-system device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rootfs_device: Option<String>,
    /// Installer output (`text` or `graphical`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_output: Option<String>,
    /// Console device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    /// Whether the serial line's DCD is honoured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttys_dcd: Option<bool>,
    /// `ntp` or `ptp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_synchronization: Option<String>,
    /// Hardware settle time in seconds, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hw_settle: Option<String>,
    /// Virtual switch controllers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vsc_controllers: Option<String>,
}

/// A host-add request, as sent (`system host-add`).
///
/// ```
/// use edgeworker_core::host::HostAddRequest;
/// let value = serde_json::json!({
///     "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09",
/// });
/// let request = HostAddRequest::from_value(&value).expect("well-typed");
/// assert_eq!(request.hostname.as_deref(), Some("edge-1"));
///
/// let errors = HostAddRequest::from_value(&serde_json::json!({"hostnme": "x", "personality": 1}))
///     .unwrap_err();
/// let codes: Vec<_> = errors.iter().map(|v| v.code().as_str()).collect();
/// assert_eq!(codes, ["request.invalid_type", "request.unknown_field"]);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct HostAddRequest {
    /// The host name.
    pub hostname: Option<String>,
    /// The personality.
    pub personality: Option<String>,
    /// Comma-separated subfunctions.
    pub subfunctions: Option<String>,
    /// MAC address of the management interface.
    pub mgmt_mac: Option<String>,
    /// Management address (static addressing only).
    pub mgmt_ip: Option<String>,
    /// Board management type.
    pub bm_type: Option<String>,
    /// Board management controller address.
    pub bm_ip: Option<String>,
    /// Board management user name.
    pub bm_username: Option<String>,
    /// Board management password (never printed, never part of a [`Host`]).
    pub bm_password: Option<String>,
    /// Fields carried through unchanged.
    pub extra: PassThrough,
}

impl fmt::Debug for HostAddRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostAddRequest")
            .field("hostname", &self.hostname)
            .field("personality", &self.personality)
            .field("subfunctions", &self.subfunctions)
            .field("mgmt_mac", &self.mgmt_mac)
            .field("mgmt_ip", &self.mgmt_ip)
            .field("bm_type", &self.bm_type)
            .field("bm_ip", &self.bm_ip)
            .field("bm_username", &self.bm_username)
            .field(
                "bm_password",
                &self.bm_password.as_ref().map(|_| "<redacted>"),
            )
            .field("extra", &self.extra)
            .finish()
    }
}

/// The JSON type a field takes.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Object,
    Bool,
    /// sysinv's API attributes we drop: their type is sysinv's business.
    Any,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Self::Text => "a string",
            Self::Object => "an object",
            Self::Bool => "a boolean",
            Self::Any => "any value",
        }
    }
}

/// The name of a JSON value's type, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a request or change set does with a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A host-add field (RULES §2), also changeable by host-update.
    Request,
    /// A host-add field no update may change (`field.restricted`, RULES §3).
    RequestRestricted,
    /// Only the platform changes it: refused in a change set, accepted and dropped on add
    /// when sysinv's API type has it.
    Platform { on_add: bool },
    /// An attribute of sysinv's `Host` API type that a host-add ignores: accepted and
    /// dropped, so the conductor can pass `host.as_dict()` unfiltered.
    Dropped,
}

/// One request field: its name, JSON type, role, and where its value goes.
struct Field {
    name: &'static str,
    kind: Kind,
    role: Role,
    set: fn(&mut HostAddRequest, Typed),
}

impl Field {
    const fn new(
        name: &'static str,
        kind: Kind,
        role: Role,
        set: fn(&mut HostAddRequest, Typed),
    ) -> Self {
        Self {
            name,
            kind,
            role,
            set,
        }
    }

    const fn dropped(name: &'static str) -> Self {
        Self::new(name, Kind::Any, Role::Dropped, |_, _| {})
    }

    const fn platform(name: &'static str, on_add: bool) -> Self {
        Self::new(name, Kind::Text, Role::Platform { on_add }, |_, _| {})
    }

    fn restricted(&self) -> bool {
        matches!(self.role, Role::RequestRestricted | Role::Platform { .. })
    }

    fn on_add(&self) -> bool {
        !matches!(self.role, Role::Platform { on_add: false })
    }
}

/// Every field a request or change set may name: the one table of names, JSON types,
/// roles and destinations (RULES §2 and §3; sysinv stx.5.0 `host.py` `class Host`).
const FIELDS: &[Field] = &[
    Field::new("hostname", Kind::Text, Role::Request, |r, v| {
        r.hostname = v.text();
    }),
    Field::new("personality", Kind::Text, Role::Request, |r, v| {
        r.personality = v.text();
    }),
    Field::new("subfunctions", Kind::Text, Role::Request, |r, v| {
        r.subfunctions = v.text();
    }),
    Field::new("mgmt_mac", Kind::Text, Role::RequestRestricted, |r, v| {
        r.mgmt_mac = v.text();
    }),
    Field::new("mgmt_ip", Kind::Text, Role::RequestRestricted, |r, v| {
        r.mgmt_ip = v.text();
    }),
    Field::new("bm_type", Kind::Text, Role::Request, |r, v| {
        r.bm_type = v.text();
    }),
    Field::new("bm_ip", Kind::Text, Role::Request, |r, v| {
        r.bm_ip = v.text();
    }),
    Field::new("bm_username", Kind::Text, Role::Request, |r, v| {
        r.bm_username = v.text();
    }),
    Field::new("bm_password", Kind::Text, Role::Request, |r, v| {
        r.bm_password = v.text();
    }),
    Field::new("serialid", Kind::Text, Role::Request, |r, v| {
        r.extra.serialid = v.text();
    }),
    Field::new("location", Kind::Object, Role::Request, |r, v| {
        r.extra.location = v.object();
    }),
    Field::new("boot_device", Kind::Text, Role::Request, |r, v| {
        r.extra.boot_device = v.text();
    }),
    Field::new("rootfs_device", Kind::Text, Role::Request, |r, v| {
        r.extra.rootfs_device = v.text();
    }),
    Field::new("install_output", Kind::Text, Role::Request, |r, v| {
        r.extra.install_output = v.text();
    }),
    Field::new("console", Kind::Text, Role::Request, |r, v| {
        r.extra.console = v.text();
    }),
    Field::new("ttys_dcd", Kind::Bool, Role::Request, |r, v| {
        r.extra.ttys_dcd = v.flag();
    }),
    Field::new(
        "clock_synchronization",
        Kind::Text,
        Role::Request,
        |r, v| {
            r.extra.clock_synchronization = v.text();
        },
    ),
    Field::new("hw_settle", Kind::Text, Role::Request, |r, v| {
        r.extra.hw_settle = v.text();
    }),
    Field::new("vsc_controllers", Kind::Text, Role::Request, |r, v| {
        r.extra.vsc_controllers = v.text();
    }),
    Field::platform("uuid", true),
    Field::platform("invprovision", true),
    Field::platform("recordtype", false),
    Field::platform("administrative", true),
    Field::platform("operational", true),
    Field::platform("availability", true),
    Field::dropped("id"),
    Field::dropped("subfunction_oper"),
    Field::dropped("subfunction_avail"),
    Field::dropped("action"),
    Field::dropped("ihost_action"),
    Field::dropped("inv_state"),
    Field::dropped("vim_progress_status"),
    Field::dropped("task"),
    Field::dropped("mtce_info"),
    Field::dropped("reserved"),
    Field::dropped("config_status"),
    Field::dropped("config_applied"),
    Field::dropped("config_target"),
    Field::dropped("uptime"),
    Field::dropped("capabilities"),
    Field::dropped("forisystemid"),
    Field::dropped("isystem_uuid"),
    Field::dropped("iprofile_uuid"),
    Field::dropped("peers"),
    Field::dropped("links"),
    Field::dropped("iinterfaces"),
    Field::dropped("ports"),
    Field::dropped("ethernet_ports"),
    Field::dropped("inodes"),
    Field::dropped("icpus"),
    Field::dropped("imemorys"),
    Field::dropped("istors"),
    Field::dropped("idisks"),
    Field::dropped("partitions"),
    Field::dropped("ceph_mon"),
    Field::dropped("ipvs"),
    Field::dropped("ilvgs"),
    Field::dropped("host_fs"),
    Field::dropped("isensors"),
    Field::dropped("isensorgroups"),
    Field::dropped("pci_devices"),
    Field::dropped("lldp_agents"),
    Field::dropped("lldp_neighbours"),
    Field::dropped("labels"),
    Field::dropped("tboot"),
    Field::dropped("software_load"),
    Field::dropped("target_load"),
    Field::dropped("install_state"),
    Field::dropped("install_state_info"),
    Field::dropped("iscsi_initiator_name"),
    Field::dropped("device_image_update"),
    Field::dropped("reboot_needed"),
];

/// Fields a change set may name but no update may change (RULES §3), from the one field
/// table.
///
/// ```
/// use edgeworker_core::host::restricted_fields;
/// assert_eq!(restricted_fields().collect::<Vec<_>>(), [
///     "mgmt_mac", "mgmt_ip", "uuid", "invprovision", "recordtype",
///     "administrative", "operational", "availability",
/// ]);
/// ```
pub fn restricted_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter(|f| f.restricted()).map(|f| f.name)
}

/// What a host-add does with an attribute a profile's `Host` API type adds to
/// [`FIELDS`] (RULES §7): accepts and drops it, like every other ignored attribute.
static PROFILE_ATTRIBUTE: Field = Field::dropped("(an attribute of the profile's Host type)");

/// The field named `name`, if a host-add (`add`, under `profile`'s accepted attributes) or
/// a change set accepts it.
fn known_field(name: &str, add: bool, profile: Profile) -> Option<&'static Field> {
    let rules = profile.rules();
    if add && rules.removed_host_attributes.contains(&name) {
        return None;
    }
    FIELDS
        .iter()
        .find(|field| field.name == name && (!add || field.on_add()))
        .or_else(|| {
            (add && rules.added_host_attributes.contains(&name)).then_some(&PROFILE_ATTRIBUTE)
        })
}

/// One typed field value, as read from JSON.
enum Typed {
    Text(String),
    Object(Map<String, Value>),
    Bool(bool),
    Dropped,
}

impl Typed {
    fn text(self) -> Option<String> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    fn object(self) -> Option<Map<String, Value>> {
        match self {
            Self::Object(m) => Some(m),
            _ => None,
        }
    }

    fn flag(self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(b),
            _ => None,
        }
    }
}

fn typed(field: &Field, value: &Value) -> Result<Option<Typed>, Violation> {
    match (field.kind, value) {
        (_, Value::Null) => Ok(None),
        (Kind::Any, _) => Ok(Some(Typed::Dropped)),
        (Kind::Text, Value::String(s)) => Ok(Some(Typed::Text(s.clone()))),
        (Kind::Object, Value::Object(m)) => Ok(Some(Typed::Object(m.clone()))),
        (Kind::Bool, Value::Bool(b)) => Ok(Some(Typed::Bool(*b))),
        _ => Err(Violation::invalid_type(
            Some(field.name),
            field.kind.expected(),
            json_type(value),
        )),
    }
}

/// Reads the fields of a request object (`add`: a host-add; else a change set). Unknown
/// names are one violation, as wsme reports them; the restricted fields named (present and
/// not `null`) are collected for the update rules.
fn read_fields<'a>(
    fields: impl Iterator<Item = (&'a String, &'a Value)>,
    add: bool,
    profile: Profile,
    core: &mut HostAddRequest,
    restricted: &mut Vec<&'static str>,
) -> Vec<Violation> {
    let mut errors = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for (key, value) in fields {
        let Some(field) = known_field(key, add, profile) else {
            unknown.push(key);
            continue;
        };
        match typed(field, value) {
            Ok(Some(v)) => {
                if field.restricted() {
                    restricted.push(field.name);
                }
                (field.set)(core, v);
            }
            Ok(None) => {}
            Err(violation) => errors.push(violation),
        }
    }
    // wsme converts the known attributes first, then reports the unknown ones.
    if !unknown.is_empty() {
        errors.push(Violation::unknown_fields(&unknown));
    }
    errors
}

impl HostAddRequest {
    /// Reads a request from JSON: an object of the known fields, each of its JSON type
    /// (`location` an object, `ttys_dcd` a boolean, every other field a string) or `null`.
    ///
    /// The attributes accepted are the classic profile's; [`HostAddRequest::from_value_under`]
    /// reads another profile's.
    ///
    /// # Errors
    ///
    /// Every `request.unknown_field` and `request.invalid_type` violation, or one
    /// `request.invalid_type` (field `null`) when `value` is not an object.
    pub fn from_value(value: &Value) -> Result<Self, Vec<Violation>> {
        Self::from_value_under(value, Profile::Classic)
    }

    /// [`HostAddRequest::from_value`] with the `Host` attributes `profile` accepts (RULES §7:
    /// stx10 accepts `sw_version`, `nvme_host_id`, ... and no longer `software_load`).
    ///
    /// ```
    /// use edgeworker_core::{host::HostAddRequest, profile::Profile};
    /// let request = serde_json::json!({"hostname": "edge-1", "sw_version": "25.09"});
    /// assert!(HostAddRequest::from_value_under(&request, Profile::Stx10).is_ok());
    /// let errors = HostAddRequest::from_value(&request).unwrap_err();
    /// assert_eq!(errors[0].message(), "Unknown attribute for argument host: sw_version");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`HostAddRequest::from_value`].
    pub fn from_value_under(value: &Value, profile: Profile) -> Result<Self, Vec<Violation>> {
        let Value::Object(map) = value else {
            return Err(vec![Violation::invalid_type(
                None,
                "an object",
                json_type(value),
            )]);
        };
        let mut request = Self::default();
        let mut ignored = Vec::new();
        let errors = read_fields(map.iter(), true, profile, &mut request, &mut ignored);
        if errors.is_empty() {
            Ok(request)
        } else {
            Err(errors)
        }
    }
}

/// What the rules read of a board management password: whether it is empty (sysinv's
/// `if patch_bm_password:`), and whether it holds whitespace (stx10 refuses that). The
/// password itself is not kept.
///
/// ```
/// use edgeworker_core::host::PasswordShape;
/// assert!(PasswordShape::of("two words").whitespace);
/// assert!(PasswordShape::of("").empty);
/// assert_eq!(PasswordShape::of("s3cret"), PasswordShape { empty: false, whitespace: false });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordShape {
    /// The empty string.
    pub empty: bool,
    /// A whitespace character, as Python's `\s` matches one ([`is_python_space`]).
    pub whitespace: bool,
}

impl PasswordShape {
    /// The shape of `password`.
    #[must_use]
    pub fn of(password: &str) -> Self {
        Self {
            empty: password.is_empty(),
            whitespace: password.chars().any(is_python_space),
        }
    }
}

/// Whether Python 3's `re.search(r"\s", ...)` matches `c` on a `str`: Unicode white space
/// (what [`char::is_whitespace`] answers) plus the four ASCII information separators
/// U+001C–U+001F, which Python's `str.isspace` also counts.
///
/// ```
/// use edgeworker_core::host::is_python_space;
/// assert!(is_python_space('\u{1f}') && is_python_space('\u{a0}') && is_python_space('\t'));
/// assert!(!is_python_space('_') && !is_python_space('\u{200b}'));
/// ```
#[must_use]
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A host-update change set (`system host-update <host> field=value ...`), as sent.
///
/// ```
/// use edgeworker_core::host::{ChangeSet, ChangeSetError};
///
/// let changes = ChangeSet::from_json(r#"{"hostname": "edge-1", "personality": "edgeworker"}"#)?;
/// assert_eq!(changes.personality.as_deref(), Some("edgeworker"));
///
/// let Err(ChangeSetError::Invalid(errors)) =
///     ChangeSet::from_json(r#"{"hostname": "a", "hostname": "b"}"#) else { panic!() };
/// assert_eq!(errors[0].code().as_str(), "request.duplicate_field");
/// # Ok::<(), ChangeSetError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// New host name.
    pub hostname: Option<String>,
    /// New personality.
    pub personality: Option<String>,
    /// New subfunctions.
    pub subfunctions: Option<String>,
    /// New board management type.
    pub bm_type: Option<String>,
    /// New board management address.
    pub bm_ip: Option<String>,
    /// New board management user name.
    pub bm_username: Option<String>,
    /// What the rules read of a board management password, when one is given (its value
    /// is not kept).
    pub bm_password: Option<PasswordShape>,
    /// Pass-through fields to change.
    pub extra: PassThrough,
    /// Restricted fields the change set names ([`restricted_fields`]), in input order.
    pub restricted: Vec<&'static str>,
}

/// Why a change-set text cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeSetError {
    /// The text is not JSON, or is nested deeper than [`crate::json::MAX_NESTING`]; the
    /// error carries the line and column.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The JSON breaks the request shape: unknown fields, wrong types, duplicate fields.
    #[error("{}", .0.first().map_or("invalid change set", |v| v.message()))]
    Invalid(Vec<Violation>),
}

impl ChangeSet {
    /// Reads a change set from JSON, like [`HostAddRequest::from_value`] but with every
    /// known field of a host (restricted ones included, refused later by the rules).
    ///
    /// # Errors
    ///
    /// Every `request.unknown_field` and `request.invalid_type` violation.
    pub fn from_value(value: &Value) -> Result<Self, Vec<Violation>> {
        let Value::Object(map) = value else {
            return Err(vec![Violation::invalid_type(
                None,
                "an object",
                json_type(value),
            )]);
        };
        Self::from_fields(map.iter())
    }

    /// Reads a change set from JSON text, detecting a field given twice with different
    /// values (`request.duplicate_field`), which a parsed `Value` cannot show.
    ///
    /// # Errors
    ///
    /// [`ChangeSetError::Json`] when the text is not JSON, [`ChangeSetError::Invalid`] with
    /// the violations otherwise.
    pub fn from_json(text: &str) -> Result<Self, ChangeSetError> {
        crate::json::check(text.as_bytes())?;
        let fields = match crate::json::from_str_checked::<FieldList>(text) {
            Ok(fields) => fields.0,
            // Valid JSON but not an object: the same violation as the Value path gives.
            Err(err) if err.classify() == serde_json::error::Category::Data => {
                let value: Value = crate::json::from_str_checked(text)?;
                return Self::from_value(&value).map_err(ChangeSetError::Invalid);
            }
            Err(err) => return Err(ChangeSetError::Json(err)),
        };
        let mut unique: Vec<(String, Value)> = Vec::with_capacity(fields.len());
        let mut errors = Vec::new();
        for (key, value) in fields {
            match unique.iter().find(|(k, _)| *k == key) {
                Some((_, first)) if *first != value => {
                    if let Some(field) = known_field(&key, false, Profile::Classic)
                        && !errors
                            .iter()
                            .any(|v: &Violation| v.field() == Some(field.name))
                    {
                        errors.push(Violation::duplicate_field(field.name));
                    }
                }
                Some(_) => {}
                None => unique.push((key, value)),
            }
        }
        if !errors.is_empty() {
            return Err(ChangeSetError::Invalid(errors));
        }
        Self::from_fields(unique.iter().map(|(k, v)| (k, v))).map_err(ChangeSetError::Invalid)
    }

    fn from_fields<'a>(
        fields: impl Iterator<Item = (&'a String, &'a Value)>,
    ) -> Result<Self, Vec<Violation>> {
        let mut core = HostAddRequest::default();
        let mut restricted = Vec::new();
        let errors = read_fields(fields, false, Profile::Classic, &mut core, &mut restricted);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            hostname: core.hostname,
            personality: core.personality,
            subfunctions: core.subfunctions,
            bm_type: core.bm_type,
            bm_ip: core.bm_ip,
            bm_username: core.bm_username,
            bm_password: core.bm_password.as_deref().map(PasswordShape::of),
            extra: core.extra,
            restricted,
        })
    }
}

/// A JSON object's fields in input order, duplicates kept.
struct FieldList(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for FieldList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = FieldList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a change-set object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldList, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(FieldList(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A board management type.
///
/// ```
/// use edgeworker_core::host::BmType;
/// assert_eq!("redfish".parse::<BmType>(), Ok(BmType::Redfish));
/// assert!(BmType::Ipmi.is_provisioned() && !BmType::None.is_provisioned());
/// assert!("IPMI".parse::<BmType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BmType {
    /// No board management.
    #[default]
    None,
    /// The BMC's protocol is discovered.
    Dynamic,
    /// IPMI.
    Ipmi,
    /// Redfish.
    Redfish,
}

/// The string is not a board management type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not one of the board management types none, dynamic, ipmi, redfish")]
pub struct UnknownBmType;

impl BmType {
    /// Whether a BMC is configured (anything but `none`).
    #[must_use]
    pub fn is_provisioned(self) -> bool {
        self != Self::None
    }
}

impl FromStr for BmType {
    type Err = UnknownBmType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "dynamic" => Ok(Self::Dynamic),
            "ipmi" => Ok(Self::Ipmi),
            "redfish" => Ok(Self::Redfish),
            _ => Err(UnknownBmType),
        }
    }
}

/// A host's subfunctions: its personality first, then `lowlatency` if asked for, the only
/// subfunction a host-add may add (RULES §2.5).
///
/// ```
/// use edgeworker_core::host::Subfunctions;
/// use edgeworker_core::personality::Personality;
///
/// let subs = Subfunctions::parse(Personality::Edgeworker, Some("lowlatency"))?;
/// assert_eq!(subs.to_string(), "edgeworker,lowlatency");
/// assert_eq!(Subfunctions::parse(Personality::Worker, None)?.to_string(), "worker");
/// assert_eq!(Subfunctions::parse(Personality::Worker, Some("worker,storage")), Err(vec!["storage".to_owned()]));
/// // Given with the personality: kept in the order given (sysinv rewrites only a value
/// // that lacks the personality).
/// let subs = Subfunctions::parse(Personality::Edgeworker, Some("lowlatency,edgeworker"))?;
/// assert_eq!(subs.to_string(), "lowlatency,edgeworker");
/// # Ok::<(), Vec<String>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subfunctions {
    personality: Personality,
    lowlatency: bool,
    /// `lowlatency` was given before the personality, which was given too.
    lowlatency_first: bool,
}

/// The one subfunction a host may have besides its personality.
pub const LOWLATENCY: &str = "lowlatency";

impl Subfunctions {
    /// The subfunctions of `personality` given the comma-separated `given` (absent or empty:
    /// the personality alone). A value holding the personality keeps its order (RULES §2.5,
    /// sysinv `_update_subfunctions` leaves it as it is); one without gets the personality
    /// first. Repeated values count once.
    ///
    /// # Errors
    ///
    /// The distinct values that are neither the personality nor `lowlatency`, in order.
    pub fn parse(personality: Personality, given: Option<&str>) -> Result<Self, Vec<String>> {
        let mut lowlatency = false;
        let mut has_personality = false;
        let mut lowlatency_first = false;
        let mut invalid: Vec<String> = Vec::new();
        for value in given
            .filter(|g| !g.is_empty())
            .into_iter()
            .flat_map(|g| g.split(','))
        {
            if value == LOWLATENCY {
                lowlatency = true;
            } else if value == personality.as_str() {
                lowlatency_first |= lowlatency && !has_personality;
                has_personality = true;
            } else if !invalid.iter().any(|v| v == value) {
                invalid.push(value.to_owned());
            }
        }
        if invalid.is_empty() {
            Ok(Self {
                personality,
                lowlatency,
                lowlatency_first,
            })
        } else {
            Err(invalid)
        }
    }

    /// The personality alone.
    #[must_use]
    pub fn of(personality: Personality) -> Self {
        Self {
            personality,
            lowlatency: false,
            lowlatency_first: false,
        }
    }

    /// Whether `lowlatency` is among them.
    #[must_use]
    pub fn lowlatency(&self) -> bool {
        self.lowlatency
    }
}

impl fmt::Display for Subfunctions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lowlatency_first {
            return write!(f, "{LOWLATENCY},{}", self.personality.as_str());
        }
        f.write_str(self.personality.as_str())?;
        if self.lowlatency {
            write!(f, ",{LOWLATENCY}")?;
        }
        Ok(())
    }
}

impl Serialize for Subfunctions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Subfunctions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        // The personality is the first value that is not `lowlatency` (which may come first).
        let first = text
            .split(',')
            .find(|value| *value != LOWLATENCY)
            .unwrap_or(&text);
        let personality: Personality = first.parse().map_err(de::Error::custom)?;
        Self::parse(personality, Some(&text)).map_err(|invalid| {
            de::Error::custom(format!("invalid subfunctions {}", invalid.join(",")))
        })
    }
}

/// A validated, normalized host: what a successful host-add yields (RULES §2.6).
///
/// The MAC address is lowercased, the subfunctions computed, `bm_type` defaulted, ignored
/// board management fields dropped and `mgmt_ip` parsed. Only validation builds one.
///
/// ```
/// use edgeworker_core::{context::Context, host::HostAddRequest, validate};
///
/// let request = HostAddRequest {
///     hostname: Some("edge-1".into()),
///     personality: Some("edgeworker".into()),
///     mgmt_mac: Some("08:00:27:AA:00:09".into()),
///     ..HostAddRequest::default()
/// };
/// let outcome = validate::validate_host_add(&request, &Context::default(), Default::default())
///     .expect("valid");
/// assert_eq!(outcome.host.mgmt_mac().to_string(), "08:00:27:aa:00:09");
/// assert_eq!(outcome.host.subfunctions().to_string(), "edgeworker");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Host {
    pub(crate) hostname: Option<Hostname>,
    pub(crate) personality: Personality,
    pub(crate) subfunctions: Subfunctions,
    pub(crate) mgmt_mac: MacAddress,
    pub(crate) mgmt_ip: Option<IpAddr>,
    pub(crate) bm_type: BmType,
    pub(crate) bm_ip: Option<IpAddr>,
    pub(crate) bm_username: Option<String>,
    /// Set when the add updates an auto-discovered host: that host's uuid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) uuid: Option<String>,
    #[serde(flatten)]
    pub(crate) extra: PassThrough,
}

impl Host {
    /// The host name (controllers and storage hosts may have none yet).
    #[must_use]
    pub fn hostname(&self) -> Option<&Hostname> {
        self.hostname.as_ref()
    }

    /// The personality.
    #[must_use]
    pub fn personality(&self) -> Personality {
        self.personality
    }

    /// The subfunctions.
    #[must_use]
    pub fn subfunctions(&self) -> Subfunctions {
        self.subfunctions
    }

    /// The management MAC address.
    #[must_use]
    pub fn mgmt_mac(&self) -> MacAddress {
        self.mgmt_mac
    }

    /// The static management address, if one was given.
    #[must_use]
    pub fn mgmt_ip(&self) -> Option<IpAddr> {
        self.mgmt_ip
    }

    /// The board management type.
    #[must_use]
    pub fn bm_type(&self) -> BmType {
        self.bm_type
    }

    /// The BMC address (only with a provisioned `bm_type`).
    #[must_use]
    pub fn bm_ip(&self) -> Option<IpAddr> {
        self.bm_ip
    }

    /// The BMC user name (only with a provisioned `bm_type`).
    #[must_use]
    pub fn bm_username(&self) -> Option<&str> {
        self.bm_username.as_deref()
    }

    /// The uuid of the auto-discovered host this add updates, if any.
    #[must_use]
    pub fn uuid(&self) -> Option<&str> {
        self.uuid.as_deref()
    }

    /// The pass-through fields.
    #[must_use]
    pub fn extra(&self) -> &PassThrough {
        &self.extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(errors: &[Violation]) -> Vec<(&str, Option<&str>)> {
        errors
            .iter()
            .map(|v| (v.code().as_str(), v.field()))
            .collect()
    }

    #[test]
    fn every_add_field_is_read() {
        let value = json!({
            "hostname": "edge-1", "personality": "edgeworker", "subfunctions": "lowlatency",
            "mgmt_mac": "08:00:27:aa:00:09", "mgmt_ip": null, "bm_type": "none",
            "bm_ip": "10.0.0.1", "bm_username": "root", "bm_password": "secret",
            "serialid": "S1", "location": {"locn": "rack 3"}, "boot_device": "sda",
            "rootfs_device": "sda", "install_output": "text", "console": "ttyS0",
            "ttys_dcd": true, "clock_synchronization": "ntp", "hw_settle": "0",
            "vsc_controllers": "v",
        });
        // `hw_settle` exists from stx.9.0 on (stx10); classic refuses it as unknown.
        let r = HostAddRequest::from_value_under(&value, Profile::Stx10).unwrap();
        assert_eq!(r.extra.hw_settle.as_deref(), Some("0"));
        let classic = HostAddRequest::from_value(&value).unwrap_err();
        assert_eq!(
            codes(&classic),
            [("request.unknown_field", Some("hw_settle"))]
        );
        let r = HostAddRequest::from_value_under(&value, Profile::Stx10).unwrap();
        assert_eq!(r.mgmt_ip, None);
        assert_eq!(r.bm_password.as_deref(), Some("secret"));
        assert_eq!(r.extra.ttys_dcd, Some(true));
        assert_eq!(
            r.extra.location,
            json!({"locn": "rack 3"}).as_object().cloned()
        );
        assert_eq!(r.extra.vsc_controllers.as_deref(), Some("v"));
        assert!(!format!("{r:?}").contains("secret"));
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_named() {
        let value = json!({"hostname": 5, "ttys_dcd": "yes", "location": "x", "recordtype": "u"});
        let errors = HostAddRequest::from_value(&value).unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("request.invalid_type", Some("hostname")),
                ("request.invalid_type", Some("location")),
                ("request.invalid_type", Some("ttys_dcd")),
                ("request.unknown_field", Some("recordtype")),
            ]
        );
        assert_eq!(
            errors[0].message(),
            "Field hostname must be a string, not a number"
        );
        // wsme's UnknownAttribute message.
        assert_eq!(
            errors[3].message(),
            "Unknown attribute for argument host: recordtype"
        );
        let two = HostAddRequest::from_value(&json!({"colour": 1, "size": 2})).unwrap_err();
        assert_eq!(
            two[0].message(),
            "Unknown attributes for argument host: colour, size"
        );
        let not_object = HostAddRequest::from_value(&json!([1])).unwrap_err();
        assert_eq!(
            not_object[0].message(),
            "The request must be an object, not an array"
        );
        assert_eq!(not_object[0].field(), None);
    }

    /// RULES §2: every attribute of sysinv's `Host` API type (stx.5.0 `host.py` `class
    /// Host`) is accepted and dropped, so `host.as_dict()` can be passed unfiltered.
    #[test]
    fn sysinv_host_api_attributes_are_accepted_and_dropped() {
        let value = json!({
            "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09",
            "id": 7, "uuid": "0b3c", "invprovision": "unprovisioned", "administrative": "locked",
            "operational": "disabled", "availability": "offline", "capabilities": {"x": 1},
            "links": [], "ports": null, "uptime": 12, "reboot_needed": false,
            "install_state_info": "", "labels": [{"k": "v"}],
        });
        let request = HostAddRequest::from_value(&value).unwrap();
        assert_eq!(request.hostname.as_deref(), Some("edge-1"));
        assert_eq!(request.extra, PassThrough::default());
        // recordtype is no attribute of the API type: unknown on add, restricted on update.
        assert!(HostAddRequest::from_value(&json!({"recordtype": "standard"})).is_err());
        let c = ChangeSet::from_value(&json!({"recordtype": "standard", "id": 3})).unwrap();
        assert_eq!(c.restricted, ["recordtype"]);
    }

    #[test]
    fn change_set_keeps_restricted_fields_for_the_rules() {
        let c = ChangeSet::from_json(
            r#"{"mgmt_ip": "10.0.0.9", "availability": "online", "location": {}}"#,
        )
        .unwrap();
        assert_eq!(c.restricted, ["mgmt_ip", "availability"]);
        assert_eq!(c.extra.location, Some(Map::new()));
    }

    #[test]
    fn duplicates_with_equal_values_are_fine() {
        let c = ChangeSet::from_json(r#"{"hostname": "a", "hostname": "a"}"#).unwrap();
        assert_eq!(c.hostname.as_deref(), Some("a"));
        let Err(ChangeSetError::Invalid(errors)) = ChangeSet::from_json(
            r#"{"hostname": "a", "hostname": "b", "hostname": "c", "bogus": 1, "bogus": 2}"#,
        ) else {
            panic!("duplicates must be refused")
        };
        assert_eq!(
            codes(&errors),
            [("request.duplicate_field", Some("hostname"))]
        );
        assert_eq!(errors[0].message(), "Illegal duplicate parameters passed.");
    }

    #[test]
    fn change_set_text_errors() {
        assert!(matches!(
            ChangeSet::from_json("{"),
            Err(ChangeSetError::Json(_))
        ));
        let Err(ChangeSetError::Invalid(errors)) = ChangeSet::from_json("[]") else {
            panic!("an array is not a change set")
        };
        assert_eq!(codes(&errors), [("request.invalid_type", None)]);
    }

    /// sysinv host.py `_update_subfunctions`: a value that holds the personality is kept as
    /// given (duplicates dropped: ours); one without it gets the personality first.
    #[test]
    fn sysinv_update_subfunctions_keeps_a_value_with_the_personality() {
        let p = Personality::Edgeworker;
        for (given, kept) in [
            ("lowlatency,edgeworker", "lowlatency,edgeworker"),
            ("lowlatency,edgeworker,lowlatency", "lowlatency,edgeworker"),
            ("edgeworker,lowlatency", "edgeworker,lowlatency"),
            ("edgeworker,lowlatency,edgeworker", "edgeworker,lowlatency"),
            ("lowlatency,lowlatency", "edgeworker,lowlatency"),
            ("lowlatency", "edgeworker,lowlatency"),
        ] {
            assert_eq!(
                Subfunctions::parse(p, Some(given)).unwrap().to_string(),
                kept,
                "{given}"
            );
        }
        assert_eq!(
            Subfunctions::parse(p, Some("")).unwrap().to_string(),
            "edgeworker"
        );
        assert_eq!(
            Subfunctions::parse(p, Some("worker,,worker")),
            Err(vec!["worker".to_owned(), String::new()])
        );
        let kept: Subfunctions = serde_json::from_str("\"lowlatency,edgeworker\"").unwrap();
        assert_eq!(kept.to_string(), "lowlatency,edgeworker");
        let s: Subfunctions = serde_json::from_str("\"worker,lowlatency\"").unwrap();
        assert_eq!(
            s,
            Subfunctions::parse(Personality::Worker, Some("lowlatency")).unwrap()
        );
        assert!(serde_json::from_str::<Subfunctions>("\"controller,worker\"").is_err());
    }
}
