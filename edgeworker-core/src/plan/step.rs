//! The provisioning steps as data: ids, sides, typed actions, guards and notifications.

use std::fmt;

use serde::{Serialize, Serializer};

use super::os::PackageManager;

/// Where a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// On the StarlingX controller that runs the playbook.
    Controller,
    /// On an edgeworker node.
    Node,
}

macro_rules! step_ids {
    ($($variant:ident = $number:literal, $id:literal, $side:ident, $title:literal;)*) => {
        /// The stable identity of a step: 1–20 in the order of `PROVISIONING.md` §3, then the
        /// upgrade's own steps (its §7), 21–23.
        ///
        /// ```
        /// use edgeworker_core::plan::{Side, StepId};
        /// assert_eq!(StepId::NodeK8sJoin.as_str(), "node.k8s_join");
        /// assert_eq!(StepId::NodeK8sJoin.number(), 17);
        /// assert_eq!(StepId::NodeLabels.side(), Side::Controller);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum StepId {
            $(#[doc = concat!("Step ", $number, ", `", $id, "`.")] $variant,)*
        }

        impl StepId {
            /// Every step, in order.
            pub const ALL: &[Self] = &[$(Self::$variant),*];

            /// The stable id (`controller.lock`).
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// The step's number in `PROVISIONING.md` §3, from 1.
            #[must_use]
            pub fn number(self) -> u8 {
                match self { $(Self::$variant => $number,)* }
            }

            /// Where it runs.
            #[must_use]
            pub fn side(self) -> Side {
                match self { $(Self::$variant => Side::$side,)* }
            }

            /// What it does, for a person.
            #[must_use]
            pub fn title(self) -> &'static str {
                match self { $(Self::$variant => $title,)* }
            }
        }
    };
}

step_ids! {
    ControllerLock = 1, "controller.lock", Controller, "Take the provisioning lock";
    ControllerInventory = 2, "controller.inventory", Controller, "Check each node is a known edgeworker host with the planned address";
    ControllerHosts = 3, "controller.hosts", Controller, "Add each node to /etc/hosts";
    ControllerStage = 4, "controller.stage", Controller, "Stage the containerd configuration and registry CA";
    ControllerJoinCredentials = 5, "controller.join_credentials", Controller, "Prepare the join token and CA public-key hash";
    NodePreflight = 6, "node.preflight", Node, "Check OS, architecture, address, resources and existing kubelet";
    NodeHostname = 7, "node.hostname", Node, "Set the hostname";
    NodeNetwork = 8, "node.network", Node, "Configure the management interface, DNS and registry name";
    NodeProxy = 9, "node.proxy", Node, "Configure the package-manager and container-runtime proxy";
    NodeTime = 10, "node.time", Node, "Synchronize time with the controller";
    NodeKernel = 11, "node.kernel", Node, "Load kernel modules and set sysctls for Kubernetes networking";
    NodeSwap = 12, "node.swap", Node, "Turn swap off for good";
    NodeSelinuxFirewall = 13, "node.selinux_firewall", Node, "Set SELinux permissive and open the kubelet port";
    NodeRuntime = 14, "node.runtime", Node, "Install and configure containerd";
    NodeK8sPackages = 15, "node.k8s_packages", Node, "Install kubelet and kubeadm at the control plane's version";
    NodeKubeletConfig = 16, "node.kubelet_config", Node, "Set the kubelet's node IP";
    NodeK8sJoin = 17, "node.k8s_join", Node, "Join the Kubernetes cluster";
    NodeImages = 18, "node.images", Node, "Pre-pull the worker images from the local registry";
    NodeLabels = 19, "node.labels", Controller, "Apply the node labels";
    ControllerCleanup = 20, "controller.cleanup", Controller, "Clean up, release the lock and report failed nodes";
    NodeDrain = 21, "node.drain", Controller, "Drain the node before its upgrade";
    NodeUpgradeMinor = 22, "node.upgrade_minor", Node, "Upgrade kubeadm, the node's configuration and the kubelet to the next minor";
    NodeUncordon = 23, "node.uncordon", Controller, "Wait until the node is Ready at the new version, then uncordon it";
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StepId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// When a step is skipped on a re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Guard {
    /// Runs every time; each action converges, so a re-run changes nothing.
    Converges,
    /// Skipped when this path exists on the side the step runs on.
    SkipWhenExists {
        /// The path.
        path: String,
    },
    /// Runs every time by design (locks, checks, cleanup).
    Always,
    /// Skipped when the cluster shows the node's kubelet at this version and the node
    /// schedulable (upgraded by an earlier run).
    SkipWhenUpgraded {
        /// The kubelet version of an upgraded node (`1.30.1`).
        version: String,
    },
    /// Skipped when the node's installed kubelet is at this version or newer (this minor
    /// was passed on an earlier run).
    SkipWhenKubeletAtLeast {
        /// The version.
        version: String,
    },
}

