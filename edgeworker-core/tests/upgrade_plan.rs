//! The upgrade plan from its three inputs: each node's path and skew, refusals naming the
//! node, the steps in order.

mod upgrade_support;

use edgeworker_core::plan::MaxUnavailable::{Count, Percent};
use edgeworker_core::plan::StepId;
use edgeworker_core::upgrade::UpgradePlan;
use serde_json::json;
use upgrade_support::{controller, example_inputs, kube_nodes, node};

fn versions(plan: &UpgradePlan, i: usize) -> Vec<String> {
    plan.nodes()[i]
        .path()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn each_node_goes_one_minor_at_a_time_and_nodes_at_the_target_are_left_alone() {
    let (c, n, k) = example_inputs();
    let plan = UpgradePlan::from_values(c, n, k).unwrap();
    assert_eq!(versions(&plan, 0), ["1.30.1"]);
    assert_eq!(versions(&plan, 1), ["1.29.0", "1.30.1"]);
    assert!(versions(&plan, 2).is_empty());
    assert_eq!(versions(&plan, 3), ["1.30.1"]);
    let names: Vec<&str> = plan
        .to_upgrade()
        .map(|n| n.node().hostname().as_str())
        .collect();
    assert_eq!(names, ["edge-ubuntu-1", "edge-debian-1", "edge-rocky-1"]);
    // No step at all for the node at the target: not drained.
    assert!(
        plan.steps()
            .iter()
            .all(|s| s.node.as_deref() != Some("edge-centos-1"))
    );
    let skew: Vec<&str> = plan.nodes()[1]
        .skew()
        .iter()
        .map(|p| p.at.as_str())
        .collect();
    assert_eq!(skew, ["before", "after 1.29.0", "after 1.30.1"]);
}

#[test]
fn steps_run_drain_then_each_minor_then_uncordon_per_node() {
    let plan = UpgradePlan::from_values(
        controller("1.30.1"),
        json!([node(0, "debian", "12"), node(1, "rocky", "9")]),
        kube_nodes(&[("edge-0", "v1.28.4"), ("edge-1", "v1.29.2")]),
    )
    .unwrap();
    let ids: Vec<&str> = plan.steps().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "controller.lock",
            "controller.inventory",
            "node.drain",
            "node.upgrade_minor",
            "node.upgrade_minor",
            "node.uncordon",
            "node.drain",
            "node.upgrade_minor",
            "node.uncordon",
            "controller.cleanup",
        ]
    );
    let nodes: Vec<Option<String>> = plan.steps().into_iter().map(|s| s.node).collect();
    assert_eq!(nodes[2].as_deref(), Some("edge-0"));
    assert_eq!(nodes[6].as_deref(), Some("edge-1"));
    assert_eq!(plan.steps()[3].id, StepId::NodeUpgradeMinor);
    let text = plan.to_text();
    // kubeadm first, then its node upgrade, then the kubelet, held, restarted.
    let order = [
        "apt repository deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.29/deb/ /",
        "release the hold on kubeadm",
        "apt install kubeadm=1.29.0-*",
        "kubeadm upgrade node (kubeadm 1.29.0)",
        "release the hold on kubelet",
        "apt install kubelet=1.29.0-*",
        "apt-mark hold kubelet kubeadm",
        "systemctl daemon-reload; restart kubelet",
        "https://pkgs.k8s.io/core:/stable:/v1.30/deb/",
        "kubeadm upgrade node (kubeadm 1.30.1)",
        "kubectl uncordon edge-0",
        "kubectl drain edge-1",
        "rpm repository kubernetes https://pkgs.k8s.io/core:/stable:/v1.30/rpm/",
        "dnf install kubeadm-1.30.1",
        "dnf install kubelet-1.30.1",
    ];
    let mut at = 0;
    for needle in order {
        let found = text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} after byte {at}:\n{text}"));
        at += found + needle.len();
    }
}

