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

use std::collections::BTreeMap;

use crate::plan::builder::{
    self, CONTROLLER_HOST, Facts, HASH_FACT, KUBELET_CONF, NodeFacts, Shape, TOKEN_FACT,
};
use crate::plan::os::{OsFamily, OsProfile, PackageManager};
use crate::plan::render::inventory::{BYTES_PER_NODE, Inventory, family_key};
use crate::plan::render::yaml::{self, Yaml, map, s, strs};
use crate::plan::step::{Action, Check, Guard, Handler, ServiceState, Step, StepId, TokenSource};
use crate::plan::{JOIN_TOKEN_ENV, Plan};

/// The inventory group of the controller (the host running `ansible-playbook`).
pub const CONTROLLER_GROUP: &str = "edgeworker_controller";
/// The inventory group of the nodes.
pub const NODE_GROUP: &str = "edgeworkers";

/// The extra-var that, set to `false`, keeps the handlers from restarting or reloading
/// anything (`-e edgeworker_restart_services=false`): for dry runs on machines without
/// systemd, such as `.ci/ansible-check`. Handlers ignore `--tags`, so a variable is the way.
pub const RESTART_SWITCH: &str = "edgeworker_restart_services";

/// The rendered files, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsibleFiles {
    /// `playbook.yml`.
    pub playbook: String,
    /// `inventory.yml`.
    pub inventory: String,
}

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
    let playbook = yaml::to_string(&playbook(plan), 64 * 1024).map_err(|e| RenderError {
        file: "playbook.yml",
        message: e.to_string(),
    })?;
    let inventory = yaml::to_string(
        &Inventory::new(plan),
        4096 + plan.nodes().len() * BYTES_PER_NODE,
    )
    .map_err(|e| RenderError {
        file: "inventory.yml",
        message: e.to_string(),
    })?;
    Ok(AnsibleFiles {
        playbook,
        inventory,
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
    let mut controller_tasks = tasks_of(lock);
    let mut rescue = cleanup_tasks(&cleanup, false);
    rescue.push(named(
        StepId::ControllerCleanup,
        "stop after the failed controller preparation",
        "ansible.builtin.fail",
        map([("msg", s("Controller preparation failed at {{ ansible_failed_task.name }}; staged files removed and lock released."))]),
    ));
    controller_tasks.push(map([
        ("name", s("edgeworker: prepare the controller")),
        ("block", Yaml::Seq(tasks_of(preparation))),
        ("rescue", Yaml::Seq(rescue)),
    ]));

    let node_tasks = node_tasks(plan, &facts);

    Yaml::Seq(vec![
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
            ("tasks", Yaml::Seq(cleanup_tasks(&cleanup, true))),
        ]),
    ])
}

