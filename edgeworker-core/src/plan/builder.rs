//! The step builders: one function per step of `PROVISIONING.md` §3.
//!
//! Builders read [`Facts`]: strings that are either the node's and controller's real values
//! (the concrete plan, for JSON, text and callers) or references to Ansible variables that
//! carry those values (the playbook, see `render::ansible`). One builder serves both, so the
//! playbook runs exactly the steps the plan shows.

use super::JOIN_TOKEN_ENV;
use super::address_text;
use crate::mac::{MacAddress, Separator};
use std::fmt::Write as _;

use super::input::{Controller, Join, MgmtAddressing, Node, PackageSource, SourceKey};
use super::os::{Arch, ContainerdSource, OsFamily, OsProfile, OsRelease, PackageManager};
use super::step::{
    Action, Check, Guard, Handler, KernelModule, KeyOrigin, NetworkManager, ServiceState, Step,
    StepId, TokenSource,
};
use super::version::KubeVersion;

/// The lock directory on the controller (created atomically with `mkdir`).
pub const LOCK_DIR: &str = "/run/edgeworker-provision.lock";
/// Where the controller stages files for the nodes during a run.
pub const STAGE_DIR: &str = "/run/edgeworker-provision";
/// A joined node's kubelet kubeconfig; its presence skips the join.
pub const KUBELET_CONF: &str = "/etc/kubernetes/kubelet.conf";
/// The cluster CA certificate on the controller.
pub const CLUSTER_CA: &str = "/etc/kubernetes/pki/ca.crt";
/// The worker images pre-pulled on each node.
pub const WORKER_IMAGES: [&str; 3] = ["pause", "kube-proxy", "coredns"];
/// Resources below which preflight warns (kubeadm's own minimums for a node).
const MIN_CPUS: u32 = 2;
const MIN_MEMORY_MIB: u32 = 1700;

const STAGED_CONTAINERD_CONFIG: &str = "/run/edgeworker-provision/containerd-config.toml";
const STAGED_REGISTRY_CA: &str = "/run/edgeworker-provision/registry-ca.crt";
const STAGED_KUBERNETES_DEB_KEY: &str = "/run/edgeworker-provision/kubernetes-deb.key";
const STAGED_KUBERNETES_RPM_KEY: &str = "/run/edgeworker-provision/kubernetes-rpm.key";
const STAGED_CONTAINERD_RPM_KEY: &str = "/run/edgeworker-provision/containerd-rpm.key";
/// Where the playbook waits for a joined node to be Ready: 30 tries, 10 s apart.
const READY_RETRIES: u32 = 30;
const READY_DELAY_SECONDS: u32 = 10;
const HEADER: &str = "# Managed by edgeworker provisioning";
/// The management interface's systemd-networkd file (sorts before netplan's `10-netplan-*`).
pub(crate) const NETWORKD_FILE: &str = "/etc/systemd/network/10-edgeworker-mgmt.network";
/// The management interface's `NetworkManager` connection.
pub(crate) const NM_CONNECTION: &str = "edgeworker-mgmt";
const NM_CONNECTION_FILE: &str =
    "/etc/NetworkManager/system-connections/edgeworker-mgmt.nmconnection";
const DHCLIENT_HOOK: &str = "/etc/dhcp/dhclient-enter-hooks.d/edgeworker-dns";
/// The management interface's ifupdown stanza (static addressing; stock Debian sources
/// `/etc/network/interfaces.d/*`).
pub(crate) const IFUPDOWN_STANZA: &str = "/etc/network/interfaces.d/edgeworker-mgmt";
/// The run-time fact naming the management interface, found by its MAC address.
pub(crate) const MGMT_IFACE_FACT: &str = "edgeworker_mgmt_iface";
const CONTAINERD_PROXY_DROPIN: &str = "/etc/systemd/system/containerd.service.d/http-proxy.conf";

macro_rules! strings {
    ($(#[$doc:meta])* $name:ident { $($field:ident => $var:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub(crate) struct $name {
            $(pub(crate) $field: String,)*
        }

        impl $name {
            /// Every field as a reference to the Ansible variable that carries it.
            pub(crate) fn symbolic() -> Self {
                Self { $($field: concat!("{{ ", $var, " }}").to_owned(),)* }
            }

            /// `(variable, value)` for every field: what the inventory must define.
            pub(crate) fn vars(&self) -> [(&'static str, &str); [$($var),*].len()] {
                [$(($var, self.$field.as_str())),*]
            }
        }
    };
}

strings! {
    /// Controller-level values, identical for every node.
    ControllerStrings {
        kubernetes_version => "edgeworker_kubernetes_version",
        kubernetes_minor => "edgeworker_kubernetes_minor",
        pause_tag => "edgeworker_pause_tag",
        apiserver => "edgeworker_apiserver",
        floating_address => "edgeworker_floating_address",
        mgmt_prefix => "edgeworker_mgmt_prefix",
        mgmt_gateway => "edgeworker_mgmt_gateway",
        registry => "edgeworker_registry",
        registry_host => "edgeworker_registry_host",
        registry_ca_cert => "edgeworker_registry_ca_cert",
        dns_spaced => "edgeworker_dns_spaced",
        dns_semicolons => "edgeworker_dns_semicolons",
        resolv_nameservers => "edgeworker_resolv_nameservers",
        chrony_servers => "edgeworker_chrony_servers",
        http_proxy => "edgeworker_http_proxy",
        https_proxy => "edgeworker_https_proxy",
        http_proxy_systemd => "edgeworker_http_proxy_systemd",
        https_proxy_systemd => "edgeworker_https_proxy_systemd",
        no_proxy => "edgeworker_no_proxy",
        ca_cert_hash_given => "edgeworker_ca_cert_hash_given",
        kubernetes_deb_url => "edgeworker_kubernetes_deb_url",
        kubernetes_deb_key => "edgeworker_kubernetes_deb_key",
        kubernetes_rpm_url => "edgeworker_kubernetes_rpm_url",
        kubernetes_rpm_key => "edgeworker_kubernetes_rpm_key",
        containerd_rpm_url => "edgeworker_containerd_rpm_url",
        containerd_rpm_key => "edgeworker_containerd_rpm_key",
    }
}

strings! {
    /// Node-level values.
    NodeStrings {
        mgmt_ip => "edgeworker_mgmt_ip",
        mgmt_mac => "edgeworker_mgmt_mac",
    }
}

strings! {
    /// The node's OS release and architecture, shared by the nodes of one inventory group.
    OsStrings {
        os_id => "edgeworker_os_id",
        os_version => "edgeworker_os_version",
        arch => "edgeworker_arch",
    }
}

/// What is known of the plan's shape in both renderings (flags, numbers: never input text).
// Independent yes/no facts of the inputs; no state machine hides in them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) has_http: bool,
    pub(crate) has_https: bool,
    pub(crate) ipv6: bool,
    /// The management interface is configured statically, not by DHCP.
    pub(crate) static_mgmt: bool,
    /// A gateway goes into the static configuration.
    pub(crate) has_gateway: bool,
    pub(crate) join_given: bool,
    pub(crate) run_timeout_minutes: u32,
    /// The registry is named by DNS (it needs a hosts entry), not by address.
    pub(crate) registry_by_name: bool,
    /// Where the Kubernetes apt repository's key comes from.
    pub(crate) kubernetes_deb_key: KeyKind,
    /// The apt key is a binary keyring (its name ends in `.gpg`), not an armored one.
    pub(crate) kubernetes_deb_key_binary: bool,
    /// Where the Kubernetes rpm repository's key comes from.
    pub(crate) kubernetes_rpm_key: KeyKind,
    /// A mirror replaces the Docker rpm repository for containerd, with its key from there.
    pub(crate) containerd_rpm: Option<KeyKind>,
}

