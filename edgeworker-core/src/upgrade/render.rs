//! The upgrade plan as JSON data and as text for review.
//!
//! JSON, schema 1:
//!
//! ```text
//! { "schema": 1, "kind": "upgrade", "kubernetes_version": "1.30.1",
//!   "max_unavailable": 1 | "25%",
//!   "nodes": [ { hostname, mgmt_ip, os {id, version, name, family, packages}, arch,
//!                ssh_user, kubelet: "1.28.4", action: "upgrade" | "keep",
//!                path: ["1.29.0", "1.30.1"],
//!                skew: [ {at: "before" | "after <version>", kubelet, allowed, reason} ] } ],
//!   "steps": [ as in the provisioning plan ] }
//! ```

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{SCHEMA, UpgradePlan};
use crate::plan::render::json::node_fields;
use crate::plan::{Side, Step};

pub(super) fn json(plan: &UpgradePlan) -> Value {
    let nodes: Vec<Value> = plan
        .nodes()
        .iter()
        .map(|u| {
            let mut fields = node_fields(u.node());
            fields.insert("kubelet".to_owned(), json!(u.from()));
            let action = if u.path().is_empty() {
                "keep"
            } else {
                "upgrade"
            };
            fields.insert("action".to_owned(), json!(action));
            fields.insert("path".to_owned(), json!(u.path()));
            fields.insert("skew".to_owned(), json!(u.skew()));
            Value::Object(fields)
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "kind": "upgrade",
        "kubernetes_version": plan.target(),
        "max_unavailable": plan.controller().max_unavailable(),
        "nodes": nodes,
        "steps": plan.steps(),
    })
}

pub(super) fn text(plan: &UpgradePlan) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored for that reason only.
    let _ = write_plan(&mut out, plan);
    out
}

fn write_plan(out: &mut String, plan: &UpgradePlan) -> std::fmt::Result {
    let count = plan.to_upgrade().count();
    writeln!(out, "edgeworker upgrade plan (schema {SCHEMA})")?;
    writeln!(
        out,
        "Kubernetes {} (the control plane's); {count} of {} node{} to upgrade, at most {} at a time; the run stops after the first batch with a failed node",
        plan.target(),
        plan.nodes().len(),
        if plan.nodes().len() == 1 { "" } else { "s" },
        plan.controller().max_unavailable(),
    )?;
    writeln!(out)?;
    writeln!(out, "Nodes:")?;
    for u in plan.nodes() {
        let n = u.node();
        let what = if u.path().is_empty() {
            "at the target: left alone".to_owned()
        } else {
            let path: Vec<String> = u.path().iter().map(ToString::to_string).collect();
            format!("{} -> {}", u.from(), path.join(" -> "))
        };
        writeln!(
            out,
            "  {}  {}  {}  {}  kubelet: {what}",
            n.hostname(),
            n.mgmt_ip(),
            n.os().name,
            n.arch(),
        )?;
        for point in u.skew() {
            writeln!(out, "      skew {point}")?;
        }
    }
    let mut heading = String::new();
    for step in plan.steps() {
        let this = match (&step.node, step.id.as_str()) {
            (None, "controller.cleanup") => {
                "Controller, always (even when a node failed)".to_owned()
            }
            (None, _) => "Controller, once per run".to_owned(),
            (Some(node), _) => format!("Node {node} (in its batch)"),
        };
        if this != heading {
            writeln!(out, "\n{this}:")?;
            heading = this;
        }
        write_step(out, &step)?;
    }
    Ok(())
}

fn write_step(out: &mut String, step: &Step) -> std::fmt::Result {
    let runs_on = match (step.id.side(), &step.node) {
        (Side::Controller, Some(_)) => " [on the controller]",
        _ => "",
    };
    writeln!(out, "  - {}  {}{runs_on}", step.id, step.id.title())?;
    for action in &step.actions {
        writeln!(out, "      - {action}")?;
    }
    writeln!(out, "      guard: {}", step.guard)
}
