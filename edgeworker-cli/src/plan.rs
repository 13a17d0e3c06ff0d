//! `plan` and `skew-check`: the provisioning plan and the version-skew report, from a shell.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use edgeworker_core::plan::{
    JOIN_TOKEN_ENV, Join, KubeVersion, Plan, PlanError, Secrets, WriteError, parse_nodes,
    skew_check,
};

use crate::failure::{self, Failure};
use crate::input;

/// How `plan` renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Numbered steps per side and node, for review.
    Text,
    /// The plan as data (schema 1).
    Json,
    /// `playbook.yml`, `inventory.yml` and `ansible.cfg` for ansible-playbook, written into
    /// `--out DIR`.
    Ansible,
}

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Controller facts (JSON object); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    controller: PathBuf,
    /// Nodes (JSON array); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Directory for the Ansible files (required by, and only used with, --format ansible).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Show a given join token in JSON output instead of `<redacted>`.
    #[arg(long)]
    reveal_secrets: bool,
}

/// How `skew-check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SkewFormat {
    /// One line per node.
    Text,
    /// An array of `{hostname, kubelet, allowed, reason}`.
    Json,
}

/// Arguments of `skew-check`.
#[derive(Debug, Args)]
pub struct SkewArgs {
    /// The control plane's (new) Kubernetes version, e.g. 1.30.1.
    #[arg(long, value_name = "VERSION")]
    control_plane: String,
    /// Nodes (JSON array, as for `plan`) with their `kubelet_version`; `-` for stdin.
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SkewFormat::Text)]
    format: SkewFormat,
}

fn plan_failure(err: &PlanError) -> Failure {
    Failure::invalid(format!("{}: {err}", err.code()))
}

pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) => failure::from_io(&err).map_or(Ok(()), Err),
    }
}

/// `plan`.
pub fn plan(args: PlanArgs) -> Result<ExitCode, Failure> {
    if args.controller == Path::new("-") && args.nodes == Path::new("-") {
        return Err(Failure::usage(
            "--controller and --nodes cannot both read stdin",
        ));
    }
    match (args.format, &args.out) {
        (PlanFormat::Ansible, None) => {
            return Err(Failure::usage("--format ansible needs --out DIR"));
        }
        (PlanFormat::Text | PlanFormat::Json, Some(_)) => {
            return Err(Failure::usage("--out is only used with --format ansible"));
        }
        _ => {}
    }
    let controller: serde_json::Value = input::read_json(&args.controller)?;
    let nodes: serde_json::Value = input::read_json(&args.nodes)?;
    let plan = Plan::from_values(controller, nodes).map_err(|e| plan_failure(&e))?;
    let secrets = if args.reveal_secrets {
        Secrets::Reveal
    } else {
        Secrets::Redact
    };
    match (args.format, args.out) {
        (PlanFormat::Text, _) => emit(&plan.to_text())?,
        (PlanFormat::Json, _) => {
            let text = serde_json::to_string_pretty(&plan.to_json(secrets))
                .map_err(|e| Failure::input(format!("cannot render JSON: {e}")))?;
            emit(&format!("{text}\n"))?;
        }
        (PlanFormat::Ansible, Some(dir)) => {
            plan.write_ansible(&dir).map_err(|e| write_failure(&e))?;
            emit(&ansible_note(&plan, &dir))?;
        }
        (PlanFormat::Ansible, None) => {
            return Err(Failure::usage("--format ansible needs --out DIR"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn write_failure(err: &WriteError) -> Failure {
    Failure::input(format!("{}: {err}", err.code()))
}

/// What to run next; names the token variable when the token was given (never its value).
/// (Writing into a String cannot fail, hence the ignored results.)
fn ansible_note(plan: &Plan, dir: &Path) -> String {
    let d = dir.display();
    let mut note = format!("wrote {d}/playbook.yml, {d}/inventory.yml and {d}/ansible.cfg\n");
    if matches!(plan.controller().join(), Join::Given { .. }) {
        let _ = writeln!(
            note,
            "the join token is not in these files: export {JOIN_TOKEN_ENV}=<token> before running"
        );
    }
    // Ansible reads ansible.cfg from the current directory only.
    let _ = writeln!(
        note,
        "run: cd {d} && ansible-playbook -i inventory.yml playbook.yml"
    );
    note
}

/// `skew-check`: exit 1 when any node's kubelet is outside the policy.
pub fn skew(args: &SkewArgs) -> Result<ExitCode, Failure> {
    let control_plane = KubeVersion::parse(&args.control_plane).ok_or_else(|| {
        Failure::usage(format!(
            "--control-plane: {:?} is not a Kubernetes release version like 1.29.2",
            args.control_plane
        ))
    })?;
    let nodes = parse_nodes(input::read_json(&args.nodes)?).map_err(|e| plan_failure(&e))?;
    let mut violations = 0usize;
    let mut rows = Vec::with_capacity(nodes.len());
    for node in &nodes {
        let verdict = node
            .kubelet_version()
            .map(|v| skew_check(&control_plane, v));
        if verdict.as_ref().is_some_and(|v| !v.allowed) {
            violations += 1;
        }
        rows.push((
            node.hostname().to_string(),
            node.kubelet_version().cloned(),
            verdict,
        ));
    }
    let text = match args.format {
        SkewFormat::Text => {
            let mut text = String::new();
            for (name, kubelet, verdict) in &rows {
                let line = match (kubelet, verdict) {
                    (Some(_), Some(v)) if v.allowed => format!("{name}: ok: {}\n", v.reason),
                    (Some(_), Some(v)) => format!("{name}: VIOLATION: {}\n", v.reason),
                    _ => format!("{name}: no kubelet installed: nothing to check\n"),
                };
                text.push_str(&line);
            }
            let _ = writeln!(
                text,
                "{violations} of {} node(s) violate the version-skew policy for control plane {control_plane}",
                rows.len()
            );
            text
        }
        SkewFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(name, kubelet, verdict)| {
                    serde_json::json!({
                        "hostname": name,
                        "kubelet": kubelet,
                        "allowed": verdict.as_ref().is_none_or(|v| v.allowed),
                        "reason": verdict.as_ref().map_or("no kubelet installed", |v| v.reason.as_str()),
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&items)
                .map_err(|e| Failure::input(format!("cannot render JSON: {e}")))?;
            format!("{text}\n")
        }
    };
    emit(&text)?;
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(failure::INVALID)
    })
}
