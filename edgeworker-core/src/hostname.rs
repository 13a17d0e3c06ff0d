//! Host names: sysinv's alphabet, parsed once into a type that proves it.
//!
//! sysinv accepts a host name matching `^[\w.-]+$` of at most 255 characters. stx.5.0 ran
//! Python 2.7, where `\w` is ASCII, so the alphabet here is ASCII letters, digits, `_`, `.`
//! and `-`. Python's `$` also lets a single trailing newline through; we do not copy that.
//!
//! A [`Hostname`] is what sysinv would store. Whether it can also serve as a Kubernetes node
//! name and DNS name is a separate, stricter question answered by
//! [`Hostname::dns_incompatibility`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest host name sysinv accepts, in characters.
pub const MAX_LEN: usize = 255;

/// The longest RFC 1123 subdomain (a Kubernetes node name), in characters.
pub const MAX_DNS_LEN: usize = 253;

/// The longest label of a DNS name, in characters.
pub const MAX_DNS_LABEL_LEN: usize = 63;

/// A host name in sysinv's alphabet: ASCII letters, digits, `_`, `.` and `-`, 1 to 255 long.
///
/// ```
/// use edgeworker_core::hostname::Hostname;
///
/// let name = Hostname::parse("edge-1")?;
/// assert_eq!(name.as_str(), "edge-1");
/// assert!(Hostname::parse("edge 1").is_err());
/// assert!(Hostname::parse("edge-1\n").is_err());
/// # Ok::<(), edgeworker_core::hostname::HostnameError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hostname(String);

/// Why a string is not a [`Hostname`], in the order sysinv checks.
///
/// ```
/// use edgeworker_core::hostname::{Hostname, HostnameError};
///
/// assert_eq!(Hostname::parse(""), Err(HostnameError::Empty));
/// assert_eq!(Hostname::parse("a,b"), Err(HostnameError::InvalidChars));
/// assert_eq!(Hostname::parse(&"a".repeat(256)), Err(HostnameError::TooLong));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum HostnameError {
    /// The string is empty.
    #[error("host name is empty")]
    Empty,
    /// A character outside ASCII letters, digits, `_`, `.` and `-`.
    #[error("host name may only contain letters, numbers, underscores, periods and hyphens")]
    InvalidChars,
    /// More than [`MAX_LEN`] characters.
    #[error("host name is longer than {MAX_LEN} characters")]
    TooLong,
}

/// True for the characters sysinv's host-name pattern accepts.
#[must_use]
pub fn is_hostname_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

impl Hostname {
    /// Parses a host name, answering the first problem in sysinv's order.
    ///
    /// # Errors
    ///
    /// The first of [`Hostname::problems`].
    ///
    /// ```
    /// use edgeworker_core::hostname::Hostname;
    /// assert_eq!(Hostname::parse("Edge_1.site")?.to_string(), "Edge_1.site");
    /// # Ok::<(), edgeworker_core::hostname::HostnameError>(())
    /// ```
    pub fn parse(s: &str) -> Result<Self, HostnameError> {
        match Self::problems(s).first() {
            Some(&problem) => Err(problem),
            None => Ok(Self(s.to_owned())),
        }
    }

    /// Every problem of `s`, in sysinv's order (invalid characters before length), so a
    /// validator can report them all. Empty when `s` is a valid host name.
    ///
    /// ```
    /// use edgeworker_core::hostname::{Hostname, HostnameError};
    /// let long_and_bad = format!("{} x", "a".repeat(300));
    /// assert_eq!(
    ///     Hostname::problems(&long_and_bad),
    ///     vec![HostnameError::InvalidChars, HostnameError::TooLong],
    /// );
    /// assert!(Hostname::problems("edge-1").is_empty());
    /// ```
    #[must_use]
    pub fn problems(s: &str) -> Vec<HostnameError> {
        if s.is_empty() {
            return vec![HostnameError::Empty];
        }
        // The common case, byte by byte: every character is one of the ASCII ones allowed
        // (a non-ASCII byte never is), and a name of at most MAX_LEN bytes has at most
        // MAX_LEN characters. Readers check every host name of a context with this.
        if s.len() <= MAX_LEN && s.bytes().all(|b| is_hostname_char(char::from(b))) {
            return Vec::new();
        }
        let mut problems = Vec::new();
        if !s.chars().all(is_hostname_char) {
            problems.push(HostnameError::InvalidChars);
        }
        // Counting characters, not bytes: sysinv measures a (unicode) string's length.
        if s.len() > MAX_LEN && s.chars().nth(MAX_LEN).is_some() {
            problems.push(HostnameError::TooLong);
        }
        problems
    }