impl fmt::Display for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Converges => f.write_str("re-run safe: every action converges"),
            Self::SkipWhenExists { path } => write!(f, "skipped when {path} exists"),
            Self::Always => f.write_str("runs on every run"),
            Self::SkipWhenUpgraded { version } => write!(
                f,
                "skipped when the cluster shows the node schedulable with kubelet v{version}"
            ),
            Self::SkipWhenKubeletAtLeast { version } => {
                write!(f, "skipped when the node's kubelet is {version} or newer")
            }
        }
    }
}

/// A service action triggered when a step changed something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handler {
    /// Reload systemd units and restart containerd.
    RestartContainerd,
    /// Restart the kubelet (only once it is configured by the join).
    RestartKubelet,
    /// Apply `/etc/sysctl.d/`.
    ReloadSysctl,
    /// Restart chrony.
    RestartTimeSync,
}

impl Handler {
    /// The handler's name, as notified.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RestartContainerd => "restart containerd",
            Self::RestartKubelet => "restart kubelet",
            Self::ReloadSysctl => "reload sysctl",
            Self::RestartTimeSync => "restart time sync",
        }
    }
}

/// Desired state of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// Running and enabled at boot.
    RunningEnabled,
    /// Enabled at boot, started later by another step (the kubelet, started by the join).
    Enabled,
    /// Masked: never started.
    Masked,
}

/// A node's network manager, detected at run time: the management interface is configured
/// through the one the node already uses, never by switching managers under the connection
/// Ansible runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkManager {
    /// `systemd-networkd` is active (Debian-like with networkd, Ubuntu's netplan default).
    Networkd,
    /// `NetworkManager` is active (the RHEL family, Ubuntu desktop).
    NetworkManager,
    /// Neither runs and `/etc/network/interfaces` exists: ifupdown with dhclient (a stock
    /// Debian install).
    Ifupdown,
}

impl NetworkManager {
    /// The name the playbook's detection task reports.
    ///
    /// ```
    /// use edgeworker_core::plan::NetworkManager;
    /// assert_eq!(NetworkManager::Ifupdown.as_str(), "ifupdown");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Networkd => "networkd",
            Self::NetworkManager => "networkmanager",
            Self::Ifupdown => "ifupdown",
        }
    }

    /// What a person calls it.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Networkd => "systemd-networkd",
            Self::NetworkManager => "NetworkManager",
            Self::Ifupdown => "ifupdown with dhclient",
        }
    }
}

/// A kernel module and the path that exists once its function is present, whether it was
/// loaded as a module or built into the kernel (a built-in without parameters has no
/// `/sys/module` entry, so that alone cannot tell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KernelModule {
    /// The module.
    pub name: String,
    /// Exists when the module's function is available.
    pub present_when: String,
}

/// One preflight check on a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Check {
    /// The node runs this OS release.
    OsRelease {
        /// `/etc/os-release` `ID`.
        id: String,
        /// The release.
        version: String,
    },
    /// The node's CPU architecture, as the kernel names it.
    Arch {
        /// `x86_64` or `aarch64`.
        kernel_name: String,
    },
    /// The management address is configured on an interface, of the management network's
    /// family.
    MgmtAddress {
        /// The address.
        ip: String,
        /// True for an IPv6 management network.
        ipv6: bool,
    },
    /// At least this many CPUs and this much memory; a warning, not a failure.
    MinResources {
        /// CPUs.
        cpus: u32,
        /// Memory in MiB.
        memory_mib: u32,
    },
    /// No kubelet joined to another cluster: an existing kubelet.conf must point at this
    /// API server.
    NotJoinedElsewhere {
        /// The kubelet's kubeconfig.
        kubelet_conf: String,
        /// The expected API server endpoint.
        apiserver: String,
    },
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OsRelease { id, version } => write!(f, "OS is {id} {version}"),
            Self::Arch { kernel_name } => write!(f, "architecture is {kernel_name}"),
            Self::MgmtAddress { ip, ipv6 } => {
                let family = if *ipv6 { "IPv6" } else { "IPv4" };
                write!(f, "{ip} is on an interface ({family} management network)")
            }
            Self::MinResources { cpus, memory_mib } => {
                write!(
                    f,
                    "at least {cpus} CPUs and {memory_mib} MiB of memory (warning only)"
                )
            }
            Self::NotJoinedElsewhere {
                kubelet_conf,
                apiserver,
            } => {
                write!(f, "an existing {kubelet_conf} points at {apiserver}")
            }
        }
    }
}

