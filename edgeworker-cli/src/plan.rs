//! `plan` and `skew-check`: the provisioning plan and the version-skew report, from a shell.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use edgeworker_core::atomic_file::{FileError, Staged};
use edgeworker_core::plan::{
    self, Controller, JOIN_TOKEN_ENV, Join, KubeVersion, Node, NodesError, Plan, PlanError,
    Secrets, WriteError, skew_check,
};

use crate::failure::{self, Failure};
use crate::input;
use crate::output::{self, Format};
use crate::sources::{SourceArgs, Sources};

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
    /// Nodes (JSON array, read a node at a time); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// With --format text or json: the file to write instead of stdout, replaced only once
    /// the plan is complete. With --format ansible (required): the directory of the files.
    #[arg(long, value_name = "FILE|DIR", required_if_eq("format", "ansible"))]
    out: Option<PathBuf>,
    /// Show a given join token in JSON output instead of `<redacted>`.
    #[arg(long)]
    reveal_secrets: bool,
    #[command(flatten)]
    sources: SourceArgs,
}

/// Arguments of `skew-check`.
#[derive(Debug, Args)]
pub struct SkewArgs {
    /// The control plane's (new) Kubernetes version, e.g. 1.30.1.
    #[arg(long, value_name = "VERSION", value_parser = parse_kube_version)]
    control_plane: KubeVersion,
    /// Nodes (JSON array, as for `plan`) with their `kubelet_version`; `-` for stdin.
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    #[command(flatten)]
    sources: SourceArgs,
    /// Output: a line per node and a summary, or `{"schema": 1, "control_plane", "violations",
    /// "nodes": [{"hostname", "kubelet", "allowed", "reason"}]}`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn parse_kube_version(text: &str) -> Result<KubeVersion, String> {
    KubeVersion::parse(text)
        .ok_or_else(|| format!("{text:?} is not a Kubernetes release version like 1.29.2"))
}

fn plan_failure(err: &PlanError) -> Failure {
    Failure::invalid(format!("{}: {err}", err.code()))
}

/// Reads the nodes file as a stream, a node at a time (a JSON array of 100,000 nodes is
/// never whole in memory, as text or as a `Value`). The outer error is the file's (exit
/// 3); the inner one the first problem with the nodes, which the caller reports after any
/// problem with the other file's text.
fn read_nodes(path: &Path) -> Result<Result<Vec<Node>, PlanError>, Failure> {
    let name = input::label(path);
    match plan::read_nodes(input::open_stream(path)?) {
        Ok(nodes) => Ok(Ok(nodes)),
        Err(NodesError::Invalid(err)) => Ok(Err(err)),
        // serde_json's words for bytes in a string that are not UTF-8: said as every other
        // input's reader says it (`input::read_text`), at the same place.
        Err(NodesError::Json(err))
            if err
                .to_string()
                .starts_with("invalid unicode code point at ") =>
        {
            Err(Failure::input(format!(
                "{name}: line {}, column {}: not valid UTF-8",
                err.line(),
                err.column()
            )))
        }
        Err(err) => Err(Failure::input(format!("{name}: {err}"))),
    }
}

/// The nodes as read: streamed and checked, or whole, to be filled from the earlier stages
/// and checked by [`Nodes::finish`] (after the other inputs' content, which comes first).
pub enum Nodes {
    Read(Result<Vec<Node>, PlanError>),
    ToFill(serde_json::Value, Box<Sources>),
}

impl Nodes {
    /// Reads the nodes file: streamed a node at a time, or whole when there are sources to
    /// fill it from (exit 3 for the text of any of them).
    pub fn read(path: &Path, sources: &SourceArgs) -> Result<Self, Failure> {
        if let Some(sources) = sources.read()? {
            return Ok(Self::ToFill(input::read_json(path)?, Box::new(sources)));
        }
        Ok(Self::Read(read_nodes(path)?))
    }

