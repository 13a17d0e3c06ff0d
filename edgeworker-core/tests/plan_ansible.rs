//! The Ansible rendering: parsed back with a YAML library, input only as `!unsafe` data,
//! ansible.builtin modules only, every variable defined, files written whole.

mod plan_support;

use std::collections::{BTreeMap, BTreeSet};

use edgeworker_core::plan::{ANSIBLE_HEADER, JOIN_TOKEN_ENV, Plan, RESTART_SWITCH, WriteError};
use plan_support::{controller, example, node, with};
use serde::Deserialize;
use serde_json::{Value, json};
use serde_saphyr::Tagged;

/// A registry CA path holding YAML and Jinja syntax: a Linux path may hold anything but NUL.
const NASTY_PATH: &str =
    "/tmp/a: b/#c {{ lookup('pipe', 'id') }}/{% raw %}'q'\"dq\"/- item/[x] &a *b !t |>";
const NASTY_PROXY: &str = "http://u:p%40@proxy:3128/{{lookup('pipe','id')}}#'x'[y]&z*";

fn nasty_plan(join: Value) -> Plan {
    let c = with(
        with(
            with(controller(), "registry_ca_cert", json!(NASTY_PATH)),
            "proxy",
            json!({"http": NASTY_PROXY, "https": NASTY_PROXY, "no_proxy": ["*"]}),
        ),
        "join",
        join,
    );
    let nodes = json!([
        with(
            node(0, "ubuntu", "22.04"),
            "labels",
            json!({"example.com/a.b": "x_y-z", "yes": "no"})
        ),
        with(
            node(1, "centos", "7"),
            "python",
            json!("/opt/py/{{x}}/python")
        ),
    ]);
    Plan::from_values(c, nodes).unwrap()
}

