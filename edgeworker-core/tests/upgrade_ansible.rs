//! The upgrade playbook: input only as `!unsafe` inventory data, ansible.builtin modules
//! only, every variable defined, batches, and the node block in kubeadm's order.

mod upgrade_support;

use std::collections::{BTreeMap, BTreeSet};

use edgeworker_core::upgrade::UpgradePlan;
use serde::Deserialize;
use serde_json::{Value, json};
use serde_saphyr::Tagged;
use upgrade_support::{controller, example_inputs, kube_nodes, node};

const NASTY_URL: &str = "http://mirror.local/k8s/{minor}/{{lookup('pipe','id')}}#'x'[y]&z*/";
const NASTY_KEY: &str = "/etc/mirror/a: b/#c {{ lookup('pipe', 'id') }}/{minor}/- item/[x] &a *b";

fn nasty_plan(max_unavailable: Value) -> UpgradePlan {
    let mut c = controller("1.30.1");
    c["package_sources"] = json!({
        "kubernetes_deb": {"url": NASTY_URL, "key": NASTY_KEY},
        "kubernetes_rpm": {"url": NASTY_URL, "key": NASTY_KEY},
    });
    c["max_unavailable"] = max_unavailable;
    let mut python = node(1, "rocky", "9");
    python["python"] = json!("/opt/py/{{x}}/python");
    UpgradePlan::from_values(
        c,
        json!([node(0, "debian", "12"), python, node(2, "ubuntu", "22.04")]),
        kube_nodes(&[
            ("edge-0", "v1.28.4"),
            ("edge-1", "v1.29.2"),
            ("edge-2", "v1.30.1"),
            ("controller-0", "v1.30.1"),
        ]),
    )
    .unwrap()
}

#[derive(Deserialize)]
struct Inventory {
    all: All,
}
#[derive(Deserialize)]
struct All {
    vars: Vars,
    children: Children,
}
#[derive(Deserialize)]
struct Vars {
    edgeworker_upgrade_minors: Vec<BTreeMap<String, Tagged<String>>>,
}
#[derive(Deserialize)]
struct Children {
    edgeworkers: Nodes,
}
#[derive(Deserialize)]
struct Nodes {
    children: BTreeMap<String, ReleaseGroup>,
}
#[derive(Deserialize)]
struct ReleaseGroup {
    hosts: BTreeMap<String, NodeVars>,
}
#[derive(Deserialize)]
struct NodeVars {
    edgeworker_upgrade: Vec<u32>,
}

#[test]
fn every_minor_is_unsafe_inventory_data_and_nodes_name_theirs_by_position() {
    let files = nasty_plan(Value::Null).to_ansible().unwrap();
    let inv: Inventory = serde_saphyr::from_str(&files.inventory).unwrap();
    let minors = &inv.all.vars.edgeworker_upgrade_minors;
    assert_eq!(minors.len(), 2);
    for (minor, name) in minors.iter().zip(["v1.29", "v1.30"]) {
        assert_eq!(
            minor.keys().collect::<Vec<_>>(),
            [
                "deb_key", "deb_url", "minor", "rpm_key", "rpm_url", "version"
            ]
        );
        for (key, value) in minor {
            assert_eq!(value.1.as_deref(), Some("!unsafe"), "{key}");
        }
        assert_eq!(minor["deb_url"].0, NASTY_URL.replace("{minor}", name));
        assert_eq!(minor["rpm_key"].0, NASTY_KEY.replace("{minor}", name));
    }
    assert_eq!(minors[0]["version"].0, "1.29.0");
    let hosts: BTreeMap<&str, &NodeVars> = inv
        .all
        .children
        .edgeworkers
        .children
        .values()
        .flat_map(|g| g.hosts.iter().map(|(k, v)| (k.as_str(), v)))
        .collect();
    // The node at the target is not in the inventory: it is left alone.
    assert_eq!(
        hosts.keys().copied().collect::<Vec<_>>(),
        ["edge-0", "edge-1"]
    );
    assert_eq!(hosts["edge-0"].edgeworker_upgrade, [0, 1]);
    assert_eq!(hosts["edge-1"].edgeworker_upgrade, [1]);
}

