//! The plan as text: numbered steps per side and node, for a person to review.
//!
//! Written straight to a writer, the steps built a node at a time ([`Plan::step_iter`]), so
//! the text of 100,000 nodes never sits in memory; [`render`] collects it for
//! [`Plan::to_text`].

use std::io::{self, Write};

use crate::plan::builder::Secrets;
use crate::plan::input::Join;
use crate::plan::step::{Side, Step};
use crate::plan::{JOIN_TOKEN_ENV, Plan, SCHEMA};

pub(crate) fn render(plan: &Plan) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every piece written is a str: the results are
    // ignored, and the lossy conversion never replaces anything, for those reasons only.
    let _ = write(plan, &mut out);
    String::from_utf8(out)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

pub(crate) fn write(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let c = plan.controller();
    writeln!(out, "edgeworker provisioning plan (schema {SCHEMA})")?;
    writeln!(
        out,
        "Kubernetes {} at {}; {} node{}",
        c.kubernetes_version(),
        c.apiserver(),
        plan.nodes().len(),
        if plan.nodes().len() == 1 { "" } else { "s" }
    )?;
    match c.join() {
        Join::Create => writeln!(
            out,
            "Join token: created on the controller at run time (TTL {} min), deleted in cleanup.",
            c.run_timeout_minutes()
        )?,
        Join::Given { .. } => writeln!(
            out,
            "Join token: given, not written to any file. Export {JOIN_TOKEN_ENV}=<token> in the \
             environment of ansible-playbook."
        )?,
    }
    writeln!(out)?;
    writeln!(out, "Nodes:")?;
    for p in plan.nodes() {
        let n = p.node();
        writeln!(
            out,
            "  {}  {}  {}  {} {}  kubelet: {}",
            n.hostname(),
            n.mgmt_ip(),
            n.os().name,
            n.arch(),
            n.ssh_user(),
            p.decision()
        )?;
    }
    let mut heading = String::new();
    for step in plan.step_iter(Secrets::Redact) {
        let this = section(&step);
        if this != heading {
            writeln!(out, "\n{this}:")?;
            heading = this;
        }
        write_step(out, &step)?;
    }
    Ok(())
}

fn section(step: &Step) -> String {
    match (&step.node, step.id.side(), step.id.number()) {
        (None, _, 20) => "Controller, always (even when every node failed)".to_owned(),
        (None, _, _) => "Controller, once per run".to_owned(),
        (Some(node), _, _) => format!("Node {node} (each node independently)"),
    }
}

fn write_step(out: &mut dyn Write, step: &Step) -> io::Result<()> {
    let runs_on = match (step.id.side(), &step.node) {
        (Side::Controller, Some(_)) => " [on the controller]",
        _ => "",
    };
    writeln!(
        out,
        "  {:>2}. {}  {}{runs_on}",
        step.id.number(),
        step.id,
        step.id.title()
    )?;
    for action in &step.actions {
        writeln!(out, "      - {action}")?;
    }
    writeln!(out, "      guard: {}", step.guard)?;
    if !step.notify.is_empty() {
        let names: Vec<&str> = step.notify.iter().map(|h| h.as_str()).collect();
        writeln!(out, "      notifies: {}", names.join(", "))?;
    }
    Ok(())
}