/// Where the join token comes from, as an action sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum TokenSource {
    /// `kubeadm token create --ttl <minutes>m` on the controller; deleted in cleanup.
    Create {
        /// Lifetime in minutes.
        ttl_minutes: u32,
    },
    /// Given by the operator through this environment variable of `ansible-playbook`.
    Environment {
        /// The variable's name.
        variable: String,
    },
}

/// Where a repository's signing key comes from, as an action sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum KeyOrigin {
    /// Fetched by the node (through the proxy, when one is set).
    Url {
        /// The URL.
        url: String,
    },
    /// Staged on the controller by `controller.stage` and copied to the node.
    Staged {
        /// The staged file on the controller.
        path: String,
    },
}

impl fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url { url } => f.write_str(url),
            Self::Staged { path } => write!(f, "controller:{path}"),
        }
    }
}

/// What a step does, typed. Strings are the final text written or run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Take the lock directory atomically; a held lock fails the run, saying whether it is
    /// older than `stale_after_minutes` (stale) — it is never broken silently.
    Lock {
        /// The lock directory.
        path: String,
        /// Age in minutes from which a held lock is reported as stale.
        stale_after_minutes: u32,
    },
    /// Remove the lock directory.
    Unlock {
        /// The lock directory.
        path: String,
    },
    /// Check the node before changing anything.
    Preflight {
        /// The checks, in order.
        checks: Vec<Check>,
    },
    /// Check each node against the controller's host inventory (`system host-show`):
    /// personality `edgeworker` and this management address.
    CheckInventory {
        /// `(hostname, mgmt_ip)` per node.
        hosts: Vec<(String, String)>,
    },
    /// Give the staged files to the operator running `ansible-playbook`, who reads them as
    /// the sources of the copies to the nodes (a non-root operator cannot read root's files).
    HandOverToOperator {
        /// The staging directory.
        path: String,
    },
    /// Find the node's network manager (see [`NetworkManager`]); fail when it is none of
    /// `supported`.
    DetectNetworkManager {
        /// The managers this OS family is configured through.
        supported: Vec<NetworkManager>,
    },
    /// The management interface's configuration for one network manager, used only when the
    /// node runs that manager; applied in the same run (not by a handler a failed run would
    /// skip) whenever the manager's live state does not show it, then checked.
    ManagementInterface {
        /// The manager.
        manager: NetworkManager,
        /// The file.
        path: String,
        /// Its content.
        content: String,
        /// Permission bits.
        mode: u32,
    },
    /// The management interface's ifupdown stanza, used only when the node runs ifupdown:
    /// the interface is found by its MAC address, its own stanzas in
    /// `/etc/network/interfaces` are commented out, and this one is written and checked with
    /// `ifquery`. It takes effect when the interface next comes up (at boot): cycling the
    /// interface would cut the connection Ansible runs on.
    ManagementStanza {
        /// The file in `/etc/network/interfaces.d`.
        path: String,
        /// Its content.
        content: String,
    },
    /// `/etc/resolv.conf` names exactly these servers, when it is a plain file (a symlink
    /// belongs to systemd-resolved, which the interface configuration feeds).
    Nameservers {
        /// `nameserver <ip>` lines.
        lines: String,
    },
    /// Keep one `<ip> <name>` line per name in a hosts file, in a marked block.
    HostsEntry {
        /// The hosts file.
        path: String,
        /// The address.
        ip: String,
        /// The name.
        name: String,
    },
    /// Make a directory.
    Directory {
        /// The directory.
        path: String,
        /// Permission bits.
        mode: u32,
    },
    /// Write a whole file.
    WriteFile {
        /// The file.
        path: String,
        /// Its full content.
        content: String,
        /// Permission bits.
        mode: u32,
    },
    /// Copy a file within the controller.
    CopyOnController {
        /// Source path.
        src: String,
        /// Destination path.
        dest: String,
        /// Permission bits.
        mode: u32,
    },
    /// Copy a file from the controller to the node.
    CopyToNode {
        /// Source path on the controller.
        src: String,
        /// Destination path on the node.
        dest: String,
        /// Permission bits.
        mode: u32,
        /// Only when this directory exists on the node.
        only_if_dir_exists: Option<String>,
    },
    /// Set one line (replacing the line matching `regexp`).
    LineInFile {
        /// The file.
        path: String,
        /// The line to replace.
        regexp: String,
        /// The line.
        line: String,
    },
    /// Comment out swap entries in an fstab.
    CommentOutSwap {
        /// The fstab.
        path: String,
    },
    /// Remove a path.
    Remove {
        /// The path.
        path: String,
    },
    /// Remove the lines matching `regexp` from a file.
    RemoveLine {
        /// The file.
        path: String,
        /// The lines to remove.
        regexp: String,
    },
    /// An apt repository with its signing key.
    AptRepository {
        /// A short name (file names derive from it).
        name: String,
        /// The `deb` line, with `signed-by`.
        line: String,
        /// Where the key comes from: a URL, or a file staged on the controller.
        key: KeyOrigin,
        /// Where the key is stored.
        keyring: String,
    },
    /// A yum/dnf repository.
    RpmRepository {
        /// The repository id.
        name: String,
        /// Its base URL.
        baseurl: String,
        /// Its signing key: fetched by dnf from a URL, or a staged controller file copied to
        /// the node first.
        key: KeyOrigin,
        /// Packages excluded from routine updates (the hold of RPM systems).
        exclude: Vec<String>,
    },
    /// Install packages; versioned specs replace another installed version.
    InstallPackages {
        /// The package manager.
        manager: PackageManager,
        /// Package specs (`kubelet=1.29.2-*`, `kubelet-1.29.2`, `chrony`).
        packages: Vec<String>,
        /// The repository whose excludes this install overrides, if any.
        disable_excludes: Option<String>,
        /// The exact version every package must have (`1.29.2`): another version is
        /// replaced, held packages included; `None` for any version.
        exact_version: Option<String>,
    },
    /// Hold packages (apt) so routine upgrades leave them alone.
    HoldPackages {
        /// Package names.
        packages: Vec<String>,
    },
    /// Set the hostname.
    SetHostname {
        /// The name.
        name: String,
    },
    /// Load kernel modules now, each unless already present (persisting them is a
    /// [`Action::WriteFile`]).
    LoadModules {
        /// The modules.
        modules: Vec<KernelModule>,
    },
    /// Turn swap off now.
    SwapOff,
    /// Set `SELinux` permissive, now and at boot.
    SelinuxPermissive,
    /// Open ports in firewalld when it runs.
    FirewallOpen {
        /// `port/proto`.
        ports: Vec<String>,
    },
    /// A service's state.
    Service {
        /// The unit.
        name: String,
        /// Desired state.
        state: ServiceState,
    },
    /// Run the pending notifications now, then wait until a command succeeds.
    WaitFor {
        /// The command.
        argv: Vec<String>,
        /// Attempts.
        retries: u32,
        /// Seconds between attempts.
        delay_seconds: u32,
    },
    /// Check a program's version is at least `minimum`.
    MinimumVersion {
        /// The command printing the version.
        argv: Vec<String>,
        /// The minimum.
        minimum: String,
    },
    /// Make the bootstrap token available to the nodes.
    JoinToken {
        /// Where it comes from.
        source: TokenSource,
    },
    /// Make the CA public-key hash available: given, or computed from the CA certificate
    /// (RSA or EC).
    CaCertHash {
        /// The given hash, or `None` to compute it.
        given: Option<String>,
        /// The cluster CA certificate.
        ca_cert: String,
    },
    /// Delete the bootstrap token created by this run.
    DeleteJoinToken,
    /// `kubeadm join` with preflight checks on.
    KubeadmJoin {
        /// The API server endpoint.
        apiserver: String,
        /// The token, redacted unless secrets were asked for.
        token: String,
        /// The CA public-key hash.
        ca_cert_hash: String,
        /// The node name.
        node_name: String,
        /// Preflight checks ignored, each for a stated reason.
        ignore_preflight_errors: Vec<String>,
    },
    /// From the controller, wait (bounded) until the node is registered and Ready with this
    /// kubelet version, then report it.
    WaitNodeReady {
        /// The node.
        node: String,
        /// The kubelet version expected (`1.29.2`).
        kubelet_version: String,
        /// Attempts.
        retries: u32,
        /// Seconds between attempts.
        delay_seconds: u32,
    },
    /// Pull the worker images kubeadm lists for this version, from the local registry.
    PullImages {
        /// The Kubernetes version.
        kubernetes_version: String,
        /// The image repository.
        image_repository: String,
        /// Image names kept from the list (`pause`, `kube-proxy`, `coredns`).
        images: Vec<String>,
    },
    /// `kubectl label --overwrite` on the controller.
    LabelNode {
        /// The node.
        node: String,
        /// `key=value` pairs.
        labels: Vec<String>,
    },
    /// Fail the run when any node failed, naming the nodes and their failed step.
    ReportFailedNodes,
    /// On the controller: cordon the node and evict its pods (`kubectl drain`), bounded.
    DrainNode {
        /// The node.
        node: String,
        /// Seconds `kubectl drain` may take before it gives up.
        timeout_seconds: u32,
    },
    /// Release packages from their hold (apt) so they can be replaced.
    UnholdPackages {
        /// Package names.
        packages: Vec<String>,
    },
    /// `kubeadm upgrade node`: the node's kubelet configuration for the installed kubeadm.
    KubeadmUpgradeNode {
        /// The kubeadm version expected to run it (`1.30.1`).
        version: String,
    },
    /// Reload systemd's units and restart a service now.
    Restart {
        /// The unit.
        name: String,
    },
    /// On the controller: make the node schedulable again (`kubectl uncordon`).
    UncordonNode {
        /// The node.
        node: String,
    },
    /// Fail the run when any node was not upgraded, naming each node and its failed step
    /// (or that the run stopped before its batch).
    ReportFailedUpgrades,
}

