//! Inputs shared by the plan integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use serde_json::{Value, json};

/// The bundled example fleet (examples/plan/).
pub fn example() -> (Value, Value) {
    (read_example("controller.json"), read_example("nodes.json"))
}

/// The example fleet under static management addressing (`controller-static.json`).
#[allow(dead_code)] // not every test binary uses it
pub fn example_static() -> (Value, Value) {
    (
        read_example("controller-static.json"),
        read_example("nodes.json"),
    )
}

fn read_example(name: &str) -> Value {
    let path = format!("{}/../examples/plan/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A minimal valid controller.
pub fn controller() -> Value {
    json!({
        "kubernetes_version": "1.29.2",
        "apiserver": "192.168.204.2:6443",
        "mgmt_floating_address": "192.168.204.2",
        "mgmt_subnet": "192.168.204.0/24",
    })
}

/// A minimal valid node of the given OS, numbered `i` (address .50+i).
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

/// `value` with `path` (dotted) set to `new`.
pub fn with(mut value: Value, path: &str, new: Value) -> Value {
    let mut at = &mut value;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            at[*part] = new;
            break;
        }
        at = &mut at[*part];
    }
    value
}