/// Where a repository key comes from (the kind only: the value is in the inventory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A URL the node fetches.
    Url,
    /// A controller file, staged and copied.
    File,
}

impl KeyKind {
    fn of(source: Option<&PackageSource>) -> Self {
        match source.map(|s| &s.key) {
            Some(SourceKey::File(_)) => Self::File,
            Some(SourceKey::Url(_)) | None => Self::Url,
        }
    }
}

impl Shape {
    pub(crate) fn new(controller: &Controller) -> Self {
        let host = registry_host(controller.registry().as_str());
        let sources = controller.package_sources();
        Self {
            has_http: controller.proxy().http.is_some(),
            has_https: controller.proxy().https.is_some(),
            ipv6: controller.mgmt_subnet().addr().is_ipv6(),
            static_mgmt: controller.mgmt_addressing() == MgmtAddressing::Static,
            has_gateway: controller.mgmt_gateway().is_some(),
            join_given: matches!(controller.join(), Join::Given { .. }),
            run_timeout_minutes: controller.run_timeout_minutes(),
            registry_by_name: host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('['),
            kubernetes_deb_key: KeyKind::of(sources.kubernetes_deb.as_ref()),
            kubernetes_deb_key_binary: sources.kubernetes_deb.as_ref().is_some_and(|s| {
                let key = match &s.key {
                    SourceKey::Url(u) => u.as_str(),
                    SourceKey::File(p) => p.as_str(),
                };
                key.to_ascii_lowercase().ends_with(".gpg")
            }),
            kubernetes_rpm_key: KeyKind::of(sources.kubernetes_rpm.as_ref()),
            containerd_rpm: sources
                .containerd_rpm
                .as_ref()
                .map(|s| KeyKind::of(Some(s))),
        }
    }
}

/// How secrets appear in the concrete plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrets {
    /// Replaced by `<redacted>` (the default).
    #[default]
    Redact,
    /// Shown; only when explicitly asked for.
    Reveal,
}

/// Concatenates one formatted piece per item.
fn concat_lines<T>(items: &[T], piece: impl Fn(&mut String, &T) -> std::fmt::Result) -> String {
    let mut out = String::new();
    for item in items {
        // Formatting into a String cannot fail.
        let _ = piece(&mut out, item);
    }
    out
}

/// The host part of `host[:port]`.
fn registry_host(registry: &str) -> &str {
    if registry.starts_with('[') {
        registry.split_inclusive(']').next().unwrap_or(registry)
    } else {
        registry.split(':').next().unwrap_or(registry)
    }
}

/// The pause image tag kubeadm uses for a Kubernetes minor (kubeadm's constants).
fn pause_tag(version: &KubeVersion) -> &'static str {
    match version.minor() {
        ..=24 => "3.7",
        25 => "3.8",
        26..=30 => "3.9",
        _ => "3.10",
    }
}

impl ControllerStrings {
    pub(crate) fn concrete(c: &Controller, secrets: Secrets) -> Self {
        let join = |items: Vec<String>, sep: &str| items.join(sep);
        let dns: Vec<String> = c.dns_servers().iter().map(ToString::to_string).collect();
        let proxy = c.proxy();
        let url = |u: &Option<super::values::ProxyUrl>| {
            u.as_ref().map(ToString::to_string).unwrap_or_default()
        };
        let systemd = |u: &Option<super::values::ProxyUrl>| {
            u.as_ref()
                .map(super::values::ProxyUrl::for_systemd)
                .unwrap_or_default()
        };
        let ca_cert_hash_given = match c.join() {
            Join::Given { ca_cert_hash, .. } => ca_cert_hash.to_string(),
            Join::Create => String::new(),
        };
        let _ = secrets; // the CA hash is public; only the token is secret (see `Facts`)
        let sources = c.package_sources();
        let minor = c.kubernetes_version().minor_series();
        // The upstream repositories of PROVISIONING.md §2 unless a mirror is given.
        let (kubernetes_deb_url, kubernetes_deb_key) = source_strings(
            sources.kubernetes_deb.as_ref(),
            &format!("https://pkgs.k8s.io/core:/stable:/{minor}/deb/"),
            "Release.key",
        );
        let (kubernetes_rpm_url, kubernetes_rpm_key) = source_strings(
            sources.kubernetes_rpm.as_ref(),
            &format!("https://pkgs.k8s.io/core:/stable:/{minor}/rpm/"),
            "repodata/repomd.xml.key",
        );
        // Upstream containerd comes from a Docker repository per distribution (in the
        // playbook's own text): no value here.
        let (containerd_rpm_url, containerd_rpm_key) = sources
            .containerd_rpm
            .as_ref()
            .map(|s| source_strings(Some(s), "", ""))
            .unwrap_or_default();
        Self {
            kubernetes_version: c.kubernetes_version().to_string(),
            kubernetes_minor: c.kubernetes_version().minor_series(),
            pause_tag: pause_tag(c.kubernetes_version()).to_owned(),
            apiserver: c.apiserver().to_string(),
            floating_address: c.mgmt_floating_address().to_string(),
            mgmt_prefix: c.mgmt_subnet().prefix_len().to_string(),
            mgmt_gateway: c.mgmt_gateway().map(|g| g.to_string()).unwrap_or_default(),
            registry: c.registry().to_string(),
            registry_host: registry_host(c.registry().as_str()).to_owned(),
            registry_ca_cert: c.registry_ca_cert().to_string(),
            dns_spaced: join(dns.clone(), " "),
            dns_semicolons: concat_lines(&dns, |out, d| write!(out, "{d};")),
            resolv_nameservers: concat_lines(&dns, |out, d| writeln!(out, "nameserver {d}")),
            chrony_servers: concat_lines(c.ntp_servers(), |out, s| {
                writeln!(out, "server {s} iburst")
            }),
            http_proxy: url(&proxy.http),
            https_proxy: url(&proxy.https),
            http_proxy_systemd: systemd(&proxy.http),
            https_proxy_systemd: systemd(&proxy.https),
            no_proxy: proxy.no_proxy_joined(),
            ca_cert_hash_given,
            kubernetes_deb_url,
            kubernetes_deb_key,
            kubernetes_rpm_url,
            kubernetes_rpm_key,
            containerd_rpm_url,
            containerd_rpm_key,
        }
    }
}

