//! The `--context` file every command that needs the system's state reads.

use std::path::Path;

use edgeworker_core::context::Context;

use crate::failure::Failure;
use crate::input;

/// Reads a context file, or without one the example context ([`Context::example`], the demo
/// the README's commands run against; a file's absent keys are the empty system's, not the
/// example's, as everywhere in the core). A file that is not
/// JSON, or JSON the core refuses as a context, is an input failure (exit 3) naming the
/// file and the JSON path (or, for text that is not JSON, the line and column).
pub fn read(path: Option<&Path>) -> Result<Context, Failure> {
    let Some(path) = path else {
        return Ok(Context::example());
    };
    // The core reads the text straight into its types: a 20,000-host context costs about
    // what parsing it into a `serde_json::Value` would, not that plus a second pass.
    let text = input::read_text(path)?;
    Context::from_json(&text)
        .map_err(|err| Failure::input(format!("{}: {err}", input::label(path))))
}
