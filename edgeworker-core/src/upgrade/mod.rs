//! The Kubernetes upgrade of edgeworker nodes (`PROVISIONING.md` §7, the spec's "Upgrade
//! impact"): after StarlingX has upgraded the control plane, each node's kubelet and kubeadm
//! follow, one minor at a time, in batches, as kubeadm documents it for worker nodes.
//!
//! Inputs are the controller facts (their `kubernetes_version` is the control plane's and the
//! target), the nodes (as for [`plan`](crate::plan)) and the cluster's view of the nodes
//! ([`ClusterNodes`], from `kubectl get nodes -o json`), which says where each kubelet is. The
//! policy ([`upgrade_path`]) decides each node's versions; the steps come from the same
//! builders as the provisioning plan, rendered as JSON, text and an Ansible playbook.
//!
//! ```
//! use edgeworker_core::upgrade::UpgradePlan;
//! use serde_json::json;
//!
//! let controller = json!({
//!     "kubernetes_version": "1.30.1", "apiserver": "192.168.204.2:6443",
//!     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
//! });
//! let nodes = json!([{
//!     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
//!     "os": {"id": "debian", "version": "12"}, "arch": "amd64", "ssh_user": "sysadmin",
//! }]);
//! let cluster = json!({"items": [{"metadata": {"name": "edge-1"},
//!                                 "status": {"nodeInfo": {"kubeletVersion": "v1.28.4"}}}]});
//! let plan = UpgradePlan::from_values(controller, nodes, cluster)?;
//! let path: Vec<String> = plan.nodes()[0].path().iter().map(ToString::to_string).collect();
//! assert_eq!(path, ["1.29.0", "1.30.1"]);
//! let ids: Vec<&str> = plan.steps().iter().map(|s| s.id.as_str()).collect();
//! assert_eq!(ids, [
//!     "controller.lock", "controller.inventory", "node.drain", "node.upgrade_minor",
//!     "node.upgrade_minor", "node.uncordon", "controller.cleanup",
//! ]);
//! # Ok::<(), edgeworker_core::upgrade::UpgradeError>(())
//! ```

mod cluster;
mod error;
mod policy;
mod render;

pub use cluster::ClusterNodes;
pub use error::UpgradeError;
pub use policy::{Refusal, SkewPoint, skew_along, upgrade_path};

use std::path::Path;

use serde_json::Value;

use crate::plan::builder::{self, Facts, MinorStrings, NodeFacts, Secrets};
use crate::plan::input::check_nodes_in_subnet;
use crate::plan::{
    AnsibleFiles, Controller, KubeVersion, Node, RenderError, Step, WriteError, parse_nodes,
};

/// The version of the upgrade JSON rendering's schema.
pub const SCHEMA: u32 = 1;

/// One node of an upgrade: where its kubelet is, the versions it goes through, and the skew
/// before and after each. The nodes file's `kubelet_version` is not read: the cluster says
/// where each kubelet is.
///
/// ```
/// use edgeworker_core::upgrade::UpgradePlan;
/// use serde_json::json;
///
/// let plan = UpgradePlan::from_values(
///     json!({"kubernetes_version": "1.30.1", "apiserver": "10.0.0.2:6443",
///            "mgmt_floating_address": "10.0.0.2", "mgmt_subnet": "10.0.0.0/24"}),
///     json!([{"hostname": "edge-1", "mgmt_ip": "10.0.0.50", "mgmt_mac": "08:00:27:aa:00:01",
///             "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64",
///             "ssh_user": "sysadmin", "kubelet_version": "1.27.0"}]),
///     json!({"items": [{"metadata": {"name": "edge-1"},
///                       "status": {"nodeInfo": {"kubeletVersion": "v1.30.1"}}}]}),
/// )?;
/// let node = &plan.nodes()[0];
/// assert_eq!(node.from().to_string(), "1.30.1");
/// assert!(node.path().is_empty(), "at the target: left alone");
/// assert_eq!(node.skew().len(), 1);
/// assert_eq!(plan.to_upgrade().count(), 0);
/// # Ok::<(), edgeworker_core::upgrade::UpgradeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeUpgrade {
    node: Node,
    from: KubeVersion,
    path: Vec<KubeVersion>,
    skew: Vec<SkewPoint>,
    /// Positions of `path`'s versions in the plan's minors.
    minor_indices: Vec<usize>,
}

impl NodeUpgrade {
    /// The node's validated facts.
    #[must_use]
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The kubelet version the cluster reports for it.
    #[must_use]
    pub fn from(&self) -> &KubeVersion {
        &self.from
    }

    /// The versions it goes through, in order; empty when it is at the target (left alone).
    #[must_use]
    pub fn path(&self) -> &[KubeVersion] {
        &self.path
    }

    /// The kubelet's version skew before the upgrade and after each version of the path.
    #[must_use]
    pub fn skew(&self) -> &[SkewPoint] {
        &self.skew
    }
}

/// A validated upgrade plan: the controller facts, every node with its path, and the
/// repositories of every version on the way. See the [module](self) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradePlan {
    controller: Controller,
    nodes: Vec<NodeUpgrade>,
    /// Every version any node passes through, ascending, with its repositories.
    minors: Vec<(KubeVersion, MinorStrings)>,
}

