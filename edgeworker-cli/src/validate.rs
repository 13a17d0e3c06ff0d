//! `edgeworker-cli validate`: host-add (or host-update) requests checked as sysinv would.
//!
//! Input shapes: one request object, a JSON array of them, or JSON Lines (a `.jsonl` file,
//! or `-` for stdin), streamed line by line so memory stays flat in the batch size. In a
//! batch each accepted host joins the context, so a duplicate later in the batch is caught.
//! A line that is not JSON stops the batch with exit status 3 (like a malformed array),
//! after the lines before it have been reported; a line that is JSON but not a request
//! object is an ordinary invalid request (exit status 1).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use edgeworker_core::context::Context;
use edgeworker_core::host::{ChangeSet, ChangeSetError};
use edgeworker_core::profile::Profile;
use edgeworker_core::validate::{self, Batch, Options};
use edgeworker_core::violation::Violation;
use serde::Serialize;
use serde_json::Value;

use crate::failure::{self, Failure};
use crate::output::Format;
use crate::profile::ProfileArg;
use crate::{context, input, output};

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Context JSON file (system, management network, hosts, address rows; a key left out
    /// is the empty system's: no hosts, no rows, dynamic 192.168.204.0/24). Without this
    /// option: the example context, a Standard duplex system with two unlocked
    /// controllers, their address rows and dynamic 192.168.204.0/24.
    #[arg(long, value_name = "CTX")]
    context: Option<PathBuf>,
    /// The release profile whose rules apply, overriding the context's `profile`.
    #[arg(long, value_name = "PROFILE", value_enum)]
    profile: Option<ProfileArg>,
    /// Validate FILE as a host-update change set of the existing host whose hostname, uuid
    /// or MAC address is HOST.
    #[arg(long, value_name = "HOST")]
    update: Option<String>,
    /// Turn hostname warnings (not a DNS name, shadows a platform name) into errors.
    #[arg(long)]
    strict: bool,
    /// Output format: a line per finding, or a JSON object per request (JSON Lines).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// A request object, a JSON array of them, or JSON Lines (`.jsonl`); `-` reads stdin: JSON Lines, unless its first request is an array or spans lines
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// The longest JSON Lines line read, so one endless line cannot exhaust memory.
const MAX_LINE_BYTES: u64 = 16 << 20;

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> Result<ExitCode, Failure> {
    let mut ctx = context::read(args.context.as_deref())?;
    if let Some(profile) = args.profile {
        // Rows the file holds together may not be allowed together under `--profile`.
        let profile: Profile = profile.into();
        let label = args
            .context
            .as_deref()
            .map_or_else(|| "context".to_owned(), input::label);
        ctx = ctx
            .with_profile(profile)
            .map_err(|err| Failure::input(format!("{label}: {err} (under --profile {profile})")))?;
    }
    let options = Options::default().with_strict(args.strict);
    let mut out = Printer {
        out: output::writer(),
        format: args.format,
        invalid: 0,
        total: 0,
    };
    let name = input::label(&args.file);
    let result = match &args.update {
        Some(key) => update(&args.file, key, &ctx, options, &mut out),
        None if is_json_lines(&args.file) => add_lines(&args.file, ctx, options, &mut out),
        None => add_document(&args.file, ctx, options, &mut out),
    };
    let batch = match result {
        Ok(batch) => batch,
        Err(Stop::Failure(failure)) => {
            flush(&mut out)?;
            return Err(failure);
        }
        Err(Stop::Io(err)) => return finish_on_io_error(err, &out),
    };
    if batch && out.format == Format::Text {
        let summary = format!(
            "{name}: {} requests, {} valid, {} invalid",
            out.total,
            out.total - out.invalid,
            out.invalid
        );
        if let Err(err) = writeln!(out.out, "{summary}") {
            return finish_on_io_error(err, &out);
        }
    }
    flush(&mut out)?;
    Ok(out.exit_code())
}

fn is_json_lines(path: &Path) -> bool {
    path == Path::new("-") || path.extension().is_some_and(|ext| ext == "jsonl")
}

/// Why a run stops early.
enum Stop {
    Failure(Failure),
    Io(io::Error),
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Self {
        Self::Failure(failure)
    }
}

impl From<io::Error> for Stop {
    fn from(err: io::Error) -> Self {
        Self::Io(err)
    }
}

fn flush(out: &mut Printer) -> Result<(), Failure> {
    output::outcome(RESULTS, out.out.flush())
}

/// What `validate` writes, for a message about a failed write.
const RESULTS: &str = "the results";

/// A failed write ends the run: quietly, with what was found so far, when the reader has
/// gone (`| head`); otherwise exit 3.
fn finish_on_io_error(err: io::Error, out: &Printer) -> Result<ExitCode, Failure> {
    output::outcome(RESULTS, Err(err))?;
    Ok(out.exit_code())
}

/// A single request, or a JSON array of them.
fn add_document(
    path: &Path,
    ctx: Context,
    options: Options,
    out: &mut Printer,
) -> Result<bool, Stop> {
    // Each accepted host joins the context, so a duplicate later in the batch is caught.
    let mut batch = Batch::new(ctx, options);
    let name = input::label(path);
    add_text(&name, &input::read_text(path)?, &mut batch, out)
}

/// The requests of one JSON document: an object, or an array of them.
fn add_text(name: &str, text: &str, batch: &mut Batch, out: &mut Printer) -> Result<bool, Stop> {
    let value: Value = input::parse_json(name, text)?;
    match value {
        Value::Array(requests) => {
            for (index, request) in requests.iter().enumerate() {
                let place = Place::Index(name, index);
                add_one(request, batch, &place, out)?;
            }
            Ok(true)
        }
        request => {
            add_one(&request, batch, &Place::Whole(name), out)?;
            Ok(false)
        }
    }
}

/// JSON Lines, streamed: one request per non-blank line. Stdin has no name to tell its shape
/// by, so there its first request decides: an array, or an object that does not end on its
/// first line (pretty-printed), makes stdin one document, read whole as a file would be.
fn add_lines(path: &Path, ctx: Context, options: Options, out: &mut Printer) -> Result<bool, Stop> {
    // Each accepted host joins the context, so a duplicate later in the batch is caught.
    let mut batch = Batch::new(ctx, options);
    let name = input::label(path);
    let stdin = path == Path::new("-");
    let source: Box<dyn Read> = if stdin {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            File::open(path)
                .map_err(|err| Failure::input(format!("{name}: cannot read: {err}")))?,
        )
    };
    let mut reader = BufReader::with_capacity(1 << 16, source);
    // Stdin's text up to its first request, kept in case it turns out to be one document.
    let mut head = String::new();
    let mut line = String::new();
    let mut number = 0usize;
    let mut index = 0usize;
    loop {
        line.clear();
        number += 1;
        let read = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_line(&mut line)
            .map_err(|err| match err.kind() {
                io::ErrorKind::InvalidData => {
                    Failure::input(format!("{name}: line {number}: not valid UTF-8"))
                }
                _ => Failure::input(format!("{name}: cannot read: {err}")),
            })?;
        if read == 0 {
            return Ok(true);
        }
        if line.len() as u64 > MAX_LINE_BYTES {
            return Err(Failure::input(format!(
                "{name}: line {number}: longer than {MAX_LINE_BYTES} bytes"
            ))
            .into());
        }
        let text = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        if stdin && index == 0 {
            head.push_str(text);
            if text.trim().is_empty() {
                continue;
            }
            let parsed = edgeworker_core::json::from_str::<Value>(text);
            if text.trim_start().starts_with('[')
                || parsed.as_ref().is_err_and(serde_json::Error::is_eof)
            {
                return add_rest_of_stdin(&name, head, reader, &mut batch, out);
            }
        }
        if text.trim().is_empty() {
            continue;
        }
        let request: Value = edgeworker_core::json::from_str(text).map_err(|err| {
            let full = err.to_string();
            let suffix = format!(" at line {} column {}", err.line(), err.column());
            let problem = full.strip_suffix(&suffix).unwrap_or(&full);
            Failure::input(format!(
                "{name}: line {number}, column {}: {problem}",
                err.column()
            ))
        })?;
        add_one(
            &request,
            &mut batch,
            &Place::Line(&name, number, index),
            out,
        )?;
        index += 1;
    }
}

