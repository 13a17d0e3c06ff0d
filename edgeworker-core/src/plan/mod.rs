//! The provisioning plan: validated inputs → ordered, typed steps → JSON, text and Ansible.
//!
//! The data flows one way: [`Controller`] and [`Node`] facts are parsed and validated (first
//! problem wins, as a [`PlanError`] naming node and field), a [`Plan`] decides per node
//! whether kubelet and kubeadm are installed, kept or reinstalled ([`InstallDecision`]), and
//! the steps of `PROVISIONING.md` §3 are built from it ([`Plan::steps`]). The renderers only
//! read a plan.
//!
//! ```
//! use edgeworker_core::plan::{Plan, Secrets};
//! use serde_json::json;
//!
//! let controller = json!({
//!     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
//!     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
//! });
//! let nodes = json!([{
//!     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
//!     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
//!     "kubelet_version": "1.28.4",
//! }]);
//! let plan = Plan::from_values(controller, nodes)?;
//! assert_eq!(plan.nodes()[0].decision().to_string(), "reinstall (1.28.4 -> 1.29.2)");
//! let ids: Vec<&str> = plan.steps(Secrets::Redact).iter().map(|s| s.id.as_str()).collect();
//! assert_eq!(ids.first(), Some(&"controller.lock"));
//! assert_eq!(ids.last(), Some(&"controller.cleanup"));
//! # Ok::<(), edgeworker_core::plan::PlanError>(())
//! ```

mod address_text;
pub(crate) mod builder;
mod error;
mod fields;
pub(crate) mod input;
mod os;
mod reader;
pub(crate) mod render;
mod sequence;
mod step;
mod values;
mod version;

pub use builder::{CLUSTER_CA, KUBELET_CONF, LOCK_DIR, STAGE_DIR, Secrets, WORKER_IMAGES};
pub use error::{PlanError, Problem, Subject};
pub use input::{
    Controller, DEFAULT_PYTHON, DEFAULT_REGISTRY, DEFAULT_RUN_TIMEOUT_MINUTES, Join,
    MaxUnavailable, MgmtAddressing, Node, PackageSource, PackageSources, Proxy, SourceKey,
    parse_nodes,
};
pub use os::{
    ANSIBLE_FOR_NEW_PYTHON, Arch, ContainerdSource, OsFamily, OsProfile, OsRelease,
    PYTHON_BEYOND_ANSIBLE_2_10, PackageManager, ReleaseMatch, SUPPORTED, find_os, supported_list,
};
pub use reader::{NodesError, read_nodes};
pub use render::ansible::{
    ANSIBLE_CFG, AnsibleFiles, CONTROLLER_GROUP, NODE_GROUP, RESTART_SWITCH, RenderError,
};
pub use render::write::HEADER as ANSIBLE_HEADER;
pub use render::write::WriteError;
pub use sequence::StepIter;
pub use step::{
    Action, Check, Guard, Handler, KernelModule, KeyOrigin, NetworkManager, ServiceState, Side,
    Step, StepId, TokenSource,
};
pub use values::{
    AbsolutePath, CaCertHash, Endpoint, JoinToken, LabelKey, LabelValue, NoProxyEntry, ProxyUrl,
    Registry, ServerName, SourceUrl, SshUser,
};
pub use version::{InstallDecision, KubeVersion, SkewVerdict, skew_check};

use std::io;
use std::path::Path;

use serde_json::Value;

/// The version of the JSON rendering's schema (`"schema": 1`).
pub const SCHEMA: u32 = 1;

/// The environment variable of `ansible-playbook` that carries a given join token at run
/// time; the token itself is never written into a rendered file.
pub const JOIN_TOKEN_ENV: &str = "EDGEWORKER_JOIN_TOKEN";

/// A node of a plan, with its install decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNode {
    node: Node,
    decision: InstallDecision,
}

impl PlannedNode {
    /// The node's validated facts.
    #[must_use]
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// What happens to its kubelet and kubeadm.
    #[must_use]
    pub fn decision(&self) -> &InstallDecision {
        &self.decision
    }
}

/// A validated provisioning plan for a set of nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    controller: Controller,
    nodes: Vec<PlannedNode>,
}

impl Plan {
    /// Builds a plan from validated inputs.
    ///
    /// # Errors
    ///
    /// A node whose management address is outside the controller's management subnet (or of
    /// the other family).
    pub fn new(controller: Controller, nodes: Vec<Node>) -> Result<Self, PlanError> {
        input::check_nodes_in_subnet(&controller, &nodes)?;
        let nodes = nodes
            .into_iter()
            .map(|node| PlannedNode {
                decision: InstallDecision::new(
                    controller.kubernetes_version(),
                    node.kubelet_version(),
                ),
                node,
            })
            .collect();
        Ok(Self { controller, nodes })
    }