impl UpgradePlan {
    /// Builds the plan for `nodes` to the control plane's version.
    ///
    /// # Errors
    ///
    /// A node outside the management subnet, unknown to the cluster or with a version that
    /// does not parse there, or refused by the policy; a package source not valid for one of
    /// the minors on the way.
    pub fn new(
        controller: Controller,
        nodes: Vec<Node>,
        cluster: &ClusterNodes,
    ) -> Result<Self, UpgradeError> {
        check_nodes_in_subnet(&controller, &nodes)?;
        let target = controller.kubernetes_version().clone();
        let mut versions: Vec<KubeVersion> = Vec::new();
        let mut planned = Vec::with_capacity(nodes.len());
        for node in nodes {
            let name = node.hostname().as_str();
            let from = cluster.kubelet(name)?;
            // The control plane is at the target: StarlingX upgrades it first.
            let path =
                upgrade_path(&target, &target, &from).map_err(|refusal| UpgradeError::Refused {
                    node: name.to_owned(),
                    refusal,
                })?;
            versions.extend(path.iter().cloned());
            let skew = skew_along(&target, &from, &path);
            planned.push((node, from, path, skew));
        }
        versions.sort();
        versions.dedup();
        let minors = versions
            .into_iter()
            .map(|v| {
                let strings = MinorStrings::concrete(&controller, &v)?;
                Ok((v, strings))
            })
            .collect::<Result<Vec<_>, UpgradeError>>()?;
        let nodes = planned
            .into_iter()
            .map(|(node, from, path, skew)| {
                let minor_indices = path
                    .iter()
                    .filter_map(|v| minors.iter().position(|(m, _)| m == v))
                    .collect();
                NodeUpgrade {
                    node,
                    from,
                    path,
                    skew,
                    minor_indices,
                }
            })
            .collect();
        Ok(Self {
            controller,
            nodes,
            minors,
        })
    }

    /// Parses and validates the three inputs, then builds the plan.
    ///
    /// # Errors
    ///
    /// The first invalid input or refused node, as for [`UpgradePlan::new`].
    pub fn from_values(
        controller: Value,
        nodes: Value,
        kube_nodes: Value,
    ) -> Result<Self, UpgradeError> {
        let controller = Controller::from_value(controller)?;
        let nodes = parse_nodes(nodes)?;
        let cluster = ClusterNodes::from_value(kube_nodes)?;
        Self::new(controller, nodes, &cluster)
    }

    /// The controller facts.
    #[must_use]
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The target version (the control plane's).
    #[must_use]
    pub fn target(&self) -> &KubeVersion {
        self.controller.kubernetes_version()
    }

    /// Every node, in input order, those at the target included.
    #[must_use]
    pub fn nodes(&self) -> &[NodeUpgrade] {
        &self.nodes
    }

    /// The nodes the upgrade works on (not at the target).
    pub fn to_upgrade(&self) -> impl Iterator<Item = &NodeUpgrade> {
        self.nodes.iter().filter(|n| !n.path.is_empty())
    }

    pub(crate) fn minor_strings(&self) -> Vec<MinorStrings> {
        self.minors.iter().map(|(_, m)| m.clone()).collect()
    }

    pub(crate) fn minor_indices(node: &NodeUpgrade) -> &[usize] {
        &node.minor_indices
    }

    /// Every step in run order: the lock, the inventory check and the staged keys on the
    /// controller; per node to upgrade, the drain, one `node.upgrade_minor` per version of
    /// its path and the uncordon; the cleanup.
    #[must_use]
    pub fn steps(&self) -> Vec<Step> {
        let facts = Facts::concrete(&self.controller, Secrets::Redact);
        let hosts: Vec<(String, String)> = self
            .to_upgrade()
            .map(|n| (n.node.hostname().to_string(), n.node.mgmt_ip().to_string()))
            .collect();
        let mut steps = vec![builder::lock(&facts), builder::inventory(hosts)];
        let used: Vec<MinorStrings> = self.minor_strings();
        steps.extend(builder::upgrade_stage(&facts, &used));
        for n in self.to_upgrade() {
            let node = NodeFacts::concrete(&n.node);
            steps.push(builder::drain(&facts, &node));
            for &i in &n.minor_indices {
                steps.push(builder::upgrade_minor(&facts, &self.minors[i].1, &node));
            }
            steps.push(builder::uncordon(&facts, &node));
        }
        steps.push(builder::upgrade_cleanup());
        steps
    }

    /// The plan as JSON data (schema [`SCHEMA`]).
    #[must_use]
    pub fn to_json(&self) -> Value {
        render::json(self)
    }

    /// The plan as text for a person to review before running it.
    #[must_use]
    pub fn to_text(&self) -> String {
        render::text(self)
    }

    /// The Ansible playbook and inventory, in memory.
    ///
    /// # Errors
    ///
    /// [`RenderError`] if the YAML library refuses the document (not expected for a
    /// validated plan).
    pub fn to_ansible(&self) -> Result<AnsibleFiles, RenderError> {
        crate::plan::render::upgrade::render(self)
    }

    /// Writes `playbook.yml`, `inventory.yml` and `ansible.cfg` into `dir`, each completely
    /// or not at all, as [`Plan::write_ansible`](crate::plan::Plan::write_ansible) does.
    ///
    /// # Errors
    ///
    /// [`WriteError`] when rendering or writing fails.
    pub fn write_ansible(&self, dir: &Path) -> Result<(), WriteError> {
        self.to_ansible()?.write_to(dir)
    }
}