    /// The nodes, filled and checked (exit 1 for the first problem).
    pub fn finish(self) -> Result<Vec<Node>, Failure> {
        match self {
            Self::Read(nodes) => nodes.map_err(|e| plan_failure(&e)),
            Self::ToFill(mut nodes, sources) => {
                sources.fill(&mut nodes)?;
                plan::parse_nodes(nodes).map_err(|e| plan_failure(&e))
            }
        }
    }
}

/// `plan`.
pub fn plan(args: &PlanArgs) -> Result<ExitCode, Failure> {
    let stdin = [&args.controller, &args.nodes]
        .iter()
        .filter(|path| path.as_path() == Path::new("-"))
        .count()
        + usize::from(args.sources.reads_stdin());
    if stdin > 1 {
        return Err(Failure::usage(
            "only one of --controller, --nodes and --context can read stdin",
        ));
    }
    // Both files' text first (exit 3), then their content (exit 1), the controller's first.
    let controller: serde_json::Value = input::read_json(&args.controller)?;
    let nodes = Nodes::read(&args.nodes, &args.sources)?;
    let controller = Controller::from_value(controller).map_err(|e| plan_failure(&e))?;
    let plan = Plan::new(controller, nodes.finish()?).map_err(|e| plan_failure(&e))?;
    let secrets = if args.reveal_secrets {
        Secrets::Reveal
    } else {
        Secrets::Redact
    };
    let render = |out: &mut dyn Write| match args.format {
        PlanFormat::Json => plan.write_json(secrets, out),
        // Ansible is written by its own branch below.
        PlanFormat::Text | PlanFormat::Ansible => plan.write_text(out),
    };
    match (args.format, &args.out) {
        (PlanFormat::Ansible, Some(dir)) => {
            plan.write_ansible(dir).map_err(|e| write_failure(&e))?;
            output::print("the plan", &ansible_note(&plan, dir))?;
        }
        (PlanFormat::Text | PlanFormat::Json, Some(file)) => stream_to_file(file, render)?,
        (_, None) => output::stream("the plan", render)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams the rendering into a temporary file beside FILE and renames it over FILE once
/// complete: a failure part-way leaves FILE as it was and no temporary file behind. Only a
/// regular file (or none) is replaced: `--out /dev/null` must not replace the device.
fn stream_to_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    const WHAT: &str = "the plan";
    let shown = path.display();
    let previous = match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Some(metadata),
        Ok(_) => {
            return Err(Failure::input(format!(
                "{shown}: not a regular file; --out writes the plan to a file"
            )));
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => {
            return Err(Failure::input(format!(
                "{shown}: cannot write {WHAT}: {err}"
            )));
        }
    };
    let unchanged = |err: FileError| Failure::input(format!("{err}; {shown} is unchanged"));
    Staged::write_with(path, previous.as_ref(), WHAT, render)
        .map_err(unchanged)?
        .commit()
        .map_err(unchanged)?;
    eprintln!("edgeworker-cli: {shown}: written");
    Ok(())
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
    let control_plane = &args.control_plane;
    if args.nodes == Path::new("-") && args.sources.reads_stdin() {
        return Err(Failure::usage(
            "--nodes and --context cannot both read stdin",
        ));
    }
    let nodes = Nodes::read(&args.nodes, &args.sources)?.finish()?;
    let mut violations = 0usize;
    let mut rows = Vec::with_capacity(nodes.len());
    for node in &nodes {
        let verdict = node.kubelet_version().map(|v| skew_check(control_plane, v));
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
        Format::Text => {
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
        Format::Json => {
            let nodes: Vec<serde_json::Value> = rows
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
            let report = serde_json::json!({
                "schema": output::SCHEMA,
                "control_plane": control_plane,
                "violations": violations,
                "nodes": nodes,
            });
            format!("{report}\n")
        }
    };
    output::print("the skew report", &text)?;
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(failure::INVALID)
    })
}
