//! The plan as an Ansible playbook and inventory, for ansible-core alone.
//!
//! Shape of the playbook:
//!
//! 1. a controller play (steps 1–5); a failure after the lock runs the cleanup tasks and
//!    stops, so a lock is never left behind;
//! 2. a node play with `strategy: free`, one block per OS profile present in the fleet,
//!    wrapped in a `rescue` that records the failed step instead of failing the host. The
//!    controller host is part of this play (its tasks are skipped): Ansible ends the whole
//!    run when every host of a play has failed or is unreachable, and the controller never
//!    does, so the cleanup play always runs;
//! 3. a cleanup play (step 20) that deletes a created token, removes staged files, releases
//!    the lock, then fails naming every node that did not finish and the step it failed at.
//!
//! **Injection rule.** Every value derived from input lives in the inventory, tagged
//! `!unsafe`, and the playbook only refers to it through variables; Ansible never evaluates
//! template syntax inside an unsafe value, including when it is interpolated into our own
//! templates. The playbook text itself is built by the same step builders as the plan, from
//! [`Facts`] whose strings are references to those variables, so it contains no input at all.
//! The given join token is in neither file: it is read from [`JOIN_TOKEN_ENV`] at run time.
//! On the node it reaches `kubeadm join` through the task's environment, never its arguments,
//! so the join's result can be shown (with the token taken out of kubeadm's output).
//!
//! **Applied in the same run, or on the next.** What must take effect on the node (the
//! management interface) is applied by a task guarded by the live state, not by a handler: a
//! handler notified by a run that then failed never runs again, since the next run finds the
//! file unchanged. Handlers remain for restarts (containerd, kubelet, chrony, sysctl); they run
//! at recorded points inside the rescued node block, so a failing one is that node's failure,
//! named by where the restarts were applied (`ansible_failed_task` is undefined then).
//!
//! **Which Ansible.** Every module, option, filter and test exists in ansible-base 2.10 with
//! Jinja2 2.11 (StarlingX's controllers) and in ansible-core 2.16: for example apt's
//! `allow_downgrade` and `allow_change_held_packages` (2.12+, 2.13+) are replaced by
//! `apt-get --allow-downgrades --allow-change-held-packages` run only when an installed
//! version differs. `.ci/ansible-check` checks this against both.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::plan::builder::{
    self, CONTROLLER_HOST, Facts, HASH_FACT, KUBELET_CONF, MGMT_IFACE_FACT, NETWORKD_FILE,
    NM_CONNECTION, NodeFacts, Shape, TOKEN_FACT,
};
use crate::plan::os::{
    ANSIBLE_FOR_NEW_PYTHON, OsFamily, OsProfile, PYTHON_BEYOND_ANSIBLE_2_10, PackageManager,
    SUPPORTED,
};
use crate::plan::render::inventory::{BYTES_PER_NODE, Inventory, family_key};
use crate::plan::render::yaml::{self, Yaml, map, s, strs};
use crate::plan::step::{
    Action, Check, Guard, Handler, KeyOrigin, NetworkManager, ServiceState, Step, StepId,
    TokenSource,
};
use crate::plan::{JOIN_TOKEN_ENV, Plan};

/// The inventory group of the controller (the host running `ansible-playbook`).
pub const CONTROLLER_GROUP: &str = "edgeworker_controller";
/// The inventory group of the nodes.
pub const NODE_GROUP: &str = "edgeworkers";

/// The nodes this run covers, as the controller's tasks see them (set by [`run_nodes_play`]).
pub(crate) const RUN_NODES: &str = "{{ edgeworker_nodes | default([]) }}";

/// The extra-var that, set to `false`, keeps the handlers from restarting or reloading
/// anything (`-e edgeworker_restart_services=false`): for dry runs on machines without
/// systemd, such as `.ci/ansible-check`. Handlers ignore `--tags`, so a variable is the way.
pub const RESTART_SWITCH: &str = "edgeworker_restart_services";

/// Prints the node's network manager (see [`NetworkManager`]), or `none`.
const DETECT_NETWORK_MANAGER: &str = "if systemctl is-active --quiet systemd-networkd; then echo networkd; \
elif systemctl is-active --quiet NetworkManager; then echo networkmanager; \
elif [ -f /etc/network/interfaces ]; then echo ifupdown; else echo none; fi";

/// Prints the name of the interface whose MAC address is `$1` (the first: a bond's ports share
/// it with the bond, which comes later in the kernel's order only by chance).
const FIND_INTERFACE: &str = "for d in /sys/class/net/*; do \
if [ \"$(cat \"$d/address\" 2>/dev/null)\" = \"$1\" ]; then basename \"$d\"; exit 0; fi; done; \
echo \"no interface of the node has the MAC address $1\" >&2; exit 1";

/// Comments out the stanzas of interface `$1` in ifupdown's files other than `$2` (an
/// `iface` line and the lines after it up to the next stanza keyword), rewriting a file in
/// place (its owner and mode stay) only when that changes it.
const COMMENT_STANZAS: &str = "t=$(mktemp) || exit 1; \
for f in /etc/network/interfaces /etc/network/interfaces.d/*; do \
[ -f \"$f\" ] && [ \"$f\" != \"$2\" ] || continue; \
awk -v i=\"$1\" '$1 ~ /^(iface|mapping|auto|source|source-directory|rename|no-auto-down|no-scripts)$/ || $1 ~ /^allow-/ { inside = ($1 == \"iface\" && $2 == i) } \
inside && NF && $1 !~ /^#/ { print \"#edgeworker# \" $0; next } { print }' \"$f\" > \"$t\" || exit 1; \
cmp -s \"$f\" \"$t\" || { cat \"$t\" > \"$f\" && echo \"commented out the stanza of $1 in $f\"; } || exit 1; \
done; rm -f \"$t\"";

/// Joins with the token read from standard input. Not from the environment: Ansible puts a
/// task's environment on the command line it runs through sudo, and sudo logs that line to
/// the journal, on the node's disk.
const JOIN_SCRIPT: &str = "a=$1 h=$2 n=$3; shift 3; IFS= read -r t; \
exec kubeadm join \"$a\" --token \"$t\" --discovery-token-ca-cert-hash \"$h\" --node-name \"$n\" \"$@\"";

/// The join's output, with the token taken out (kubeadm may quote parts of it).
const JOIN_ERROR: &str = "kubeadm join exited {{ edgeworker_join.rc }}: {{ ((edgeworker_join.stderr | default('')) ~ '\n' ~ (edgeworker_join.stdout | default(''))) | replace(hostvars['localhost'].edgeworker_join_token, '<redacted>') | trim }}";

/// The node object says Ready and the expected kubelet version.
const NODE_READY: &str = "edgeworker_node.rc == 0 \
and ((edgeworker_node.stdout | from_json).status.conditions | default([]) | selectattr('type', 'equalto', 'Ready') | map(attribute='status') | list) == ['True'] \
and ((edgeworker_node.stdout | from_json).status.nodeInfo | default({})).kubeletVersion | default('') == edgeworker_ready_version";

/// The crictl endpoint of containerd.
const CRI_ENDPOINT: &str = "unix:///run/containerd/containerd.sock";

/// The rendered files, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsibleFiles {
    /// `playbook.yml`.
    pub playbook: String,
    /// `inventory.yml`.
    pub inventory: String,
    /// `ansible.cfg`, read by `ansible-playbook` run from the same directory.
    pub config: String,
}

/// `ansible.cfg` beside the playbook: what a fleet run needs from Ansible itself.
///
/// - `forks`: nodes worked on at once (Ansible's default is 5);
/// - `pipelining`: one SSH round trip per task instead of several (needs sudo without
///   `requiretty`, the default of current distributions);
/// - `ControlPersist`: one SSH connection per node reused by every task.
///
/// Every option exists in ansible-base 2.10 and ansible-core 2.16.
pub const ANSIBLE_CFG: &str = "\
[defaults]
forks = 50
retry_files_enabled = False

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=300s -o ServerAliveInterval=30
";

