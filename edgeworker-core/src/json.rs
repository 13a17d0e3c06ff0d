//! Reading JSON text under one nesting limit: [`MAX_NESTING`] levels of arrays and objects
//! are read, one more is refused, and no input, however deep, can overflow the stack.
//!
//! Every reader of JSON text in this workspace (the context, change sets, the address state
//! file, the CLI's inputs) parses through [`from_str`] or [`from_slice`], and the Python
//! binding refuses dicts by the same [`MAX_NESTING`] and [`TooDeep`], so the limit lives
//! here only. `serde_json`'s own limit (128 levels refused, 127 read) is switched off
//! (its `unbounded_depth` feature) after a scan that keeps no stack has proven the text
//! is within ours.
//!
//! ```
//! use edgeworker_core::json::{self, MAX_NESTING};
//! use serde_json::Value;
//!
//! let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
//! assert!(json::from_str::<Value>(&deep(MAX_NESTING)).is_ok());
//! let err = json::from_str::<Value>(&deep(MAX_NESTING + 1)).unwrap_err();
//! assert_eq!(err.to_string(), "nested too deeply (limit 128) at line 1 column 129");
//! // A million levels: refused as cleanly, in time linear in the text.
//! assert!(json::from_str::<Value>(&deep(1_000_000)).is_err());
//! ```

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The deepest nesting of arrays and objects read: a value inside 128 of them is read, an
/// array or object at level 129 is refused ([`TooDeep`]). (The README promises it.)
///
/// ```
/// assert_eq!(edgeworker_core::json::MAX_NESTING, 128);
/// ```
pub const MAX_NESTING: usize = 128;

/// The problem of an input nested deeper than [`MAX_NESTING`]; its code is
/// [`TooDeep::CODE`]. Readers of JSON text get it inside a `serde_json::Error`, which adds
/// the line and column; the Python binding puts the path in front.
///
/// ```
/// use edgeworker_core::json::TooDeep;
/// assert_eq!(TooDeep.to_string(), "nested too deeply (limit 128)");
/// assert_eq!(TooDeep::CODE, "input.too_deep");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep;

impl TooDeep {
    /// The stable code of the problem.
    ///
    /// ```
    /// assert_eq!(edgeworker_core::json::TooDeep::CODE, "input.too_deep");
    /// ```
    pub const CODE: &'static str = "input.too_deep";
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nested too deeply (limit {MAX_NESTING})")
    }
}

impl std::error::Error for TooDeep {}

/// Parses JSON text into `T`, refusing nesting deeper than [`MAX_NESTING`].
///
/// ```
/// let v: serde_json::Value = edgeworker_core::json::from_str(r#"{"a": [1, {"b": null}]}"#)?;
/// assert_eq!(v["a"][1]["b"], serde_json::Value::Null);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
///
/// `serde_json`'s error, with the line and column, for text that is not JSON or not a `T`;
/// for text nested too deeply, an error whose message is [`TooDeep`]'s, at the first array
/// or object beyond the limit (or at an earlier syntax error, whichever comes first).
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, serde_json::Error> {
    check(text.as_bytes())?;
    from_str_checked(text)
}

/// [`from_str`] for bytes (UTF-8 is checked by `serde_json` as it reads).
///
/// ```
/// let v: Vec<u8> = edgeworker_core::json::from_slice(b"[1, 2]")?;
/// assert_eq!(v, [1, 2]);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
///
/// As [`from_str`].
pub fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, serde_json::Error> {
    check(bytes)?;
    from_slice_checked(bytes)
}

/// Whether `bytes` stay within [`MAX_NESTING`], as the error [`from_str`] would give when
/// they do not; a caller that parses the same text more than once checks it once.
///
/// ```
/// assert!(edgeworker_core::json::check(b"[[]]").is_ok());
/// assert!(edgeworker_core::json::check("[".repeat(129).as_bytes()).is_err());
/// ```
///
/// # Errors
///
/// As [`from_str`], for text deeper than the limit only (other syntax errors in text within
/// it are left to the parse).
pub fn check(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let Some(at) = first_too_deep(bytes) else {
        return Ok(());
    };
    // serde_json reads the text up to and including that bracket, with a visitor that
    // refuses the first array or object past the limit (so it recurses at most
    // MAX_NESTING + 1 times): the error has serde_json's line and column, those of the
    // bracket since nothing follows it, and a syntax error before it is reported first,
    // as a plain parse would report it.
    let mut de = serde_json::Deserializer::from_slice(&bytes[..=at]);
    de.disable_recursion_limit();
    Level(0).deserialize(&mut de)
    // Ok only if the value ended before the bracket: the parse that follows then stops at
    // the trailing text, before any recursion.
}