// Typed, field by field: serde's untagged and flattened forms buffer values and lose tags.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Inventory {
    all: All,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct All {
    vars: BTreeMap<String, Tagged<String>>,
    children: Children,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Children {
    edgeworker_controller: Group<ControllerVars>,
    edgeworkers: Nodes,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Nodes {
    children: BTreeMap<String, ReleaseGroup>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseGroup {
    vars: ReleaseVars,
    hosts: BTreeMap<String, NodeVars>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_field_names)] // the names are the inventory's variable names
struct ReleaseVars {
    edgeworker_profile: Tagged<String>,
    edgeworker_family: Tagged<String>,
    edgeworker_os_id: Tagged<String>,
    edgeworker_os_version: Tagged<String>,
    edgeworker_arch: Tagged<String>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group<T> {
    hosts: BTreeMap<String, T>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControllerVars {
    ansible_connection: String,
    ansible_python_interpreter: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeVars {
    ansible_host: Tagged<String>,
    ansible_user: Tagged<String>,
    ansible_python_interpreter: Tagged<String>,
    edgeworker_mgmt_ip: Tagged<String>,
    edgeworker_mgmt_mac: Tagged<String>,
    edgeworker_labels: Vec<Tagged<String>>,
}

impl NodeVars {
    /// Every value derived from input.
    fn input_values(&self) -> Vec<&Tagged<String>> {
        let mut values = vec![
            &self.ansible_host,
            &self.ansible_user,
            &self.ansible_python_interpreter,
            &self.edgeworker_mgmt_ip,
            &self.edgeworker_mgmt_mac,
        ];
        values.extend(&self.edgeworker_labels);
        values
    }
}

#[test]
fn every_input_value_is_an_unsafe_scalar_in_the_inventory_and_never_a_key() {
    let files = nasty_plan(Value::Null).to_ansible().unwrap();
    let inv: Inventory = serde_saphyr::from_str(&files.inventory).unwrap();
    let unsafe_tag = Some("!unsafe".to_owned());
    for (name, value) in &inv.all.vars {
        assert_eq!(value.1, unsafe_tag, "{name} is not !unsafe");
    }
    assert_eq!(inv.all.vars["edgeworker_registry_ca_cert"].0, NASTY_PATH);
    assert_eq!(inv.all.vars["edgeworker_http_proxy"].0, NASTY_PROXY);
    assert_eq!(
        inv.all.vars["edgeworker_https_proxy_systemd"].0,
        NASTY_PROXY.replace('%', "%%")
    );
    let controller = &inv.all.children.edgeworker_controller.hosts["localhost"];
    assert_eq!(
        (
            controller.ansible_connection.as_str(),
            controller.ansible_python_interpreter.as_str()
        ),
        ("local", "{{ ansible_playbook_python }}")
    );
    let groups = &inv.all.children.edgeworkers.children;
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        [
            "edgeworkers_centos_7_amd64",
            "edgeworkers_ubuntu_22_04_amd64"
        ]
    );
    let mut nodes = BTreeMap::new();
    for group in groups.values() {
        let v = &group.vars;
        for value in [
            &v.edgeworker_os_id,
            &v.edgeworker_os_version,
            &v.edgeworker_arch,
        ] {
            assert_eq!(value.1, unsafe_tag, "{:?}", value.0);
        }
        // Our own profile keys are plain.
        assert_eq!(
            (
                v.edgeworker_profile.1.as_deref(),
                v.edgeworker_family.1.as_deref()
            ),
            (None, None)
        );
        nodes.extend(group.hosts.iter().map(|(k, v)| (k.as_str(), v)));
    }
    assert_eq!(
        groups["edgeworkers_ubuntu_22_04_amd64"]
            .vars
            .edgeworker_os_version
            .0,
        "22.04"
    );
    assert_eq!(
        nodes.keys().copied().collect::<Vec<_>>(),
        ["edge-0", "edge-1"],
        "hostnames are the only keys"
    );
    for (host, vars) in &nodes {
        for value in vars.input_values() {
            assert_eq!(value.1, unsafe_tag, "{host}: {:?}", value.0);
        }
    }
    assert_eq!(
        nodes["edge-1"].ansible_python_interpreter.0,
        "/opt/py/{{x}}/python"
    );
    let labels: Vec<&str> = nodes["edge-0"]
        .edgeworker_labels
        .iter()
        .map(|t| t.0.as_str())
        .collect();
    assert_eq!(labels, ["example.com/a.b=x_y-z", "yes=no"]);
}

/// A fleet of `count` nodes over three releases and both architectures, in a /16 (IPv4)
/// or a /64 (IPv6, written in a non-canonical spelling), MACs in upper case with hyphens.
fn big_fleet(count: u16, ipv6: bool) -> (Value, Value) {
    let releases = [("ubuntu", "22.04"), ("rocky", "9"), ("debian", "12")];
    let c = if ipv6 {
        json!({
            "kubernetes_version": "1.29.2", "apiserver": "[fd00::2]:6443",
            "mgmt_floating_address": "fd00::2", "mgmt_subnet": "fd00::/64",
        })
    } else {
        json!({
            "kubernetes_version": "1.29.2", "apiserver": "10.1.0.2:6443",
            "mgmt_floating_address": "10.1.0.2", "mgmt_subnet": "10.1.0.0/16",
        })
    };
    let nodes = (0..count)
        .map(|i| {
            let (id, version) = releases[usize::from(i % 3)];
            let [hi, lo] = (i + 10).to_be_bytes();
            let ip = if ipv6 {
                format!("FD00:0:0:0::{:X}", i + 10)
            } else {
                format!("10.1.{hi}.{lo}")
            };
            let labels = if i % 5 == 0 {
                json!({})
            } else {
                json!({"site": format!("s{}", i % 7), "rack": format!("r{i}")})
            };
            json!({
                "hostname": format!("node-{i}"), "mgmt_ip": ip,
                "mgmt_mac": format!("0A-00-27-FF-{hi:02X}-{lo:02X}"),
                "os": {"id": id, "version": version},
                "arch": if i % 4 == 0 { "arm64" } else { "amd64" },
                "ssh_user": if i % 2 == 0 { "sysadmin" } else { "admin" },
                "labels": labels,
            })
        })
        .collect();
    (c, Value::Array(nodes))
}

#[test]
fn a_large_fleet_has_every_node_once_in_its_group_in_input_order_with_its_own_values() {
    for ipv6 in [false, true] {
        let (c, nodes) = big_fleet(600, ipv6);
        let plan = Plan::from_values(c, nodes.clone()).unwrap();
        let text = plan.to_ansible().unwrap().inventory;
        let inv: Inventory = serde_saphyr::from_str(&text).unwrap();
        let groups = &inv.all.children.edgeworkers.children;
        assert_eq!(groups.len(), 6, "three releases × two architectures");
        let mut seen = BTreeSet::new();
        for (name, group) in groups {
            let v = &group.vars;
            let mut positions = Vec::new();
            for (host, vars) in &group.hosts {
                assert!(seen.insert(host.clone()), "{host} is in two groups");
                let i: usize = host.trim_start_matches("node-").parse().unwrap();
                let input = &nodes[i];
                // The group is the node's release and architecture.
                assert_eq!(v.edgeworker_os_id.0, input["os"]["id"], "{host} in {name}");
                assert_eq!(v.edgeworker_os_version.0, input["os"]["version"]);
                let kernel_arch = if input["arch"] == "arm64" {
                    "aarch64"
                } else {
                    "x86_64"
                };
                assert_eq!(v.edgeworker_arch.0, kernel_arch, "{host} in {name}");
                // Its own values, addresses in canonical spelling.
                let ip: std::net::IpAddr = input["mgmt_ip"].as_str().unwrap().parse().unwrap();
                assert_eq!(vars.ansible_host.0, ip.to_string());
                assert_eq!(vars.edgeworker_mgmt_ip.0, ip.to_string());
                let mac = input["mgmt_mac"].as_str().unwrap();
                assert_eq!(
                    vars.edgeworker_mgmt_mac.0,
                    mac.to_lowercase().replace('-', ":")
                );
                assert_eq!(vars.ansible_user.0, input["ssh_user"]);
                assert_eq!(vars.ansible_python_interpreter.0, "/usr/bin/python3");
                let labels: Vec<String> = input["labels"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
                    .collect();
                let rendered: Vec<&str> = vars
                    .edgeworker_labels
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect();
                assert_eq!(rendered, labels, "{host}");
                for value in vars.input_values() {
                    assert_eq!(value.1.as_deref(), Some("!unsafe"), "{host}: {:?}", value.0);
                }
                positions.push((i, text.find(&format!("\n            {host}:\n")).unwrap()));
            }
            // Input order within the group: by input index, the host keys appear in order.
            positions.sort_unstable();
            assert!(positions.windows(2).all(|w| w[0].1 < w[1].1), "{name}");
        }
        assert_eq!(seen.len(), 600, "every node once");
    }
}

#[test]
fn the_playbook_holds_no_input_at_all() {
    let files = nasty_plan(Value::Null).to_ansible().unwrap();
    for fragment in [
        "lookup(",
        "proxy:3128",
        "/tmp/a",
        "plant",
        "192.168.204",
        "edge-0",
        "1.29.2",
        "sysadmin",
        "example.com",
    ] {
        assert!(
            !files.playbook.contains(fragment),
            "{fragment} is in the playbook"
        );
    }
}

#[test]
fn a_given_token_is_in_neither_file_and_comes_from_the_environment() {
    let token = "abcdef.0123456789abcdef";
    let hash = format!("sha256:{}", "cd".repeat(32));
    let files = nasty_plan(json!({"token": token, "ca_cert_hash": hash}))
        .to_ansible()
        .unwrap();
    assert!(
        !files.playbook.contains("0123456789abcdef")
            && !files.inventory.contains("0123456789abcdef")
    );
    assert!(files.playbook.contains(&format!(
        "lookup('ansible.builtin.env', '{JOIN_TOKEN_ENV}')"
    )));
    assert!(
        !files.playbook.contains("kubeadm token create"),
        "no token is created when one is given"
    );
    let inv: Inventory = serde_saphyr::from_str(&files.inventory).unwrap();
    assert_eq!(inv.all.vars["edgeworker_ca_cert_hash_given"].0, hash);
}

/// Every task of a task list, descending into blocks and rescues.
fn tasks_in<'a>(list: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    for task in list.as_array().into_iter().flatten() {
        let Some(map) = task.as_object() else {
            continue;
        };
        out.push(map);
        for nested in ["block", "rescue"] {
            if let Some(inner) = map.get(nested) {
                tasks_in(inner, out);
            }
        }
    }
}

fn all_tasks(doc: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let mut tasks = Vec::new();
    for play in doc.as_array().into_iter().flatten() {
        for section in ["tasks", "handlers"] {
            if let Some(list) = play.get(section) {
                tasks_in(list, &mut tasks);
            }
        }
    }
    tasks
}

fn playbook_value(plan: &Plan) -> Value {
    serde_saphyr::from_str(&plan.to_ansible().unwrap().playbook).unwrap()
}

const KEYWORDS: &[&str] = &[
    "name",
    "tags",
    "when",
    "delegate_facts",
    "run_once",
    "register",
    "loop",
    "loop_control",
    "notify",
    "listen",
    "no_log",
    "changed_when",
    "failed_when",
    "check_mode",
    "ignore_errors",
    "delegate_to",
    "until",
    "retries",
    "delay",
    "block",
    "rescue",
    "become",
    "environment",
    "vars",
];

#[test]
fn only_fully_qualified_ansible_builtin_modules() {
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    let tasks = all_tasks(&doc);
    assert!(tasks.len() > 100, "{}", tasks.len());
    let mut modules = BTreeSet::new();
    for task in &tasks {
        let actions: Vec<&String> = task
            .keys()
            .filter(|k| !KEYWORDS.contains(&k.as_str()))
            .collect();
        if task.contains_key("block") {
            assert!(actions.is_empty(), "{actions:?}");
            continue;
        }
        assert_eq!(actions.len(), 1, "one module per task: {task:?}");
        assert!(actions[0].starts_with("ansible.builtin."), "{}", actions[0]);
        modules.insert(actions[0].clone());
    }
    assert!(
        modules.contains("ansible.builtin.apt")
            && modules.contains("ansible.builtin.yum")
            && modules.contains("ansible.builtin.dnf"),
        "{modules:?}"
    );
}

#[test]
fn plays_run_controller_then_free_nodes_then_cleanup() {
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    let plays = doc.as_array().unwrap();
    let hosts: Vec<&str> = plays.iter().map(|p| p["hosts"].as_str().unwrap()).collect();
    assert_eq!(
        hosts,
        [
            "edgeworkers",
            "edgeworker_controller",
            "edgeworkers:edgeworker_controller",
            "edgeworker_controller"
        ]
    );
    // The first play only records the nodes Ansible runs on (after --limit), on the
    // controller, for every tag; the controller's per-node loops and the report use that list.
    let record = &plays[0]["tasks"][0];
    assert_eq!(
        record["ansible.builtin.set_fact"]["edgeworker_nodes"],
        "{{ ansible_play_hosts_all }}"
    );
    assert_eq!(record["delegate_to"], "localhost");
    assert_eq!(record["delegate_facts"], true);
    assert_eq!(record["run_once"], true);
    assert_eq!(record["tags"], serde_json::json!(["always"]));
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        !text.contains("groups['edgeworkers'] }}"),
        "a loop over every node"
    );
    assert_eq!(
        text.matches("\"loop\":\"{{ edgeworker_nodes | default([]) }}\"")
            .count(),
        3
    );
    assert_eq!(plays[2]["strategy"], "free");
    // The node work is rescued per node, so failures are recorded, not fatal to the run.
    let node_block = &plays[2]["tasks"][0];
    assert!(
        node_block["rescue"][0]["ansible.builtin.set_fact"]["edgeworker_failed_step"].is_string()
    );
    // Cleanup ends by failing the run with the failed nodes.
    let last = plays[3]["tasks"].as_array().unwrap().last().unwrap();
    assert!(
        last["ansible.builtin.fail"]["msg"]
            .as_str()
            .unwrap()
            .contains("edgeworker_failed")
    );
    // One profile block per OS profile of the fleet.
    let profiles: Vec<&str> = node_block["block"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t.get("block").is_some())
        .filter_map(|t| t.get("when")?.as_str())
        .collect();
    assert_eq!(
        profiles,
        [
            "edgeworker_profile == 'apt'",
            "edgeworker_profile == 'dnf-docker-centos'",
            "edgeworker_profile == 'yum-docker-centos'"
        ]
    );
}

/// How the join's error report removes the token from kubeadm's output.
const TOKEN_FILTER: &str = "replace(hostvars['localhost'].edgeworker_join_token, '<redacted>')";

#[test]
fn every_task_that_sees_the_token_is_no_log() {
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    let mut seen = 0;
    for task in all_tasks(&doc).iter().filter(|t| !t.contains_key("block")) {
        // Taking the token out of kubeadm's error text is the one use that shows nothing.
        let text = serde_json::to_string(task)
            .unwrap()
            .replace(TOKEN_FILTER, "");
        if text.contains("edgeworker_join_token") || text.contains("edgeworker_token") {
            seen += 1;
            assert_eq!(task.get("no_log"), Some(&Value::Bool(true)), "{text}");
        }
    }
    assert!(seen >= 4, "create, keep, join, delete: saw {seen}");
}

#[test]
fn every_variable_the_playbook_uses_is_defined() {
    let re = regex::Regex::new(r"\bedgeworker_[a-z0-9_]+").unwrap();
    let (c, n) = example();
    let files = Plan::from_values(c, n).unwrap().to_ansible().unwrap();
    let mut defined: BTreeSet<String> = re
        .find_iter(&files.inventory)
        .map(|m| m.as_str().to_owned())
        .collect();
    let register = regex::Regex::new(r"(?m)^\s*register: (edgeworker_[a-z0-9_]+)").unwrap();
    defined.extend(
        register
            .captures_iter(&files.playbook)
            .map(|c| c[1].to_owned()),
    );
    let set_fact =
        regex::Regex::new(r"(?m)ansible\.builtin\.set_fact:\n\s*(edgeworker_[a-z0-9_]+):").unwrap();
    defined.extend(
        set_fact
            .captures_iter(&files.playbook)
            .map(|c| c[1].to_owned()),
    );
    let task_vars = regex::Regex::new(r"(?m)^\s*vars:\n\s*(edgeworker_[a-z0-9_]+):").unwrap();
    defined.extend(
        task_vars
            .captures_iter(&files.playbook)
            .map(|c| c[1].to_owned()),
    );
    defined.insert(RESTART_SWITCH.to_owned());
    let used: BTreeSet<String> = re
        .find_iter(&files.playbook)
        .map(|m| m.as_str().to_owned())
        .collect();
    let undefined: Vec<&String> = used
        .difference(&defined)
        .filter(|v| !v.starts_with("edgeworker_controller"))
        .collect();
    assert!(undefined.is_empty(), "undefined: {undefined:?}");
    for expected in [
        "edgeworker_join_token",
        "edgeworker_join_ca_cert_hash",
        "edgeworker_done",
        "edgeworker_failed_step",
        "edgeworker_failed",
    ] {
        assert!(defined.contains(expected), "{expected}");
    }
}

#[test]
fn write_ansible_writes_whole_files_and_refuses_foreign_ones() {
    let (c, n) = example();
    let plan = Plan::from_values(c, n).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/sub");
    plan.write_ansible(&out).unwrap();
    let playbook = std::fs::read_to_string(out.join("playbook.yml")).unwrap();
    assert!(playbook.starts_with(ANSIBLE_HEADER));
    assert_eq!(
        playbook.strip_prefix(ANSIBLE_HEADER),
        Some(plan.to_ansible().unwrap().playbook.as_str())
    );
    // A previous rendering is replaced; an unrelated file beside it is left alone.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    plan.write_ansible(&out).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["ansible.cfg", "inventory.yml", "notes.txt", "playbook.yml"],
        "no temporary file left"
    );
    // An operator's own inventory is never clobbered, and then nothing is written at all.
    std::fs::write(out.join("inventory.yml"), "all: {}\n").unwrap();
    std::fs::remove_file(out.join("playbook.yml")).unwrap();
    let err = plan.write_ansible(&out).unwrap_err();
    assert!(matches!(err, WriteError::Foreign { .. }), "{err}");
    assert_eq!(err.code(), "plan.write_refused");
    assert!(!out.join("playbook.yml").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("inventory.yml")).unwrap(),
        "all: {}\n"
    );
}

