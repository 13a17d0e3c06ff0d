//! Bounded quotes of input inside messages: a megabyte value must not make a megabyte error.
//!
//! Every message of this crate that quotes input quotes it through [`excerpt`]; a caller that
//! adds its own words around the crate's errors (the Python binding naming an argument) uses
//! it too, so all messages cut input the same way.
//!
//! ```
//! use edgeworker_core::excerpt::{LIMIT, excerpt};
//! let long = "x".repeat(10_000);
//! assert_eq!(format!("{:?}", excerpt(&long)), format!("{:?}…", "x".repeat(LIMIT)));
//! assert_eq!(format!("{:?}", excerpt("edge-1")), r#""edge-1""#);
//! ```

use std::fmt;

/// How many characters of a value a message quotes.
pub const LIMIT: usize = 64;

/// The first [`LIMIT`] characters of a value, then `…` when it was cut. `{}` writes the
/// part as is; `{:?}` writes it Debug-quoted (escapes shown), the `…` after the quote.
#[derive(Clone, Copy)]
pub struct Excerpt<'a> {
    part: &'a str,
    cut: bool,
}

/// The excerpt of `value` that messages quote.
///
/// ```
/// use edgeworker_core::excerpt::excerpt;
/// assert_eq!(excerpt("edge-1").to_string(), "edge-1");
/// assert_eq!(format!("{:?}", excerpt("a\nb")), r#""a\nb""#);
/// ```
#[must_use]
pub fn excerpt(value: &str) -> Excerpt<'_> {
    match value.char_indices().nth(LIMIT) {
        None => Excerpt {
            part: value,
            cut: false,
        },
        Some((at, _)) => Excerpt {
            part: &value[..at],
            cut: true,
        },
    }
}

impl Excerpt<'_> {
    fn ellipsis(self) -> &'static str {
        if self.cut { "…" } else { "" }
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.part, self.ellipsis())
    }
}

impl fmt::Debug for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}{}", self.part, self.ellipsis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_whole_and_long_ones_cut_at_a_character() {
        assert_eq!(excerpt("edge-1").to_string(), "edge-1");
        assert_eq!(format!("{:?}", excerpt("a\nb")), "\"a\\nb\"");
        let long = "é".repeat(1_000_000);
        assert_eq!(
            excerpt(&long).to_string(),
            format!("{}…", "é".repeat(LIMIT))
        );
        assert_eq!(
            format!("{:?}", excerpt(&long)),
            format!("\"{}\"…", "é".repeat(LIMIT))
        );
        assert_eq!(excerpt(&"x".repeat(LIMIT)).to_string(), "x".repeat(LIMIT));
    }
}
