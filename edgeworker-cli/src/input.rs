//! Reading input files: a path or `-` for stdin, UTF-8 text, JSON with positions in errors.

use std::io::Read as _;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::failure::Failure;

/// The largest input read, so a stray multi-gigabyte file fails cleanly instead of
/// exhausting memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// How an input is named in messages: its path, or `<stdin>` for `-`.
pub fn label(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads a whole file (or stdin for `-`) as UTF-8 text, without a leading byte-order mark.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let name = label(path);
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        edgeworker_core::atomic_file::open_regular(path)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
    };
    result.map_err(|err| Failure::input(format!("{name}: cannot read: {err}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::input(format!(
            "{name}: larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let prefix = &err.as_bytes()[..at];
        let line = prefix.split(|&b| b == b'\n').count();
        let column = at
            - prefix
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        Failure::input(format!(
            "{name}: line {line}, column {column}: not valid UTF-8"
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Parses JSON text into `T`; the error names the input, the line and the column. Nesting
/// deeper than the core's limit (`json::MAX_NESTING`) is refused like a syntax error.
pub fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, Failure> {
    edgeworker_core::json::from_str(text).map_err(|err| json_failure(name, &err))
}

/// Reads and parses a JSON file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    parse_json(&label(path), &read_text(path)?)
}

/// An exit-3 failure for a JSON error, with its position.
pub fn json_failure(name: &str, err: &serde_json::Error) -> Failure {
    // serde_json's Display already ends with "at line L column C".
    Failure::input(format!("{name}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_file_line_and_column() {
        let err = parse_json::<serde_json::Value>("hosts.json", "{\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "hosts.json: expected value at line 2 column 8"
        );
    }

    #[test]
    fn non_utf8_names_the_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, b"{\n \"a\": \"\xff\"}").unwrap();
        let err = read_text(&path).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("bad.json: line 2, column 8: not valid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn bom_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.json");
        std::fs::write(&path, "\u{feff}{}").unwrap();
        assert_eq!(read_text(&path).unwrap(), "{}");
    }
}