    /// Parses and validates the controller facts and the nodes array, then builds the plan.
    ///
    /// # Errors
    ///
    /// The first invalid input, naming the node and the field.
    pub fn from_values(controller: Value, nodes: Value) -> Result<Self, PlanError> {
        let controller = Controller::from_value(controller)?;
        let nodes = parse_nodes(nodes)?;
        Self::new(controller, nodes)
    }

    /// The controller facts.
    #[must_use]
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The nodes, in input order.
    #[must_use]
    pub fn nodes(&self) -> &[PlannedNode] {
        &self.nodes
    }

    /// Every step in run order: controller steps 1–5, steps 6–19 node by node, cleanup.
    /// A given join token shows as `<redacted>` unless `secrets` is [`Secrets::Reveal`].
    #[must_use]
    pub fn steps(&self, secrets: Secrets) -> Vec<Step> {
        self.step_iter(secrets).collect()
    }

    /// The steps of [`Plan::steps`], built as they are taken, one node's at a time: what
    /// the JSON and text renderings write from, so a plan of any size is never all steps
    /// in memory.
    ///
    /// ```
    /// # use edgeworker_core::plan::{Plan, Secrets};
    /// # let plan = Plan::from_values(serde_json::json!({
    /// #     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
    /// #     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
    /// # }), serde_json::json!([{
    /// #     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
    /// #     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
    /// # }]))?;
    /// let for_edge_1 = plan.step_iter(Secrets::Redact).filter(|s| s.node.is_some()).count();
    /// assert!(for_edge_1 > 10);
    /// assert!(plan.step_iter(Secrets::Redact).eq(plan.steps(Secrets::Redact)));
    /// # Ok::<(), edgeworker_core::plan::PlanError>(())
    /// ```
    #[must_use]
    pub fn step_iter(&self, secrets: Secrets) -> StepIter<'_> {
        StepIter::new(self, secrets)
    }

    /// The plan as JSON data (schema [`SCHEMA`]).
    #[must_use]
    pub fn to_json(&self, secrets: Secrets) -> Value {
        render::json::render(self, secrets)
    }

    /// Writes [`Plan::to_json`] pretty-printed, and a newline, to `out` as it is built: the
    /// same bytes as `serde_json::to_string_pretty` of it, in memory one node's steps at a
    /// time instead of the whole document. (`out` is written in small pieces: give it a
    /// buffered writer.)
    ///
    /// ```
    /// # use edgeworker_core::plan::{Plan, Secrets};
    /// # let plan = Plan::from_values(serde_json::json!({
    /// #     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
    /// #     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
    /// # }), serde_json::json!([{
    /// #     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
    /// #     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
    /// # }]))?;
    /// let mut out = Vec::new();
    /// plan.write_json(Secrets::Redact, &mut out)?;
    /// let whole = serde_json::to_string_pretty(&plan.to_json(Secrets::Redact))? + "\n";
    /// assert_eq!(String::from_utf8(out)?, whole);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The writer's error; what was written before it is an incomplete document.
    pub fn write_json(&self, secrets: Secrets, out: &mut dyn io::Write) -> io::Result<()> {
        render::json::write(self, secrets, out)
    }

    /// The plan as text for a person to review before running it.
    #[must_use]
    pub fn to_text(&self) -> String {
        render::text::render(self)
    }

    /// Writes [`Plan::to_text`] to `out` as it is built, one node's steps at a time.
    /// (`out` is written a line at a time: give it a buffered writer.)
    ///
    /// ```
    /// # use edgeworker_core::plan::Plan;
    /// # let plan = Plan::from_values(serde_json::json!({
    /// #     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
    /// #     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
    /// # }), serde_json::json!([{
    /// #     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
    /// #     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
    /// # }]))?;
    /// let mut out = Vec::new();
    /// plan.write_text(&mut out)?;
    /// assert_eq!(String::from_utf8(out)?, plan.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The writer's error; what was written before it is an incomplete text.
    pub fn write_text(&self, out: &mut dyn io::Write) -> io::Result<()> {
        render::text::write(self, out)
    }

    /// The Ansible playbook and inventory, in memory.
    ///
    /// # Errors
    ///
    /// [`RenderError`] if the YAML library refuses the document (not expected for a
    /// validated plan).
    pub fn to_ansible(&self) -> Result<AnsibleFiles, RenderError> {
        render::ansible::render(self)
    }

    /// Writes `playbook.yml`, `inventory.yml` and `ansible.cfg` into `dir` (created if missing), each
    /// completely or not at all; see [`AnsibleFiles::write_to`].
    ///
    /// # Errors
    ///
    /// [`WriteError`] when rendering or writing fails.
    pub fn write_ansible(&self, dir: &Path) -> Result<(), WriteError> {
        self.to_ansible()?.write_to(dir)
    }
}
