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
            "edgeworker_controller",
            "edgeworkers:edgeworker_controller",
            "edgeworker_controller"
        ]
    );
    assert_eq!(plays[1]["strategy"], "free");
    // The node work is rescued per node, so failures are recorded, not fatal to the run.
    let node_block = &plays[1]["tasks"][0];
    assert!(
        node_block["rescue"][0]["ansible.builtin.set_fact"]["edgeworker_failed_step"].is_string()
    );
    // Cleanup ends by failing the run with the failed nodes.
    let last = plays[2]["tasks"].as_array().unwrap().last().unwrap();
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