/// The node play's tasks: one block per OS profile in the fleet, rescued per node.
fn node_tasks(plan: &Plan, facts: &Facts) -> Vec<Yaml> {
    let profiles: BTreeMap<String, OsProfile> = plan
        .nodes()
        .iter()
        .map(|p| (p.node().os().profile().key(), p.node().os().profile()))
        .collect();
    let mut node_block = vec![
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
            ("block", Yaml::Seq(tasks_of(&steps))),
        ]));
    }
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
                    map([(
                        "edgeworker_failed_step",
                        s("{{ ansible_failed_task.name }}"),
                    )]),
                ),
            ])]),
        ),
    ])];

    node_tasks
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
            "reload network (systemd-networkd)",
            Handler::ReloadNetwork,
            "ansible.builtin.command",
            argv(&["networkctl", "reload"]),
            Some(OsFamily::DebianLike),
        ),
        handler(
            "reload network (NetworkManager)",
            Handler::ReloadNetwork,
            "ansible.builtin.command",
            argv(&["nmcli", "connection", "reload"]),
            Some(OsFamily::RhelLike),
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

fn cleanup_tasks(cleanup: &Step, report: bool) -> Vec<Yaml> {
    let step = Step {
        actions: cleanup
            .actions
            .iter()
            .filter(|a| report || !matches!(a, Action::ReportFailedNodes))
            .cloned()
            .collect(),
        ..cleanup.clone()
    };
    tasks_of(std::slice::from_ref(&step))
}

// ---------------------------------------------------------------------------------- tasks

/// A task named `<step id>: <what>`, tagged with its step id (for `--tags`).
fn named(id: StepId, what: &str, module: &'static str, args: Yaml) -> Yaml {
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

/// Names a path in a task name only when it is our own constant text.
fn what_path(verb: &str, path: &str) -> String {
    if path.contains("{{") {
        verb.to_owned()
    } else {
        format!("{verb} {path}")
    }
}

fn tasks_of(steps: &[Step]) -> Vec<Yaml> {
    let mut tasks = Vec::new();
    for step in steps {
        for action in &step.actions {
            for task in action_tasks(step, action) {
                tasks.push(decorate(step, action, task));
            }
        }
    }
    tasks
}

/// Step-wide settings: notifications on changing tasks, loops over the nodes for the
/// controller's per-node steps, delegation of the labels step, secrecy.
fn decorate(step: &Step, action: &Action, task: Yaml) -> Yaml {
    let mut task = task;
    let changes = matches!(
        action,
        Action::WriteFile { .. }
            | Action::CopyToNode { .. }
            | Action::LineInFile { .. }
            | Action::InstallPackages { .. }
    );
    if changes && !step.notify.is_empty() && !has_key(&task, "register") {
        let names: Vec<&str> = step.notify.iter().map(|h| h.as_str()).collect();
        task = task.with("notify", strs(&names));
    }
    if matches!(step.id, StepId::ControllerHosts) {
        task = task.with("loop", s(format!("{{{{ groups['{NODE_GROUP}'] }}}}")));
    }
    if matches!(step.id, StepId::NodeLabels) {
        task = task.with("delegate_to", s(CONTROLLER_HOST));
    }
    if matches!(
        action,
        Action::JoinToken { .. } | Action::KubeadmJoin { .. } | Action::DeleteJoinToken
    ) {
        task = task.with("no_log", Yaml::Bool(true));
    }
    task
}

fn has_key(task: &Yaml, key: &str) -> bool {
    matches!(task, Yaml::Map(entries) if entries.iter().any(|(k, _)| k == key))
}

#[allow(clippy::too_many_lines)] // one arm per action kind reads best as one match
fn action_tasks(step: &Step, action: &Action) -> Vec<Yaml> {
    let id = step.id;
    let t = |what: &str, module: &'static str, args: Yaml| named(id, what, module, args);
    match action {
        Action::Lock { path, stale_after_minutes } => vec![
            t("look for a held lock", "ansible.builtin.stat", map([("path", s(path.as_str()))])).with("register", s("edgeworker_lock")),
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
            .with("loop", s(format!("{{{{ groups['{NODE_GROUP}'] }}}}")))
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
        Action::AptRepository { name, line, key_url, keyring } => vec![
            t("make directory /etc/apt/keyrings", "ansible.builtin.file", map([("path", s("/etc/apt/keyrings")), ("state", s("directory")), ("mode", mode(0o755))])),
            t(&format!("fetch the {name} repository key"), "ansible.builtin.get_url", map([("url", s(key_url.as_str())), ("dest", s(keyring.as_str())), ("mode", mode(0o644))])),
            t(
                &format!("add the {name} repository"),
                "ansible.builtin.copy",
                map([("dest", s(format!("/etc/apt/sources.list.d/edgeworker-{name}.list"))), ("content", s(format!("{line}\n"))), ("mode", mode(0o644))]),
            ),
        ],
        Action::RpmRepository { name, baseurl, gpgkey, exclude } => {
            let mut args = map([
                ("name", s(name.as_str())),
                ("description", s(format!("{name} (edgeworker provisioning)"))),
                ("baseurl", s(baseurl.as_str())),
                ("gpgkey", s(gpgkey.as_str())),
                ("gpgcheck", Yaml::Bool(true)),
            ]);
            if !exclude.is_empty() {
                args = args.with("exclude", Yaml::Seq(exclude.iter().map(|e| s(e.as_str())).collect()));
            }
            vec![t(&format!("add the {name} repository"), "ansible.builtin.yum_repository", args)]
        }
        Action::InstallPackages { manager, packages, disable_excludes } => {
            let names = Yaml::Seq(packages.iter().map(|p| s(p.as_str())).collect());
            let (module, mut args) = match manager {
                PackageManager::Apt => (
                    "ansible.builtin.apt",
                    map([
                        ("name", names),
                        ("state", s("present")),
                        ("update_cache", Yaml::Bool(true)),
                        ("allow_downgrade", Yaml::Bool(true)),
                        ("allow_change_held_packages", Yaml::Bool(true)),
                    ]),
                ),
                PackageManager::Yum => ("ansible.builtin.yum", map([("name", names), ("state", s("present")), ("allow_downgrade", Yaml::Bool(true))])),
                PackageManager::Dnf => ("ansible.builtin.dnf", map([("name", names), ("state", s("present")), ("allow_downgrade", Yaml::Bool(true))])),
            };
            if let Some(repo) = disable_excludes {
                args = args.with("disable_excludes", s(repo.as_str()));
            }
            vec![t("install packages", module, args)]
        }
        Action::HoldPackages { packages } => vec![t(
            "hold the packages",
            "ansible.builtin.dpkg_selections",
            map([("name", s("{{ item }}")), ("selection", s("hold"))]),
        )
        .with("loop", Yaml::Seq(packages.iter().map(|p| s(p.as_str())).collect()))],
        Action::SetHostname { name } => vec![t("set the hostname", "ansible.builtin.hostname", map([("name", s(name.as_str()))]))],
        Action::LoadModules { modules } => vec![t(
            "load the kernel modules",
            "ansible.builtin.command",
            map([("argv", strs(&["modprobe", "{{ item }}"])), ("creates", s("/sys/module/{{ item }}"))]),
        )
        .with("loop", Yaml::Seq(modules.iter().map(|m| s(m.as_str())).collect()))],
        Action::SwapOff => vec![t("turn swap off", "ansible.builtin.command", argv(&["swapoff", "-a"])).with("when", s("ansible_facts['swaptotal_mb'] | int > 0"))],
        Action::SelinuxPermissive => vec![
            t("set SELinux permissive now", "ansible.builtin.command", argv(&["setenforce", "0"]))
                .with("when", s("ansible_facts['selinux']['status'] == 'enabled' and ansible_facts['selinux']['mode'] == 'enforcing'")),
            t(
                "set SELinux permissive at boot",
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
            t("open the ports", "ansible.builtin.command", map([("argv", strs(&["firewall-cmd", "--permanent", "--add-port={{ item }}"]))]))
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
        Action::WaitFor { argv: command, retries, delay_seconds } => vec![
            map([("name", s(format!("{id}: apply pending restarts"))), ("ansible.builtin.meta", s("flush_handlers"))]),
            t("wait until it answers", "ansible.builtin.command", map([("argv", Yaml::Seq(command.iter().map(|a| s(a.as_str())).collect()))]))
                .with("register", s("edgeworker_wait"))
                .with("until", s("edgeworker_wait.rc == 0"))
                .with("retries", Yaml::Int(i64::from(*retries)))
                .with("delay", Yaml::Int(i64::from(*delay_seconds)))
                .with("changed_when", Yaml::Bool(false))
                .with("check_mode", Yaml::Bool(false)),
        ],
        Action::MinimumVersion { argv: command, minimum } => vec![
            t("read the version", "ansible.builtin.command", map([("argv", Yaml::Seq(command.iter().map(|a| s(a.as_str())).collect()))]))
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
            let mut args = vec![
                s("kubeadm"), s("join"), s(apiserver.as_str()),
                s("--token"), s(token.as_str()),
                s("--discovery-token-ca-cert-hash"), s(ca_cert_hash.as_str()),
                s("--node-name"), s(node_name.as_str()),
            ];
            if !ignore_preflight_errors.is_empty() {
                args.push(s(format!("--ignore-preflight-errors={}", ignore_preflight_errors.join(","))));
            }
            let creates = match &step.guard {
                Guard::SkipWhenExists { path } => path.as_str(),
                Guard::Converges | Guard::Always => KUBELET_CONF,
            };
            vec![t("join the cluster", "ansible.builtin.command", map([("argv", Yaml::Seq(args)), ("creates", s(creates))]))]
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
                "pull the worker images",
                "ansible.builtin.command",
                map([("argv", strs(&["crictl", "--runtime-endpoint", "unix:///run/containerd/containerd.sock", "pull", "{{ item }}"]))]),
            )
            .with("loop", s(format!("{{{{ edgeworker_images.stdout_lines | select('search', '/({}):') | list }}}}", images.join("|"))))
            .with("register", s("edgeworker_pull"))
            .with("changed_when", s("'up to date' not in edgeworker_pull.stdout")),
        ],
        Action::LabelNode { .. } => vec![t(
            "label the node",
            "ansible.builtin.command",
            map([("argv", s("{{ ['kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf', 'label', '--overwrite', 'node', inventory_hostname] + edgeworker_labels }}"))]),
        )
        .with("when", s("edgeworker_labels | length > 0"))],
        Action::ReportFailedNodes => vec![
            t(
                "collect the nodes that did not finish",
                "ansible.builtin.set_fact",
                map([(
                    "edgeworker_failed",
                    s("{{ edgeworker_failed | default([]) + [item ~ ' (failed at ' ~ (hostvars[item].edgeworker_failed_step | default('an unreachable connection')) ~ ')'] }}"),
                )]),
            )
            .with("loop", s(format!("{{{{ groups['{NODE_GROUP}'] }}}}")))
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
            named(id, "look for an existing kubelet configuration", "ansible.builtin.stat", map([("path", s(kubelet_conf.as_str()))])).with("register", s("edgeworker_kubelet_conf")),
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
