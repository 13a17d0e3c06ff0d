//! The upgrade plan as an Ansible playbook and inventory.
//!
//! Shape of the playbook:
//!
//! 1. a controller play: the provisioning lock (an upgrade and a provisioning run never
//!    overlap), the inventory check, the staged repository keys; a failure after the lock
//!    cleans up and stops;
//! 2. a node play in batches (`serial`, from `max_unavailable`). Per node, in a rescued
//!    block: read the node from the cluster; unless it is already at the target and
//!    schedulable, drain it from the controller, go through each version of its path (one
//!    block per position in the longest path, each skipped when the node's kubelet is there
//!    already), wait until it is Ready at the target and uncordon it. A failure records the
//!    node's failed task and stops the later batches; the node stays cordoned;
//! 3. a cleanup play: staged files removed, lock released, then the run fails naming each
//!    node not upgraded and where it stopped.
//!
//! Each node's path is a list of positions in `edgeworker_upgrade_minors` (numbers of
//! ours), whose versions and repositories are `!unsafe` inventory data: the playbook holds
//! no input, as for provisioning.

use std::collections::BTreeMap;

use crate::plan::builder::{self, Facts, MinorStrings, NodeFacts, Shape};
use crate::plan::input::MaxUnavailable;
use crate::plan::os::OsProfile;
use crate::plan::render::ansible::{
    AnsibleFiles, CONTROLLER_GROUP, NODE_GROUP, RenderError, action_tasks, cleanup_tasks, decorate,
    files, named, run_nodes_play, tasks_of,
};
use crate::plan::render::inventory::{BYTES_PER_NODE, Inventory, UPGRADE_MINORS, UPGRADE_PATH};
use crate::plan::render::yaml::{self, Yaml, map, s};
use crate::plan::step::{Action, Step, StepId};
use crate::upgrade::UpgradePlan;

/// Where a node stopped: the failed task's name (the upgrade notifies no handlers, so a task
/// always failed).
const FAILED_TASK: &str = "failed at {{ ansible_failed_task.name | default('an unknown task') }}";

/// The controller's fact that stops the batches after one with a failed node.
const STOPPED: &str = "edgeworker_upgrade_stopped";

pub(crate) fn render(plan: &UpgradePlan) -> Result<AnsibleFiles, RenderError> {
    let minors = plan.minor_strings();
    let inventory = Inventory::build(
        plan.controller(),
        plan.to_upgrade()
            .map(|n| (n.node(), UpgradePlan::minor_indices(n))),
        Some(&minors),
    );
    files(
        (&playbook(plan), 32 * 1024),
        (
            &inventory,
            4096 + plan.nodes().len() * (BYTES_PER_NODE + 64),
        ),
    )
}

fn playbook(plan: &UpgradePlan) -> Yaml {
    let facts = Facts::symbolic(Shape::new(plan.controller()));
    let loop_hosts = vec![(
        "{{ item }}".to_owned(),
        "{{ hostvars[item].edgeworker_mgmt_ip }}".to_owned(),
    )];
    let cleanup = builder::upgrade_cleanup();
    let mut preparation = tasks_of(&facts, &[builder::inventory(loop_hosts)]);
    if let Some(stage) = builder::upgrade_stage(&facts, &[MinorStrings::symbolic("item")]) {
        preparation.extend(stage_tasks(&facts, &stage));
    }
    let mut rescue = cleanup_tasks(&facts, &cleanup, false);
    rescue.push(named(
        StepId::ControllerCleanup,
        "stop after the failed controller preparation",
        "ansible.builtin.fail",
        map([("msg", s(format!("Controller preparation failed at {FAILED_TASK}; staged files removed and lock released.")))]),
    ));
    let mut controller_tasks = tasks_of(&facts, &[builder::lock(&facts)]);
    controller_tasks.push(map([
        ("name", s("edgeworker: prepare the controller")),
        ("block", Yaml::Seq(preparation)),
        ("rescue", Yaml::Seq(rescue)),
    ]));
    let serial = match plan.controller().max_unavailable() {
        MaxUnavailable::Count(n) => Yaml::Int(i64::from(n)),
        MaxUnavailable::Percent(p) => s(format!("{p}%")),
    };
    Yaml::Seq(vec![
        run_nodes_play(),
        map([
            (
                "name",
                s("edgeworker: prepare the controller for the upgrade"),
            ),
            ("hosts", s(CONTROLLER_GROUP)),
            ("gather_facts", Yaml::Bool(false)),
            ("become", Yaml::Bool(true)),
            ("tasks", Yaml::Seq(controller_tasks)),
        ]),
        map([
            ("name", s("edgeworker: upgrade the nodes, batch by batch")),
            ("hosts", s(NODE_GROUP)),
            ("serial", serial),
            ("gather_facts", Yaml::Bool(false)),
            ("become", Yaml::Bool(true)),
            ("tasks", Yaml::Seq(node_tasks(plan, &facts))),
        ]),
        map([
            ("name", s("edgeworker: clean up and report")),
            ("hosts", s(CONTROLLER_GROUP)),
            ("gather_facts", Yaml::Bool(false)),
            ("become", Yaml::Bool(true)),
            ("tasks", Yaml::Seq(cleanup_tasks(&facts, &cleanup, true))),
        ]),
    ])
}