/// The YAML library refused a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot render {file}: {message}")]
pub struct RenderError {
    /// The file being rendered.
    pub file: &'static str,
    /// The library's message.
    pub message: String,
}

pub(crate) fn render(plan: &Plan) -> Result<AnsibleFiles, RenderError> {
    files(
        (&playbook(plan), 64 * 1024),
        (
            &Inventory::new(plan),
            4096 + plan.nodes().len() * BYTES_PER_NODE,
        ),
    )
}

/// The three files of a run, from its playbook and its inventory, each with the capacity to
/// write it into; shared by the provisioning and upgrade plans.
pub(crate) fn files(
    (playbook, playbook_bytes): (&Yaml, usize),
    (inventory, inventory_bytes): (&impl serde::Serialize, usize),
) -> Result<AnsibleFiles, RenderError> {
    let failed = |file: &'static str| {
        move |e: serde_saphyr::ser::Error| RenderError {
            file,
            message: e.to_string(),
        }
    };
    Ok(AnsibleFiles {
        playbook: yaml::to_string(playbook, playbook_bytes).map_err(failed("playbook.yml"))?,
        inventory: yaml::to_string(inventory, inventory_bytes).map_err(failed("inventory.yml"))?,
        config: ANSIBLE_CFG.to_owned(),
    })
}

// ------------------------------------------------------------------------------- playbook

