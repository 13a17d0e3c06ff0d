//! Standard output, for every command: one buffered writer and one rule for a write that
//! fails.
//!
//! A reader that stops reading (`| head`, a closed pipe) ends the command quietly, with the
//! exit status it had so far: nobody is left to read the rest, and a message about it would
//! only be noise on the terminal. Any other failure (a full disk, a file-size limit) is exit
//! 3 saying the output is incomplete, so that nobody takes a part for the whole.

use std::io::{self, BufWriter, StdoutLock, Write};

use serde::Serialize;

use crate::failure::Failure;

/// The version of the JSON shapes the CLI's own commands print, as every object's
/// `"schema"` (the plans carry the core's own). A field may be added within a version;
/// one changed or removed is a new version.
pub const SCHEMA: u32 = 1;

/// `--format` of the commands that answer either for a person or for a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for a person to read.
    Text,
    /// JSON carrying `"schema"`: one object, or one per line for a batch.
    Json,
}

/// Standard output, locked and buffered: a batch of many results is not a write each.
pub type Writer = BufWriter<StdoutLock<'static>>;

/// The buffered, locked standard output.
pub fn writer() -> Writer {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// The command's result for a write's `result`: fine when written or when the reader has
/// gone; otherwise exit 3 naming `what` was being written.
pub fn outcome(what: &str, result: io::Result<()>) -> Result<(), Failure> {
    match result {
        Ok(()) => Ok(()),
        Err(err) if reader_gone(&err) => Ok(()),
        Err(err) => Err(Failure::input(format!(
            "cannot write {what} to stdout: {err}; what was written is incomplete"
        ))),
    }
}

/// Whether a write failed because nobody reads standard output any more.
pub fn reader_gone(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}

/// Streams `render` to standard output and flushes it (see [`outcome`]).
pub fn stream(
    what: &str,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut out = writer();
    let result = render(&mut out).and_then(|()| out.flush());
    outcome(what, result)
}

/// Prints `text` as it is (see [`outcome`]).
pub fn print(what: &str, text: &str) -> Result<(), Failure> {
    stream(what, |out| out.write_all(text.as_bytes()))
}

/// Prints `line` and a newline (see [`outcome`]).
pub fn print_line(what: &str, line: &str) -> Result<(), Failure> {
    stream(what, |out| writeln!(out, "{line}"))
}

/// Prints `value` as one line of JSON (see [`outcome`]).
pub fn print_json(what: &str, value: &impl Serialize) -> Result<(), Failure> {
    stream(what, |out| {
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")
    })
}
