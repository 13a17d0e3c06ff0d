//! The plan's inputs, parsed from JSON values: the controller facts and the nodes.
//!
//! Every field is validated before a plan exists; the first problem found is returned,
//! naming the node and the field, and nothing is produced half-way.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value;

use super::error::{PlanError, Problem, Subject};
use super::fields::Fields;
use super::os::{Arch, OsRelease, find_os, supported_list};
use super::values::{
    AbsolutePath, CaCertHash, Endpoint, JoinToken, LabelKey, LabelValue, NoProxyEntry, ProxyUrl,
    Registry, ServerName, SourceUrl, SshUser,
};
use super::version::KubeVersion;
use crate::hostname::Hostname;
use crate::mac::MacAddress;

/// The registry StarlingX controllers serve their images from.
pub const DEFAULT_REGISTRY: &str = "registry.local:9001";
/// The Python interpreter assumed on a node when none is given.
pub const DEFAULT_PYTHON: &str = "/usr/bin/python3";
/// Minutes after which a provisioning lock counts as stale, and the join token's lifetime,
/// when the controller facts do not say.
pub const DEFAULT_RUN_TIMEOUT_MINUTES: u32 = 60;

/// How a node's management interface gets its address.
///
/// StarlingX reserved an edgeworker's management address in its DHCP server until stx.8.0;
/// from stx.9.0 on it does not (the DHCP of `profile` `stx10`), so there the plan must
/// configure the address on the node itself.
///
/// ```
/// use edgeworker_core::plan::MgmtAddressing;
/// assert_eq!(MgmtAddressing::parse("static"), Some(MgmtAddressing::Static));
/// assert_eq!(MgmtAddressing::default(), MgmtAddressing::Dhcp);
/// assert_eq!(MgmtAddressing::parse("manual"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MgmtAddressing {
    /// By DHCP, from the controller's reservation (classic releases).
    #[default]
    Dhcp,
    /// Written into the node's network configuration: the planned address and prefix, the
    /// controller's gateway and DNS servers.
    Static,
}

impl MgmtAddressing {
    /// The spelling in the controller JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dhcp => "dhcp",
            Self::Static => "static",
        }
    }

    /// Reads the controller JSON's spelling.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Dhcp, Self::Static]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// Proxy settings for package managers and the container runtime.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Proxy {
    /// `http_proxy`.
    pub http: Option<ProxyUrl>,
    /// `https_proxy`.
    pub https: Option<ProxyUrl>,
    /// `no_proxy` entries, joined with commas wherever a process reads them.
    pub no_proxy: Vec<NoProxyEntry>,
}

impl Proxy {
    /// True when an HTTP or HTTPS proxy is set (`no_proxy` alone changes nothing).
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// `no_proxy` as processes read it.
    #[must_use]
    pub fn no_proxy_joined(&self) -> String {
        self.no_proxy
            .iter()
            .map(NoProxyEntry::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Where a repository's signing key comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SourceKey {
    /// Fetched by the node from this URL (through the proxy, when one is set).
    Url(SourceUrl),
    /// A file on the controller, copied to the node (air-gapped sites).
    File(AbsolutePath),
}

/// One package repository: its URL and its signing key, with `{minor}` already replaced by
/// the control plane's minor (`v1.29`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageSource {
    /// The repository's base URL.
    pub url: SourceUrl,
    /// Its signing key.
    pub key: SourceKey,
}

/// Local mirrors replacing the upstream repositories (`package_sources`); `None` keeps the
/// upstream repository of `PROVISIONING.md` §2.
///
/// ```
/// use edgeworker_core::plan::{Controller, SourceKey};
/// use serde_json::json;
///
/// let c = Controller::from_value(json!({
///     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
///     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
///     "package_sources": {"kubernetes_deb": {
///         "url": "http://mirror.local/k8s/{minor}/deb/", "key": "/etc/mirror/k8s-{minor}.asc"}},
/// }))?;
/// let deb = c.package_sources().kubernetes_deb.as_ref().unwrap();
/// assert_eq!(deb.url.as_str(), "http://mirror.local/k8s/v1.29/deb/");
/// assert!(matches!(&deb.key, SourceKey::File(p) if p.as_str() == "/etc/mirror/k8s-v1.29.asc"));
/// assert!(c.package_sources().containerd_rpm.is_none());
/// # Ok::<(), edgeworker_core::plan::PlanError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PackageSources {
    /// kubelet and kubeadm for apt.
    pub kubernetes_deb: Option<PackageSource>,
    /// kubelet and kubeadm for yum/dnf.
    pub kubernetes_rpm: Option<PackageSource>,
    /// `containerd.io` for yum/dnf (the Docker repository upstream).
    pub containerd_rpm: Option<PackageSource>,
}

