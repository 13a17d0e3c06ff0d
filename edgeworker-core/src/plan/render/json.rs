//! The plan as JSON data, schema 1.
//!
//! ```text
//! { "schema": 1, "kubernetes_version": "1.29.2",
//!   "controller": { apiserver, mgmt_floating_address, mgmt_subnet, dns_servers, ntp_servers,
//!                   registry, registry_ca_cert, proxy {http, https, no_proxy},
//!                   join {source: "create", token_ttl_minutes}
//!                      | {source: "given", token (redacted), token_env, ca_cert_hash},
//!                   run_timeout_minutes },
//!   "nodes": [ { hostname, mgmt_ip, mgmt_mac, os {id, version, name, family, packages},
//!                arch, ssh_user, python, labels, kubelet {action, from?, to?, version?} } ],
//!   "steps": [ { id, number, side, title, node, actions [ {kind, ...} ], guard {kind, ...},
//!                notify [...] } ] }
//! ```

use serde_json::{Value, json};

use crate::plan::builder::Secrets;
use crate::plan::input::Join;
use crate::plan::{JOIN_TOKEN_ENV, Plan, SCHEMA};

pub(crate) fn render(plan: &Plan, secrets: Secrets) -> Value {
    let c = plan.controller();
    let join = match (c.join(), secrets) {
        (Join::Create, _) => {
            json!({"source": "create", "token_ttl_minutes": c.run_timeout_minutes()})
        }
        (
            Join::Given {
                token,
                ca_cert_hash,
            },
            _,
        ) => json!({
            "source": "given",
            "token": match secrets {
                Secrets::Reveal => token.expose(),
                Secrets::Redact => "<redacted>",
            },
            "token_env": JOIN_TOKEN_ENV,
            "ca_cert_hash": ca_cert_hash,
        }),
    };
    let nodes: Vec<Value> = plan
        .nodes()
        .iter()
        .map(|p| {
            let n = p.node();
            json!({
                "hostname": n.hostname(),
                "mgmt_ip": n.mgmt_ip(),
                "mgmt_mac": n.mgmt_mac(),
                "os": {
                    "id": n.os().id,
                    "version": n.os().version,
                    "name": n.os().name,
                    "family": n.os().family,
                    "packages": n.os().packages,
                },
                "arch": n.arch(),
                "ssh_user": n.ssh_user(),
                "python": n.python(),
                "labels": n.labels(),
                "kubelet": p.decision(),
            })
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "kubernetes_version": c.kubernetes_version(),
        "controller": {
            "apiserver": c.apiserver(),
            "mgmt_floating_address": c.mgmt_floating_address(),
            "mgmt_subnet": c.mgmt_subnet(),
            "dns_servers": c.dns_servers(),
            "ntp_servers": c.ntp_servers(),
            "registry": c.registry(),
            "registry_ca_cert": c.registry_ca_cert(),
            "proxy": c.proxy(),
            "join": join,
            "run_timeout_minutes": c.run_timeout_minutes(),
        },
        "nodes": nodes,
        "steps": plan.steps(secrets),
    })
}
