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
//!
//! One [`Document`] serializes both to a `Value` ([`Plan::to_json`]) and straight to a
//! writer ([`Plan::write_json`]): the writer gets the nodes and steps one at a time, so a
//! plan of 100,000 nodes is never a gigabyte in memory. Every object is written with its
//! keys sorted, as a `serde_json::Value` (a sorted map) writes them, so both paths give the
//! same bytes.

use std::io;

use serde::ser::{Error as _, SerializeMap as _, SerializeSeq as _};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::plan::builder::Secrets;
use crate::plan::input::Join;
use crate::plan::step::{Action, Step};
use crate::plan::{JOIN_TOKEN_ENV, Node, Plan, PlannedNode, SCHEMA};

/// The whole JSON rendering of a plan, produced as it is serialized.
pub(crate) struct Document<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) secrets: Secrets,
}

pub(crate) fn render(plan: &Plan, secrets: Secrets) -> Value {
    // Serializing into a Value fails only for non-string map keys, which no part has.
    serde_json::to_value(Document { plan, secrets }).unwrap_or(Value::Null)
}

/// Writes the pretty-printed document and a final newline (what the CLI prints).
pub(crate) fn write(plan: &Plan, secrets: Secrets, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Document { plan, secrets })?;
    out.write_all(b"\n")
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.plan.controller();
        let mut map = serializer.serialize_map(Some(5))?;
        // Sorted, as a Value's keys are.
        map.serialize_entry("controller", &controller(self.plan, self.secrets))?;
        map.serialize_entry("kubernetes_version", &json!(c.kubernetes_version()))?;
        map.serialize_entry("nodes", &Nodes(self.plan.nodes()))?;
        map.serialize_entry("schema", &SCHEMA)?;
        map.serialize_entry(
            "steps",
            &Steps {
                plan: self.plan,
                secrets: self.secrets,
            },
        )?;
        map.end()
    }
}

fn controller(plan: &Plan, secrets: Secrets) -> Value {
    let c = plan.controller();
    let join = match c.join() {
        Join::Create => {
            json!({"source": "create", "token_ttl_minutes": c.run_timeout_minutes()})
        }
        Join::Given {
            token,
            ca_cert_hash,
        } => json!({
            "source": "given",
            "token": match secrets {
                Secrets::Reveal => token.expose(),
                Secrets::Redact => "<redacted>",
            },
            "token_env": JOIN_TOKEN_ENV,
            "ca_cert_hash": ca_cert_hash,
        }),
    };
    json!({
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
    })
}

/// What names a node and its system in every plan's JSON (provisioning and upgrade); a
/// sorted map, as every object of these documents.
pub(crate) fn node_fields(n: &Node) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("hostname".to_owned(), json!(n.hostname()));
    fields.insert("mgmt_ip".to_owned(), json!(n.mgmt_ip()));
    fields.insert(
        "os".to_owned(),
        json!({
            "id": n.os().id,
            "version": n.os().version,
            "name": n.os().name,
            "family": n.os().family,
            "packages": n.os().packages,
        }),
    );
    fields.insert("arch".to_owned(), json!(n.arch()));
    fields.insert("ssh_user".to_owned(), json!(n.ssh_user()));
    fields
}

/// The nodes, each built as a small `Value` (so its keys are sorted) when it is written.
struct Nodes<'a>(&'a [PlannedNode]);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for p in self.0 {
            let n = p.node();
            let mut fields = node_fields(n);
            fields.insert("mgmt_mac".to_owned(), json!(n.mgmt_mac()));
            fields.insert("python".to_owned(), json!(n.python()));
            fields.insert("labels".to_owned(), json!(n.labels()));
            fields.insert("kubelet".to_owned(), json!(p.decision()));
            seq.serialize_element(&Value::Object(fields))?;
        }
        seq.end()
    }
}

/// The steps, built one node at a time ([`Plan::step_iter`]) as they are written.
struct Steps<'a> {
    plan: &'a Plan,
    secrets: Secrets,
}

impl Serialize for Steps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for step in self.plan.step_iter(self.secrets) {
            seq.serialize_element(&SortedStep(&step))?;
        }
        seq.end()
    }
}

/// A step with its fields in sorted order (`Step`'s own order is for people) and each
/// action through its own small `Value`: the controller's hosts step has one action per
/// node, and a `Value` of the whole step would be a few hundred bytes a node at once. The
/// fields are `Step`'s serialization's; `sorted_steps_are_the_steps` keeps them so.
struct SortedStep<'a>(&'a Step);

impl Serialize for SortedStep<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let step = self.0;
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("actions", &SortedActions(&step.actions))?;
        map.serialize_entry("guard", &sorted(&step.guard).map_err(S::Error::custom)?)?;
        map.serialize_entry("id", &step.id)?;
        map.serialize_entry("node", &step.node)?;
        map.serialize_entry("notify", &step.notify)?;
        map.serialize_entry("number", &step.id.number())?;
        map.serialize_entry("side", &step.id.side())?;
        map.serialize_entry("title", step.id.title())?;
        map.end()
    }
}

struct SortedActions<'a>(&'a [Action]);

impl Serialize for SortedActions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for action in self.0 {
            seq.serialize_element(&sorted(action).map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// A part as a `Value`, whose maps write their keys sorted.
fn sorted<T: Serialize>(part: &T) -> Result<Value, serde_json::Error> {
    serde_json::to_value(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_steps_are_the_steps() {
        let controller = json!({
            "kubernetes_version": "1.29.2", "apiserver": "192.168.204.2:6443",
            "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
            "proxy": {"https": "http://proxy:3128"},
        });
        let nodes = ["ubuntu", "debian", "rocky"].iter().enumerate().map(|(i, os)| {
            let version = match *os { "ubuntu" => "22.04", "debian" => "12", _ => "9" };
            json!({"hostname": format!("edge-{i}"), "mgmt_ip": format!("192.168.204.{}", 50 + i),
                "mgmt_mac": format!("08:00:27:aa:00:{i:02x}"), "os": {"id": os, "version": version},
                "arch": "amd64", "ssh_user": "sysadmin", "labels": {"site": "a"}})
        });
        let plan = Plan::from_values(controller, Value::Array(nodes.collect())).unwrap();
        for step in plan.step_iter(Secrets::Reveal) {
            assert_eq!(
                serde_json::to_value(SortedStep(&step)).unwrap(),
                serde_json::to_value(&step).unwrap(),
                "{}",
                step.id
            );
        }
    }
}