/// Issue 12: threads writing one directory at once all succeed (temporary names are unique
/// per call, and no call removes another's), and a FIFO in place of a rendered file is
/// refused at once instead of hanging the writer.
#[test]
fn concurrent_writers_and_special_files() {
    let (c, n) = example();
    let plan = Plan::from_values(c, n).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                for _ in 0..4 {
                    plan.write_ansible(&out).unwrap();
                }
            });
        }
    });
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ansible.cfg", "inventory.yml", "playbook.yml"]);

    std::fs::remove_file(out.join("inventory.yml")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(out.join("inventory.yml"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = plan.write_ansible(&out).unwrap_err();
    assert_eq!(err.code(), "plan.write_failed", "{err}");
    assert!(
        err.to_string()
            .ends_with("cannot read the rendered Ansible file: not a regular file (a FIFO)"),
        "{err}"
    );
}

#[test]
fn a_file_in_place_of_the_directory_is_an_io_error() {
    let (c, n) = example();
    let plan = Plan::from_values(c, n).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let err = plan.write_ansible(&file).unwrap_err();
    assert_eq!(err.code(), "plan.write_failed", "{err}");
}

// ------------------------------------------------------------------ issue 10: the playbook on real nodes

type Task = serde_json::Map<String, Value>;

/// The tasks of one step (by the `<step id>: ` prefix of their names), in order.
fn step_tasks<'a>(doc: &'a Value, id: &str) -> Vec<&'a Task> {
    let prefix = format!("{id}: ");
    all_tasks(doc)
        .into_iter()
        .filter(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect()
}

fn name(task: &Task) -> &str {
    task["name"].as_str().unwrap()
}

#[track_caller]
fn named_task<'a>(tasks: &[&'a Task], needle: &str) -> &'a Task {
    tasks
        .iter()
        .find(|t| name(t).contains(needle))
        .unwrap_or_else(|| {
            let names: Vec<&str> = tasks.iter().map(|t| name(t)).collect();
            panic!("no task named like {needle:?} in {names:#?}")
        })
}

