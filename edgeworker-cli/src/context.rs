//! The `--context` file every command that needs the system's state reads.

use std::path::Path;

use edgeworker_core::context::Context;
use serde_json::Value;

use crate::failure::Failure;
use crate::input;

/// Reads a context file, or the built-in default context without one. A file that is not
/// JSON, or JSON the core refuses as a context, is an input failure (exit 3) naming the
/// file and the JSON path.
pub fn read(path: Option<&Path>) -> Result<Context, Failure> {
    let Some(path) = path else {
        return Ok(Context::default());
    };
    let value: Value = input::read_json(path)?;
    Context::from_value(&value)
        .map_err(|err| Failure::input(format!("{}: {err}", input::label(path))))
}