/// The staging tasks, the key copies looped over every minor of the upgrade.
fn stage_tasks(facts: &Facts, stage: &Step) -> Vec<Yaml> {
    let mut tasks = Vec::new();
    for action in &stage.actions {
        for task in action_tasks(stage, action) {
            let task = decorate(facts.shape, stage, action, task);
            tasks.push(if matches!(action, Action::CopyOnController { .. }) {
                task.with("loop", s(format!("{{{{ {UPGRADE_MINORS} }}}}")))
                    .with("loop_control", map([("label", s("{{ item.minor }}"))]))
            } else {
                task
            });
        }
    }
    tasks
}

/// The kubelet's version on the node as `x.y.z` (`0.0.0` when it does not run).
const KUBELET_NOW: &str = "{{ edgeworker_kubelet_version.stdout | default('') | regex_search('[0-9]+[.][0-9]+[.][0-9]+') | default('0.0.0', true) }}";

/// Whether the cluster shows the node at the target and schedulable (nothing to do).
const UPGRADED: &str = "((edgeworker_cluster_node.stdout | from_json).status.nodeInfo | default({})).kubeletVersion | default('') == 'v' ~ edgeworker_kubernetes_version \
and not ((edgeworker_cluster_node.stdout | from_json).spec | default({})).unschedulable | default(false)";