#[test]
fn refusals_and_unknown_nodes_name_the_node() {
    let err = |cp: &str, kubelet: &str| {
        UpgradePlan::from_values(
            controller(cp),
            json!([node(0, "debian", "12"), node(1, "debian", "12")]),
            kube_nodes(&[("edge-0", "v1.29.2"), ("edge-1", kubelet)]),
        )
        .unwrap_err()
    };
    let e = err("1.29.2", "v1.30.1");
    assert_eq!(
        (e.code(), e.node(), e.is_refusal()),
        ("upgrade.downgrade", Some("edge-1"), true)
    );
    let e = err("1.29.2", "v1.29.3");
    assert_eq!(e.code(), "upgrade.downgrade");
    let e = err("1.29.2", "1.29.x");
    assert_eq!(
        (e.code(), e.node(), e.is_refusal()),
        ("upgrade.invalid_kubelet_version", Some("edge-1"), false)
    );
    let e = UpgradePlan::from_values(
        controller("1.29.2"),
        json!([node(0, "debian", "12"), node(1, "debian", "12")]),
        kube_nodes(&[("edge-0", "v1.29.2")]),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "node \"edge-1\": not in the cluster (no item of kube-nodes has this metadata.name)"
    );
    // Invalid plan inputs are the plan's errors.
    let e = UpgradePlan::from_values(
        controller("1.29"),
        json!([node(0, "debian", "12")]),
        kube_nodes(&[]),
    )
    .unwrap_err();
    assert_eq!(e.code(), "plan.invalid_version");
}

#[test]
fn max_unavailable_is_a_count_or_a_percentage() {
    let with = |v: serde_json::Value| {
        let mut c = controller("1.30.1");
        c["max_unavailable"] = v;
        edgeworker_core::plan::Controller::from_value(c)
    };
    assert_eq!(with(json!(3)).unwrap().max_unavailable(), Count(3));
    assert_eq!(with(json!("3")).unwrap().max_unavailable(), Count(3));
    assert_eq!(with(json!("100%")).unwrap().max_unavailable(), Percent(100));
    assert_eq!(with(json!(null)).unwrap().max_unavailable(), Count(1));
    for bad in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!("101%"),
        json!("0%"),
        json!("%"),
        json!(" 3"),
        json!("+3"),
        json!("3 %"),
        json!(100_001),
        json!(true),
        json!("{{ 3 }}"),
    ] {
        let e = with(bad.clone()).unwrap_err();
        assert_eq!(
            (e.code(), e.field()),
            ("plan.invalid_max_unavailable", "max_unavailable"),
            "{bad}"
        );
    }
}

#[test]
fn package_sources_follow_each_minor_and_key_files_are_staged_per_minor() {
    let mut c = controller("1.30.1");
    c["package_sources"] = json!({"kubernetes_deb": {
        "url": "http://mirror.local/k8s/{minor}/deb/", "key": "/etc/mirror/k8s-{minor}.asc"}});
    let plan = UpgradePlan::from_values(
        c,
        json!([node(0, "debian", "12")]),
        kube_nodes(&[("edge-0", "v1.28.4")]),
    )
    .unwrap();
    let text = plan.to_text();
    for expected in [
        "copy /etc/mirror/k8s-v1.29.asc to /run/edgeworker-provision/kubernetes-deb-v1.29.key",
        "copy /etc/mirror/k8s-v1.30.asc to /run/edgeworker-provision/kubernetes-deb-v1.30.key",
        "http://mirror.local/k8s/v1.29/deb/ / (key controller:/run/edgeworker-provision/kubernetes-deb-v1.29.key",
        "http://mirror.local/k8s/v1.30/deb/ / (key controller:/run/edgeworker-provision/kubernetes-deb-v1.30.key",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}

#[test]
fn the_json_rendering_has_its_schema_and_each_nodes_skew() {
    let (c, n, k) = example_inputs();
    let json = UpgradePlan::from_values(c, n, k).unwrap().to_json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["kind"], "upgrade");
    assert_eq!(json["kubernetes_version"], "1.30.1");
    let debian = &json["nodes"][1];
    assert_eq!(debian["kubelet"], "1.28.4");
    assert_eq!(debian["action"], "upgrade");
    assert_eq!(debian["skew"][1]["at"], "after 1.29.0");
    assert_eq!(debian["skew"][1]["allowed"], true);
    assert_eq!(json["nodes"][2]["action"], "keep");
    assert_eq!(json["steps"][2]["id"], "node.drain");
    assert_eq!(json["steps"][2]["number"], 21);
    assert_eq!(json["steps"][2]["guard"]["kind"], "skip_when_upgraded");
}