fn octal(mode: u32) -> String {
    format!("{mode:04o}")
}

impl fmt::Display for Action {
    #[allow(clippy::too_many_lines)] // one arm per action kind reads best as one match
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lock {
                path,
                stale_after_minutes,
            } => write!(
                f,
                "take lock {path} (a held lock fails the run; older than {stale_after_minutes} min it is reported stale)"
            ),
            Self::Unlock { path } => write!(f, "release lock {path}"),
            Self::Preflight { checks } => {
                let list: Vec<String> = checks.iter().map(ToString::to_string).collect();
                write!(f, "check: {}", list.join("; "))
            }
            Self::CheckInventory { hosts } => {
                let list: Vec<String> = hosts.iter().map(|(h, ip)| format!("{h}={ip}")).collect();
                write!(
                    f,
                    "system host-show: personality edgeworker and mgmt_ip for {}",
                    list.join(", ")
                )
            }
            Self::HostsEntry { path, ip, name } => write!(f, "{path}: {ip} {name}"),
            Self::Directory { path, mode } => write!(f, "directory {path} (mode {})", octal(*mode)),
            Self::WriteFile {
                path,
                content,
                mode,
            } => {
                write!(f, "write {path} (mode {}):", octal(*mode))?;
                for line in content.lines() {
                    write!(f, "\n        | {line}")?;
                }
                Ok(())
            }
            Self::CopyOnController { src, dest, mode } => {
                write!(f, "copy {src} to {dest} (mode {})", octal(*mode))
            }
            Self::CopyToNode {
                src,
                dest,
                mode,
                only_if_dir_exists,
            } => {
                write!(f, "copy controller:{src} to {dest} (mode {})", octal(*mode))?;
                match only_if_dir_exists {
                    Some(dir) => write!(f, " when {dir} exists"),
                    None => Ok(()),
                }
            }
            Self::LineInFile { path, regexp, line } => {
                write!(f, "{path}: line {line} (replacing /{regexp}/)")
            }
            Self::CommentOutSwap { path } => write!(f, "{path}: comment out swap entries"),
            Self::Remove { path } => write!(f, "remove {path}"),
            Self::RemoveLine { path, regexp } => write!(f, "{path}: remove lines /{regexp}/"),
            Self::HandOverToOperator { path } => write!(
                f,
                "give {path} to the operator running ansible-playbook (mode 0700, readable by no one else)"
            ),
            Self::DetectNetworkManager { supported } => {
                let list: Vec<&str> = supported.iter().map(|m| m.title()).collect();
                write!(
                    f,
                    "find the node's network manager (one of: {}); fail on any other",
                    list.join(", ")
                )
            }
            Self::ManagementInterface {
                manager,
                path,
                content,
                mode,
            } => {
                let apply = match manager {
                    NetworkManager::Networkd => {
                        "; apply with `networkctl reload` unless networkd already uses it, then check it does"
                    }
                    NetworkManager::NetworkManager => {
                        "; apply with `nmcli connection reload` and `nmcli connection up edgeworker-mgmt` unless it is active, then check it is"
                    }
                    NetworkManager::Ifupdown => {
                        " (dhclient keeps these DNS servers from the next lease on; the address stays with ifupdown)"
                    }
                };
                write!(
                    f,
                    "when the node runs {}: write {path} (mode {}){apply}:",
                    manager.title(),
                    octal(*mode)
                )?;
                for line in content.lines() {
                    write!(f, "\n        | {line}")?;
                }
                Ok(())
            }
            Self::ManagementStanza { path, content } => {
                write!(
                    f,
                    "when the node runs ifupdown: find the interface by its MAC address, comment out its other stanzas in ifupdown's files, write {path} (mode 0644), check `ifquery` reads the address from it; in effect from the next boot (the interface is not cycled under the connection):"
                )?;
                for line in content.lines() {
                    write!(f, "\n        | {line}")?;
                }
                Ok(())
            }
            Self::Nameservers { lines } => {
                let servers: Vec<&str> = lines
                    .lines()
                    .filter_map(|l| l.strip_prefix("nameserver "))
                    .collect();
                write!(
                    f,
                    "/etc/resolv.conf (when not a symlink): nameservers {}",
                    servers.join(" ")
                )
            }
            Self::WaitNodeReady {
                node,
                kubelet_version,
                retries,
                delay_seconds,
            } => write!(
                f,
                "on the controller: wait until node {node} is Ready with kubelet v{kubelet_version} ({retries} tries, {delay_seconds} s apart), then report it"
            ),
            Self::AptRepository { line, key, .. } => {
                write!(
                    f,
                    "apt repository {line} (key {key}; apt-get update when it changed)"
                )
            }
            Self::RpmRepository {
                name,
                baseurl,
                key,
                exclude,
            } => {
                write!(f, "rpm repository {name} {baseurl} (key {key})")?;
                if !exclude.is_empty() {
                    write!(f, " (excluding {} from updates)", exclude.join(" "))?;
                }
                Ok(())
            }
            Self::InstallPackages {
                manager,
                packages,
                exact_version,
                ..
            } => {
                write!(f, "{manager} install {}", packages.join(" "))?;
                if exact_version.is_some() {
                    f.write_str(" (replacing any other installed version, held or not)")?;
                }
                Ok(())
            }
            Self::HoldPackages { packages } => write!(f, "apt-mark hold {}", packages.join(" ")),
            Self::SetHostname { name } => write!(f, "hostname {name}"),
            Self::LoadModules { modules } => {
                let list: Vec<String> = modules
                    .iter()
                    .map(|m| format!("{} (unless {} exists)", m.name, m.present_when))
                    .collect();
                write!(f, "modprobe {}", list.join(", "))
            }
            Self::SwapOff => f.write_str("swapoff -a"),
            Self::SelinuxPermissive => {
                f.write_str("SELinux permissive now (setenforce 0) and at boot")
            }
            Self::FirewallOpen { ports } => {
                write!(f, "firewalld (when running): open {}", ports.join(" "))
            }
            Self::Service { name, state } => {
                let state = match state {
                    ServiceState::RunningEnabled => "running and enabled",
                    ServiceState::Enabled => "enabled",
                    ServiceState::Masked => "masked",
                };
                write!(f, "service {name} {state}")
            }
            Self::WaitFor {
                argv,
                retries,
                delay_seconds,
            } => write!(
                f,
                "wait until `{}` succeeds ({retries} tries, {delay_seconds} s apart)",
                argv.join(" ")
            ),
            Self::MinimumVersion { argv, minimum } => {
                write!(f, "`{}` reports at least {minimum}", argv.join(" "))
            }
            Self::JoinToken {
                source: TokenSource::Create { ttl_minutes },
            } => {
                write!(
                    f,
                    "kubeadm token create --ttl {ttl_minutes}m (deleted in cleanup)"
                )
            }
            Self::JoinToken {
                source: TokenSource::Environment { variable },
            } => {
                write!(
                    f,
                    "read the given join token from ${variable} (never written to a file)"
                )
            }
            Self::CaCertHash {
                given: Some(hash), ..
            } => write!(f, "CA public-key hash given: {hash}"),
            Self::CaCertHash {
                given: None,
                ca_cert,
            } => {
                write!(
                    f,
                    "compute the CA public-key hash (sha256 of the DER public key of {ca_cert})"
                )
            }
            Self::DeleteJoinToken => {
                f.write_str("kubeadm token delete <the token created by this run>")
            }
            Self::KubeadmJoin {
                apiserver,
                token,
                ca_cert_hash,
                node_name,
                ignore_preflight_errors,
            } => {
                write!(
                    f,
                    "kubeadm join {apiserver} --token {token} --discovery-token-ca-cert-hash {ca_cert_hash} --node-name {node_name}"
                )?;
                if !ignore_preflight_errors.is_empty() {
                    write!(
                        f,
                        " --ignore-preflight-errors={}",
                        ignore_preflight_errors.join(",")
                    )?;
                }
                f.write_str(
                    " (the token through the environment; a failure shows kubeadm's error without it)",
                )
            }
            Self::PullImages {
                kubernetes_version,
                image_repository,
                images,
            } => write!(
                f,
                "pull {} of `kubeadm config images list --kubernetes-version v{kubernetes_version} --image-repository {image_repository}`",
                images.join(", ")
            ),
            Self::LabelNode { node, labels } => write!(
                f,
                "kubectl label --overwrite node {node} {}",
                labels.join(" ")
            ),
            Self::ReportFailedNodes => f.write_str(
                "fail the run if any node failed, naming each node and the step it failed at",
            ),
            Self::DrainNode {
                node,
                timeout_seconds,
            } => write!(
                f,
                "kubectl drain {node} --ignore-daemonsets --delete-emptydir-data --timeout={timeout_seconds}s"
            ),
            Self::UnholdPackages { packages } => {
                write!(f, "release the hold on {}", packages.join(" "))
            }
            Self::KubeadmUpgradeNode { version } => {
                write!(f, "kubeadm upgrade node (kubeadm {version})")
            }
            Self::Restart { name } => write!(f, "systemctl daemon-reload; restart {name}"),
            Self::UncordonNode { node } => write!(f, "kubectl uncordon {node}"),
            Self::ReportFailedUpgrades => f.write_str(
                "fail the run if any node was not upgraded, naming each node and the step it failed at (a failed node stays cordoned; later batches do not start)",
            ),
        }
    }
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which step.
    pub id: StepId,
    /// The node it is for; `None` for controller steps run once.
    pub node: Option<String>,
    /// What it does, in order.
    pub actions: Vec<Action>,
    /// When it is skipped on a re-run.
    pub guard: Guard,
    /// What it notifies when it changed something.
    pub notify: Vec<Handler>,
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Step", 8)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("number", &self.id.number())?;
        s.serialize_field("side", &self.id.side())?;
        s.serialize_field("title", self.id.title())?;
        s.serialize_field("node", &self.node)?;
        s.serialize_field("actions", &self.actions)?;
        s.serialize_field("guard", &self.guard)?;
        s.serialize_field("notify", &self.notify)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbered_in_order_without_gaps() {
        for (i, id) in StepId::ALL.iter().enumerate() {
            assert_eq!(usize::from(id.number()), i + 1, "{id}");
        }
        assert_eq!(StepId::ALL.len(), 23);
    }

    #[test]
    fn ids_are_unique_and_prefixed_by_their_runner() {
        let mut seen = std::collections::HashSet::new();
        for id in StepId::ALL {
            assert!(seen.insert(id.as_str()), "{id}");
            assert!(id.as_str().starts_with("controller.") || id.as_str().starts_with("node."));
        }
    }

    #[test]
    fn steps_serialize_with_number_side_and_title() {
        let step = Step {
            id: StepId::NodeSwap,
            node: Some("edge-1".into()),
            actions: vec![Action::SwapOff],
            guard: Guard::Converges,
            notify: vec![],
        };
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["id"], "node.swap");
        assert_eq!(json["number"], 12);
        assert_eq!(json["side"], "node");
        assert_eq!(json["actions"][0]["kind"], "swap_off");
        assert_eq!(json["guard"]["kind"], "converges");
    }
}