/// How many nodes an upgrade takes out of service at once (`max_unavailable`): a count, or a
/// percentage of the nodes being upgraded (Ansible's `serial`). Default: one node.
///
/// ```
/// use edgeworker_core::plan::MaxUnavailable;
/// assert_eq!(MaxUnavailable::default(), MaxUnavailable::Count(1));
/// assert_eq!(MaxUnavailable::parse_text("25%"), Some(MaxUnavailable::Percent(25)));
/// assert_eq!(MaxUnavailable::parse_text("0%"), None);
/// assert_eq!(MaxUnavailable::Percent(25).to_string(), "25%");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUnavailable {
    /// At most this many nodes (1 or more).
    Count(u32),
    /// At most this percentage of the nodes (1 to 100), rounded down by Ansible, at least one.
    Percent(u8),
}

impl Default for MaxUnavailable {
    fn default() -> Self {
        Self::Count(1)
    }
}

impl MaxUnavailable {
    /// The largest count accepted (a fleet larger than this upgrades by percentage).
    pub const MAX_COUNT: u32 = 100_000;

    /// Parses `"25%"` (1–100) or a count written as text (`"3"`); `None` for anything else.
    #[must_use]
    pub fn parse_text(text: &str) -> Option<Self> {
        let digits =
            |t: &str| !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit());
        if let Some(number) = text.strip_suffix('%') {
            let percent: u8 = number.parse().ok().filter(|_| digits(number))?;
            return (1..=100)
                .contains(&percent)
                .then_some(Self::Percent(percent));
        }
        let count: u32 = text.parse().ok().filter(|_| digits(text))?;
        (1..=Self::MAX_COUNT)
            .contains(&count)
            .then_some(Self::Count(count))
    }
}

impl std::fmt::Display for MaxUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for MaxUnavailable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Count(n) => serializer.serialize_u32(*n),
            Self::Percent(_) => serializer.collect_str(self),
        }
    }
}

/// Where the node's join credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Join {
    /// Created on the controller at run time with a short TTL, deleted in cleanup.
    Create,
    /// Given by the operator. The token reaches the playbook at run time through
    /// [`JOIN_TOKEN_ENV`](super::JOIN_TOKEN_ENV), never through a rendered file.
    Given {
        /// The bootstrap token.
        token: JoinToken,
        /// The CA public-key hash.
        ca_cert_hash: CaCertHash,
    },
}

/// The controller facts, validated.
///
/// ```
/// use edgeworker_core::plan::Controller;
/// use serde_json::json;
///
/// let c = Controller::from_value(json!({
///     "kubernetes_version": "v1.29.2",
///     "apiserver": "192.168.204.2:6443",
///     "mgmt_floating_address": "192.168.204.2",
///     "mgmt_subnet": "192.168.204.0/24",
/// }))?;
/// assert_eq!(c.kubernetes_version().to_string(), "1.29.2");
/// assert_eq!(c.registry().as_str(), "registry.local:9001");
/// assert_eq!(c.ntp_servers()[0].as_str(), "192.168.204.2");
/// # Ok::<(), edgeworker_core::plan::PlanError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    kubernetes_version: KubeVersion,
    apiserver: Endpoint,
    mgmt_floating_address: IpAddr,
    mgmt_subnet: IpNet,
    mgmt_addressing: MgmtAddressing,
    mgmt_gateway: Option<IpAddr>,
    dns_servers: Vec<IpAddr>,
    ntp_servers: Vec<ServerName>,
    registry: Registry,
    registry_ca_cert: AbsolutePath,
    proxy: Proxy,
    package_sources: PackageSources,
    /// `package_sources` as given, with `{minor}` still in it: an upgrade points the
    /// repositories at every minor on its way.
    package_sources_given: Option<Value>,
    join: Join,
    run_timeout_minutes: u32,
    max_unavailable: MaxUnavailable,
}