    /// The name as sysinv stores it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the name, giving back its string.
    ///
    /// ```
    /// use edgeworker_core::hostname::Hostname;
    /// let name: String = Hostname::parse("edge-1")?.into_string();
    /// assert_eq!(name, "edge-1");
    /// # Ok::<(), edgeworker_core::hostname::HostnameError>(())
    /// ```
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// Why this name cannot be a Kubernetes node name (a lowercase RFC 1123 subdomain), or
    /// `None` when it can. sysinv accepts such names; a validator turns this into a warning.
    ///
    /// ```
    /// use edgeworker_core::hostname::Hostname;
    /// assert_eq!(Hostname::parse("edge-1.site")?.dns_incompatibility(), None);
    /// assert!(Hostname::parse("Edge-1")?.dns_incompatibility().is_some());
    /// assert!(Hostname::parse("edge_1")?.dns_incompatibility().is_some());
    /// assert!(Hostname::parse("edge..1")?.dns_incompatibility().is_some());
    /// # Ok::<(), edgeworker_core::hostname::HostnameError>(())
    /// ```
    #[must_use]
    pub fn dns_incompatibility(&self) -> Option<&'static str> {
        let name = self.as_str();
        if name.len() > MAX_DNS_LEN {
            return Some("it is longer than 253 characters");
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Some("it contains upper-case letters");
        }
        if name.contains('_') {
            return Some("it contains an underscore");
        }
        for label in name.split('.') {
            if label.is_empty() {
                return Some("it has an empty label (leading, trailing or doubled '.')");
            }
            if label.len() > MAX_DNS_LABEL_LEN {
                return Some("a label is longer than 63 characters");
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Some("a label starts or ends with '-'");
            }
        }
        None
    }
}

impl Hostname {
    /// What dnsmasq's `dhcp-host` parser would take this name for instead of a host name, or
    /// `None` when it reads it as a name. A field is a hardware address only with a `:`
    /// (outside this alphabet); of the rest, `ignore` is a keyword, a dotted quad an IPv4
    /// address, and `infinite` or digits with an optional `s`/`m`/`h`/`d`/`w` unit a lease
    /// time (all without regard to case). The DHCP renderer refuses such names; validation
    /// warns about them.
    ///
    /// ```
    /// use edgeworker_core::hostname::Hostname;
    /// assert_eq!(Hostname::parse("12h")?.dhcp_misreading(), Some("a lease time"));
    /// assert_eq!(Hostname::parse("10.0.0.9")?.dhcp_misreading(), Some("an IPv4 address"));
    /// assert_eq!(Hostname::parse("edge-12h")?.dhcp_misreading(), None);
    /// # Ok::<(), edgeworker_core::hostname::HostnameError>(())
    /// ```
    #[must_use]
    pub fn dhcp_misreading(&self) -> Option<&'static str> {
        let name = self.as_str();
        if name.eq_ignore_ascii_case("ignore") {
            return Some("the keyword 'ignore' (no DHCP for the host)");
        }
        if name.eq_ignore_ascii_case("infinite") {
            return Some("a lease time");
        }
        let digits = name
            .strip_suffix(|c: char| matches!(c.to_ascii_lowercase(), 's' | 'm' | 'h' | 'd' | 'w'))
            .unwrap_or(name);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some("a lease time");
        }
        if name.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some("an IPv4 address");
        }
        None
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Hostname {
    type Err = HostnameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Hostname {
    type Error = HostnameError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match Self::problems(&s).first() {
            Some(&problem) => Err(problem),
            None => Ok(Self(s)),
        }
    }
}

impl From<Hostname> for String {
    fn from(name: Hostname) -> Self {
        name.0
    }
}

impl Serialize for Hostname {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Hostname {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::try_from(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_sysinv_alphabet() {
        for ok in [
            "a",
            "edge-1",
            "EDGE_1.site",
            "1",
            "-",
            ".",
            "localhost",
            "Storage-1",
        ] {
            assert_eq!(
                Hostname::parse(ok).map(|h| h.to_string()),
                Ok(ok.to_owned())
            );
        }
    }

    #[test]
    fn rejects_non_ascii_word_characters_and_trailing_newline() {
        for bad in [
            "édge",
            "edge-1\n",
            "edge 1",
            "a,b",
            "a/b",
            "a\0b",
            "エッジ",
            "a\tb",
        ] {
            assert_eq!(
                Hostname::parse(bad),
                Err(HostnameError::InvalidChars),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn length_limit_is_255_characters() {
        assert!(Hostname::parse(&"a".repeat(255)).is_ok());
        assert_eq!(
            Hostname::parse(&"a".repeat(256)),
            Err(HostnameError::TooLong)
        );
        // 255 two-byte characters are 510 bytes but 255 characters: only the alphabet fails.
        assert_eq!(
            Hostname::problems(&"é".repeat(255)),
            vec![HostnameError::InvalidChars]
        );
        assert_eq!(
            Hostname::problems(&"é".repeat(256)),
            vec![HostnameError::InvalidChars, HostnameError::TooLong]
        );
    }

    #[test]
    fn empty_is_its_own_problem() {
        assert_eq!(Hostname::problems(""), vec![HostnameError::Empty]);
    }

    #[test]
    fn dns_compatibility_edges() {
        let dns = |s: &str| Hostname::parse(s).unwrap().dns_incompatibility();
        assert_eq!(dns(&"a".repeat(63)), None);
        assert!(dns(&"a".repeat(64)).is_some());
        let long_ok = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(long_ok.len(), 253);
        assert_eq!(dns(&long_ok), None);
        assert!(dns(&format!("{long_ok}e")).is_some());
        for bad in [
            "-edge", "edge-", ".edge", "edge.", "a..b", "a.-b", "Edge", "a_b",
        ] {
            assert!(dns(bad).is_some(), "{bad}");
        }
        for good in ["edge", "0", "edge-1.site-2", "a-b-c"] {
            assert_eq!(dns(good), None, "{good}");
        }
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let name: Hostname = serde_json::from_str("\"edge-1\"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"edge-1\"");
        let err = serde_json::from_str::<Hostname>("\"a b\"").unwrap_err();
        assert!(err.to_string().contains("may only contain"), "{err}");
    }
}
