//! The steps of a plan in run order, built as they are taken: the one builder behind
//! [`Plan::steps`], the JSON and text renderings, and nothing held beyond one node's steps.

use super::builder::{self, Facts, NodeFacts, Secrets};
use super::step::Step;
use super::{Plan, PlannedNode};

/// The steps of a plan in run order (controller steps 1–5, steps 6–19 node by node,
/// cleanup), each node's built when the first of them is taken; from [`Plan::step_iter`].
///
/// ```
/// use edgeworker_core::plan::{Plan, Secrets};
/// use serde_json::json;
///
/// let controller = json!({
///     "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
///     "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
/// });
/// let nodes = json!([{
///     "hostname": "edge-1", "mgmt_ip": "192.168.204.50", "mgmt_mac": "08:00:27:aa:00:01",
///     "os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
/// }]);
/// let plan = Plan::from_values(controller, nodes)?;
/// let mut steps = plan.step_iter(Secrets::Redact);
/// assert_eq!(steps.next().map(|s| s.id.as_str()), Some("controller.lock"));
/// assert_eq!(steps.last().map(|s| s.id.as_str()), Some("controller.cleanup"));
/// # Ok::<(), edgeworker_core::plan::PlanError>(())
/// ```
pub struct StepIter<'a> {
    facts: Facts,
    nodes: std::slice::Iter<'a, PlannedNode>,
    /// The steps built and not yet taken: the controller's, then one node's at a time.
    pending: std::vec::IntoIter<Step>,
    cleaned_up: bool,
}

impl<'a> StepIter<'a> {
    pub(crate) fn new(plan: &'a Plan, secrets: Secrets) -> Self {
        let facts = Facts::concrete(&plan.controller, secrets);
        // The inventory and /etc/hosts steps list every node: a name and an address each.
        let hosts: Vec<(String, String)> = plan
            .nodes
            .iter()
            .map(|p| (p.node.hostname().to_string(), p.node.mgmt_ip().to_string()))
            .collect();
        let pending = builder::controller_steps(&facts, &hosts).into_iter();
        Self {
            facts,
            nodes: plan.nodes.iter(),
            pending,
            cleaned_up: false,
        }
    }
}

impl Iterator for StepIter<'_> {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        loop {
            if let Some(step) = self.pending.next() {
                return Some(step);
            }
            if let Some(planned) = self.nodes.next() {
                let node = NodeFacts::concrete(&planned.node);
                self.pending = builder::node_steps(&self.facts, &node).into_iter();
                continue;
            }
            if self.cleaned_up {
                return None;
            }
            self.cleaned_up = true;
            return Some(builder::cleanup(&self.facts));
        }
    }
}
