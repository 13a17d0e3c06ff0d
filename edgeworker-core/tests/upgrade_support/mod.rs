//! Inputs shared by the upgrade integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use serde_json::{Value, json};

/// `examples/<relative>` as JSON.
pub fn example(relative: &str) -> Value {
    let path = format!("{}/../examples/{relative}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The bundled example: controller at 1.30.1, the plan's four nodes, the cluster's view.
pub fn example_inputs() -> (Value, Value, Value) {
    (
        example("upgrade/controller.json"),
        example("plan/nodes.json"),
        example("upgrade/kube-nodes.json"),
    )
}

/// A minimal controller at `version`.
pub fn controller(version: &str) -> Value {
    json!({
        "kubernetes_version": version,
        "apiserver": "192.168.204.2:6443",
        "mgmt_floating_address": "192.168.204.2",
        "mgmt_subnet": "192.168.204.0/24",
    })
}

/// A minimal node `edge-<i>` of the given OS.
pub fn node(i: u8, os_id: &str, version: &str) -> Value {
    json!({
        "hostname": format!("edge-{i}"),
        "mgmt_ip": format!("192.168.204.{}", 50 + u16::from(i)),
        "mgmt_mac": format!("08:00:27:aa:01:{i:02x}"),
        "os": {"id": os_id, "version": version},
        "arch": "amd64",
        "ssh_user": "sysadmin",
    })
}

/// `kubectl get nodes -o json` for `(name, kubelet version)` pairs.
pub fn kube_nodes(nodes: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = nodes
        .iter()
        .map(|(name, version)| {
            json!({"metadata": {"name": name},
                   "status": {"nodeInfo": {"kubeletVersion": version}}})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}
