//! `edgeworker-cli upgrade-plan`, run as a binary.

mod common;

use common::{cli, example, stderr, stdout, write};

fn args<'a>(controller: &'a str, nodes: &'a str, kube_nodes: &'a str) -> Vec<&'a str> {
    vec![
        "upgrade-plan",
        "--controller",
        controller,
        "--nodes",
        nodes,
        "--kube-nodes",
        kube_nodes,
    ]
}

fn examples() -> (String, String, String) {
    (
        example("upgrade/controller.json"),
        example("plan/nodes.json"),
        example("upgrade/kube-nodes.json"),
    )
}

#[test]
fn text_is_the_default_and_shows_each_nodes_path_and_skew() {
    let (controller, nodes, kube) = examples();
    let o = cli(&args(&controller, &nodes, &kube));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("edgeworker upgrade plan (schema 1)\n"),
        "{text}"
    );
    assert!(
        text.contains("kubelet: 1.28.4 -> 1.29.0 -> 1.30.1"),
        "{text}"
    );
    assert!(text.contains("edge-centos-1") && text.contains("at the target: left alone"));
    assert!(
        text.contains("skew after 1.29.0: ok: kubelet 1.29.0"),
        "{text}"
    );
    assert!(!text.contains("Node edge-centos-1"), "{text}");
}

#[test]
fn json_is_the_plan_as_data() {
    let (controller, nodes, kube) = examples();
    let mut argv = args(&controller, &nodes, &kube);
    argv.extend(["--format", "json"]);
    let o = cli(&argv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["kind"], "upgrade");
    assert_eq!(v["max_unavailable"], "50%");
    assert_eq!(
        v["nodes"][1]["path"],
        serde_json::json!(["1.29.0", "1.30.1"])
    );
    assert_eq!(v["nodes"][2]["action"], "keep");
}

#[test]
fn ansible_writes_the_directory() {
    let (controller, nodes, kube) = examples();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.display().to_string();
    let mut argv = args(&controller, &nodes, &kube);
    argv.extend(["--format", "ansible", "--out", &out_arg]);
    let o = cli(&argv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("(3 node(s) to upgrade)"),
        "{}",
        stdout(&o)
    );
    for f in ["playbook.yml", "inventory.yml", "ansible.cfg"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let inventory = std::fs::read_to_string(out.join("inventory.yml")).unwrap();
    assert!(
        !inventory.contains("edge-centos-1"),
        "a node at the target is left alone"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (controller, nodes, kube) = examples();
    let mut argv = args(&controller, &nodes, &kube);
    argv.extend(["--format", "ansible"]);
    assert_eq!(cli(&argv).status.code(), Some(2));
    let mut argv = args(&controller, &nodes, &kube);
    argv.extend(["--out", "/tmp/nowhere"]);
    assert_eq!(cli(&argv).status.code(), Some(2));
    assert_eq!(cli(&args("-", "-", &kube)).status.code(), Some(2));
}

#[test]
fn a_node_the_cluster_does_not_know_or_a_bad_version_exits_3_naming_it() {
    let (controller, nodes, _) = examples();
    let dir = tempfile::tempdir().unwrap();
    let kube = write(
        dir.path(),
        "k.json",
        r#"{"items": [{"metadata": {"name": "edge-ubuntu-1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.29.2"}}}]}"#,
    );
    let o = cli(&args(&controller, &nodes, &kube));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("upgrade.unknown_node: node \"edge-debian-1\": not in the cluster"),
        "{}",
        stderr(&o)
    );
    let kube = write(
        dir.path(),
        "k2.json",
        r#"{"items": [{"metadata": {"name": "edge-ubuntu-1"}, "status": {"nodeInfo": {"kubeletVersion": "latest"}}}]}"#,
    );
    let o = cli(&args(&controller, &nodes, &kube));
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("upgrade.invalid_kubelet_version: node \"edge-ubuntu-1\""),
        "{}",
        stderr(&o)
    );
    let kube = write(dir.path(), "k3.json", "{\"items\": [");
    let o = cli(&args(&controller, &nodes, &kube));
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("k3.json"), "{}", stderr(&o));
}

#[test]
fn a_refused_policy_exits_1_naming_the_node() {
    let (_, nodes, kube) = examples();
    // The control plane at 1.29.2: edge-centos-1 (1.30.1) would be downgraded.
    let o = cli(&args(&example("plan/controller.json"), &nodes, &kube));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "edgeworker-cli: upgrade.downgrade: node \"edge-centos-1\": kubelet 1.30.1 is newer \
         than the target 1.29.2: a downgrade is refused\n"
    );
}

#[test]
fn an_invalid_max_unavailable_is_refused_like_any_plan_input() {
    let (controller, nodes, kube) = examples();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&controller)
        .unwrap()
        .replace("\"50%\"", "\"0%\"");
    let controller = write(dir.path(), "c.json", text);
    let o = cli(&args(&controller, &nodes, &kube));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("plan.invalid_max_unavailable: controller: max_unavailable: \"0%\""),
        "{}",
        stderr(&o)
    );
}
