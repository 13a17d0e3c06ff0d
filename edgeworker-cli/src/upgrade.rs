//! `upgrade-plan`: the Kubernetes upgrade of edgeworker nodes, from a shell.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::upgrade::{UpgradeError, UpgradePlan};

use crate::failure::Failure;
use crate::plan::{PlanFormat, write_failure};
use crate::sources::SourceArgs;
use crate::{input, output};

/// Arguments of `upgrade-plan`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Controller facts (JSON object); its `kubernetes_version` is the control plane's and the
    /// target. `-` for stdin.
    #[arg(long, value_name = "FILE")]
    controller: PathBuf,
    /// Nodes (JSON array, as for `plan`); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    /// The cluster's view of the nodes: the output of `kubectl get nodes -o json`; `-` for
    /// stdin.
    #[arg(long, value_name = "FILE")]
    kube_nodes: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    #[command(flatten)]
    sources: SourceArgs,
    /// Directory for the Ansible files (required by, and only used with, --format ansible).
    #[arg(long, value_name = "DIR", required_if_eq("format", "ansible"))]
    out: Option<PathBuf>,
}

/// Exit 1 when the policy refuses (or an input breaks a rule, as for `plan`), 3 when the
/// cluster's view is not what it must be.
fn upgrade_failure(err: &UpgradeError) -> Failure {
    let message = format!("{}: {err}", err.code());
    match err {
        UpgradeError::Refused { .. } | UpgradeError::Input(_) => Failure::invalid(message),
        _ => Failure::input(message),
    }
}

/// `upgrade-plan`.
pub fn upgrade_plan(args: &UpgradeArgs) -> Result<ExitCode, Failure> {
    let stdin = [&args.controller, &args.nodes, &args.kube_nodes]
        .iter()
        .filter(|p| p.as_path() == Path::new("-"))
        .count()
        + usize::from(args.sources.reads_stdin());
    if stdin > 1 {
        return Err(Failure::usage("only one of the inputs can read stdin"));
    }
    if args.format != PlanFormat::Ansible && args.out.is_some() {
        return Err(Failure::usage("--out is only used with --format ansible"));
    }
    let controller: serde_json::Value = input::read_json(&args.controller)?;
    let mut nodes: serde_json::Value = input::read_json(&args.nodes)?;
    let kube_nodes: serde_json::Value = input::read_json(&args.kube_nodes)?;
    if let Some(sources) = args.sources.read()? {
        sources.fill(&mut nodes)?;
    }
    let plan = UpgradePlan::from_values(controller, nodes, kube_nodes).map_err(|e| {
        let failure = upgrade_failure(&e);
        // The file is named for the cluster's view, whose messages say "kube-nodes".
        if e.is_refusal() || matches!(e, UpgradeError::Input(_)) {
            failure
        } else {
            Failure::input(format!("{}: {failure}", input::label(&args.kube_nodes)))
        }
    })?;
    match (args.format, &args.out) {
        (PlanFormat::Text, _) => output::print("the upgrade plan", &plan.to_text())?,
        (PlanFormat::Json, _) => {
            let text = serde_json::to_string_pretty(&plan.to_json())
                .map_err(|e| Failure::input(format!("cannot render JSON: {e}")))?;
            output::print("the upgrade plan", &format!("{text}\n"))?;
        }
        (PlanFormat::Ansible, Some(dir)) => {
            plan.write_ansible(dir).map_err(|e| write_failure(&e))?;
            let d = dir.display();
            let count = plan.to_upgrade().count();
            output::print(
                "the upgrade plan",
                &format!(
                    "wrote {d}/playbook.yml, {d}/inventory.yml and {d}/ansible.cfg ({count} node(s) to upgrade)\n\
                 run: cd {d} && ansible-playbook -i inventory.yml playbook.yml\n"
                ),
            )?;
        }
        (PlanFormat::Ansible, None) => {
            return Err(Failure::usage("--format ansible needs --out DIR"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