/// Stdin as one document: what was read of it so far, then the rest, at most
/// [`input::MAX_INPUT_BYTES`] in all.
fn add_rest_of_stdin(
    name: &str,
    mut text: String,
    reader: impl Read,
    batch: &mut Batch,
    out: &mut Printer,
) -> Result<bool, Stop> {
    let limit = input::MAX_INPUT_BYTES.saturating_sub(text.len() as u64);
    reader
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|err| match err.kind() {
            io::ErrorKind::InvalidData => Failure::input(format!("{name}: not valid UTF-8")),
            _ => Failure::input(format!("{name}: cannot read: {err}")),
        })?;
    if text.len() as u64 > input::MAX_INPUT_BYTES {
        let max = input::MAX_INPUT_BYTES;
        return Err(Failure::input(format!("{name}: larger than {max} bytes")).into());
    }
    add_text(name, &text, batch, out)
}

fn add_one(
    request: &Value,
    batch: &mut Batch,
    place: &Place<'_>,
    out: &mut Printer,
) -> Result<(), Stop> {
    let verdict = batch.add_value(request).map_err(|err| {
        Failure::invalid(format!("{}: cannot add to the batch: {err}", place.text()))
    })?;
    match verdict {
        Ok(outcome) => {
            let host = &outcome.host;
            let summary = format!(
                "{} {} {}",
                outcome.effect.as_str(),
                host.personality(),
                host.hostname().map_or("-", |h| h.as_str())
            );
            out.accepted(
                place,
                host,
                &outcome.warnings,
                outcome.effect.as_str(),
                &summary,
            )?;
        }
        Err(rejection) => out.rejected(place, rejection.errors(), rejection.warnings())?,
    }
    Ok(())
}