/// A repository's URL and key (URL or controller path): the mirror's, or the upstream URL
/// with its key at `upstream_key` under it.
fn source_strings(
    source: Option<&PackageSource>,
    upstream: &str,
    upstream_key: &str,
) -> (String, String) {
    match source {
        Some(s) => {
            let key = match &s.key {
                SourceKey::Url(u) => u.to_string(),
                SourceKey::File(p) => p.to_string(),
            };
            (s.url.to_string(), key)
        }
        None => (upstream.to_owned(), format!("{upstream}{upstream_key}")),
    }
}

impl NodeStrings {
    pub(crate) fn concrete(node: &Node) -> Self {
        let mut strings = Self {
            mgmt_ip: String::new(),
            mgmt_mac: String::new(),
        };
        strings.refill(node);
        strings
    }

    /// Replaces the values with `node`'s, keeping the buffers: the inventory formats
    /// thousands of nodes through one instance.
    pub(crate) fn refill(&mut self, node: &Node) {
        self.mgmt_ip.clear();
        address_text::push_ip(&mut self.mgmt_ip, node.mgmt_ip());
        self.mgmt_mac.clear();
        // NetworkManager and networkd both read the colon form.
        MacAddress::new(node.mgmt_mac().octets(), Separator::Colon).push_to(&mut self.mgmt_mac);
    }
}

impl OsStrings {
    pub(crate) fn concrete(os: &OsRelease, arch: Arch) -> Self {
        Self {
            os_id: os.id.to_owned(),
            os_version: os.version.to_owned(),
            arch: arch.kernel_name().to_owned(),
        }
    }
}

/// Everything a builder reads.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub(crate) c: ControllerStrings,
    pub(crate) shape: Shape,
    /// Runtime values: the token and the CA hash used by the join.
    pub(crate) join_token: String,
    pub(crate) join_ca_cert_hash: String,
}

/// One node, as the node builders read it.
#[derive(Debug, Clone)]
pub(crate) struct NodeFacts {
    pub(crate) hostname: String,
    pub(crate) n: NodeStrings,
    pub(crate) os: OsStrings,
    pub(crate) profile: OsProfile,
    /// `key=value` labels; the symbolic node has none listed and its step is conditional.
    pub(crate) labels: Vec<String>,
    pub(crate) has_labels: bool,
    /// The management interface's name, known on the node only (found by its MAC).
    pub(crate) mgmt_iface: String,
}

/// The Ansible variable, set on the controller host, holding the join token at run time.
pub(crate) const TOKEN_FACT: &str = "edgeworker_join_token";
/// The Ansible variable, set on the controller host, holding the CA hash at run time.
pub(crate) const HASH_FACT: &str = "edgeworker_join_ca_cert_hash";
/// The inventory name of the controller.
pub(crate) const CONTROLLER_HOST: &str = "localhost";

impl Facts {
    pub(crate) fn concrete(c: &Controller, secrets: Secrets) -> Self {
        let (join_token, join_ca_cert_hash) = match (c.join(), secrets) {
            (
                Join::Given {
                    token,
                    ca_cert_hash,
                },
                Secrets::Reveal,
            ) => (token.expose().to_owned(), ca_cert_hash.to_string()),
            (Join::Given { ca_cert_hash, .. }, Secrets::Redact) => {
                ("<redacted>".to_owned(), ca_cert_hash.to_string())
            }
            (Join::Create, _) => (
                "<created at run time>".to_owned(),
                "<computed at run time>".to_owned(),
            ),
        };
        Self {
            c: ControllerStrings::concrete(c, secrets),
            shape: Shape::new(c),
            join_token,
            join_ca_cert_hash,
        }
    }

    pub(crate) fn symbolic(shape: Shape) -> Self {
        Self {
            c: ControllerStrings::symbolic(),
            shape,
            join_token: format!("{{{{ hostvars['{CONTROLLER_HOST}'].{TOKEN_FACT} }}}}"),
            join_ca_cert_hash: format!("{{{{ hostvars['{CONTROLLER_HOST}'].{HASH_FACT} }}}}"),
        }
    }
}

impl NodeFacts {
    pub(crate) fn concrete(node: &Node) -> Self {
        let labels: Vec<String> = node
            .labels()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Self {
            hostname: node.hostname().to_string(),
            n: NodeStrings::concrete(node),
            os: OsStrings::concrete(node.os(), node.arch()),
            profile: node.os().profile(),
            has_labels: !labels.is_empty(),
            labels,
            mgmt_iface: format!("<the interface of {}>", node.mgmt_mac()),
        }
    }

    pub(crate) fn symbolic(profile: OsProfile) -> Self {
        Self {
            hostname: "{{ inventory_hostname }}".to_owned(),
            n: NodeStrings::symbolic(),
            os: OsStrings::symbolic(),
            profile,
            labels: Vec::new(),
            has_labels: true,
            mgmt_iface: format!("{{{{ {MGMT_IFACE_FACT} }}}}"),
        }
    }
}

fn step(
    id: StepId,
    node: Option<&str>,
    actions: Vec<Action>,
    guard: Guard,
    notify: Vec<Handler>,
) -> Step {
    Step {
        id,
        node: node.map(str::to_owned),
        actions,
        guard,
        notify,
    }
}