fn module(task: &Task) -> Option<(&str, &Value)> {
    task.iter()
        .find(|(k, _)| k.starts_with("ansible.builtin."))
        .map(|(k, v)| (k.as_str(), v))
}

fn debian_plan(controller_value: Value) -> Plan {
    Plan::from_values(
        controller_value,
        json!([node(0, "debian", "12"), node(1, "rocky", "9")]),
    )
    .unwrap()
}

#[test]
fn the_network_step_configures_the_manager_in_use_in_tasks_guarded_by_its_live_state() {
    let doc = playbook_value(&debian_plan(controller()));
    // No handler applies the network: a failed run would skip it forever.
    for handler in doc[2]["handlers"].as_array().unwrap() {
        assert!(
            !handler["listen"].as_str().unwrap().contains("network"),
            "{handler}"
        );
    }
    let net = step_tasks(&doc, "node.network");
    assert!(net.iter().all(|t| !t.contains_key("notify")));
    let detect = named_task(&net, "find the network manager in use");
    assert_eq!(detect["register"], "edgeworker_netmgr");
    assert_eq!(
        detect["check_mode"], false,
        "detection runs in check mode too"
    );
    // Each manager's file only where that manager runs.
    for (file, manager) in [
        (
            "/etc/systemd/network/10-edgeworker-mgmt.network",
            "networkd",
        ),
        (
            "/etc/NetworkManager/system-connections/edgeworker-mgmt.nmconnection",
            "networkmanager",
        ),
        (
            "/etc/dhcp/dhclient-enter-hooks.d/edgeworker-dns",
            "ifupdown",
        ),
    ] {
        let write = named_task(&net, &format!("write {file}"));
        assert_eq!(
            write["when"],
            format!("edgeworker_netmgr.stdout == '{manager}'")
        );
        assert_eq!(write["register"], format!("edgeworker_netfile_{manager}"));
    }
    // networkd: applied when the file changed or networkd does not use it yet, then checked.
    let apply = named_task(
        &net,
        "apply /etc/systemd/network/10-edgeworker-mgmt.network (networkctl reload)",
    );
    assert_eq!(
        apply["when"][1],
        "edgeworker_netfile_networkd is changed or not ('Network File: /etc/systemd/network/10-edgeworker-mgmt.network' in edgeworker_live.stdout)"
    );
    let check = named_task(
        &net,
        "check systemd-networkd applies /etc/systemd/network/10-edgeworker-mgmt.network",
    );
    assert!(
        check["until"]
            .as_str()
            .unwrap()
            .contains("edgeworker_live_after.stdout")
    );
    assert!(check["retries"].as_i64().unwrap() > 1);
    // NetworkManager: a reload alone never activates the connection on a connected device.
    let nm = named_task(&net, "apply /etc/NetworkManager/system-connections/");
    assert!(
        nm["ansible.builtin.command"]["argv"][2]
            .as_str()
            .unwrap()
            .contains("nmcli connection up edgeworker-mgmt")
    );
    // resolv.conf only when it is a plain file and its servers differ.
    let resolv = named_task(&net, "write /etc/resolv.conf");
    assert!(resolv["when"].as_str().unwrap().contains("islnk"));
    assert!(
        resolv["when"].as_str().unwrap().contains(
            "edgeworker_resolv.stdout_lines != edgeworker_resolv_nameservers.splitlines()"
        )
    );
}