/// Every scalar of the inventory is `!unsafe` input, one of our own constants, or a number.
#[test]
fn every_other_inventory_value_is_unsafe_or_ours() {
    let files = nasty_plan(json!("50%")).to_ansible().unwrap();
    let ours = [
        "edgeworker_profile",
        "edgeworker_family",
        "ansible_connection",
        "ansible_python_interpreter: \"{{ ansible_playbook_python }}\"",
    ];
    let line = regex::Regex::new(r"^\s*(?:- )?(?:([A-Za-z0-9_.\-]+): )?(.*)$").unwrap();
    let indent = |t: &str| t.len() - t.trim_start().len();
    // Inside a block scalar (`!unsafe |`): its lines are the value, not YAML.
    let mut block_at: Option<usize> = None;
    for text in files.inventory.lines() {
        if let Some(at) = block_at {
            if indent(text) > at {
                continue;
            }
            block_at = None;
        }
        let caps = line.captures(text).unwrap();
        if caps
            .get(2)
            .is_some_and(|m| m.as_str().starts_with("!unsafe |"))
        {
            block_at = Some(indent(text));
        }
        let value = caps.get(2).map_or("", |m| m.as_str());
        if value.is_empty() || value.ends_with(':') && caps.get(1).is_none() {
            continue; // a mapping key opening a block
        }
        let ok = value.starts_with("!unsafe")
            || value.parse::<u32>().is_ok()
            || value == "[]"
            || ours.iter().any(|o| text.contains(o));
        assert!(ok, "not !unsafe: {text}");
    }
}

#[test]
fn the_playbook_holds_no_input_at_all() {
    let files = nasty_plan(json!(2)).to_ansible().unwrap();
    for fragment in [
        "lookup(",
        "mirror",
        "/etc/mirror",
        "1.29",
        "1.30",
        "v1.2",
        "edge-",
        "192.168",
        "sysadmin",
    ] {
        assert!(
            !files.playbook.contains(fragment),
            "{fragment} is in the playbook"
        );
    }
}

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

fn plays(plan: &UpgradePlan) -> Value {
    serde_saphyr::from_str(&plan.to_ansible().unwrap().playbook).unwrap()
}

fn all_tasks(doc: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let mut tasks = Vec::new();
    for play in doc.as_array().into_iter().flatten() {
        tasks_in(&play["tasks"], &mut tasks);
    }
    tasks
}

