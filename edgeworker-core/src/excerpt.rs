//! Bounded quotes of input inside messages: a megabyte value must not make a megabyte error.

use std::fmt;

/// How many characters of a value a message quotes.
pub(crate) const LIMIT: usize = 64;

/// The first [`LIMIT`] characters of a value, then `…` when it was cut. `{}` writes the
/// part as is; `{:?}` writes it Debug-quoted (escapes shown), the `…` after the quote.
#[derive(Clone, Copy)]
pub(crate) struct Excerpt<'a> {
    part: &'a str,
    cut: bool,
}

/// The excerpt of `value` that messages quote.
pub(crate) fn excerpt(value: &str) -> Excerpt<'_> {
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
