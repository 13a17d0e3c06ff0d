//! Reading input files: a path or `-` for stdin, UTF-8 text, JSON with positions in errors.

use std::io::Read;
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

/// Opens a file (or stdin for `-`) to be read as a stream: only a regular file, a leading
/// byte-order mark dropped, and more than [`MAX_INPUT_BYTES`] an error of the stream
/// (`larger than ... bytes`), as for [`read_text`].
pub fn open_stream(path: &Path) -> Result<impl Read, Failure> {
    let mut source: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            edgeworker_core::atomic_file::open_regular(path)
                .map_err(|err| Failure::input(format!("{}: cannot read: {err}", label(path))))?,
        )
    };
    // The first three bytes decide about the mark; a pipe may give them one at a time.
    let mut head = [0u8; 3];
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => {
                return Err(Failure::input(format!(
                    "{}: cannot read: {err}",
                    label(path)
                )));
            }
        }
    }
    let skip = if head[..filled] == *"\u{feff}".as_bytes() {
        3
    } else {
        0
    };
    Ok(Capped {
        inner: std::io::Cursor::new(head[skip..filled].to_vec()).chain(source),
        read: 0,
    })
}

/// A stream that fails once more than [`MAX_INPUT_BYTES`] have come through it.
struct Capped<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.read += read as u64;
        if self.read > MAX_INPUT_BYTES {
            return Err(std::io::Error::other(format!(
                "larger than {MAX_INPUT_BYTES} bytes"
            )));
        }
        Ok(read)
    }
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