#[allow(clippy::too_many_lines)] // the node block reads best in one piece
fn node_tasks(plan: &UpgradePlan, facts: &Facts) -> Vec<Yaml> {
    let profiles: BTreeMap<String, OsProfile> = plan
        .to_upgrade()
        .map(|n| (n.node().os().profile().key(), n.node().os().profile()))
        .collect();
    let longest = plan.to_upgrade().map(|n| n.path().len()).max().unwrap_or(0);
    let Some(any_profile) = profiles.values().next().copied() else {
        return Vec::new();
    };
    let node = NodeFacts::symbolic(any_profile);
    let t =
        |id: StepId, what: &str, module: &'static str, args: Yaml| named(id, what, module, args);

    let mut work = vec![
        t(
            StepId::NodeUpgradeMinor,
            "wait for the connection",
            "ansible.builtin.wait_for_connection",
            map([("timeout", Yaml::Int(120))]),
        ),
        t(
            StepId::NodeUpgradeMinor,
            "read the kubelet's version",
            "ansible.builtin.command",
            map([("argv", yaml::strs(&["kubelet", "--version"]))]),
        )
        .with("register", s("edgeworker_kubelet_version"))
        .with("changed_when", Yaml::Bool(false))
        .with("failed_when", Yaml::Bool(false))
        .with("check_mode", Yaml::Bool(false)),
        t(
            StepId::NodeUpgradeMinor,
            "keep the kubelet's version",
            "ansible.builtin.set_fact",
            map([("edgeworker_kubelet_now", s(KUBELET_NOW))]),
        ),
    ];
    work.extend(tasks_of(facts, &[builder::drain(facts, &node)]));
    for i in 0..longest {
        let base = format!("{UPGRADE_MINORS}[{UPGRADE_PATH}[{i}]]");
        let minor = MinorStrings::symbolic(&base);
        let mut blocks = Vec::new();
        for (key, profile) in &profiles {
            let step = builder::upgrade_minor(facts, &minor, &NodeFacts::symbolic(*profile));
            blocks.push(map([
                ("name", s(format!("edgeworker: nodes of profile {key}"))),
                ("when", s(format!("edgeworker_profile == '{key}'"))),
                ("block", Yaml::Seq(tasks_of(facts, &[step]))),
            ]));
        }
        work.push(map([
            (
                "name",
                s(format!("edgeworker: version {} of this node's path", i + 1)),
            ),
            (
                "when",
                Yaml::Seq(vec![
                    s(format!("{UPGRADE_PATH} | length > {i}")),
                    // Passed on an earlier run that failed later: not again.
                    s(format!(
                        "edgeworker_kubelet_now is version({base}.version, '<')"
                    )),
                ]),
            ),
            ("block", Yaml::Seq(blocks)),
        ]));
    }
    work.extend(tasks_of(facts, &[builder::uncordon(facts, &node)]));

    let block = vec![
        t(
            StepId::NodeDrain,
            "read the node from the cluster",
            "ansible.builtin.command",
            map([(
                "argv",
                yaml::strs(&[
                    "kubectl",
                    "--kubeconfig",
                    "/etc/kubernetes/admin.conf",
                    "get",
                    "node",
                    "{{ inventory_hostname }}",
                    "-o",
                    "json",
                ]),
            )]),
        )
        .with("delegate_to", s(builder::CONTROLLER_HOST))
        .with("register", s("edgeworker_cluster_node"))
        .with("changed_when", Yaml::Bool(false))
        .with("check_mode", Yaml::Bool(false)),
        map([
            (
                "name",
                s(
                    "edgeworker: upgrade this node unless the cluster shows it upgraded and schedulable",
                ),
            ),
            ("when", s(format!("not ({UPGRADED})"))),
            ("block", Yaml::Seq(work)),
        ]),
        map([
            ("name", s("edgeworker: mark this node done")),
            (
                "ansible.builtin.set_fact",
                map([("edgeworker_done", Yaml::Bool(true))]),
            ),
        ]),
    ];
    vec![
        map([
            ("name", s("edgeworker: upgrade this node")),
            (
                "when",
                s(format!(
                    "not (hostvars['{}'].{STOPPED} | default(false))",
                    builder::CONTROLLER_HOST
                )),
            ),
            ("block", Yaml::Seq(block)),
            (
                "rescue",
                Yaml::Seq(vec![
                    map([
                        ("name", s("edgeworker: record the step this node failed at")),
                        (
                            "ansible.builtin.set_fact",
                            map([("edgeworker_failed_step", s(FAILED_TASK))]),
                        ),
                    ]),
                    // The later batches see it and do not start.
                    map([
                        ("name", s("edgeworker: stop the batches after this one")),
                        (
                            "ansible.builtin.set_fact",
                            map([(STOPPED, Yaml::Bool(true))]),
                        ),
                        ("delegate_to", s(builder::CONTROLLER_HOST)),
                        ("delegate_facts", Yaml::Bool(true)),
                    ]),
                ]),
            ),
        ]),
        map([
            (
                "name",
                s("edgeworker: record that this node's batch did not start"),
            ),
            (
                "ansible.builtin.set_fact",
                map([(
                    "edgeworker_failed_step",
                    s("not started: an earlier batch failed"),
                )]),
            ),
            (
                "when",
                Yaml::Seq(vec![
                    s(format!(
                        "hostvars['{}'].{STOPPED} | default(false)",
                        builder::CONTROLLER_HOST
                    )),
                    s("not (edgeworker_done | default(false))"),
                    s("edgeworker_failed_step is not defined"),
                ]),
            ),
        ]),
    ]
}