fn write(path: &str, content: String, mode: u32) -> Action {
    Action::WriteFile {
        path: path.to_owned(),
        content,
        mode,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------- controller, before nodes

/// 1. `controller.lock`.
pub(crate) fn lock(f: &Facts) -> Step {
    let actions = vec![Action::Lock {
        path: LOCK_DIR.to_owned(),
        stale_after_minutes: f.shape.run_timeout_minutes,
    }];
    step(StepId::ControllerLock, None, actions, Guard::Always, vec![])
}

/// 2. `controller.inventory`; `hosts` is `(hostname, mgmt_ip)` per node.
pub(crate) fn inventory(hosts: Vec<(String, String)>) -> Step {
    step(
        StepId::ControllerInventory,
        None,
        vec![Action::CheckInventory { hosts }],
        Guard::Always,
        vec![],
    )
}

/// 3. `controller.hosts`.
pub(crate) fn hosts(hosts: &[(String, String)]) -> Step {
    let actions = hosts
        .iter()
        .map(|(name, ip)| Action::HostsEntry {
            path: "/etc/hosts".to_owned(),
            ip: ip.clone(),
            name: name.clone(),
        })
        .collect();
    step(
        StepId::ControllerHosts,
        None,
        actions,
        Guard::Converges,
        vec![],
    )
}

/// The containerd configuration every node gets.
fn containerd_config(f: &Facts) -> String {
    format!(
        "{HEADER}: containerd for an edgeworker node.\n\
         version = 2\n\n\
         [plugins.\"io.containerd.grpc.v1.cri\"]\n  \
         sandbox_image = \"{registry}/registry.k8s.io/pause:{pause}\"\n\n\
         [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  \
         runtime_type = \"io.containerd.runc.v2\"\n\n\
         [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  \
         SystemdCgroup = true\n\n\
         [plugins.\"io.containerd.grpc.v1.cri\".registry]\n  \
         config_path = \"/etc/containerd/certs.d\"\n",
        registry = f.c.registry,
        pause = f.c.pause_tag,
    )
}

/// 4. `controller.stage`.
pub(crate) fn stage(f: &Facts) -> Step {
    let mut actions = vec![
        Action::Directory {
            path: STAGE_DIR.to_owned(),
            mode: 0o700,
        },
        Action::CopyOnController {
            src: f.c.registry_ca_cert.clone(),
            dest: STAGED_REGISTRY_CA.to_owned(),
            mode: 0o644,
        },
        write(STAGED_CONTAINERD_CONFIG, containerd_config(f), 0o644),
    ];
    let s = f.shape;
    let keys = [
        (
            s.kubernetes_deb_key,
            &f.c.kubernetes_deb_key,
            STAGED_KUBERNETES_DEB_KEY,
        ),
        (
            s.kubernetes_rpm_key,
            &f.c.kubernetes_rpm_key,
            STAGED_KUBERNETES_RPM_KEY,
        ),
        (
            s.containerd_rpm.unwrap_or(KeyKind::Url),
            &f.c.containerd_rpm_key,
            STAGED_CONTAINERD_RPM_KEY,
        ),
    ];
    for (kind, src, dest) in keys {
        if kind == KeyKind::File {
            actions.push(Action::CopyOnController {
                src: src.clone(),
                dest: dest.to_owned(),
                mode: 0o644,
            });
        }
    }
    actions.push(Action::HandOverToOperator {
        path: STAGE_DIR.to_owned(),
    });
    step(
        StepId::ControllerStage,
        None,
        actions,
        Guard::Converges,
        vec![],
    )
}

/// 5. `controller.join_credentials`.
pub(crate) fn join_credentials(f: &Facts) -> Step {
    let source = if f.shape.join_given {
        TokenSource::Environment {
            variable: JOIN_TOKEN_ENV.to_owned(),
        }
    } else {
        TokenSource::Create {
            ttl_minutes: f.shape.run_timeout_minutes,
        }
    };
    let given = f.shape.join_given.then(|| f.c.ca_cert_hash_given.clone());
    let actions = vec![
        Action::JoinToken { source },
        Action::CaCertHash {
            given,
            ca_cert: CLUSTER_CA.to_owned(),
        },
    ];
    step(
        StepId::ControllerJoinCredentials,
        None,
        actions,
        Guard::Always,
        vec![],
    )
}

// ---------------------------------------------------------------- each node

/// 6. `node.preflight`.
pub(crate) fn preflight(f: &Facts, n: &NodeFacts) -> Step {
    let checks = vec![
        Check::OsRelease {
            id: n.os.os_id.clone(),
            version: n.os.os_version.clone(),
        },
        Check::Arch {
            kernel_name: n.os.arch.clone(),
        },
        Check::MgmtAddress {
            ip: n.n.mgmt_ip.clone(),
            ipv6: f.shape.ipv6,
        },
        Check::MinResources {
            cpus: MIN_CPUS,
            memory_mib: MIN_MEMORY_MIB,
        },
        Check::NotJoinedElsewhere {
            kubelet_conf: KUBELET_CONF.to_owned(),
            apiserver: f.c.apiserver.clone(),
        },
    ];
    step(
        StepId::NodePreflight,
        Some(&n.hostname),
        vec![Action::Preflight { checks }],
        Guard::Always,
        vec![],
    )
}

/// 7. `node.hostname`: the name, and a hosts entry giving it the management address first.
///
/// Why the entry: sudo looks its host's name up on every call, and the new name is in no DNS
/// yet (StarlingX adds it only to the controller's own hosts file, and from stx.9.0 on gives
/// no DHCP lease that would register it), so a node whose resolver has a dead server waits
/// out its timeouts on every task that follows; the kubelet also resolves its name.
pub(crate) fn hostname(n: &NodeFacts) -> Step {
    let actions = vec![
        Action::HostsEntry {
            path: "/etc/hosts".to_owned(),
            ip: n.n.mgmt_ip.clone(),
            name: n.hostname.clone(),
        },
        Action::SetHostname {
            name: n.hostname.clone(),
        },
    ];
    step(
        StepId::NodeHostname,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    )
}

/// Step 8, `node.network`: the management interface (matched by MAC) by DHCP or with its
/// planned address, and DNS at the controller, through the network manager the node already
/// runs.
///
/// Why not one manager everywhere: switching a node from ifupdown to systemd-networkd (or
/// back) reconfigures the interface Ansible's own connection runs on, and a failure there
/// leaves an unreachable node. So the step detects the manager in use and configures that:
/// systemd-networkd gets a `.network` file, `NetworkManager` a keyfile connection, ifupdown a
/// dhclient hook that keeps the controller's DNS servers on every lease (DHCP: the address
/// already comes from ifupdown's DHCP, proven by preflight) or a static stanza in
/// `interfaces.d` that replaces the interface's own (static). networkd and `NetworkManager`
/// apply their file in a task, guarded by the manager's live state, not by a handler: a run
/// that failed after writing the file applies it on the next run, and a run on an applied
/// node changes nothing. The address Ansible connects to is the management address (preflight
/// checks it is on the node), and both files keep it, so applying them does not cut the
/// connection; ifupdown is never cycled under it (its stanza takes effect at the next boot).
pub(crate) fn network(f: &Facts, n: &NodeFacts) -> Step {
    let family = n.profile.family();
    let managed = if f.shape.static_mgmt {
        static_interface(f, n, family)
    } else {
        dhcp_interface(f, n, family)
    };
    let mut actions = vec![Action::DetectNetworkManager {
        supported: managed
            .iter()
            .filter_map(|a| match a {
                Action::ManagementInterface { manager, .. } => Some(*manager),
                Action::ManagementStanza { .. } => Some(NetworkManager::Ifupdown),
                _ => None,
            })
            .collect(),
    }];
    actions.extend(managed);
    actions.push(Action::Nameservers {
        lines: f.c.resolv_nameservers.clone(),
    });
    if f.shape.registry_by_name {
        actions.push(Action::HostsEntry {
            path: "/etc/hosts".to_owned(),
            ip: f.c.floating_address.clone(),
            name: f.c.registry_host.clone(),
        });
    }
    step(
        StepId::NodeNetwork,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    )
}

/// The management interface by DHCP, per network manager.
fn dhcp_interface(f: &Facts, n: &NodeFacts, family: OsFamily) -> Vec<Action> {
    let v6 = f.shape.ipv6;
    let networkd = Action::ManagementInterface {
        manager: NetworkManager::Networkd,
        path: NETWORKD_FILE.to_owned(),
        content: format!(
            "{HEADER}: the management interface, by DHCP.\n[Match]\nMACAddress={mac}\n\n\
             [Network]\nDHCP={dhcp}\nDNS={dns}\n\n[{section}]\nUseDNS=false\n",
            mac = n.n.mgmt_mac,
            dhcp = if v6 { "ipv6" } else { "ipv4" },
            dns = f.c.dns_spaced,
            section = if v6 { "DHCPv6" } else { "DHCPv4" },
        ),
        mode: 0o644,
    };
    let dhcp = format!(
        "method={}\ndns={}\nignore-auto-dns=true\n",
        if v6 { "dhcp" } else { "auto" },
        f.c.dns_semicolons
    );
    let network_manager = nm_connection(n, "by DHCP", v6, dhcp);
    // dhclient-script sources its enter hooks before writing resolv.conf on each lease.
    let ifupdown = Action::ManagementInterface {
        manager: NetworkManager::Ifupdown,
        path: DHCLIENT_HOOK.to_owned(),
        content: format!(
            "{HEADER}: DNS servers of the StarlingX controller on every lease.\n\
             new_domain_name_servers=\"{dns}\"\n",
            dns = f.c.dns_spaced,
        ),
        mode: 0o644,
    };
    match family {
        OsFamily::DebianLike => vec![networkd, network_manager, ifupdown],
        OsFamily::RhelLike => vec![network_manager],
    }
}

/// The management interface with its planned address and prefix, the controller's gateway
/// (when given) and DNS servers, per network manager; no DHCP client on it.
fn static_interface(f: &Facts, n: &NodeFacts, family: OsFamily) -> Vec<Action> {
    let v6 = f.shape.ipv6;
    let address = format!("{}/{}", n.n.mgmt_ip, f.c.mgmt_prefix);
    let gateway = f.shape.has_gateway.then_some(f.c.mgmt_gateway.as_str());
    let networkd = Action::ManagementInterface {
        manager: NetworkManager::Networkd,
        path: NETWORKD_FILE.to_owned(),
        content: format!(
            "{HEADER}: the management interface, static.\n[Match]\nMACAddress={mac}\n\n\
             [Network]\nDHCP=no\n{ra}Address={address}\n{gateway}DNS={dns}\n",
            mac = n.n.mgmt_mac,
            // Router advertisements would add addresses the plan did not give.
            ra = if v6 { "IPv6AcceptRA=no\n" } else { "" },
            gateway = gateway
                .map(|g| format!("Gateway={g}\n"))
                .unwrap_or_default(),
            dns = f.c.dns_spaced,
        ),
        mode: 0o644,
    };
    let manual = format!(
        "method=manual\naddress1={address}{gateway}\ndns={dns}\nignore-auto-dns=true\n",
        gateway = gateway.map(|g| format!(",{g}")).unwrap_or_default(),
        dns = f.c.dns_semicolons,
    );
    let network_manager = nm_connection(n, "static", v6, manual);
    let ifupdown = Action::ManagementStanza {
        path: IFUPDOWN_STANZA.to_owned(),
        content: format!(
            "{HEADER}: the management interface, static.\n\
             iface {iface} {inet} static\n    address {address}\n{gateway}",
            iface = n.mgmt_iface,
            inet = if v6 { "inet6" } else { "inet" },
            gateway = gateway
                .map(|g| format!("    gateway {g}\n"))
                .unwrap_or_default(),
        ),
    };
    match family {
        OsFamily::DebianLike => vec![
            networkd,
            network_manager,
            ifupdown,
            // The DHCP mode's hook, from a run before the switch to static addressing.
            Action::Remove {
                path: DHCLIENT_HOOK.to_owned(),
            },
        ],
        OsFamily::RhelLike => vec![network_manager],
    }
}

/// The `NetworkManager` keyfile connection of the management interface; `method` is the
/// settings of the management network's family, the other family is off.
fn nm_connection(n: &NodeFacts, how: &str, v6: bool, method: String) -> Action {
    let (ipv4, ipv6) = if v6 {
        ("method=disabled\n".to_owned(), method)
    } else {
        (method, "method=ignore\n".to_owned())
    };
    Action::ManagementInterface {
        manager: NetworkManager::NetworkManager,
        path: NM_CONNECTION_FILE.to_owned(),
        content: format!(
            "{HEADER}: the management interface, {how}.\n[connection]\nid={NM_CONNECTION}\n\
             type=ethernet\nautoconnect=true\n\n[ethernet]\nmac-address={mac}\n\n\
             [ipv4]\n{ipv4}\n[ipv6]\n{ipv6}",
            mac = n.n.mgmt_mac,
        ),
        mode: 0o600,
    }
}

/// Step 9, `node.proxy`: the proxy settings when a proxy is set; their removal when none is,
/// so a proxy taken out of the controller facts is also taken off the nodes.
pub(crate) fn proxy(f: &Facts, n: &NodeFacts) -> Step {
    let s = f.shape;
    let manager = n.profile.packages;
    if !(s.has_http || s.has_https) {
        let package_proxy = match manager {
            PackageManager::Apt => Action::Remove {
                path: manager.proxy_file().to_owned(),
            },
            PackageManager::Yum | PackageManager::Dnf => Action::RemoveLine {
                path: manager.proxy_file().to_owned(),
                regexp: "^proxy=".to_owned(),
            },
        };
        let actions = vec![
            package_proxy,
            Action::Remove {
                path: CONTAINERD_PROXY_DROPIN.to_owned(),
            },
        ];
        return step(
            StepId::NodeProxy,
            Some(&n.hostname),
            actions,
            Guard::Converges,
            vec![Handler::RestartContainerd],
        );
    }
    let package_proxy = match manager {
        PackageManager::Apt => {
            let mut content = format!("{HEADER}: package downloads through the proxy.\n");
            if s.has_http {
                let _ = writeln!(content, "Acquire::http::Proxy \"{}\";", f.c.http_proxy);
            }
            if s.has_https {
                let _ = writeln!(content, "Acquire::https::Proxy \"{}\";", f.c.https_proxy);
            }
            write(manager.proxy_file(), content, 0o644)
        }
        PackageManager::Yum | PackageManager::Dnf => Action::LineInFile {
            path: manager.proxy_file().to_owned(),
            regexp: "^proxy=".to_owned(),
            // One proxy serves every protocol there; the HTTPS one reaches the HTTPS repositories.
            line: format!(
                "proxy={}",
                if s.has_https {
                    &f.c.https_proxy
                } else {
                    &f.c.http_proxy
                }
            ),
        },
    };
    let mut dropin = format!("{HEADER}: containerd pulls through the proxy.\n[Service]\n");
    if s.has_http {
        let _ = writeln!(
            dropin,
            "Environment=\"HTTP_PROXY={}\"",
            f.c.http_proxy_systemd
        );
    }
    if s.has_https {
        let _ = writeln!(
            dropin,
            "Environment=\"HTTPS_PROXY={}\"",
            f.c.https_proxy_systemd
        );
    }
    let _ = writeln!(dropin, "Environment=\"NO_PROXY={}\"", f.c.no_proxy);
    let actions = vec![
        package_proxy,
        Action::Directory {
            path: "/etc/systemd/system/containerd.service.d".to_owned(),
            mode: 0o755,
        },
        write(CONTAINERD_PROXY_DROPIN, dropin, 0o644),
    ];
    step(
        StepId::NodeProxy,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::RestartContainerd],
    )
}

/// 10. `node.time`: chrony against the controller.
pub(crate) fn time(f: &Facts, n: &NodeFacts) -> Step {
    let family = n.profile.family();
    let actions = vec![
        Action::InstallPackages {
            manager: n.profile.packages,
            packages: strings(&["chrony"]),
            disable_excludes: None,
            exact_version: None,
        },
        write(
            family.chrony_conf(),
            format!(
                "{HEADER}: time from the StarlingX controller.\n{servers}driftfile /var/lib/chrony/drift\nmakestep 1.0 3\nrtcsync\n",
                servers = f.c.chrony_servers
            ),
            0o644,
        ),
        Action::Service {
            name: family.chrony_service().to_owned(),
            state: ServiceState::RunningEnabled,
        },
    ];
    step(
        StepId::NodeTime,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::RestartTimeSync],
    )
}