#[test]
fn a_failing_handler_is_reported_by_node_and_the_restarts_being_applied() {
    let doc = playbook_value(&debian_plan(controller()));
    let node_block = &doc[2]["tasks"][0];
    let record = node_block["rescue"][0]["ansible.builtin.set_fact"]["edgeworker_failed_step"]
        .as_str()
        .unwrap();
    assert!(
        record.contains("ansible_failed_task.name if ansible_failed_task is defined else")
            && record.contains("edgeworker_flushing"),
        "{record}"
    );
    let controller_block = doc[1]["tasks"].as_array().unwrap().last().unwrap();
    let controller_rescue = controller_block["rescue"].as_array().unwrap();
    let msg = controller_rescue.last().unwrap()["ansible.builtin.fail"]["msg"]
        .as_str()
        .unwrap();
    assert!(msg.contains("if ansible_failed_task is defined"), "{msg}");
    // Every flush records where it is first; the last one is inside the rescued block, before
    // the node is marked done.
    let tasks = all_tasks(&doc);
    let mut flushes = 0;
    for (i, task) in tasks.iter().enumerate() {
        if task.get("ansible.builtin.meta") == Some(&json!("flush_handlers")) {
            flushes += 1;
            assert!(
                tasks[i - 1]["ansible.builtin.set_fact"]["edgeworker_flushing"].is_string(),
                "{task:?}"
            );
        }
    }
    assert!(flushes >= 3, "{flushes}");
    let block = node_block["block"].as_array().unwrap();
    let n = block.len();
    assert_eq!(block[n - 2]["ansible.builtin.meta"], "flush_handlers");
    assert_eq!(
        block[n - 1]["ansible.builtin.set_fact"]["edgeworker_done"],
        true
    );
}