fn update(
    path: &Path,
    key: &str,
    ctx: &Context,
    options: Options,
    out: &mut Printer,
) -> Result<bool, Stop> {
    let name = input::label(path);
    let host = ctx.find_host(key).ok_or_else(|| {
        Failure::usage(format!(
            "--update {key}: no host with this hostname, uuid or MAC address in the context"
        ))
    })?;
    let text = input::read_text(path)?;
    let place = Place::Whole(&name);
    let changes = match ChangeSet::from_json(&text) {
        Ok(changes) => changes,
        Err(ChangeSetError::Json(err)) => return Err(input::json_failure(&name, &err).into()),
        Err(ChangeSetError::Invalid(errors)) => {
            out.rejected(&place, &errors, &[])?;
            return Ok(false);
        }
        // A kind the core adds later: the file cannot be used, and the message says why.
        Err(other) => return Err(Failure::input(format!("{name}: {other}")).into()),
    };
    match validate::validate_host_update(host, &changes, ctx, options) {
        Ok(outcome) => {
            let summary = format!(
                "update {}{}",
                outcome.host.hostname.as_ref().map_or(key, |h| h.as_str()),
                if outcome.configure {
                    " (configure)"
                } else {
                    ""
                }
            );
            out.accepted(&place, &outcome.host, &outcome.warnings, "update", &summary)?;
        }
        Err(rejection) => out.rejected(&place, rejection.errors(), rejection.warnings())?,
    }
    Ok(false)
}

/// Where a request came from, for messages and the JSON `index`.
enum Place<'a> {
    Whole(&'a str),
    Index(&'a str, usize),
    /// File, line number, index among the requests.
    Line(&'a str, usize, usize),
}

impl Place<'_> {
    fn text(&self) -> String {
        match self {
            Self::Whole(name) => (*name).to_owned(),
            Self::Index(name, index) => format!("{name}[{index}]"),
            Self::Line(name, line, _) => format!("{name}:{line}"),
        }
    }

    fn line(&self) -> Option<usize> {
        match self {
            Self::Line(_, line, _) => Some(*line),
            Self::Whole(_) | Self::Index(..) => None,
        }
    }

    fn index(&self) -> Option<usize> {
        match self {
            Self::Whole(_) => None,
            Self::Index(_, index) | Self::Line(_, _, index) => Some(*index),
        }
    }
}

/// The JSON report of one request. In a batch `index` counts the requests from 0 (what
/// the text output shows as `FILE[index]` for an array), and for JSON Lines `line` is the
/// line number the text output shows as `FILE:line`.
#[derive(Serialize)]
struct Report<'a, H: Serialize> {
    schema: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    valid: bool,
    errors: &'a [Violation],
    warnings: &'a [Violation],
    host: Option<&'a H>,
    effect: Option<&'a str>,
}

struct Printer {
    out: output::Writer,
    format: Format,
    invalid: usize,
    total: usize,
}

impl Printer {
    fn accepted<H: Serialize>(
        &mut self,
        place: &Place<'_>,
        host: &H,
        warnings: &[Violation],
        effect: &str,
        summary: &str,
    ) -> io::Result<()> {
        self.total += 1;
        match self.format {
            Format::Json => self.json(&Report {
                schema: output::SCHEMA,
                index: place.index(),
                line: place.line(),
                valid: true,
                errors: &[],
                warnings,
                host: Some(host),
                effect: Some(effect),
            }),
            Format::Text => {
                let at = place.text();
                writeln!(self.out, "{at}: ok: {summary}")?;
                self.findings(&at, "warning", warnings)
            }
        }
    }

    fn rejected(
        &mut self,
        place: &Place<'_>,
        errors: &[Violation],
        warnings: &[Violation],
    ) -> io::Result<()> {
        self.total += 1;
        self.invalid += 1;
        match self.format {
            Format::Json => self.json(&Report::<()> {
                schema: output::SCHEMA,
                index: place.index(),
                line: place.line(),
                valid: false,
                errors,
                warnings,
                host: None,
                effect: None,
            }),
            Format::Text => {
                let at = place.text();
                self.findings(&at, "error", errors)?;
                self.findings(&at, "warning", warnings)
            }
        }
    }

    fn json<H: Serialize>(&mut self, report: &Report<'_, H>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, report)?;
        self.out.write_all(b"\n")
    }

    fn findings(&mut self, at: &str, kind: &str, findings: &[Violation]) -> io::Result<()> {
        for v in findings {
            writeln!(
                self.out,
                "{at}: {kind} {} [{}]: {}",
                v.code(),
                v.field().unwrap_or("-"),
                v.message()
            )?;
        }
        Ok(())
    }

    fn exit_code(&self) -> ExitCode {
        if self.invalid == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(failure::INVALID)
        }
    }
}