fn playbook(plan: &Plan) -> Yaml {
    let shape = Shape::new(plan.controller());
    let facts = Facts::symbolic(shape);
    let loop_hosts = vec![(
        "{{ item }}".to_owned(),
        "{{ hostvars[item].edgeworker_mgmt_ip }}".to_owned(),
    )];
    let controller_steps = builder::controller_steps(&facts, &loop_hosts);
    let cleanup = builder::cleanup(&facts);

    let (lock, preparation) = controller_steps.split_at(1);
    let mut controller_tasks = tasks_of(&facts, lock);
    let mut rescue = cleanup_tasks(&facts, &cleanup, false);
    rescue.push(named(
        StepId::ControllerCleanup,
        "stop after the failed controller preparation",
        "ansible.builtin.fail",
        map([("msg", s(format!("Controller preparation failed at {FAILED_TASK}; staged files removed and lock released.")))]),
    ));
    controller_tasks.push(map([
        ("name", s("edgeworker: prepare the controller")),
        ("block", Yaml::Seq(tasks_of(&facts, preparation))),
        ("rescue", Yaml::Seq(rescue)),
    ]));

    let node_tasks = node_tasks(plan, &facts);

    Yaml::Seq(vec![
        run_nodes_play(),
        map([
            ("name", s("edgeworker: prepare the controller")),
            ("hosts", s(CONTROLLER_GROUP)),
            ("gather_facts", Yaml::Bool(false)),
            ("become", Yaml::Bool(true)),
            ("tasks", Yaml::Seq(controller_tasks)),
        ]),
        map([
            ("name", s("edgeworker: provision the nodes")),
            ("hosts", s(format!("{NODE_GROUP}:{CONTROLLER_GROUP}"))),
            ("strategy", s("free")),
            ("gather_facts", Yaml::Bool(false)),
            ("become", Yaml::Bool(true)),
            ("handlers", Yaml::Seq(handlers())),
            ("tasks", Yaml::Seq(node_tasks)),
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

/// Before anything runs on a node: refuse, with the reason, a release whose Python the running
/// Ansible cannot run modules on (from the OS table; no module is needed to check it).
/// The first play: records on the controller the nodes this run covers, as Ansible resolved
/// them after `--limit`, so that the controller's per-node steps (the inventory check,
/// `/etc/hosts`) and the final report concern those nodes only: a node left out by `--limit`
/// is neither checked nor reported as failed. It connects to no node (`set_fact` runs on the
/// controller), and runs whatever `--tags` says.
pub(crate) fn run_nodes_play() -> Yaml {
    map([
        ("name", s("edgeworker: the nodes of this run")),
        ("hosts", s(NODE_GROUP)),
        ("gather_facts", Yaml::Bool(false)),
        (
            "tasks",
            Yaml::Seq(vec![map([
                (
                    "name",
                    s("controller.lock: record the nodes this run covers"),
                ),
                (
                    "ansible.builtin.set_fact",
                    map([("edgeworker_nodes", s("{{ ansible_play_hosts_all }}"))]),
                ),
                ("delegate_to", s(CONTROLLER_HOST)),
                ("delegate_facts", Yaml::Bool(true)),
                ("run_once", Yaml::Bool(true)),
                ("tags", strs(&["always"])),
            ])]),
        ),
    ])
}

fn ansible_for_python() -> Yaml {
    let releases: Vec<String> = SUPPORTED
        .iter()
        .filter(|r| r.minimum_ansible().is_some())
        .map(|r| format!("'{} {}'", r.id, r.version))
        .collect();
    let (major, minor) = PYTHON_BEYOND_ANSIBLE_2_10;
    named(
        StepId::NodePreflight,
        "check this Ansible can run modules on the node's Python",
        "ansible.builtin.assert",
        map([
            (
                "that",
                strs(&[&format!(
                    "ansible_version.full is version('{ANSIBLE_FOR_NEW_PYTHON}', '>=')"
                )]),
            ),
            (
                "fail_msg",
                s(format!(
                    "{{{{ edgeworker_os_id }}}} {{{{ edgeworker_os_version }}}} runs Python {major}.{minor} or later, on which Ansible {{{{ ansible_version.full }}}} cannot run modules; run this playbook with ansible-core {ANSIBLE_FOR_NEW_PYTHON} or later"
                )),
            ),
        ]),
    )
    .with(
        "when",
        s(format!(
            "(edgeworker_os_id ~ ' ' ~ edgeworker_os_version) in [{}]",
            releases.join(", ")
        )),
    )
}

/// The node play's tasks: one block per OS profile in the fleet, rescued per node.
fn node_tasks(plan: &Plan, facts: &Facts) -> Vec<Yaml> {
    let profiles: BTreeMap<String, OsProfile> = plan
        .nodes()
        .iter()
        .map(|p| (p.node().os().profile().key(), p.node().os().profile()))
        .collect();
    let mut node_block = vec![
        ansible_for_python(),
        named(
            StepId::NodePreflight,
            "wait for the connection",
            "ansible.builtin.wait_for_connection",
            map([("timeout", Yaml::Int(120))]),
        ),
        named(
            StepId::NodePreflight,
            "gather facts",
            "ansible.builtin.setup",
            map([(
                "gather_subset",
                strs(&["!all", "min", "hardware", "network"]),
            )]),
        ),
    ];
    for (key, profile) in &profiles {
        let steps = builder::node_steps(facts, &NodeFacts::symbolic(*profile));
        node_block.push(map([
            ("name", s(format!("edgeworker: nodes of profile {key}"))),
            ("when", s(format!("edgeworker_profile == '{key}'"))),
            ("block", Yaml::Seq(tasks_of(facts, &steps))),
        ]));
    }
    // Restarts still pending run here, inside the rescued block: a failing handler is then
    // this node's failure, not a success reported before its handlers ran.
    node_block.extend(flush_handlers("the end of this node's steps"));
    node_block.push(map([
        ("name", s("edgeworker: mark this node done")),
        (
            "ansible.builtin.set_fact",
            map([("edgeworker_done", Yaml::Bool(true))]),
        ),
    ]));
    let node_tasks = vec![map([
        ("name", s("edgeworker: provision this node")),
        (
            "when",
            s(format!("inventory_hostname in groups['{NODE_GROUP}']")),
        ),
        ("block", Yaml::Seq(node_block)),
        (
            "rescue",
            Yaml::Seq(vec![map([
                ("name", s("edgeworker: record the step this node failed at")),
                (
                    "ansible.builtin.set_fact",
                    map([("edgeworker_failed_step", s(FAILED_TASK))]),
                ),
            ])]),
        ),
    ])];

    node_tasks
}

/// The failed task's name; a failing handler leaves `ansible_failed_task` undefined, so the
/// restarts being applied (see [`flush_handlers`]) are named instead.
const FAILED_TASK: &str = "{{ ansible_failed_task.name if ansible_failed_task is defined else 'the pending restarts at ' ~ (edgeworker_flushing | default('an unknown point')) }}";

/// Runs the pending handlers now, after recording where, for the failure report.
fn flush_handlers(at: &str) -> [Yaml; 2] {
    [
        map([
            ("name", s(format!("edgeworker: pending restarts at {at}"))),
            (
                "ansible.builtin.set_fact",
                map([("edgeworker_flushing", s(at))]),
            ),
        ]),
        map([
            (
                "name",
                s(format!("edgeworker: apply the pending restarts at {at}")),
            ),
            ("ansible.builtin.meta", s("flush_handlers")),
        ]),
    ]
}

fn handlers() -> Vec<Yaml> {
    let systemd = |name: &str| {
        map([
            ("name", s(name)),
            ("state", s("restarted")),
            ("daemon_reload", Yaml::Bool(true)),
        ])
    };
    let handler = |name: &str,
                   listen: Handler,
                   module: &'static str,
                   args: Yaml,
                   family: Option<OsFamily>| {
        let mut when = vec![s(format!("{RESTART_SWITCH} | default(true) | bool"))];
        if let Some(family) = family {
            when.push(s(format!("edgeworker_family == '{}'", family_key(family))));
        }
        map([
            ("name", s(name)),
            ("listen", s(listen.as_str())),
            (module, args),
            ("when", Yaml::Seq(when)),
        ])
    };
    let argv = |items: &[&str]| map([("argv", strs(items))]);
    vec![
        handler(
            "restart containerd",
            Handler::RestartContainerd,
            "ansible.builtin.systemd",
            systemd("containerd"),
            None,
        ),
        handler(
            "restart kubelet",
            Handler::RestartKubelet,
            "ansible.builtin.systemd",
            systemd("kubelet"),
            None,
        ),
        handler(
            "reload sysctl",
            Handler::ReloadSysctl,
            "ansible.builtin.command",
            argv(&["sysctl", "--system"]),
            None,
        ),
        handler(
            "restart time sync (chrony)",
            Handler::RestartTimeSync,
            "ansible.builtin.systemd",
            systemd(OsFamily::DebianLike.chrony_service()),
            Some(OsFamily::DebianLike),
        ),
        handler(
            "restart time sync (chronyd)",
            Handler::RestartTimeSync,
            "ansible.builtin.systemd",
            systemd(OsFamily::RhelLike.chrony_service()),
            Some(OsFamily::RhelLike),
        ),
    ]
}

/// The cleanup step's tasks; without the final report where a rescue runs them (the report
/// belongs to the end of the run), for provisioning and upgrade alike.
pub(crate) fn cleanup_tasks(facts: &Facts, cleanup: &Step, report: bool) -> Vec<Yaml> {
    let step = Step {
        actions: cleanup
            .actions
            .iter()
            .filter(|a| {
                report || !matches!(a, Action::ReportFailedNodes | Action::ReportFailedUpgrades)
            })
            .cloned()
            .collect(),
        ..cleanup.clone()
    };
    tasks_of(facts, std::slice::from_ref(&step))
}

// ---------------------------------------------------------------------------------- tasks

/// A task named `<step id>: <what>`, tagged with its step id (for `--tags`).
pub(super) fn named(id: StepId, what: &str, module: &'static str, args: Yaml) -> Yaml {
    map([
        ("name", s(format!("{id}: {what}"))),
        (module, args),
        ("tags", strs(&[id.as_str()])),
    ])
}

fn mode(m: u32) -> Yaml {
    s(format!("{m:04o}"))
}

fn argv(items: &[&str]) -> Yaml {
    map([("argv", strs(items))])
}

/// A task name with its target, so "failed at" names one task. A target holding a variable
/// shows the variable's reference (`{{ edgeworker_registry }}`): still one task, and never
/// input text in the playbook.
fn what_path(verb: &str, path: &str) -> String {
    format!("{verb} {path}")
}

pub(super) fn tasks_of(facts: &Facts, steps: &[Step]) -> Vec<Yaml> {
    let mut tasks = Vec::new();
    for step in steps {
        for action in &step.actions {
            for task in action_tasks(step, action) {
                tasks.push(decorate(facts.shape, step, action, task));
            }
        }
    }
    tasks
}

/// Actions whose tasks download something: they get the proxy environment.
fn reaches_network(action: &Action) -> bool {
    matches!(
        action,
        Action::AptRepository { .. }
            | Action::RpmRepository { .. }
            | Action::InstallPackages { .. }
    )
}

/// The proxy variables, under both spellings (tools read one or the other), for a task that
/// downloads; `None` without a proxy.
fn proxy_environment(shape: Shape) -> Option<Yaml> {
    if !(shape.has_http || shape.has_https) {
        return None;
    }
    let mut env = Vec::new();
    if shape.has_http {
        env.extend([
            ("http_proxy", "{{ edgeworker_http_proxy }}"),
            ("HTTP_PROXY", "{{ edgeworker_http_proxy }}"),
        ]);
    }
    if shape.has_https {
        env.extend([
            ("https_proxy", "{{ edgeworker_https_proxy }}"),
            ("HTTPS_PROXY", "{{ edgeworker_https_proxy }}"),
        ]);
    }
    env.extend([
        ("no_proxy", "{{ edgeworker_no_proxy }}"),
        ("NO_PROXY", "{{ edgeworker_no_proxy }}"),
    ]);
    Some(Yaml::Map(
        env.into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), s(v)))
            .collect(),
    ))
}

/// Step-wide settings: notifications on changing tasks, loops over the nodes for the
/// controller's per-node steps, delegation of the labels step, secrecy.
pub(super) fn decorate(shape: Shape, step: &Step, action: &Action, task: Yaml) -> Yaml {
    let mut task = task;
    let changes = matches!(
        action,
        Action::WriteFile { .. }
            | Action::CopyToNode { .. }
            | Action::LineInFile { .. }
            | Action::InstallPackages { .. }
            | Action::Remove { .. }
            | Action::RemoveLine { .. }
    );
    if changes && !step.notify.is_empty() && !has_key(&task, "register") {
        let names: Vec<&str> = step.notify.iter().map(|h| h.as_str()).collect();
        task = task.with("notify", strs(&names));
    }
    if matches!(step.id, StepId::ControllerHosts) {
        task = task.with("loop", s(RUN_NODES));
    }
    if matches!(
        action,
        Action::LabelNode { .. }
            | Action::WaitNodeReady { .. }
            | Action::DrainNode { .. }
            | Action::UncordonNode { .. }
    ) {
        task = task.with("delegate_to", s(CONTROLLER_HOST));
    }
    if let Some(Yaml::Map(proxy)) = proxy_environment(shape).filter(|_| reaches_network(action)) {
        // Added to what the task sets itself.
        let env = match task.get("environment") {
            Some(Yaml::Map(own)) => own.iter().cloned().chain(proxy).collect(),
            _ => proxy,
        };
        task = task.with("environment", Yaml::Map(env));
    }
    // The join's own task sets no_log itself: its error report must stay visible.
    if matches!(action, Action::JoinToken { .. } | Action::DeleteJoinToken) {
        task = task.with("no_log", Yaml::Bool(true));
    }
    task
}

impl Yaml {
    /// The value of a mapping's key.
    fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn has_key(task: &Yaml, key: &str) -> bool {
    matches!(task, Yaml::Map(entries) if entries.iter().any(|(k, _)| k == key))
}

#[allow(clippy::too_many_lines)] // one arm per action kind reads best as one match
pub(super) fn action_tasks(step: &Step, action: &Action) -> Vec<Yaml> {
    let id = step.id;
    let t = |what: &str, module: &'static str, args: Yaml| named(id, what, module, args);
    match action {
        Action::Lock { path, stale_after_minutes } => vec![
            t(&format!("look for a held lock {path}"), "ansible.builtin.stat", map([("path", s(path.as_str()))])).with("register", s("edgeworker_lock")),
            t(
                "refuse to run while the lock is held",
                "ansible.builtin.fail",
                map([(
                    "msg",
                    s(format!(
                        "{path} exists: another provisioning run holds the lock{{{{ ' and it is STALE (older than {stale_after_minutes} minutes): make sure no run is active, then remove it by hand' if (now().timestamp() - edgeworker_lock.stat.mtime) > {secs} else '' }}}}.",
                        secs = u64::from(*stale_after_minutes) * 60
                    )),
                )]),
            )
            .with("when", s("edgeworker_lock.stat.exists")),
            // mkdir is atomic: two runs racing here cannot both succeed.
            t("take the lock", "ansible.builtin.command", argv(&["mkdir", "-m", "0700", path])),
        ],
        Action::Unlock { path } => vec![t(&what_path("release the lock", path), "ansible.builtin.file", map([("path", s(path.as_str())), ("state", s("absent"))]))],
        Action::Preflight { checks } => checks.iter().flat_map(|c| check_tasks(id, c)).collect(),
        Action::CheckInventory { .. } => vec![
            t(
                "read each node from the host inventory",
                "ansible.builtin.command",
                map([(
                    "argv",
                    Yaml::Seq(vec![
                        s("bash"),
                        s("-c"),
                        s("source /etc/platform/openrc && system host-show \"$1\""),
                        s("edgeworker-inventory"),
                        s("{{ item }}"),
                    ]),
                )]),
            )
            .with("loop", s(RUN_NODES))
            .with("register", s("edgeworker_inventory"))
            .with("changed_when", Yaml::Bool(false))
            .with("check_mode", Yaml::Bool(false)),
            t(
                "check personality edgeworker and the planned management address",
                "ansible.builtin.assert",
                map([
                    (
                        "that",
                        strs(&[
                            "item.stdout is search('\\|\\s*personality\\s*\\|\\s*edgeworker\\s*\\|')",
                            "item.stdout is search('\\|\\s*mgmt_ip\\s*\\|\\s*' ~ (hostvars[item.item].edgeworker_mgmt_ip | regex_escape) ~ '\\s*\\|')",
                        ]),
                    ),
                    (
                        "fail_msg",
                        s("{{ item.item }} is not an edgeworker host with management address {{ hostvars[item.item].edgeworker_mgmt_ip }} in the controller's inventory"),
                    ),
                ]),
            )
            .with("loop", s("{{ edgeworker_inventory.results }}"))
            .with("loop_control", map([("label", s("{{ item.item }}"))])),
        ],
        Action::HostsEntry { path, ip, name } => vec![t(
            &what_path("keep the hosts entry in", path),
            "ansible.builtin.blockinfile",
            map([
                ("path", s(path.as_str())),
                ("marker", s(format!("# {{mark}} edgeworker: {name}"))),
                ("block", s(format!("{ip} {name}"))),
                // Containers bind-mount it: a rename over it fails, a rewrite works.
                ("unsafe_writes", Yaml::Bool(true)),
            ]),
        )],
        Action::Directory { path, mode: m } => vec![t(
            &what_path("make directory", path),
            "ansible.builtin.file",
            map([("path", s(path.as_str())), ("state", s("directory")), ("mode", mode(*m))]),
        )],
        Action::WriteFile { path, content, mode: m } => vec![t(
            &what_path("write", path),
            "ansible.builtin.copy",
            map([("dest", s(path.as_str())), ("content", s(content.as_str())), ("mode", mode(*m))]),
        )],
        Action::CopyOnController { src, dest, mode: m } => vec![t(
            &what_path("copy to", dest),
            "ansible.builtin.copy",
            map([("src", s(src.as_str())), ("dest", s(dest.as_str())), ("remote_src", Yaml::Bool(true)), ("mode", mode(*m))]),
        )],
        Action::CopyToNode { src, dest, mode: m, only_if_dir_exists } => {
            let copy = t(
                &what_path("copy to", dest),
                "ansible.builtin.copy",
                map([("src", s(src.as_str())), ("dest", s(dest.as_str())), ("mode", mode(*m))]),
            );
            match only_if_dir_exists {
                None => vec![copy],
                Some(dir) => vec![
                    t(&what_path("look for", dir), "ansible.builtin.stat", map([("path", s(dir.as_str()))])).with("register", s("edgeworker_dir")),
                    copy.with("when", s("edgeworker_dir.stat.isdir | default(false)")),
                ],
            }
        }
        Action::LineInFile { path, regexp, line } => vec![t(
            &what_path("set a line in", path),
            "ansible.builtin.lineinfile",
            map([("path", s(path.as_str())), ("regexp", s(regexp.as_str())), ("line", s(line.as_str())), ("create", Yaml::Bool(true)), ("mode", mode(0o644))]),
        )],
        Action::CommentOutSwap { path } => vec![t(
            &what_path("comment out swap in", path),
            "ansible.builtin.replace",
            map([("path", s(path.as_str())), ("regexp", s("^([^#\\s]\\S*\\s+\\S+\\s+swap\\s.*)$")), ("replace", s("# \\1"))]),
        )],
        Action::Remove { path } => vec![t(&what_path("remove", path), "ansible.builtin.file", map([("path", s(path.as_str())), ("state", s("absent"))]))],
        Action::RemoveLine { path, regexp } => vec![t(
            &format!("remove /{regexp}/ from {path}"),
            "ansible.builtin.lineinfile",
            map([("path", s(path.as_str())), ("regexp", s(regexp.as_str())), ("state", s("absent"))]),
        )],
        Action::HandOverToOperator { path } => vec![
            t("find the operator running ansible-playbook", "ansible.builtin.command", argv(&["id", "-un"]))
                .with("become", Yaml::Bool(false))
                .with("register", s("edgeworker_operator"))
                .with("changed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
            t(
                &format!("give {path} to the operator"),
                "ansible.builtin.file",
                map([
                    ("path", s(path.as_str())),
                    ("state", s("directory")),
                    ("owner", s("{{ edgeworker_operator.stdout }}")),
                    ("mode", s("u=rwX,go=")),
                    ("recurse", Yaml::Bool(true)),
                ]),
            ),
        ],
        Action::DetectNetworkManager { supported } => {
            let names: Vec<String> = supported.iter().map(|m| format!("'{}'", m.as_str())).collect();
            vec![
                t("find the network manager in use", "ansible.builtin.command", map([("argv", strs(&["sh", "-c", DETECT_NETWORK_MANAGER]))]))
                    .with("register", s("edgeworker_netmgr"))
                    .with("changed_when", Yaml::Bool(false))
                    .with("check_mode", Yaml::Bool(false)),
                t(
                    "check the network manager is one this plan configures",
                    "ansible.builtin.assert",
                    map([
                        ("that", Yaml::Seq(vec![s(format!("edgeworker_netmgr.stdout in [{}]", names.join(", ")))])),
                        (
                            "fail_msg",
                            s(format!(
                                "The node's network is managed by {{{{ edgeworker_netmgr.stdout }}}}; this plan configures {} on this OS",
                                supported.iter().map(|m| m.title()).collect::<Vec<_>>().join(", ")
                            )),
                        ),
                    ]),
                ),
            ]
        }
        Action::ManagementInterface { manager, path, content, mode: m } => interface_tasks(id, *manager, path, content, *m),
        Action::ManagementStanza { path, content } => stanza_tasks(id, path, content),
        Action::Nameservers { lines } => vec![
            t("look at /etc/resolv.conf", "ansible.builtin.stat", map([("path", s("/etc/resolv.conf"))])).with("register", s("edgeworker_resolv_stat")),
            t("read the nameservers of /etc/resolv.conf", "ansible.builtin.command", map([("argv", strs(&["awk", "/^nameserver/ { print \"nameserver\", $2 }", "/etc/resolv.conf"]))]))
                .with("register", s("edgeworker_resolv"))
                .with("changed_when", Yaml::Bool(false))
                .with("failed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
            t(
                "write /etc/resolv.conf",
                "ansible.builtin.copy",
                map([
                    ("dest", s("/etc/resolv.conf")),
                    ("content", s(format!("# Managed by edgeworker provisioning: the StarlingX controller's DNS servers.\n{lines}"))),
                    ("mode", mode(0o644)),
                    // Containers bind-mount it: a rename over it fails, a rewrite works.
                    ("unsafe_writes", Yaml::Bool(true)),
                ]),
            )
            .with(
                "when",
                s("not (edgeworker_resolv_stat.stat.islnk | default(false)) and edgeworker_resolv.stdout_lines != edgeworker_resolv_nameservers.splitlines()"),
            ),
        ],
        Action::WaitNodeReady { node, kubelet_version, retries, delay_seconds } => vec![
            t(
                &format!("wait until node {node} is Ready with kubelet v{kubelet_version}"),
                "ansible.builtin.command",
                map([("argv", Yaml::Seq(vec![s("kubectl"), s("--kubeconfig"), s("/etc/kubernetes/admin.conf"), s("get"), s("node"), s(node.as_str()), s("-o"), s("json")]))]),
            )
            .with("vars", map([("edgeworker_ready_version", s(format!("v{kubelet_version}")))]))
            .with("register", s("edgeworker_node"))
            .with("until", s(NODE_READY))
            .with("retries", Yaml::Int(i64::from(*retries)))
            .with("delay", Yaml::Int(i64::from(*delay_seconds)))
            .with("changed_when", Yaml::Bool(false)),
            t(
                &format!("report node {node} Ready"),
                "ansible.builtin.debug",
                map([("msg", s(format!("{node} is registered and Ready with kubelet {{{{ (edgeworker_node.stdout | from_json).status.nodeInfo.kubeletVersion }}}}")))]),
            )
            .with("when", s("edgeworker_node is succeeded and edgeworker_node.stdout | default('') | length > 0")),
        ],
        Action::AptRepository { name, line, key, keyring } => {
            let key_task = match key {
                KeyOrigin::Url { url } => t(
                    &format!("fetch the {name} repository key into {keyring}"),
                    "ansible.builtin.get_url",
                    map([("url", s(url.as_str())), ("dest", s(keyring.as_str())), ("mode", mode(0o644))]),
                ),
                KeyOrigin::Staged { path } => t(
                    &format!("copy the {name} repository key to {keyring}"),
                    "ansible.builtin.copy",
                    map([("src", s(path.as_str())), ("dest", s(keyring.as_str())), ("mode", mode(0o644))]),
                ),
            };
            let list = format!("/etc/apt/sources.list.d/edgeworker-{name}.list");
            vec![
                t("make directory /etc/apt/keyrings", "ansible.builtin.file", map([("path", s("/etc/apt/keyrings")), ("state", s("directory")), ("mode", mode(0o755))])),
                key_task.with("register", s(format!("edgeworker_apt_key_{name}"))),
                t(&format!("add the {name} repository in {list}"), "ansible.builtin.copy", map([("dest", s(list.as_str())), ("content", s(format!("{line}\n"))), ("mode", mode(0o644))]))
                    .with("register", s(format!("edgeworker_apt_list_{name}"))),
                // The one index refresh a new or changed repository needs; installs refresh
                // only a stale index.
                t(&format!("refresh the apt index for the changed {name} repository"), "ansible.builtin.apt", map([("update_cache", Yaml::Bool(true))]))
                    .with("when", s(format!("edgeworker_apt_key_{name} is changed or edgeworker_apt_list_{name} is changed"))),
            ]
        }
        Action::RpmRepository { name, baseurl, key, exclude } => {
            let mut tasks = Vec::new();
            let gpgkey = match key {
                KeyOrigin::Url { url } => url.clone(),
                KeyOrigin::Staged { path } => {
                    let dest = format!("/etc/pki/rpm-gpg/edgeworker-{name}.key");
                    tasks.push(t(
                        &format!("copy the {name} repository key to {dest}"),
                        "ansible.builtin.copy",
                        map([("src", s(path.as_str())), ("dest", s(dest.as_str())), ("mode", mode(0o644))]),
                    ));
                    format!("file://{dest}")
                }
            };
            let mut args = map([
                ("name", s(name.as_str())),
                ("description", s(format!("{name} (edgeworker provisioning)"))),
                ("baseurl", s(baseurl.as_str())),
                ("gpgkey", s(gpgkey)),
                ("gpgcheck", Yaml::Bool(true)),
            ]);
            if !exclude.is_empty() {
                args = args.with("exclude", Yaml::Seq(exclude.iter().map(|e| s(e.as_str())).collect()));
            }
            tasks.push(t(&format!("add the {name} repository"), "ansible.builtin.yum_repository", args));
            tasks
        }
        Action::InstallPackages { manager, packages, disable_excludes, exact_version } => {
            let what = format!("install {}", packages.join(" "));
            let names = Yaml::Seq(packages.iter().map(|p| s(p.as_str())).collect());
            match (manager, exact_version) {
                // ansible-base 2.10's apt has neither allow_downgrade nor
                // allow_change_held_packages: apt-get itself, when a version differs.
                (PackageManager::Apt, Some(version)) => {
                    let names: Vec<&str> = packages.iter().map(|p| p.split('=').next().unwrap_or(p)).collect();
                    let mut query = vec!["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}\n"];
                    query.extend(&names);
                    let mut install = vec![
                        s("apt-get"), s("install"), s("-y"), s("-q"), s("--allow-downgrades"), s("--allow-change-held-packages"),
                        s("-o"), s("Dpkg::Options::=--force-confdef"), s("-o"), s("Dpkg::Options::=--force-confold"),
                    ];
                    install.extend(packages.iter().map(|p| s(p.as_str())));
                    vec![
                        t(&format!("read the installed versions of {}", names.join(" ")), "ansible.builtin.command", map([("argv", strs(&query))]))
                            .with("register", s("edgeworker_installed"))
                            .with("changed_when", Yaml::Bool(false))
                            .with("failed_when", Yaml::Bool(false))
                            .with("check_mode", Yaml::Bool(false)),
                        // The version goes through a variable: a template inside a condition
                        // would make Ansible evaluate input text as an expression.
                        t(&what, "ansible.builtin.command", map([("argv", Yaml::Seq(install))]))
                            .with("environment", map([("DEBIAN_FRONTEND", s("noninteractive"))]))
                            .with("vars", map([("edgeworker_pinned_version", s(version.as_str()))]))
                            .with(
                                "when",
                                s(format!(
                                    "edgeworker_installed.stdout_lines | select('match', '^.i +' ~ (edgeworker_pinned_version | regex_escape) ~ '-') | list | length != {}",
                                    names.len()
                                )),
                            ),
                    ]
                }
                (PackageManager::Apt, None) => vec![t(
                    &what,
                    "ansible.builtin.apt",
                    map([("name", names), ("state", s("present")), ("update_cache", Yaml::Bool(true)), ("cache_valid_time", Yaml::Int(3600))]),
                )],
                (PackageManager::Yum | PackageManager::Dnf, _) => {
                    let module = if *manager == PackageManager::Yum { "ansible.builtin.yum" } else { "ansible.builtin.dnf" };
                    let mut args = map([("name", names), ("state", s("present")), ("allow_downgrade", Yaml::Bool(true))]);
                    if let Some(repo) = disable_excludes {
                        args = args.with("disable_excludes", s(repo.as_str()));
                    }
                    vec![t(&what, module, args)]
                }
            }
        }
        Action::HoldPackages { packages } => vec![t(
            &format!("hold {}", packages.join(" ")),
            "ansible.builtin.dpkg_selections",
            map([("name", s("{{ item }}")), ("selection", s("hold"))]),
        )
        .with("loop", Yaml::Seq(packages.iter().map(|p| s(p.as_str())).collect()))],
        Action::SetHostname { name } => vec![t(&format!("set the hostname to {name}"), "ansible.builtin.hostname", map([("name", s(name.as_str()))]))],
        Action::LoadModules { modules } => vec![t(
            &format!("load the kernel modules {}", modules.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(" ")),
            "ansible.builtin.command",
            map([("argv", strs(&["modprobe", "{{ item.name }}"])), ("creates", s("{{ item.present_when }}"))]),
        )
        .with(
            "loop",
            Yaml::Seq(modules.iter().map(|m| map([("name", s(m.name.as_str())), ("present_when", s(m.present_when.as_str()))])).collect()),
        )
        .with("loop_control", map([("label", s("{{ item.name }}"))]))],
        Action::SwapOff => vec![t("turn swap off", "ansible.builtin.command", argv(&["swapoff", "-a"])).with("when", s("ansible_facts['swaptotal_mb'] | int > 0"))],
        Action::SelinuxPermissive => vec![
            t("set SELinux permissive now", "ansible.builtin.command", argv(&["setenforce", "0"]))
                .with("when", s("ansible_facts['selinux']['status'] == 'enabled' and ansible_facts['selinux']['mode'] == 'enforcing'")),
            t(
                "set SELinux permissive at boot in /etc/selinux/config",
                "ansible.builtin.lineinfile",
                map([("path", s("/etc/selinux/config")), ("regexp", s("^SELINUX=")), ("line", s("SELINUX=permissive"))]),
            )
            .with("when", s("ansible_facts['selinux']['status'] == 'enabled'")),
        ],
        Action::FirewallOpen { ports } => vec![
            t("see whether firewalld runs", "ansible.builtin.command", argv(&["firewall-cmd", "--state"]))
                .with("register", s("edgeworker_firewalld"))
                .with("failed_when", Yaml::Bool(false))
                .with("changed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
            t(&format!("open {} in firewalld", ports.join(" ")), "ansible.builtin.command", map([("argv", strs(&["firewall-cmd", "--permanent", "--add-port={{ item }}"]))]))
                .with("loop", Yaml::Seq(ports.iter().map(|p| s(p.as_str())).collect()))
                .with("when", s("edgeworker_firewalld.rc == 0"))
                .with("register", s("edgeworker_ports"))
                .with("changed_when", s("'ALREADY_ENABLED' not in edgeworker_ports.stderr")),
            t("apply the firewall rules", "ansible.builtin.command", argv(&["firewall-cmd", "--reload"]))
                .with("when", s("edgeworker_firewalld.rc == 0 and edgeworker_ports is changed")),
        ],
        Action::Service { name, state } => {
            let mut args = map([("name", s(name.as_str()))]);
            args = match state {
                ServiceState::RunningEnabled => args.with("state", s("started")).with("enabled", Yaml::Bool(true)),
                ServiceState::Enabled => args.with("enabled", Yaml::Bool(true)),
                ServiceState::Masked => args.with("masked", Yaml::Bool(true)),
            };
            vec![t(&what_path("set the state of service", name), "ansible.builtin.systemd", args)]
        }
        Action::WaitFor { argv: command, retries, delay_seconds } => {
            let [record, flush] = flush_handlers(id.as_str());
            vec![
            record,
            flush,
            t(&format!("wait until `{}` answers", command.join(" ")), "ansible.builtin.command", map([("argv", Yaml::Seq(command.iter().map(|a| s(a.as_str())).collect()))]))
                .with("register", s("edgeworker_wait"))
                .with("until", s("edgeworker_wait.rc == 0"))
                .with("retries", Yaml::Int(i64::from(*retries)))
                .with("delay", Yaml::Int(i64::from(*delay_seconds)))
                .with("changed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
            ]
        }
        Action::MinimumVersion { argv: command, minimum } => vec![
            t(&format!("read the version of {}", command.first().map_or("", String::as_str)), "ansible.builtin.command", map([("argv", Yaml::Seq(command.iter().map(|a| s(a.as_str())).collect()))]))
                .with("register", s("edgeworker_version"))
                .with("changed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
            t(
                &format!("check the version is at least {minimum}"),
                "ansible.builtin.assert",
                map([
                    ("that", Yaml::Seq(vec![s(format!("(edgeworker_version.stdout | regex_search('[0-9]+[.][0-9]+[.][0-9]+') | default('0.0.0', true)) is version('{minimum}', '>=')"))])),
                    ("fail_msg", s(format!("{} is older than {minimum}: {{{{ edgeworker_version.stdout }}}}", command.first().map_or("", String::as_str)))),
                ]),
            ),
        ],
        Action::JoinToken { source: TokenSource::Create { ttl_minutes } } => vec![
            t(
                "create a short-lived bootstrap token",
                "ansible.builtin.command",
                map([("argv", Yaml::Seq(vec![s("kubeadm"), s("token"), s("create"), s("--ttl"), s(format!("{ttl_minutes}m")), s("--description"), s("edgeworker provisioning run")]))]),
            )
            .with("register", s("edgeworker_token")),
            t("keep the token for the nodes", "ansible.builtin.set_fact", map([(TOKEN_FACT, s("{{ edgeworker_token.stdout | trim }}"))])),
        ],
        Action::JoinToken { source: TokenSource::Environment { variable } } => vec![
            t("read the given join token", "ansible.builtin.set_fact", map([(TOKEN_FACT, s(format!("{{{{ lookup('ansible.builtin.env', '{variable}') }}}}")))])),
            t(
                "check the given join token",
                "ansible.builtin.assert",
                map([
                    ("that", strs(&[&format!("{TOKEN_FACT} is match('^[a-z0-9]{{6}}[.][a-z0-9]{{16}}$')")])),
                    ("fail_msg", s(format!("Set {JOIN_TOKEN_ENV} to the join token ([a-z0-9]{{6}}.[a-z0-9]{{16}}) in the environment of ansible-playbook."))),
                ]),
            ),
        ],
        Action::CaCertHash { given: Some(hash), .. } => vec![t("use the given CA public-key hash", "ansible.builtin.set_fact", map([(HASH_FACT, s(hash.as_str()))]))],
        Action::CaCertHash { given: None, ca_cert } => vec![
            // pkey (not rsa) reads RSA and EC keys alike.
            t(
                "compute the CA public-key hash",
                "ansible.builtin.shell",
                map([
                    ("cmd", s(format!("set -o pipefail && openssl x509 -pubkey -noout -in {ca_cert} | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'"))),
                    ("executable", s("/bin/bash")),
                ]),
            )
            .with("register", s("edgeworker_ca_hash"))
            .with("changed_when", Yaml::Bool(false))
            .with("check_mode", Yaml::Bool(false)),
            t("keep the CA public-key hash for the nodes", "ansible.builtin.set_fact", map([(HASH_FACT, s("sha256:{{ edgeworker_ca_hash.stdout | trim }}"))])),
        ],
        Action::DeleteJoinToken => vec![
            t("delete the token created by this run", "ansible.builtin.command", map([("argv", strs(&["kubeadm", "token", "delete", &format!("{{{{ {TOKEN_FACT} }}}}")]))]))
                .with("when", s(format!("{TOKEN_FACT} is defined")))
                .with("ignore_errors", Yaml::Bool(true)),
        ],
        Action::KubeadmJoin { apiserver, token, ca_cert_hash, node_name, ignore_preflight_errors } => {
            // The token reaches kubeadm on standard input: not in argv (Ansible records it),
            // not in the environment (sudo logs it); the task is no_log, and kubeadm's error
            // is shown by the next task with the token filtered out.
            let mut args = vec![s("sh"), s("-c"), s(JOIN_SCRIPT), s("edgeworker-join"), s(apiserver.as_str()), s(ca_cert_hash.as_str()), s(node_name.as_str())];
            if !ignore_preflight_errors.is_empty() {
                args.push(s(format!("--ignore-preflight-errors={}", ignore_preflight_errors.join(","))));
            }
            let creates = match &step.guard {
                Guard::SkipWhenExists { path } => path.as_str(),
                _ => KUBELET_CONF,
            };
            vec![
                t(&format!("kubeadm join {apiserver} as {node_name}"), "ansible.builtin.command", map([("argv", Yaml::Seq(args)), ("creates", s(creates)), ("stdin", s(token.as_str()))]))
                    .with("register", s("edgeworker_join"))
                    .with("failed_when", Yaml::Bool(false))
                    .with("no_log", Yaml::Bool(true)),
                t("report kubeadm join's error", "ansible.builtin.fail", map([("msg", s(JOIN_ERROR))]))
                    .with("when", s("edgeworker_join.rc is defined and edgeworker_join.rc != 0")),
            ]
        }
        Action::PullImages { kubernetes_version, image_repository, images } => vec![
            t(
                "list the images of this version",
                "ansible.builtin.command",
                map([(
                    "argv",
                    Yaml::Seq(vec![
                        s("kubeadm"), s("config"), s("images"), s("list"),
                        s("--kubernetes-version"), s(format!("v{kubernetes_version}")),
                        s("--image-repository"), s(image_repository.as_str()),
                    ]),
                )]),
            )
            .with("register", s("edgeworker_images"))
            .with("changed_when", Yaml::Bool(false))
            .with("check_mode", Yaml::Bool(false)),
            t(
                "look for each worker image in containerd",
                "ansible.builtin.command",
                map([("argv", strs(&["crictl", "--runtime-endpoint", CRI_ENDPOINT, "--image-endpoint", CRI_ENDPOINT, "inspecti", "{{ item }}"]))]),
            )
            .with("loop", s(format!("{{{{ edgeworker_images.stdout_lines | select('search', '/({}):') | list }}}}", images.join("|"))))
            .with("register", s("edgeworker_present"))
            .with("changed_when", Yaml::Bool(false))
            .with("failed_when", Yaml::Bool(false))
            .with("check_mode", Yaml::Bool(false)),
            // crictl says "Image is up to date" for every pull: only a missing image is pulled,
            // so a pull is a change.
            t(
                &format!("pull the missing worker images ({})", images.join(", ")),
                "ansible.builtin.command",
                map([("argv", strs(&["crictl", "--runtime-endpoint", CRI_ENDPOINT, "--image-endpoint", CRI_ENDPOINT, "pull", "{{ item.item }}"]))]),
            )
            .with("loop", s("{{ edgeworker_present.results }}"))
            .with("loop_control", map([("label", s("{{ item.item }}"))]))
            .with("when", s("item.rc != 0")),
        ],
        Action::LabelNode { node, .. } => vec![t(
            &format!("label node {node}"),
            "ansible.builtin.command",
            map([("argv", s("{{ ['kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf', 'label', '--overwrite', 'node', inventory_hostname] + edgeworker_labels }}"))]),
        )
        .with("when", s("edgeworker_labels | length > 0"))
        .with("register", s("edgeworker_label"))
        // kubectl says "node/<name> not labeled" when every label already had its value.
        .with("changed_when", s("'not labeled' not in edgeworker_label.stdout"))],
        Action::DrainNode { .. }
        | Action::UnholdPackages { .. }
        | Action::KubeadmUpgradeNode { .. }
        | Action::Restart { .. }
        | Action::UncordonNode { .. }
        | Action::ReportFailedUpgrades => upgrade_action_tasks(id, action),
        Action::ReportFailedNodes => vec![
            t(
                "collect the nodes that did not finish",
                "ansible.builtin.set_fact",
                map([(
                    "edgeworker_failed",
                    s("{{ edgeworker_failed | default([]) + [item ~ ' (failed at ' ~ (hostvars[item].edgeworker_failed_step | default('an unreachable connection')) ~ ')'] }}"),
                )]),
            )
            .with("loop", s(RUN_NODES))
            .with("when", s("not (hostvars[item].edgeworker_done | default(false))")),
            t(
                "fail the run naming the failed nodes",
                "ansible.builtin.fail",
                map([("msg", s("Provisioning failed on {{ edgeworker_failed | length }} node(s): {{ edgeworker_failed | join('; ') }}"))]),
            )
            .with("when", s("edgeworker_failed | default([]) | length > 0")),
        ],
    }
}

/// The tasks of the upgrade's own actions.
fn upgrade_action_tasks(id: StepId, action: &Action) -> Vec<Yaml> {
    let t = |what: &str, module: &'static str, args: Yaml| named(id, what, module, args);
    let kubectl = |args: &[&str]| {
        let mut argv = vec![
            s("kubectl"),
            s("--kubeconfig"),
            s("/etc/kubernetes/admin.conf"),
        ];
        argv.extend(args.iter().map(|a| s(*a)));
        map([("argv", Yaml::Seq(argv))])
    };
    match action {
        Action::DrainNode {
            node,
            timeout_seconds,
        } => vec![t(
            &format!("drain node {node}"),
            "ansible.builtin.command",
            kubectl(&[
                "drain",
                node,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                &format!("--timeout={timeout_seconds}s"),
            ]),
        )],
        Action::UnholdPackages { packages } => vec![t(
            &format!("release the hold on {}", packages.join(" ")),
            "ansible.builtin.dpkg_selections",
            map([("name", s("{{ item }}")), ("selection", s("install"))]),
        )
        .with(
            "loop",
            Yaml::Seq(packages.iter().map(|p| s(p.as_str())).collect()),
        )],
        Action::KubeadmUpgradeNode { version } => vec![t(
            &format!("kubeadm upgrade node (kubeadm {version})"),
            "ansible.builtin.command",
            argv(&["kubeadm", "upgrade", "node"]),
        )],
        Action::Restart { name } => vec![
            t(
                &what_path("restart", name),
                "ansible.builtin.systemd",
                map([
                    ("name", s(name.as_str())),
                    ("state", s("restarted")),
                    ("daemon_reload", Yaml::Bool(true)),
                ]),
            )
            .with("when", s(format!("{RESTART_SWITCH} | default(true) | bool"))),
        ],
        Action::UncordonNode { node } => vec![
            t(
                &format!("uncordon node {node}"),
                "ansible.builtin.command",
                kubectl(&["uncordon", node]),
            )
            .with("register", s("edgeworker_uncordon"))
            // kubectl says "node/<name> already uncordoned" when there was nothing to do.
            .with(
                "changed_when",
                s("'already uncordoned' not in edgeworker_uncordon.stdout"),
            ),
        ],
        Action::ReportFailedUpgrades => vec![
            t(
                "collect the nodes that were not upgraded",
                "ansible.builtin.set_fact",
                map([(
                    "edgeworker_failed",
                    s("{{ edgeworker_failed | default([]) + [item ~ ' (' ~ (hostvars[item].edgeworker_failed_step | default('failed at an unreachable connection')) ~ ')'] }}"),
                )]),
            )
            .with("loop", s(RUN_NODES))
            .with(
                "when",
                s("not (hostvars[item].edgeworker_done | default(false))"),
            ),
            t(
                "fail the run naming the nodes not upgraded",
                "ansible.builtin.fail",
                map([(
                    "msg",
                    s("Upgrade failed on {{ edgeworker_failed | length }} node(s); a node that failed stays cordoned: {{ edgeworker_failed | join('; ') }}"),
                )]),
            )
            .with("when", s("edgeworker_failed | default([]) | length > 0")),
        ],
        // Only the upgrade's actions come here (see `action_tasks`).
        _ => Vec::new(),
    }
}

/// A preflight check, as Ansible tasks over the gathered facts and the node's variables.
fn check_tasks(id: StepId, check: &Check) -> Vec<Yaml> {
    let assert = |what: &str, that: &str, fail_msg: &str| {
        named(
            id,
            what,
            "ansible.builtin.assert",
            map([("that", strs(&[that])), ("fail_msg", s(fail_msg))]),
        )
    };
    match check {
        Check::OsRelease { .. } => vec![assert(
            "check the OS release",
            "ansible_facts['distribution'] | lower == edgeworker_os_id and edgeworker_os_version in [ansible_facts['distribution_version'], ansible_facts['distribution_major_version']]",
            "The node runs {{ ansible_facts['distribution'] }} {{ ansible_facts['distribution_version'] }}, the plan says {{ edgeworker_os_id }} {{ edgeworker_os_version }}",
        )],
        Check::Arch { .. } => vec![assert(
            "check the architecture",
            "ansible_facts['architecture'] == edgeworker_arch",
            "The node is {{ ansible_facts['architecture'] }}, the plan says {{ edgeworker_arch }}",
        )],
        Check::MgmtAddress { ipv6, .. } => {
            let list = if *ipv6 { "all_ipv6_addresses" } else { "all_ipv4_addresses" };
            vec![assert(
                "check the management address is configured",
                &format!("edgeworker_mgmt_ip in ansible_facts['{list}']"),
                "{{ edgeworker_mgmt_ip }} is not configured on any interface of the node",
            )]
        }
        Check::MinResources { cpus, memory_mib } => vec![named(
            id,
            "warn about small resources",
            "ansible.builtin.debug",
            map([("msg", s(format!("warning: the node has {{{{ ansible_facts['processor_vcpus'] }}}} CPUs and {{{{ ansible_facts['memtotal_mb'] }}}} MiB; Kubernetes wants at least {cpus} and {memory_mib}")))]),
        )
        .with("when", s(format!("ansible_facts['processor_vcpus'] | int < {cpus} or ansible_facts['memtotal_mb'] | int < {memory_mib}")))],
        Check::NotJoinedElsewhere { kubelet_conf, .. } => vec![
            named(id, &format!("look for an existing kubelet configuration {kubelet_conf}"), "ansible.builtin.stat", map([("path", s(kubelet_conf.as_str()))])).with("register", s("edgeworker_kubelet_conf")),
            named(id, "read the existing kubelet configuration", "ansible.builtin.slurp", map([("src", s(kubelet_conf.as_str()))]))
                .with("register", s("edgeworker_kubelet_conf_text"))
                .with("when", s("edgeworker_kubelet_conf.stat.exists")),
            named(
                id,
                "check an existing kubelet is joined to this cluster",
                "ansible.builtin.assert",
                map([
                    ("that", strs(&["('server: https://' ~ edgeworker_apiserver) in (edgeworker_kubelet_conf_text.content | b64decode)"])),
                    ("fail_msg", s(format!("{kubelet_conf} exists and points at another cluster; reset the node first"))),
                ]),
            )
            .with("when", s("edgeworker_kubelet_conf.stat.exists")),
        ],
    }
}

/// The management interface's ifupdown stanza: the interface found by MAC, its other stanzas
/// commented out, the stanza written, and `ifquery` shown to read the planned address from it.
fn stanza_tasks(id: StepId, path: &str, content: &str) -> Vec<Yaml> {
    let when = format!(
        "edgeworker_netmgr.stdout == '{}'",
        NetworkManager::Ifupdown.as_str()
    );
    let t = |what: &str, module: &'static str, args: Yaml| {
        named(id, what, module, args).with("when", s(when.as_str()))
    };
    let fact = MGMT_IFACE_FACT;
    vec![
        t("find the management interface by its MAC address", "ansible.builtin.command", map([("argv", strs(&["sh", "-c", FIND_INTERFACE, "sh", "{{ edgeworker_mgmt_mac }}"]))]))
            .with("register", s("edgeworker_mgmt_iface_found"))
            .with("changed_when", Yaml::Bool(false))
            .with("check_mode", Yaml::Bool(false)),
        t("remember the management interface", "ansible.builtin.set_fact", map([(fact, s("{{ edgeworker_mgmt_iface_found.stdout }}"))])),
        t(
            "comment out the management interface's other ifupdown stanzas",
            "ansible.builtin.command",
            map([("argv", strs(&["sh", "-c", COMMENT_STANZAS, "sh", &format!("{{{{ {fact} }}}}"), path]))]),
        )
        .with("register", s("edgeworker_stanzas"))
        .with("changed_when", s("edgeworker_stanzas.stdout | length > 0")),
        t(
            "make ifupdown read /etc/network/interfaces.d",
            "ansible.builtin.lineinfile",
            map([
                ("path", s("/etc/network/interfaces")),
                ("regexp", s("^\\s*source(-directory)?\\s+/etc/network/interfaces\\.d")),
                ("line", s("source /etc/network/interfaces.d/*")),
            ]),
        ),
        t(
            &format!("write {path} (ifupdown)"),
            "ansible.builtin.copy",
            map([("dest", s(path)), ("content", s(content)), ("mode", mode(0o644))]),
        ),
        t("check ifupdown reads the planned address", "ansible.builtin.command", map([("argv", strs(&["ifquery", &format!("{{{{ {fact} }}}}")]))]))
            .with("register", s("edgeworker_ifquery"))
            .with("changed_when", Yaml::Bool(false))
            // ifupdown shows an IPv4 prefix as a separate netmask line.
            .with("failed_when", s("edgeworker_ifquery.rc != 0 or edgeworker_ifquery.stdout_lines | select('match', '^address: ' ~ (edgeworker_mgmt_ip | regex_escape) ~ '(/|$)') | list | length != 1")),
    ]
}

/// The management interface for one network manager: written, then applied unless the
/// manager's live state already shows it (so a failed run is finished by the next one), then
/// checked.
fn interface_tasks(
    id: StepId,
    manager: NetworkManager,
    path: &str,
    content: &str,
    m: u32,
) -> Vec<Yaml> {
    let when = format!("edgeworker_netmgr.stdout == '{}'", manager.as_str());
    let t = |what: &str, module: &'static str, args: Yaml| {
        named(id, what, module, args).with("when", s(when.as_str()))
    };
    let written = format!("edgeworker_netfile_{}", manager.as_str());
    let write = t(
        &format!("write {path} ({})", manager.title()),
        "ansible.builtin.copy",
        map([
            ("dest", s(path)),
            ("content", s(content)),
            ("mode", mode(m)),
        ]),
    )
    .with("register", s(written.as_str()));
    let (read, applied, apply, how): (&[&str], String, Vec<&str>, &str) = match manager {
        NetworkManager::Networkd => (
            &["networkctl", "status", "--all", "--no-pager"],
            format!("'Network File: {NETWORKD_FILE}' in edgeworker_live.stdout"),
            vec!["networkctl", "reload"],
            "networkctl reload",
        ),
        NetworkManager::NetworkManager => (
            &[
                "nmcli",
                "-t",
                "-f",
                "NAME",
                "connection",
                "show",
                "--active",
            ],
            format!("'{NM_CONNECTION}' in edgeworker_live.stdout_lines"),
            vec![
                "sh",
                "-c",
                "nmcli connection reload && nmcli connection up edgeworker-mgmt",
            ],
            "nmcli connection reload and up",
        ),
        // dhclient applies the hook at the next lease; the address stays with ifupdown.
        NetworkManager::Ifupdown => return vec![write],
    };
    let live = |what: &str, register: &str| {
        t(what, "ansible.builtin.command", map([("argv", strs(read))]))
            .with("register", s(register))
            .with("changed_when", Yaml::Bool(false))
            .with("failed_when", Yaml::Bool(false))
    };
    let checked = applied.replace("edgeworker_live.", "edgeworker_live_after.");
    vec![
        write,
        live(
            &format!("read what {} applies", manager.title()),
            "edgeworker_live",
        )
        .with("check_mode", Yaml::Bool(false)),
        t(
            &format!("apply {path} ({how})"),
            "ansible.builtin.command",
            map([("argv", strs(&apply))]),
        )
        .with(
            "when",
            Yaml::Seq(vec![
                s(when.as_str()),
                s(format!("{written} is changed or not ({applied})")),
            ]),
        ),
        live(
            &format!("check {} applies {path}", manager.title()),
            "edgeworker_live_after",
        )
        .with("until", s(checked))
        .with("retries", Yaml::Int(10))
        .with("delay", Yaml::Int(2))
        .with(
            "failed_when",
            s(format!(
                "not ({})",
                applied.replace("edgeworker_live.", "edgeworker_live_after.")
            )),
        ),
    ]
}