#[test]
fn every_task_that_downloads_goes_through_the_proxy() {
    let proxied = with(
        controller(),
        "proxy",
        json!({"http": "http://proxy:3128", "https": "http://proxy:3129", "no_proxy": [".local"]}),
    );
    let doc = playbook_value(&debian_plan(proxied));
    let mut downloads = 0;
    for task in all_tasks(&doc) {
        let Some((module, args)) = module(task) else {
            continue;
        };
        let apt_get = args["argv"][0] == "apt-get";
        let downloads_here = matches!(
            module,
            "ansible.builtin.get_url"
                | "ansible.builtin.apt"
                | "ansible.builtin.yum"
                | "ansible.builtin.dnf"
        ) || apt_get;
        if downloads_here {
            downloads += 1;
            let env = &task["environment"];
            assert_eq!(
                env["https_proxy"], "{{ edgeworker_https_proxy }}",
                "{task:?}"
            );
            assert_eq!(env["HTTP_PROXY"], "{{ edgeworker_http_proxy }}", "{task:?}");
            assert_eq!(env["no_proxy"], "{{ edgeworker_no_proxy }}", "{task:?}");
        }
    }
    assert!(downloads >= 8, "{downloads}");
    let key = named_task(
        &step_tasks(&doc, "node.k8s_packages"),
        "fetch the kubernetes repository key",
    );
    assert!(key.contains_key("environment"));
    // The proxy is added to a task's own environment, not put in its place.
    let install = named_task(&step_tasks(&doc, "node.k8s_packages"), "install kubelet=");
    assert_eq!(install["environment"]["DEBIAN_FRONTEND"], "noninteractive");
    assert_eq!(
        install["environment"]["http_proxy"],
        "{{ edgeworker_http_proxy }}"
    );
    // Without a proxy, no task carries one.
    let doc = playbook_value(&debian_plan(controller()));
    for task in all_tasks(&doc) {
        if let Some(env) = task.get("environment") {
            for key in env.as_object().unwrap().keys() {
                assert!(
                    ["EDGEWORKER_JOIN_TOKEN", "DEBIAN_FRONTEND"].contains(&key.as_str()),
                    "{task:?}"
                );
            }
        }
    }
}

#[test]
fn the_staged_files_belong_to_the_operator_running_ansible() {
    let doc = playbook_value(&debian_plan(controller()));
    let stage = step_tasks(&doc, "controller.stage");
    let who = named_task(&stage, "find the operator running ansible-playbook");
    assert_eq!(who["ansible.builtin.command"]["argv"], json!(["id", "-un"]));
    assert_eq!(who["become"], false, "as the operator, not as root");
    let give = stage.last().unwrap();
    assert_eq!(
        give["ansible.builtin.file"],
        json!({"path": "/run/edgeworker-provision", "state": "directory",
               "owner": "{{ edgeworker_operator.stdout }}", "mode": "u=rwX,go=", "recurse": true})
    );
    // Nothing secret is staged: the token stays in the controller's memory.
    let text = serde_json::to_string(&stage).unwrap();
    assert!(!text.contains("edgeworker_join_token"), "{text}");
}