/// 11. `node.kernel`.
pub(crate) fn kernel(f: &Facts, n: &NodeFacts) -> Step {
    let mut sysctl = format!(
        "{HEADER}: Kubernetes networking.\nnet.bridge.bridge-nf-call-ip6tables = 1\n\
         net.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n"
    );
    if f.shape.ipv6 {
        sysctl.push_str("net.ipv6.conf.all.forwarding = 1\n");
    }
    let actions = vec![
        write(
            "/etc/modules-load.d/edgeworker-k8s.conf",
            format!("{HEADER}.\noverlay\nbr_netfilter\n"),
            0o644,
        ),
        Action::LoadModules {
            modules: vec![
                // overlay has parameters, so even built in it shows under /sys/module.
                KernelModule {
                    name: "overlay".to_owned(),
                    present_when: "/sys/module/overlay".to_owned(),
                },
                // br_netfilter has none: its sysctls are the proof it is there.
                KernelModule {
                    name: "br_netfilter".to_owned(),
                    present_when: "/proc/sys/net/bridge/bridge-nf-call-iptables".to_owned(),
                },
            ],
        },
        write("/etc/sysctl.d/99-edgeworker-k8s.conf", sysctl, 0o644),
    ];
    step(
        StepId::NodeKernel,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::ReloadSysctl],
    )
}