impl Controller {
    /// Parses the controller facts from JSON.
    ///
    /// # Errors
    ///
    /// The first invalid field, as a [`PlanError`] about [`Subject::Controller`].
    pub fn from_value(value: Value) -> Result<Self, PlanError> {
        let mut f = Fields::new(Subject::Controller, "", value)?;
        let kubernetes_version = parse_version(&mut f, "kubernetes_version")?
            .ok_or_else(|| f.error("kubernetes_version", Problem::Missing))?;
        let apiserver = parse_with(&mut f, "apiserver", Endpoint::parse)?;
        let mgmt_subnet_text = f.string("mgmt_subnet")?;
        let mgmt_subnet: IpNet = mgmt_subnet_text.parse().map_err(|_| {
            f.error(
                "mgmt_subnet",
                address_problem(&mgmt_subnet_text, "is not a subnet like 192.168.204.0/24"),
            )
        })?;
        let floating_text = f.string("mgmt_floating_address")?;
        let mgmt_floating_address =
            parse_member_ip(&f, "mgmt_floating_address", &floating_text, mgmt_subnet)?;
        let (mgmt_addressing, mgmt_gateway) = parse_addressing(&mut f, mgmt_subnet)?;
        let dns_servers = f
            .strings("dns_servers")?
            .into_iter()
            .map(|s| {
                s.parse::<IpAddr>().map_err(|_| {
                    f.error("dns_servers", address_problem(&s, "is not an IP address"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ntp_servers = f
            .strings("ntp_servers")?
            .iter()
            .map(|s| ServerName::parse(s).map_err(|p| f.error("ntp_servers", p)))
            .collect::<Result<Vec<_>, _>>()?;
        let registry = match f.optional_string("registry")? {
            Some(s) => Registry::parse(&s).map_err(|p| f.error("registry", p))?,
            None => Registry::parse(DEFAULT_REGISTRY).map_err(|p| f.error("registry", p))?,
        };
        let registry_ca_cert = match f.optional_string("registry_ca_cert")? {
            Some(s) => AbsolutePath::parse(&s).map_err(|p| f.error("registry_ca_cert", p))?,
            None => {
                AbsolutePath::parse(&format!("/etc/docker/certs.d/{registry}/registry-cert.crt"))
                    .map_err(|p| f.error("registry_ca_cert", p))?
            }
        };
        let proxy = match f.optional("proxy") {
            Some(v) => parse_proxy(Fields::new(Subject::Controller, "proxy", v)?)?,
            None => Proxy::default(),
        };
        let minor = kubernetes_version.minor_series();
        let package_sources_given = f.optional("package_sources");
        let package_sources = match &package_sources_given {
            Some(v) => parse_package_sources(
                Fields::new(Subject::Controller, "package_sources", v.clone())?,
                &minor,
            )?,
            None => PackageSources::default(),
        };
        let join = match f.optional("join") {
            Some(v) => parse_join(Fields::new(Subject::Controller, "join", v)?)?,
            None => Join::Create,
        };
        let run_timeout_minutes = f
            .optional_u32("run_timeout_minutes", 5, 24 * 60)?
            .unwrap_or(DEFAULT_RUN_TIMEOUT_MINUTES);
        let max_unavailable = parse_max_unavailable(&mut f)?;
        f.finish()?;
        let floating_server = || {
            ServerName::parse(&mgmt_floating_address.to_string())
                .map_err(|p| PlanError::new(Subject::Controller, "ntp_servers", p))
        };
        Ok(Self {
            kubernetes_version,
            apiserver,
            mgmt_floating_address,
            mgmt_subnet,
            mgmt_addressing,
            mgmt_gateway,
            dns_servers: if dns_servers.is_empty() {
                vec![mgmt_floating_address]
            } else {
                dns_servers
            },
            ntp_servers: if ntp_servers.is_empty() {
                vec![floating_server()?]
            } else {
                ntp_servers
            },
            registry,
            registry_ca_cert,
            proxy,
            package_sources,
            package_sources_given,
            join,
            run_timeout_minutes,
            max_unavailable,
        })
    }

    /// The control plane's Kubernetes version.
    #[must_use]
    pub fn kubernetes_version(&self) -> &KubeVersion {
        &self.kubernetes_version
    }

    /// The API server endpoint nodes join.
    #[must_use]
    pub fn apiserver(&self) -> &Endpoint {
        &self.apiserver
    }

    /// The management floating address (DNS and NTP default to it).
    #[must_use]
    pub fn mgmt_floating_address(&self) -> IpAddr {
        self.mgmt_floating_address
    }

    /// The management subnet every node's address is in.
    #[must_use]
    pub fn mgmt_subnet(&self) -> IpNet {
        self.mgmt_subnet
    }

    /// How the nodes' management interfaces get their addresses.
    #[must_use]
    pub fn mgmt_addressing(&self) -> MgmtAddressing {
        self.mgmt_addressing
    }

    /// The management network's gateway, written into a static configuration (none: the
    /// nodes reach only their subnet through the management interface).
    #[must_use]
    pub fn mgmt_gateway(&self) -> Option<IpAddr> {
        self.mgmt_gateway
    }

    /// DNS servers for the nodes (default: the floating address).
    #[must_use]
    pub fn dns_servers(&self) -> &[IpAddr] {
        &self.dns_servers
    }

    /// NTP servers for the nodes (default: the floating address).
    #[must_use]
    pub fn ntp_servers(&self) -> &[ServerName] {
        &self.ntp_servers
    }

    /// The local registry.
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry's CA certificate on the controller.
    #[must_use]
    pub fn registry_ca_cert(&self) -> &AbsolutePath {
        &self.registry_ca_cert
    }

    /// Proxy settings.
    #[must_use]
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    /// Local mirrors of the package repositories (absent members: upstream).
    #[must_use]
    pub fn package_sources(&self) -> &PackageSources {
        &self.package_sources
    }

    /// The package sources with `{minor}` standing for `version`'s minor (`v1.30`) instead of
    /// the control plane's: where an upgrade finds the packages of each minor on its way.
    ///
    /// # Errors
    ///
    /// A source that is valid for the control plane's minor but not for this one (the
    /// replaced text is checked again).
    ///
    /// ```
    /// use edgeworker_core::plan::{Controller, KubeVersion};
    /// use serde_json::json;
    ///
    /// let c = Controller::from_value(json!({
    ///     "kubernetes_version": "1.30.1", "apiserver": "192.168.204.2:6443",
    ///     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
    ///     "package_sources": {"kubernetes_deb": {
    ///         "url": "http://mirror.local/k8s/{minor}/deb/", "key": "/etc/mirror/k8s.asc"}},
    /// }))?;
    /// let sources = c.package_sources_for(&KubeVersion::new(1, 29, 0))?;
    /// let deb = sources.kubernetes_deb.unwrap();
    /// assert_eq!(deb.url.as_str(), "http://mirror.local/k8s/v1.29/deb/");
    /// # Ok::<(), edgeworker_core::plan::PlanError>(())
    /// ```
    pub fn package_sources_for(&self, version: &KubeVersion) -> Result<PackageSources, PlanError> {
        match &self.package_sources_given {
            Some(v) => parse_package_sources(
                Fields::new(Subject::Controller, "package_sources", v.clone())?,
                &version.minor_series(),
            ),
            None => Ok(PackageSources::default()),
        }
    }

    /// How many nodes an upgrade takes out of service at once.
    #[must_use]
    pub fn max_unavailable(&self) -> MaxUnavailable {
        self.max_unavailable
    }

    /// Where the join credentials come from.
    #[must_use]
    pub fn join(&self) -> &Join {
        &self.join
    }

    /// Minutes after which a lock is stale; also the created join token's lifetime.
    #[must_use]
    pub fn run_timeout_minutes(&self) -> u32 {
        self.run_timeout_minutes
    }
}

/// One edgeworker node, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    hostname: Hostname,
    mgmt_ip: IpAddr,
    mgmt_mac: MacAddress,
    os: &'static OsRelease,
    arch: Arch,
    ssh_user: SshUser,
    python: AbsolutePath,
    labels: BTreeMap<LabelKey, LabelValue>,
    kubelet_version: Option<KubeVersion>,
}

impl Node {
    /// Parses the node at `index` of the nodes array.
    ///
    /// # Errors
    ///
    /// The first invalid field, naming the node by hostname (when readable) and index.
    ///
    /// ```
    /// use edgeworker_core::plan::Node;
    /// use serde_json::json;
    ///
    /// let node = Node::from_value(0, json!({
    ///     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
    ///     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "x86_64", "ssh_user": "sysadmin",
    /// }))?;
    /// assert_eq!(node.arch().as_str(), "amd64");
    /// let err = Node::from_value(3, json!({"hostname": "edge_1"})).unwrap_err();
    /// assert_eq!((err.node().as_deref(), err.field()), (Some("nodes[3]"), "hostname"));
    /// # Ok::<(), edgeworker_core::plan::PlanError>(())
    /// ```
    pub fn from_value(index: usize, value: Value) -> Result<Self, PlanError> {
        let subject = Subject::Node {
            index,
            hostname: None,
        };
        let mut f = Fields::new(subject, "", value)?;
        let hostname_text = f.string("hostname")?;
        let hostname = parse_hostname(&hostname_text).map_err(|p| f.error("hostname", p))?;
        f.set_hostname(hostname.as_str());
        let mgmt_ip_text = f.string("mgmt_ip")?;
        let mgmt_ip = mgmt_ip_text.parse::<IpAddr>().map_err(|_| {
            f.error(
                "mgmt_ip",
                address_problem(&mgmt_ip_text, "is not an IP address"),
            )
        })?;
        let mac_text = f.string("mgmt_mac")?;
        let mgmt_mac = MacAddress::parse(&mac_text).map_err(|_| {
            f.error(
                "mgmt_mac",
                Problem::Mac {
                    value: mac_text.clone(),
                },
            )
        })?;
        let os_value = f.required("os")?;
        let mut os_fields = f.nested("os", os_value)?;
        let os_id = os_fields.string("id")?;
        let os_version = os_fields.string("version")?;
        os_fields.finish()?;
        let os = find_os(&os_id, &os_version).ok_or_else(|| {
            f.error(
                "os",
                Problem::UnsupportedOs {
                    id: os_id.clone(),
                    version: os_version.clone(),
                    supported: supported_list(),
                },
            )
        })?;
        let arch_text = f.string("arch")?;
        let arch = Arch::parse(&arch_text).ok_or_else(|| {
            f.error(
                "arch",
                Problem::UnsupportedArch {
                    value: arch_text.clone(),
                },
            )
        })?;
        // Input strings move into the values: 10,000 nodes would otherwise copy and free
        // each of them.
        let ssh_user =
            SshUser::from_text(f.string("ssh_user")?).map_err(|p| f.error("ssh_user", p))?;
        let python = match f.optional_string("python")? {
            Some(s) => AbsolutePath::program_from_text(s).map_err(|p| f.error("python", p))?,
            None => AbsolutePath::DEFAULT_PYTHON,
        };
        let labels = match f.optional("labels") {
            Some(v) => parse_labels(&f, v)?,
            None => BTreeMap::new(),
        };
        let kubelet_version = parse_version(&mut f, "kubelet_version")?;
        f.finish()?;
        Ok(Self {
            hostname,
            mgmt_ip,
            mgmt_mac,
            os,
            arch,
            ssh_user,
            python,
            labels,
            kubelet_version,
        })
    }

    /// The hostname: also the Kubernetes node name and the inventory name.
    #[must_use]
    pub fn hostname(&self) -> &Hostname {
        &self.hostname
    }

    /// The management address.
    #[must_use]
    pub fn mgmt_ip(&self) -> IpAddr {
        self.mgmt_ip
    }

    /// The management interface's MAC address.
    #[must_use]
    pub fn mgmt_mac(&self) -> MacAddress {
        self.mgmt_mac
    }

    /// The operating system release.
    #[must_use]
    pub fn os(&self) -> &'static OsRelease {
        self.os
    }

    /// The CPU architecture.
    #[must_use]
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// The SSH user Ansible connects as.
    #[must_use]
    pub fn ssh_user(&self) -> &SshUser {
        &self.ssh_user
    }

    /// The node's Python interpreter, for Ansible.
    #[must_use]
    pub fn python(&self) -> &AbsolutePath {
        &self.python
    }

    /// The node labels to apply.
    #[must_use]
    pub fn labels(&self) -> &BTreeMap<LabelKey, LabelValue> {
        &self.labels
    }

    /// The kubelet version already installed, if any.
    #[must_use]
    pub fn kubelet_version(&self) -> Option<&KubeVersion> {
        self.kubelet_version.as_ref()
    }
}

/// Parses the nodes array: at least one node, hostnames, addresses and MACs unique.
///
/// # Errors
///
/// The first invalid node field, or a duplicate naming both nodes.
///
/// ```
/// use edgeworker_core::plan::parse_nodes;
/// use serde_json::json;
/// let err = parse_nodes(json!([])).unwrap_err();
/// assert_eq!(err.code(), "plan.no_nodes");
/// ```
pub fn parse_nodes(value: Value) -> Result<Vec<Node>, PlanError> {
    let Value::Array(items) = value else {
        return Err(PlanError::new(
            Subject::Nodes,
            ".",
            Problem::WrongType {
                expected: "an array of node objects",
            },
        ));
    };
    if items.is_empty() {
        return Err(PlanError::new(Subject::Nodes, ".", Problem::NoNodes));
    }
    let mut nodes = Vec::with_capacity(items.len());
    let mut invalid = None;
    for (index, item) in items.into_iter().enumerate() {
        match Node::from_value(index, item) {
            Ok(node) => nodes.push(node),
            Err(error) => {
                invalid = Some(error);
                break;
            }
        }
    }
    finish_nodes(nodes, invalid)
}

/// The nodes read before the first invalid one (if any), checked for duplicates: the end
/// of [`parse_nodes`] and of [`super::read_nodes`], which must answer alike.
pub(crate) fn finish_nodes(
    nodes: Vec<Node>,
    invalid: Option<PlanError>,
) -> Result<Vec<Node>, PlanError> {
    // A duplicate among the nodes before the invalid one comes first in the input, so it is
    // the first problem; checking after parsing lets the names be borrowed, not copied.
    check_unique(&nodes)?;
    match invalid {
        Some(error) => Err(error),
        None => Ok(nodes),
    }
}

/// Hostnames, addresses and MACs are unique: the first node repeating one is refused,
/// naming the earlier node.
fn check_unique(nodes: &[Node]) -> Result<(), PlanError> {
    let mut names: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    let mut ips: HashMap<IpAddr, usize> = HashMap::with_capacity(nodes.len());
    let mut macs: HashMap<[u8; 6], usize> = HashMap::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let duplicate = |field: &str, value: String, other: usize| {
            PlanError::new(
                Subject::Node {
                    index,
                    hostname: Some(node.hostname.to_string()),
                },
                field,
                Problem::Duplicate { value, other },
            )
        };
        if let Some(other) = names.insert(node.hostname.as_str(), index) {
            return Err(duplicate("hostname", node.hostname.to_string(), other));
        }
        // One interface, one address: compared as addresses and octets, whatever the spelling.
        if let Some(other) = ips.insert(node.mgmt_ip, index) {
            return Err(duplicate("mgmt_ip", node.mgmt_ip.to_string(), other));
        }
        if let Some(other) = macs.insert(node.mgmt_mac.octets(), index) {
            return Err(duplicate("mgmt_mac", node.mgmt_mac.to_string(), other));
        }
    }
    Ok(())
}

/// Checks that every node's address is in the controller's management subnet.
pub(crate) fn check_nodes_in_subnet(
    controller: &Controller,
    nodes: &[Node],
) -> Result<(), PlanError> {
    for (index, node) in nodes.iter().enumerate() {
        if let Err(problem) = member_problem(node.mgmt_ip, controller.mgmt_subnet) {
            return Err(PlanError::new(
                Subject::Node {
                    index,
                    hostname: Some(node.hostname.to_string()),
                },
                "mgmt_ip",
                problem,
            ));
        }
    }
    Ok(())
}

fn address_problem(value: &str, reason: &str) -> Problem {
    Problem::Address {
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn member_problem(ip: IpAddr, subnet: IpNet) -> Result<(), Problem> {
    if subnet.contains(&ip) {
        Ok(())
    } else {
        let family = if ip.is_ipv4() == subnet.addr().is_ipv4() {
            "outside"
        } else {
            "of another family than"
        };
        Err(Problem::Address {
            value: ip.to_string(),
            reason: format!("is {family} the management subnet {subnet}"),
        })
    }
}

/// `mgmt_addressing` and `mgmt_gateway`: a gateway only where it is used (static), and in
/// the management subnet.
fn parse_addressing(
    f: &mut Fields,
    mgmt_subnet: IpNet,
) -> Result<(MgmtAddressing, Option<IpAddr>), PlanError> {
    let mgmt_addressing = match f.optional_string("mgmt_addressing")? {
        Some(text) => MgmtAddressing::parse(&text).ok_or_else(|| {
            f.error(
                "mgmt_addressing",
                Problem::Choice {
                    value: text,
                    allowed: "\"dhcp\" or \"static\"",
                },
            )
        })?,
        None => MgmtAddressing::default(),
    };
    let mgmt_gateway = f
        .optional_string("mgmt_gateway")?
        .map(|text| parse_member_ip(f, "mgmt_gateway", &text, mgmt_subnet))
        .transpose()?;
    if mgmt_gateway.is_some() && mgmt_addressing == MgmtAddressing::Dhcp {
        // DHCP hands out the gateway; one given here would silently do nothing.
        return Err(f.error(
                "mgmt_gateway",
                Problem::Unused {
                    reason: "is only used with \"mgmt_addressing\": \"static\" (DHCP gives the gateway)",
                },
            ));
    }
    Ok((mgmt_addressing, mgmt_gateway))
}

fn parse_member_ip(f: &Fields, name: &str, text: &str, subnet: IpNet) -> Result<IpAddr, PlanError> {
    let ip = text
        .parse::<IpAddr>()
        .map_err(|_| f.error(name, address_problem(text, "is not an IP address")))?;
    member_problem(ip, subnet).map_err(|p| f.error(name, p))?;
    Ok(ip)
}

fn parse_with<T>(
    f: &mut Fields,
    name: &str,
    parse: impl Fn(&str) -> Result<T, Problem>,
) -> Result<T, PlanError> {
    let text = f.string(name)?;
    parse(&text).map_err(|p| f.error(name, p))
}

fn parse_version(f: &mut Fields, name: &str) -> Result<Option<KubeVersion>, PlanError> {
    f.optional_string(name)?
        .map(|s| {
            KubeVersion::parse(&s)
                .ok_or_else(|| f.error(name, Problem::Version { value: s.clone() }))
        })
        .transpose()
}

/// The host rules (sysinv's alphabet) plus Kubernetes' node-name rule.
fn parse_hostname(text: &str) -> Result<Hostname, Problem> {
    let refuse = |reason: String| Problem::Hostname {
        value: text.to_owned(),
        reason,
    };
    let hostname = Hostname::parse(text).map_err(|e| refuse(e.to_string()))?;
    match hostname.dns_incompatibility() {
        Some(reason) => Err(refuse(format!(
            "it must be a Kubernetes node name, and {reason}"
        ))),
        None => Ok(hostname),
    }
}

fn parse_proxy(mut f: Fields) -> Result<Proxy, PlanError> {
    let url = |f: &mut Fields, name: &str| -> Result<Option<ProxyUrl>, PlanError> {
        f.optional_string(name)?
            .map(|s| ProxyUrl::parse(&s).map_err(|p| f.error(name, p)))
            .transpose()
    };
    let http = url(&mut f, "http")?;
    let https = url(&mut f, "https")?;
    let no_proxy = f
        .strings("no_proxy")?
        .iter()
        .map(|s| NoProxyEntry::parse(s).map_err(|p| f.error("no_proxy", p)))
        .collect::<Result<Vec<_>, _>>()?;
    f.finish()?;
    Ok(Proxy {
        http,
        https,
        no_proxy,
    })
}

/// The placeholder of `package_sources` URLs and keys for the minor (`v1.29`).
const MINOR_PLACEHOLDER: &str = "{minor}";

fn parse_package_sources(mut f: Fields, minor: &str) -> Result<PackageSources, PlanError> {
    // `{minor}` becomes `v1.29` before validation: our own text neither adds nor removes
    // anything the checks refuse, and an error still quotes the value as given.
    let as_given = |problem: Problem, given: &str| match problem {
        Problem::PackageSource { reason, .. } => Problem::PackageSource {
            value: given.to_owned(),
            reason,
        },
        Problem::Path { extra, .. } => Problem::Path {
            value: given.to_owned(),
            extra,
        },
        other => other,
    };
    let mut source = |name: &'static str, path: &'static str| -> Result<_, PlanError> {
        let Some(value) = f.optional(name) else {
            return Ok(None);
        };
        let mut s = f.nested(path, value)?;
        let url_text = s.string("url")?;
        let url = SourceUrl::parse(&url_text.replace(MINOR_PLACEHOLDER, minor))
            .map_err(|p| s.error("url", as_given(p, &url_text)))?;
        let key_text = s.string("key")?;
        let key_value = key_text.replace(MINOR_PLACEHOLDER, minor);
        let key = if key_text.starts_with('/') {
            AbsolutePath::parse(&key_value).map(SourceKey::File)
        } else {
            SourceUrl::parse(&key_value)
                .map(SourceKey::Url)
                .map_err(|p| match p {
                    Problem::PackageSource { value, .. } => Problem::PackageSource {
                        value,
                        reason: "a key is an http:// or https:// URL, or an absolute path of a file on the controller",
                    },
                    other => other,
                })
        }
        .map_err(|p| s.error("key", as_given(p, &key_text)))?;
        s.finish()?;
        Ok(Some(PackageSource { url, key }))
    };
    let kubernetes_deb = source("kubernetes_deb", "package_sources.kubernetes_deb")?;
    let kubernetes_rpm = source("kubernetes_rpm", "package_sources.kubernetes_rpm")?;
    let containerd_rpm = source("containerd_rpm", "package_sources.containerd_rpm")?;
    f.finish()?;
    Ok(PackageSources {
        kubernetes_deb,
        kubernetes_rpm,
        containerd_rpm,
    })
}

fn parse_max_unavailable(f: &mut Fields) -> Result<MaxUnavailable, PlanError> {
    let Some(value) = f.optional("max_unavailable") else {
        return Ok(MaxUnavailable::default());
    };
    let parsed = match &value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=MaxUnavailable::MAX_COUNT).contains(n))
            .map(MaxUnavailable::Count),
        Value::String(s) => MaxUnavailable::parse_text(s),
        _ => None,
    };
    parsed.ok_or_else(|| {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        f.error("max_unavailable", Problem::MaxUnavailable { value: text })
    })
}

fn parse_join(mut f: Fields) -> Result<Join, PlanError> {
    let token = parse_with(&mut f, "token", JoinToken::parse)?;
    let ca_cert_hash = parse_with(&mut f, "ca_cert_hash", CaCertHash::parse)?;
    f.finish()?;
    Ok(Join::Given {
        token,
        ca_cert_hash,
    })
}

fn parse_labels(f: &Fields, value: Value) -> Result<BTreeMap<LabelKey, LabelValue>, PlanError> {
    let Value::Object(map) = value else {
        return Err(f.error(
            "labels",
            Problem::WrongType {
                expected: "an object of strings",
            },
        ));
    };
    map.into_iter()
        .map(|(key, value)| {
            // The field's name is only spelled out for an error.
            let error = |p| f.error(&format!("labels.{key}"), p);
            let label_key = LabelKey::parse(&key).map_err(error)?;
            let Value::String(value) = value else {
                return Err(error(Problem::WrongType {
                    expected: "a string",
                }));
            };
            let value = LabelValue::from_text(value).map_err(error)?;
            Ok((label_key, value))
        })
        .collect()
}