/// A reader that refuses JSON text nested deeper than [`MAX_NESTING`] as the bytes pass,
/// for parsing a stream (`serde_json::Deserializer::from_reader`) that cannot be scanned
/// first. It hands over every byte up to and including the first bracket too deep, then
/// fails every later read with an `InvalidData` error whose message is [`TooDeep`]'s. A
/// parser reading through it meets any syntax error before that bracket first, as it would
/// reading the whole text, and adds the position: `serde_json`'s is just past the bracket,
/// the line and column [`from_str`] gives.
///
/// ```
/// use std::io::Read as _;
/// use edgeworker_core::json::DepthGuard;
///
/// let mut text = String::new();
/// DepthGuard::new(&b"[[1]]"[..]).read_to_string(&mut text)?;
/// assert_eq!(text, "[[1]]");
/// let deep = "[".repeat(200);
/// let err = DepthGuard::new(deep.as_bytes()).read_to_end(&mut Vec::new()).unwrap_err();
/// assert_eq!(err.to_string(), "nested too deeply (limit 128)");
/// let text = format!("\n{deep}");
/// let mut de = serde_json::Deserializer::from_reader(DepthGuard::new(text.as_bytes()));
/// de.disable_recursion_limit(); // the guard's limit, not serde_json's lower one
/// let err = serde::Deserialize::deserialize(&mut de).map(|_: serde_json::Value| ()).unwrap_err();
/// assert_eq!(err.to_string(), "nested too deeply (limit 128) at line 2 column 129");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct DepthGuard<R> {
    inner: R,
    scanner: Scanner,
    /// Whether the limit was passed: every later read fails.
    refused: bool,
}

impl<R> DepthGuard<R> {
    /// Guards `inner`.
    ///
    /// ```
    /// let guard = edgeworker_core::json::DepthGuard::new(std::io::empty());
    /// # drop(guard);
    /// ```
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            scanner: Scanner::default(),
            refused: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for DepthGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.refused {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                TooDeep,
            ));
        }
        let read = self.inner.read(buf)?;
        if let Some(at) = buf[..read]
            .iter()
            .position(|&byte| self.scanner.too_deep(byte))
        {
            // Up to the bracket; the next read fails. (What followed it is dropped.)
            self.refused = true;
            return Ok(at + 1);
        }
        Ok(read)
    }
}

/// Parses text [`check`] has accepted; `serde_json`'s own (lower) limit is off.
pub(crate) fn from_str_checked<'a, T: Deserialize<'a>>(
    text: &'a str,
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// [`from_str_checked`] for bytes.
pub(crate) fn from_slice_checked<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The offset of the first array or object of `bytes` that opens deeper than
/// [`MAX_NESTING`], if any.
fn first_too_deep(bytes: &[u8]) -> Option<usize> {
    let mut scanner = Scanner::default();
    bytes.iter().position(|&byte| scanner.too_deep(byte))
}

/// The nesting of JSON text, byte by byte: a counter and no stack, skipping strings (a
/// bracket inside one is text). Malformed text counts as it comes; the parse reports it.
#[derive(Debug, Default)]
struct Scanner {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Scanner {
    /// Takes the next byte; true when it opens an array or object beyond the limit.
    fn too_deep(&mut self, byte: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            return false;
        }
        match byte {
            b'"' => self.in_string = true,
            b'[' | b'{' => {
                self.depth += 1;
                return self.depth > MAX_NESTING;
            }
            b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        false
    }
}

/// A value read at this many levels of arrays and objects around it, kept only to refuse
/// the first one too deep.
struct Level(usize);

impl<'de> DeserializeSeed<'de> for Level {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Level {
    /// The level of a container opening here, or the error when that is too deep.
    fn inner<E: de::Error>(&self) -> Result<Self, E> {
        let level = self.0 + 1;
        if level > MAX_NESTING {
            Err(E::custom(TooDeep))
        } else {
            Ok(Self(level))
        }
    }
}

impl<'de> Visitor<'de> for Level {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(Level(inner.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Level(inner.0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn arrays(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    fn objects(levels: usize) -> String {
        format!("{}1{}", r#"{"a":"#.repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn the_limit_is_read_and_one_more_refused() {
        for deep in [arrays, objects] {
            assert!(from_str::<Value>(&deep(MAX_NESTING)).is_ok());
            assert!(from_slice::<Value>(deep(MAX_NESTING).as_bytes()).is_ok());
            let err = from_str::<Value>(&deep(MAX_NESTING + 1)).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("nested too deeply (limit 128) at line 1"),
                "{err}"
            );
            assert!(from_slice::<Value>(deep(MAX_NESTING + 1).as_bytes()).is_err());
        }
        let err = from_str::<Value>(&arrays(129)).unwrap_err();
        assert_eq!((err.line(), err.column()), (1, 129));
    }

    #[test]
    fn a_million_levels_are_refused_without_recursion() {
        let err = from_str::<Value>(&"[".repeat(1_000_000)).unwrap_err();
        assert_eq!(err.to_string(), format!("{TooDeep} at line 1 column 129"));
    }

    #[test]
    fn brackets_inside_strings_are_text() {
        let text = format!(r#"["{}", "\"{}"]"#, "[".repeat(500), "{".repeat(500));
        assert!(from_str::<Value>(&text).is_ok());
    }

    #[test]
    fn an_earlier_syntax_error_is_reported_first() {
        let text = format!("[1 2, {}]", "[".repeat(200));
        let err = from_str::<Value>(&text).unwrap_err();
        assert!(err.to_string().starts_with("expected `,` or `]`"), "{err}");
    }

    #[test]
    fn trailing_text_is_refused_as_serde_json_refuses_it() {
        let err = from_str::<Value>("[] x").unwrap_err();
        assert_eq!(err.to_string(), "trailing characters at line 1 column 4");
    }
}