/// 12. `node.swap`.
pub(crate) fn swap(n: &NodeFacts) -> Step {
    let actions = vec![
        Action::SwapOff,
        Action::CommentOutSwap {
            path: "/etc/fstab".to_owned(),
        },
        Action::Service {
            name: "swap.target".to_owned(),
            state: ServiceState::Masked,
        },
    ];
    step(
        StepId::NodeSwap,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    )
}

/// 13. `node.selinux_firewall`, RHEL-like only.
pub(crate) fn selinux_firewall(n: &NodeFacts) -> Option<Step> {
    if n.profile.family() != super::os::OsFamily::RhelLike {
        return None;
    }
    let actions = vec![
        Action::SelinuxPermissive,
        Action::FirewallOpen {
            ports: strings(&["10250/tcp"]),
        },
    ];
    Some(step(
        StepId::NodeSelinuxFirewall,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    ))
}

fn docker_repository(
    f: &Facts,
    manager: PackageManager,
    distro: &str,
    codename: Option<&str>,
) -> Action {
    match manager {
        PackageManager::Apt => Action::AptRepository {
            name: "docker".to_owned(),
            line: format!(
                "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/{distro} {} stable",
                codename.unwrap_or_default()
            ),
            key: KeyOrigin::Url {
                url: format!("https://download.docker.com/linux/{distro}/gpg"),
            },
            keyring: "/etc/apt/keyrings/docker.asc".to_owned(),
        },
        PackageManager::Yum | PackageManager::Dnf => match f.shape.containerd_rpm {
            None => Action::RpmRepository {
                name: "docker-ce-stable".to_owned(),
                baseurl: format!(
                    "https://download.docker.com/linux/{distro}/$releasever/$basearch/stable"
                ),
                key: KeyOrigin::Url {
                    url: format!("https://download.docker.com/linux/{distro}/gpg"),
                },
                exclude: Vec::new(),
            },
            Some(kind) => Action::RpmRepository {
                name: "docker-ce-stable".to_owned(),
                baseurl: f.c.containerd_rpm_url.clone(),
                key: key_origin(kind, &f.c.containerd_rpm_key, STAGED_CONTAINERD_RPM_KEY),
                exclude: Vec::new(),
            },
        },
    }
}

fn key_origin(kind: KeyKind, url: &str, staged: &str) -> KeyOrigin {
    match kind {
        KeyKind::Url => KeyOrigin::Url {
            url: url.to_owned(),
        },
        KeyKind::File => KeyOrigin::Staged {
            path: staged.to_owned(),
        },
    }
}

/// 14. `node.runtime`.
pub(crate) fn runtime(f: &Facts, n: &NodeFacts) -> Step {
    let manager = n.profile.packages;
    let certs = format!("/etc/containerd/certs.d/{}", f.c.registry);
    let mut actions = Vec::new();
    let package = match n.profile.containerd {
        ContainerdSource::Distribution => "containerd",
        ContainerdSource::Docker { distro, codename } => {
            actions.push(docker_repository(f, manager, distro, codename));
            "containerd.io"
        }
    };
    actions.extend([
        Action::InstallPackages { manager, packages: strings(&[package]), disable_excludes: None, exact_version: None },
        Action::MinimumVersion { argv: strings(&["containerd", "--version"]), minimum: "1.6.0".to_owned() },
        Action::Directory { path: "/etc/containerd".to_owned(), mode: 0o755 },
        Action::CopyToNode {
            src: STAGED_CONTAINERD_CONFIG.to_owned(),
            dest: "/etc/containerd/config.toml".to_owned(),
            mode: 0o644,
            only_if_dir_exists: None,
        },
        Action::Directory { path: certs.clone(), mode: 0o755 },
        Action::CopyToNode { src: STAGED_REGISTRY_CA.to_owned(), dest: format!("{certs}/ca.crt"), mode: 0o644, only_if_dir_exists: None },
        write(
            &format!("{certs}/hosts.toml"),
            format!(
                "{HEADER}: the local registry and its CA.\nserver = \"https://{r}\"\n\n[host.\"https://{r}\"]\n  ca = \"{certs}/ca.crt\"\n",
                r = f.c.registry
            ),
            0o644,
        ),
        Action::CopyToNode {
            src: STAGED_REGISTRY_CA.to_owned(),
            dest: format!("/etc/docker/certs.d/{}/ca.crt", f.c.registry),
            mode: 0o644,
            only_if_dir_exists: Some("/etc/docker/certs.d".to_owned()),
        },
        Action::Service { name: "containerd".to_owned(), state: ServiceState::RunningEnabled },
        Action::WaitFor { argv: strings(&["ctr", "version"]), retries: 10, delay_seconds: 3 },
    ]);
    step(
        StepId::NodeRuntime,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::RestartContainerd],
    )
}