const KEYWORDS: &[&str] = &[
    "name",
    "tags",
    "when",
    "register",
    "loop",
    "loop_control",
    "no_log",
    "changed_when",
    "failed_when",
    "check_mode",
    "ignore_errors",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "delegate_facts",
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
fn only_fully_qualified_builtin_modules_and_no_template_in_conditions() {
    let doc = plays(&nasty_plan(Value::Null));
    let tasks = all_tasks(&doc);
    assert!(tasks.len() > 40, "{}", tasks.len());
    for task in &tasks {
        let actions: Vec<&String> = task
            .keys()
            .filter(|k| !KEYWORDS.contains(&k.as_str()))
            .collect();
        if task.contains_key("block") {
            assert!(actions.is_empty(), "{actions:?}");
        } else {
            assert_eq!(actions.len(), 1, "one module per task: {task:?}");
            assert!(actions[0].starts_with("ansible.builtin."), "{}", actions[0]);
        }
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
fn every_variable_the_playbook_uses_is_defined() {
    let re = regex::Regex::new(r"\bedgeworker_[a-z0-9_]+").unwrap();
    let files = nasty_plan(Value::Null).to_ansible().unwrap();
    let mut defined: BTreeSet<String> = re
        .find_iter(&files.inventory)
        .map(|m| m.as_str().to_owned())
        .collect();
    for pattern in [
        r"(?m)^\s*register: (edgeworker_[a-z0-9_]+)",
        r"(?m)ansible\.builtin\.set_fact:\n\s*(edgeworker_[a-z0-9_]+):",
        r"(?m)^\s*vars:\n\s*(edgeworker_[a-z0-9_]+):",
    ] {
        let re = regex::Regex::new(pattern).unwrap();
        defined.extend(re.captures_iter(&files.playbook).map(|c| c[1].to_owned()));
    }
    defined.insert("edgeworker_restart_services".to_owned());
    let used: BTreeSet<String> = re
        .find_iter(&files.playbook)
        .map(|m| m.as_str().to_owned())
        .collect();
    let undefined: Vec<&String> = used
        .difference(&defined)
        .filter(|v| !v.starts_with("edgeworker_controller"))
        .collect();
    assert!(undefined.is_empty(), "undefined: {undefined:?}");
}

#[test]
fn nodes_are_upgraded_in_batches_of_max_unavailable() {
    for (given, serial) in [
        (Value::Null, json!(1)),
        (json!(3), json!(3)),
        (json!("25%"), json!("25%")),
    ] {
        let doc = plays(&nasty_plan(given));
        assert_eq!(doc[2]["hosts"], "edgeworkers");
        assert_eq!(doc[2]["serial"], serial);
    }
}

fn names(tasks: &[&serde_json::Map<String, Value>]) -> Vec<String> {
    tasks
        .iter()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

#[test]
fn each_node_is_drained_upgraded_minor_by_minor_then_uncordoned() {
    let doc = plays(&nasty_plan(Value::Null));
    let mut tasks = Vec::new();
    tasks_in(&doc[2]["tasks"], &mut tasks);
    let names = names(&tasks);
    let position = |needle: &str| {
        names
            .iter()
            .position(|n| n.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {names:#?}"))
    };
    let order = [
        "node.drain: read the node from the cluster",
        "node.drain: drain node {{ inventory_hostname }}",
        "edgeworker: version 1 of this node's path",
        "node.upgrade_minor: release the hold on kubeadm",
        "node.upgrade_minor: install kubeadm=",
        "node.upgrade_minor: kubeadm upgrade node",
        "node.upgrade_minor: install kubelet=",
        "node.upgrade_minor: hold kubelet kubeadm",
        "node.upgrade_minor: restart kubelet",
        "edgeworker: version 2 of this node's path",
        "node.uncordon: wait until node {{ inventory_hostname }} is Ready",
        "node.uncordon: uncordon node {{ inventory_hostname }}",
        "edgeworker: mark this node done",
        "edgeworker: record the step this node failed at",
        "edgeworker: stop the batches after this one",
    ];
    let positions: Vec<usize> = order.iter().map(|n| position(n)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let by_name = |needle: &str| tasks[position(needle)];
    // A minor already passed (an earlier run failed later) is not done again.
    assert_eq!(
        by_name("version 2 of this node's path")["when"],
        json!([
            "edgeworker_upgrade | length > 1",
            "edgeworker_kubelet_now is version(edgeworker_upgrade_minors[edgeworker_upgrade[1]].version, '<')"
        ])
    );
    // The drain and the uncordon run on the controller.
    for needle in ["drain node", "uncordon node", "is Ready"] {
        assert_eq!(by_name(needle)["delegate_to"], "localhost", "{needle}");
    }
    let drain = by_name("drain node");
    assert_eq!(
        drain["ansible.builtin.command"]["argv"],
        json!([
            "kubectl",
            "--kubeconfig",
            "/etc/kubernetes/admin.conf",
            "drain",
            "{{ inventory_hostname }}",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=300s"
        ])
    );
    // A node whose batch did not start is reported, and the later batches do not start.
    assert_eq!(
        doc[2]["tasks"][0]["when"],
        "not (hostvars['localhost'].edgeworker_upgrade_stopped | default(false))"
    );
    let stop = by_name("stop the batches after this one");
    assert_eq!(stop["delegate_facts"], true);
    let cleanup = serde_json::to_string(&doc[3]).unwrap();
    assert!(cleanup.contains("Upgrade failed on"), "{cleanup}");
    assert!(cleanup.contains("release the lock"), "{cleanup}");
}

#[test]
fn an_upgrade_to_the_same_version_for_every_node_has_no_node_play_tasks() {
    let plan = UpgradePlan::from_values(
        controller("1.30.1"),
        json!([node(0, "debian", "12")]),
        kube_nodes(&[("edge-0", "v1.30.1")]),
    )
    .unwrap();
    let doc = plays(&plan);
    assert_eq!(doc[2]["tasks"], json!([]));
    let (c, n, k) = example_inputs();
    assert!(
        UpgradePlan::from_values(c, n, k)
            .unwrap()
            .to_ansible()
            .is_ok()
    );
}

#[test]
fn staged_keys_are_copied_for_every_minor() {
    let doc = plays(&nasty_plan(Value::Null));
    let mut tasks = Vec::new();
    tasks_in(&doc[1]["tasks"], &mut tasks);
    let copies: Vec<_> = tasks
        .iter()
        .filter(|t| t.get("ansible.builtin.copy").is_some())
        .collect();
    assert_eq!(copies.len(), 2, "deb and rpm keys");
    for copy in copies {
        assert_eq!(copy["loop"], "{{ edgeworker_upgrade_minors }}");
    }
}