#[test]
fn package_sources_are_inventory_data_and_key_files_are_staged_and_copied() {
    let c = with(
        controller(),
        "package_sources",
        json!({
            "kubernetes_deb": {"url": "http://mirror.local/{{x}}/{minor}/deb/", "key": "/etc/mirror/k8s-{minor}.gpg"},
            "kubernetes_rpm": {"url": "http://mirror.local/{minor}/rpm/", "key": "/etc/mirror/k8s.asc"},
            "containerd_rpm": {"url": "http://mirror.local/docker/", "key": "http://mirror.local/docker/gpg"},
        }),
    );
    let plan = debian_plan(c);
    let files = plan.to_ansible().unwrap();
    let inv: Inventory = serde_saphyr::from_str(&files.inventory).unwrap();
    let var = |name: &str| {
        let value = &inv.all.vars[name];
        assert_eq!(value.1.as_deref(), Some("!unsafe"), "{name}");
        value.0.clone()
    };
    assert_eq!(
        var("edgeworker_kubernetes_deb_url"),
        "http://mirror.local/{{x}}/v1.29/deb/"
    );
    assert_eq!(
        var("edgeworker_kubernetes_deb_key"),
        "/etc/mirror/k8s-v1.29.gpg"
    );
    assert_eq!(
        var("edgeworker_containerd_rpm_url"),
        "http://mirror.local/docker/"
    );
    assert!(
        !files.playbook.contains("mirror.local"),
        "input in playbook"
    );
    let doc = playbook_value(&plan);
    // Key files are staged on the controller, then copied from the stage.
    let stage = step_tasks(&doc, "controller.stage");
    let staged = named_task(
        &stage,
        "copy to /run/edgeworker-provision/kubernetes-deb.key",
    );
    assert_eq!(
        staged["ansible.builtin.copy"]["src"],
        "{{ edgeworker_kubernetes_deb_key }}"
    );
    named_task(
        &stage,
        "copy to /run/edgeworker-provision/kubernetes-rpm.key",
    );
    let packages = step_tasks(&doc, "node.k8s_packages");
    // A binary keyring (.gpg) keeps its kind: apt reads the kind from the name.
    let key = named_task(
        &packages,
        "copy the kubernetes repository key to /etc/apt/keyrings/kubernetes-apt-keyring.gpg",
    );
    assert_eq!(
        key["ansible.builtin.copy"]["src"],
        "/run/edgeworker-provision/kubernetes-deb.key"
    );
    let list = named_task(&packages, "add the kubernetes repository in");
    assert_eq!(
        list["ansible.builtin.copy"]["content"],
        "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] {{ edgeworker_kubernetes_deb_url }} /\n"
    );
    let rpm = named_task(
        &packages,
        "copy the kubernetes repository key to /etc/pki/rpm-gpg/",
    );
    assert_eq!(
        rpm["ansible.builtin.copy"]["src"],
        "/run/edgeworker-provision/kubernetes-rpm.key"
    );
    let repo = packages
        .iter()
        .find(|t| module(t).is_some_and(|(m, _)| m == "ansible.builtin.yum_repository"))
        .unwrap();
    assert_eq!(
        repo["ansible.builtin.yum_repository"]["gpgkey"],
        "file:///etc/pki/rpm-gpg/edgeworker-kubernetes.key"
    );
    let runtime = step_tasks(&doc, "node.runtime");
    let docker = named_task(&runtime, "add the docker-ce-stable repository");
    assert_eq!(
        docker["ansible.builtin.yum_repository"]["baseurl"],
        "{{ edgeworker_containerd_rpm_url }}"
    );
    assert_eq!(
        docker["ansible.builtin.yum_repository"]["gpgkey"],
        "{{ edgeworker_containerd_rpm_key }}"
    );
}

#[test]
fn the_join_keeps_the_token_out_of_its_arguments_and_shows_kubeadms_error() {
    for join in [
        Value::Null,
        json!({"token": "abcdef.0123456789abcdef", "ca_cert_hash": format!("sha256:{}", "a".repeat(64))}),
    ] {
        let doc = playbook_value(&debian_plan(with(controller(), "join", join)));
        let tasks = step_tasks(&doc, "node.k8s_join");
        let join = named_task(&tasks, "kubeadm join");
        let command = &join["ansible.builtin.command"];
        let argv = serde_json::to_string(&command["argv"]).unwrap();
        assert!(
            !argv.contains("token }}") && !argv.contains("edgeworker_join_token"),
            "{argv}"
        );
        assert!(argv.contains("--token \\\"$t\\\""), "{argv}");
        // On standard input: not in the environment, which Ansible puts on the command line
        // sudo logs to the node's journal (found by the end-to-end test).
        assert_eq!(
            command["stdin"],
            "{{ hostvars['localhost'].edgeworker_join_token }}"
        );
        assert!(!join.contains_key("environment"), "{join:?}");
        assert_eq!(join["no_log"], true);
        assert_eq!(
            join["failed_when"], false,
            "the next task reports the failure"
        );
        assert_eq!(
            join["ansible.builtin.command"]["creates"],
            "/etc/kubernetes/kubelet.conf"
        );
        let report = named_task(&tasks, "report kubeadm join's error");
        assert!(!report.contains_key("no_log"), "the error must be visible");
        let msg = report["ansible.builtin.fail"]["msg"].as_str().unwrap();
        assert!(
            msg.contains("edgeworker_join.stderr") && msg.contains(TOKEN_FILTER),
            "{msg}"
        );
        assert_eq!(
            report["when"],
            "edgeworker_join.rc is defined and edgeworker_join.rc != 0"
        );
    }
}

#[test]
fn after_the_join_the_controller_waits_for_the_node_ready_at_the_planned_version() {
    let doc = playbook_value(&debian_plan(controller()));
    let tasks = step_tasks(&doc, "node.k8s_join");
    let wait = named_task(&tasks, "wait until node {{ inventory_hostname }} is Ready");
    assert_eq!(wait["delegate_to"], "localhost");
    assert_eq!(
        wait["ansible.builtin.command"]["argv"],
        json!([
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/admin.conf",
            "get",
            "node",
            "{{ inventory_hostname }}",
            "-o",
            "json"
        ])
    );
    assert_eq!(
        wait["vars"]["edgeworker_ready_version"],
        "v{{ edgeworker_kubernetes_version }}"
    );
    let until = wait["until"].as_str().unwrap();
    for part in [
        "edgeworker_node.rc == 0",
        "selectattr('type', 'equalto', 'Ready')",
        "== ['True']",
        "kubeletVersion | default('') == edgeworker_ready_version",
    ] {
        assert!(until.contains(part), "{part} missing from {until}");
    }
    assert_eq!(
        (wait["retries"].as_i64(), wait["delay"].as_i64()),
        (Some(30), Some(10))
    );
    assert_eq!(wait["changed_when"], false);
    let report = named_task(&tasks, "report node {{ inventory_hostname }} Ready");
    assert_eq!(report["delegate_to"], "localhost");
    assert!(report.contains_key("ansible.builtin.debug"));
}