/// The Kubernetes repository of `f`'s minor, its key from `staged_deb`/`staged_rpm` when the
/// key is a controller file.
fn kubernetes_repository(
    f: &Facts,
    manager: PackageManager,
    staged_deb: &str,
    staged_rpm: &str,
) -> Action {
    let s = f.shape;
    match manager {
        PackageManager::Apt => {
            let keyring = if s.kubernetes_deb_key_binary {
                "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
            } else {
                "/etc/apt/keyrings/kubernetes-apt-keyring.asc"
            };
            Action::AptRepository {
                name: "kubernetes".to_owned(),
                line: format!("deb [signed-by={keyring}] {} /", f.c.kubernetes_deb_url),
                key: key_origin(s.kubernetes_deb_key, &f.c.kubernetes_deb_key, staged_deb),
                keyring: keyring.to_owned(),
            }
        }
        PackageManager::Yum | PackageManager::Dnf => Action::RpmRepository {
            name: "kubernetes".to_owned(),
            baseurl: f.c.kubernetes_rpm_url.clone(),
            key: key_origin(s.kubernetes_rpm_key, &f.c.kubernetes_rpm_key, staged_rpm),
            exclude: strings(&[
                "kubelet",
                "kubeadm",
                "kubectl",
                "cri-tools",
                "kubernetes-cni",
            ]),
        },
    }
}

/// Installs `packages` at exactly version `v`, replacing any other version (held or not).
fn install_exact(manager: PackageManager, packages: &[&str], v: &str) -> Action {
    match manager {
        PackageManager::Apt => Action::InstallPackages {
            manager,
            packages: packages.iter().map(|p| format!("{p}={v}-*")).collect(),
            disable_excludes: None,
            exact_version: Some(v.to_owned()),
        },
        PackageManager::Yum | PackageManager::Dnf => Action::InstallPackages {
            manager,
            packages: packages.iter().map(|p| format!("{p}-{v}")).collect(),
            disable_excludes: Some("kubernetes".to_owned()),
            exact_version: Some(v.to_owned()),
        },
    }
}

/// 15. `node.k8s_packages`: exactly the control plane's version, held.
pub(crate) fn k8s_packages(f: &Facts, n: &NodeFacts) -> Step {
    let manager = n.profile.packages;
    let mut actions = vec![
        kubernetes_repository(
            f,
            manager,
            STAGED_KUBERNETES_DEB_KEY,
            STAGED_KUBERNETES_RPM_KEY,
        ),
        install_exact(manager, &["kubelet", "kubeadm"], &f.c.kubernetes_version),
    ];
    if manager == PackageManager::Apt {
        actions.push(Action::HoldPackages {
            packages: strings(&["kubelet", "kubeadm"]),
        });
    }
    actions.push(Action::Service {
        name: "kubelet".to_owned(),
        state: ServiceState::Enabled,
    });
    step(
        StepId::NodeK8sPackages,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::RestartKubelet],
    )
}

/// 16. `node.kubelet_config`: the value quoted, not the whole line.
pub(crate) fn kubelet_config(n: &NodeFacts) -> Step {
    let actions = vec![Action::LineInFile {
        path: n.profile.family().kubelet_env_file().to_owned(),
        regexp: "^KUBELET_EXTRA_ARGS=".to_owned(),
        line: format!("KUBELET_EXTRA_ARGS=\"--node-ip={}\"", n.n.mgmt_ip),
    }];
    step(
        StepId::NodeKubeletConfig,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![Handler::RestartKubelet],
    )
}

/// 17. `node.k8s_join`, with kubeadm's preflight checks on.
pub(crate) fn k8s_join(f: &Facts, n: &NodeFacts) -> Step {
    let actions = vec![
        Action::KubeadmJoin {
            apiserver: f.c.apiserver.clone(),
            token: f.join_token.clone(),
            ca_cert_hash: f.join_ca_cert_hash.clone(),
            node_name: n.hostname.clone(),
            ignore_preflight_errors: Vec::new(),
        },
        // Also on a re-run: a node joined earlier but not Ready is reported, not passed.
        Action::WaitNodeReady {
            node: n.hostname.clone(),
            kubelet_version: f.c.kubernetes_version.clone(),
            retries: READY_RETRIES,
            delay_seconds: READY_DELAY_SECONDS,
        },
    ];
    let guard = Guard::SkipWhenExists {
        path: KUBELET_CONF.to_owned(),
    };
    step(
        StepId::NodeK8sJoin,
        Some(&n.hostname),
        actions,
        guard,
        vec![],
    )
}

/// 18. `node.images`.
pub(crate) fn images(f: &Facts, n: &NodeFacts) -> Step {
    let actions = vec![Action::PullImages {
        kubernetes_version: f.c.kubernetes_version.clone(),
        image_repository: format!("{}/registry.k8s.io", f.c.registry),
        images: strings(&WORKER_IMAGES),
    }];
    step(
        StepId::NodeImages,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    )
}

/// 19. `node.labels`, on the controller, only when the node has labels.
pub(crate) fn labels(n: &NodeFacts) -> Option<Step> {
    if !n.has_labels {
        return None;
    }
    let actions = vec![Action::LabelNode {
        node: n.hostname.clone(),
        labels: n.labels.clone(),
    }];
    Some(step(
        StepId::NodeLabels,
        Some(&n.hostname),
        actions,
        Guard::Converges,
        vec![],
    ))
}

/// Steps 6 to 19 for one node, in order.
pub(crate) fn node_steps(f: &Facts, n: &NodeFacts) -> Vec<Step> {
    let mut steps = vec![
        preflight(f, n),
        hostname(n),
        network(f, n),
        proxy(f, n),
        time(f, n),
        kernel(f, n),
        swap(n),
    ];
    steps.extend(selinux_firewall(n));
    steps.extend([
        runtime(f, n),
        k8s_packages(f, n),
        kubelet_config(n),
        k8s_join(f, n),
        images(f, n),
    ]);
    steps.extend(labels(n));
    steps
}

// ---------------------------------------------------------------- controller, always

/// 20. `controller.cleanup`.
pub(crate) fn cleanup(f: &Facts) -> Step {
    let mut actions = Vec::new();
    if !f.shape.join_given {
        actions.push(Action::DeleteJoinToken);
    }
    actions.extend([
        Action::Remove {
            path: STAGE_DIR.to_owned(),
        },
        Action::Unlock {
            path: LOCK_DIR.to_owned(),
        },
        Action::ReportFailedNodes,
    ]);
    step(
        StepId::ControllerCleanup,
        None,
        actions,
        Guard::Always,
        vec![],
    )
}

/// Steps 1 to 5.
pub(crate) fn controller_steps(f: &Facts, nodes: &[(String, String)]) -> Vec<Step> {
    vec![
        lock(f),
        inventory(nodes.to_vec()),
        hosts(nodes),
        stage(f),
        join_credentials(f),
    ]
}

// ---------------------------------------------------------------- upgrade (§7)

/// Seconds `kubectl drain` may take: pods with long grace periods are given time, a pod a
/// disruption budget protects for good fails the node instead of hanging the run.
pub(crate) const DRAIN_TIMEOUT_SECONDS: u32 = 300;

/// One minor of an upgrade: the version installed there and its repository, concrete or as
/// references to the node's `edgeworker_upgrade[i]` in the playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MinorStrings {
    pub(crate) version: String,
    pub(crate) minor: String,
    pub(crate) deb_url: String,
    pub(crate) deb_key: String,
    pub(crate) rpm_url: String,
    pub(crate) rpm_key: String,
}

impl MinorStrings {
    /// The repositories of `version`'s minor: the controller's `package_sources` with
    /// `{minor}` for that minor, or upstream.
    pub(crate) fn concrete(
        c: &Controller,
        version: &KubeVersion,
    ) -> Result<Self, super::PlanError> {
        let sources = c.package_sources_for(version)?;
        let minor = version.minor_series();
        let (deb_url, deb_key) = source_strings(
            sources.kubernetes_deb.as_ref(),
            &format!("https://pkgs.k8s.io/core:/stable:/{minor}/deb/"),
            "Release.key",
        );
        let (rpm_url, rpm_key) = source_strings(
            sources.kubernetes_rpm.as_ref(),
            &format!("https://pkgs.k8s.io/core:/stable:/{minor}/rpm/"),
            "repodata/repomd.xml.key",
        );
        Ok(Self {
            version: version.to_string(),
            minor,
            deb_url,
            deb_key,
            rpm_url,
            rpm_key,
        })
    }

    /// References to the fields of `base` (an Ansible expression of a mapping of them).
    pub(crate) fn symbolic(base: &str) -> Self {
        let field = |name: &str| format!("{{{{ {base}.{name} }}}}");
        Self {
            version: field("version"),
            minor: field("minor"),
            deb_url: field("deb_url"),
            deb_key: field("deb_key"),
            rpm_url: field("rpm_url"),
            rpm_key: field("rpm_key"),
        }
    }

    /// `(key, value)` for the inventory's mapping of this minor.
    pub(crate) fn vars(&self) -> [(&'static str, &str); 6] {
        [
            ("version", &self.version),
            ("minor", &self.minor),
            ("deb_url", &self.deb_url),
            ("deb_key", &self.deb_key),
            ("rpm_url", &self.rpm_url),
            ("rpm_key", &self.rpm_key),
        ]
    }

    fn staged_deb_key(&self) -> String {
        format!("{STAGE_DIR}/kubernetes-deb-{}.key", self.minor)
    }

    fn staged_rpm_key(&self) -> String {
        format!("{STAGE_DIR}/kubernetes-rpm-{}.key", self.minor)
    }
}

impl Facts {
    /// These facts with the Kubernetes version and repositories of one minor of an upgrade.
    pub(crate) fn for_minor(&self, m: &MinorStrings) -> Self {
        let mut facts = self.clone();
        facts.c.kubernetes_version.clone_from(&m.version);
        facts.c.kubernetes_minor.clone_from(&m.minor);
        facts.c.kubernetes_deb_url.clone_from(&m.deb_url);
        facts.c.kubernetes_deb_key.clone_from(&m.deb_key);
        facts.c.kubernetes_rpm_url.clone_from(&m.rpm_url);
        facts.c.kubernetes_rpm_key.clone_from(&m.rpm_key);
        facts
    }
}

/// `controller.stage` of an upgrade: the repository keys that are controller files, one per
/// minor on the way; `None` when every key is a URL.
pub(crate) fn upgrade_stage(f: &Facts, minors: &[MinorStrings]) -> Option<Step> {
    let s = f.shape;
    if s.kubernetes_deb_key != KeyKind::File && s.kubernetes_rpm_key != KeyKind::File {
        return None;
    }
    let mut actions = vec![Action::Directory {
        path: STAGE_DIR.to_owned(),
        mode: 0o700,
    }];
    for m in minors {
        if s.kubernetes_deb_key == KeyKind::File {
            actions.push(Action::CopyOnController {
                src: m.deb_key.clone(),
                dest: m.staged_deb_key(),
                mode: 0o644,
            });
        }
        if s.kubernetes_rpm_key == KeyKind::File {
            actions.push(Action::CopyOnController {
                src: m.rpm_key.clone(),
                dest: m.staged_rpm_key(),
                mode: 0o644,
            });
        }
    }
    actions.push(Action::HandOverToOperator {
        path: STAGE_DIR.to_owned(),
    });
    Some(step(
        StepId::ControllerStage,
        None,
        actions,
        Guard::Converges,
        vec![],
    ))
}

/// `node.drain`, from the controller; skipped for a node already upgraded.
pub(crate) fn drain(f: &Facts, n: &NodeFacts) -> Step {
    step(
        StepId::NodeDrain,
        Some(&n.hostname),
        vec![Action::DrainNode {
            node: n.hostname.clone(),
            timeout_seconds: DRAIN_TIMEOUT_SECONDS,
        }],
        Guard::SkipWhenUpgraded {
            version: f.c.kubernetes_version.clone(),
        },
        vec![],
    )
}

/// `node.upgrade_minor` for one minor, as kubeadm documents it for a worker: the minor's
/// repository, kubeadm first, `kubeadm upgrade node`, then the kubelet, both held again,
/// and the kubelet restarted on its new configuration.
pub(crate) fn upgrade_minor(f: &Facts, m: &MinorStrings, n: &NodeFacts) -> Step {
    let f = f.for_minor(m);
    let manager = n.profile.packages;
    let apt = manager == PackageManager::Apt;
    let mut actions = vec![kubernetes_repository(
        &f,
        manager,
        &m.staged_deb_key(),
        &m.staged_rpm_key(),
    )];
    let unhold = |package: &str| Action::UnholdPackages {
        packages: strings(&[package]),
    };
    if apt {
        actions.push(unhold("kubeadm"));
    }
    actions.extend([
        install_exact(manager, &["kubeadm"], &m.version),
        Action::KubeadmUpgradeNode {
            version: m.version.clone(),
        },
    ]);
    if apt {
        actions.push(unhold("kubelet"));
    }
    actions.push(install_exact(manager, &["kubelet"], &m.version));
    if apt {
        actions.push(Action::HoldPackages {
            packages: strings(&["kubelet", "kubeadm"]),
        });
    }
    actions.push(Action::Restart {
        name: "kubelet".to_owned(),
    });
    step(
        StepId::NodeUpgradeMinor,
        Some(&n.hostname),
        actions,
        Guard::SkipWhenKubeletAtLeast {
            version: m.version.clone(),
        },
        vec![],
    )
}

/// `node.uncordon`: Ready at the target version, then schedulable again.
pub(crate) fn uncordon(f: &Facts, n: &NodeFacts) -> Step {
    step(
        StepId::NodeUncordon,
        Some(&n.hostname),
        vec![
            Action::WaitNodeReady {
                node: n.hostname.clone(),
                kubelet_version: f.c.kubernetes_version.clone(),
                retries: READY_RETRIES,
                delay_seconds: READY_DELAY_SECONDS,
            },
            Action::UncordonNode {
                node: n.hostname.clone(),
            },
        ],
        Guard::SkipWhenUpgraded {
            version: f.c.kubernetes_version.clone(),
        },
        vec![],
    )
}

/// `controller.cleanup` of an upgrade: no token (an upgrade joins nothing).
pub(crate) fn upgrade_cleanup() -> Step {
    step(
        StepId::ControllerCleanup,
        None,
        vec![
            Action::Remove {
                path: STAGE_DIR.to_owned(),
            },
            Action::Unlock {
                path: LOCK_DIR.to_owned(),
            },
            Action::ReportFailedUpgrades,
        ],
        Guard::Always,
        vec![],
    )
}