#[test]
fn a_second_run_on_an_unchanged_node_has_nothing_to_change() {
    let doc = playbook_value(&debian_plan(controller()));
    // Labels: kubectl says "not labeled" when nothing changed.
    let label = named_task(&step_tasks(&doc, "node.labels"), "label node");
    assert_eq!(
        label["changed_when"],
        "'not labeled' not in edgeworker_label.stdout"
    );
    // Images: pulled only when crictl inspecti does not find them.
    let images = step_tasks(&doc, "node.images");
    let look = named_task(&images, "look for each worker image");
    assert_eq!(look["ansible.builtin.command"]["argv"][5], "inspecti");
    assert_eq!(
        (look["changed_when"].clone(), look["failed_when"].clone()),
        (json!(false), json!(false))
    );
    let pull = named_task(&images, "pull the missing worker images");
    assert_eq!(pull["when"], "item.rc != 0");
    assert_eq!(pull["loop"], "{{ edgeworker_present.results }}");
    // Kernel modules: skipped when present, built in or loaded.
    let modules = named_task(&step_tasks(&doc, "node.kernel"), "load the kernel modules");
    assert_eq!(
        modules["ansible.builtin.command"]["creates"],
        "{{ item.present_when }}"
    );
    assert_eq!(
        modules["loop"][1],
        json!({"name": "br_netfilter", "present_when": "/proc/sys/net/bridge/bridge-nf-call-iptables"})
    );
    // A proxy no longer configured is removed, and containerd restarted only if it was there.
    let proxy = step_tasks(&doc, "node.proxy");
    let dropin = named_task(
        &proxy,
        "remove /etc/systemd/system/containerd.service.d/http-proxy.conf",
    );
    assert_eq!(dropin["ansible.builtin.file"]["state"], "absent");
    assert_eq!(dropin["notify"], json!(["restart containerd"]));
    named_task(&proxy, "remove /^proxy=/ from /etc/dnf/dnf.conf");
    // The apt index: installs refresh only a stale one; a repository refreshes it when it
    // changed; nothing else does.
    let mut refreshes = Vec::new();
    for task in all_tasks(&doc) {
        if let Some(("ansible.builtin.apt", args)) = module(task) {
            assert!(
                args.get("allow_downgrade").is_none()
                    && args.get("allow_change_held_packages").is_none(),
                "not in ansible 2.10: {task:?}"
            );
            if args["update_cache"] == true {
                if args.get("name").is_some() {
                    assert_eq!(args["cache_valid_time"], 3600, "{task:?}");
                } else {
                    refreshes.push(task["when"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    assert_eq!(
        refreshes,
        ["edgeworker_apt_key_kubernetes is changed or edgeworker_apt_list_kubernetes is changed"]
    );
    // kubelet/kubeadm: apt-get runs only when an installed version differs.
    let packages = step_tasks(&doc, "node.k8s_packages");
    let install = named_task(&packages, "install kubelet=");
    assert_eq!(install["ansible.builtin.command"]["argv"][0], "apt-get");
    assert_eq!(
        install["vars"]["edgeworker_pinned_version"],
        "{{ edgeworker_kubernetes_version }}"
    );
    assert_eq!(
        install["when"],
        "edgeworker_installed.stdout_lines | select('match', '^.i +' ~ (edgeworker_pinned_version | regex_escape) ~ '-') | list | length != 2"
    );
}

#[test]
fn conditions_hold_no_template_delimiters() {
    // Ansible would template a condition first: input text would become an expression.
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    for task in all_tasks(&doc) {
        for key in ["when", "until", "changed_when", "failed_when"] {
            let text = task.get(key).map(ToString::to_string).unwrap_or_default();
            assert!(
                !text.contains("{{") && !text.contains("{%"),
                "{key}: {text}"
            );
        }
    }
}

#[test]
fn every_task_names_its_target() {
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    let mut names = BTreeSet::new();
    for task in all_tasks(&doc) {
        let Some((module, args)) = module(task) else {
            continue;
        };
        let name = name(task);
        for key in ["dest", "path"] {
            if let Some(target) = args.get(key).and_then(Value::as_str) {
                assert!(
                    name.contains(target),
                    "{module}: {name:?} does not name {target}"
                );
            }
        }
        assert!(
            ![
                "copy to",
                "write",
                "make directory",
                "install packages",
                "hold the packages"
            ]
            .iter()
            .any(|bare| name.ends_with(&format!(": {bare}"))),
            "{name}"
        );
        // Within a step and a profile, a name says which task failed: no two tasks alike
        // except the same task for another OS profile.
        names.insert(name.to_owned());
    }
    assert!(names.len() > 80, "{}", names.len());
}

#[test]
fn releases_with_python_3_12_are_refused_by_ansible_2_10_before_any_module_runs() {
    let (c, n) = example();
    let doc = playbook_value(&Plan::from_values(c, n).unwrap());
    let first = doc[2]["tasks"][0]["block"][0].as_object().unwrap();
    assert_eq!(
        name(first),
        "node.preflight: check this Ansible can run modules on the node's Python"
    );
    assert_eq!(
        first["ansible.builtin.assert"]["that"],
        json!(["ansible_version.full is version('2.16', '>=')"])
    );
    assert_eq!(
        first["when"],
        "(edgeworker_os_id ~ ' ' ~ edgeworker_os_version) in ['ubuntu 24.04', 'fedora 40', 'fedora 41', 'fedora 42']"
    );
    // Before the connection is even awaited: ping and setup are modules too.
    assert_eq!(
        name(doc[2]["tasks"][0]["block"][1].as_object().unwrap()),
        "node.preflight: wait for the connection"
    );
}
