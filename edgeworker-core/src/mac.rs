//! MAC addresses of management interfaces.
//!
//! sysinv accepts six octets of two hex digits, separated consistently by `:` or by `-`, in
//! any case, and stores the lowercased text with the separator kept. Duplicates are found by
//! comparing those lowercased strings, so `aa:bb:…` and `aa-bb:…` are different addresses to
//! sysinv; equality here follows that.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The character between octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Separator {
    /// `08:00:27:aa:00:01`
    Colon,
    /// `08-00-27-aa-00-01`
    Hyphen,
}

impl Separator {
    /// The separator character.
    ///
    /// ```
    /// use edgeworker_core::mac::Separator;
    /// assert_eq!(Separator::Hyphen.as_char(), '-');
    /// ```
    #[must_use]
    pub fn as_char(self) -> char {
        match self {
            Self::Colon => ':',
            Self::Hyphen => '-',
        }
    }
}

/// A validated MAC address; displays lowercased with its separator kept.
///
/// ```
/// use edgeworker_core::mac::MacAddress;
///
/// let mac: MacAddress = "AA-BB-CC-DD-EE-0F".parse()?;
/// assert_eq!(mac.to_string(), "aa-bb-cc-dd-ee-0f");
/// assert_eq!(mac.octets(), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f]);
/// assert!("aa:bb-cc:dd:ee:ff".parse::<MacAddress>().is_err());
/// # Ok::<(), edgeworker_core::mac::MacError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddress {
    octets: [u8; 6],
    separator: Separator,
}

/// The string is not six hex octets with one consistent separator.
///
/// ```
/// use edgeworker_core::mac::{MacAddress, MacError};
/// assert_eq!(MacAddress::parse("08:00:27"), Err(MacError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("a MAC address is six pairs of hex digits separated by ':' or by '-'")]
pub struct MacError;

/// Text length of a MAC address: six pairs and five separators.
const TEXT_LEN: usize = 17;

impl MacAddress {
    /// Builds an address from its octets.
    ///
    /// ```
    /// use edgeworker_core::mac::{MacAddress, Separator};
    /// let mac = MacAddress::new([8, 0, 0x27, 0xaa, 0, 1], Separator::Colon);
    /// assert_eq!(mac.to_string(), "08:00:27:aa:00:01");
    /// ```
    #[must_use]
    pub fn new(octets: [u8; 6], separator: Separator) -> Self {
        Self { octets, separator }
    }

    /// Parses `xx:xx:xx:xx:xx:xx` or `xx-xx-xx-xx-xx-xx`, any case.
    ///
    /// # Errors
    ///
    /// [`MacError`] for anything else, including mixed separators and surrounding space.
    ///
    /// ```
    /// use edgeworker_core::mac::MacAddress;
    /// assert!(MacAddress::parse("08:00:27:AA:00:01").is_ok());
    /// assert!(MacAddress::parse(" 08:00:27:aa:00:01").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, MacError> {
        let bytes = s.as_bytes();
        if bytes.len() != TEXT_LEN {
            return Err(MacError);
        }
        let separator = match bytes[2] {
            b':' => Separator::Colon,
            b'-' => Separator::Hyphen,
            _ => return Err(MacError),
        };
        let mut octets = [0u8; 6];
        for (i, octet) in octets.iter_mut().enumerate() {
            let at = i * 3;
            if i > 0 && char::from(bytes[at - 1]) != separator.as_char() {
                return Err(MacError);
            }
            *octet = (hex_digit(bytes[at])? << 4) | hex_digit(bytes[at + 1])?;
        }
        Ok(Self { octets, separator })
    }

    /// The six octets.
    #[must_use]
    pub fn octets(&self) -> [u8; 6] {
        self.octets
    }

    /// The separator the address was written with.
    #[must_use]
    pub fn separator(&self) -> Separator {
        self.separator
    }
}

fn hex_digit(b: u8) -> Result<u8, MacError> {
    match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        b'A'..=b'F' => Ok(b - b'A' + 10),
        _ => Err(MacError),
    }
}

impl MacAddress {
    /// The text form, built on the stack: `Display` and the plan's inventory (thousands of
    /// addresses a render) both spell addresses through this one function.
    fn text(self) -> [u8; TEXT_LEN] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; TEXT_LEN];
        for (i, octet) in self.octets.into_iter().enumerate() {
            let at = i * 3;
            if i > 0 {
                // Separators are ASCII.
                text[at - 1] = self.separator.as_char() as u8;
            }
            text[at] = HEX[usize::from(octet >> 4)];
            text[at + 1] = HEX[usize::from(octet & 0x0f)];
        }
        text
    }

    /// Appends the text form to `out` without going through `fmt`.
    ///
    /// ```
    /// use edgeworker_core::mac::MacAddress;
    /// let mut out = String::from("mac=");
    /// MacAddress::parse("AA-BB-CC-DD-EE-0F")?.push_to(&mut out);
    /// assert_eq!(out, "mac=aa-bb-cc-dd-ee-0f");
    /// # Ok::<(), edgeworker_core::mac::MacError>(())
    /// ```
    pub fn push_to(self, out: &mut String) {
        // Every byte of `text` is ASCII, so each maps to one char.
        out.extend(self.text().iter().map(|&b| char::from(b)));
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text();
        // ASCII by construction; the fallback is unreachable but keeps this panic-free.
        f.write_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddress({self})")
    }
}

impl FromStr for MacAddress {
    type Err = MacError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for MacAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_keeps_separator() {
        assert_eq!(
            MacAddress::parse("AA-BB-CC-DD-EE-FF").unwrap().to_string(),
            "aa-bb-cc-dd-ee-ff"
        );
        assert_eq!(
            MacAddress::parse("0a:Bb:cC:00:99:fF").unwrap().to_string(),
            "0a:bb:cc:00:99:ff"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "08:00:27:aa:00",
            "08:00:27:aa:00:01:02",
            "08:00:27:aa:00:0g",
            "08-00:27:aa:00:01",
            "08:00:27:aa:00-01",
            "0800.27aa.0001",
            "080027aa0001",
            "08:00:27:aa:00:01\n",
            " 08:00:27:aa:00:1",
            "08.00.27.aa.00.01",
            "08:00:27:aa:00:０",
            "8:0:27:aa:0:1",
        ] {
            assert_eq!(MacAddress::parse(bad), Err(MacError), "{bad:?}");
        }
    }

    #[test]
    fn equality_follows_sysinv_lowercased_strings() {
        let colon = MacAddress::parse("aa:bb:cc:dd:ee:ff").unwrap();
        assert_eq!(colon, MacAddress::parse("AA:BB:CC:DD:EE:FF").unwrap());
        assert_ne!(colon, MacAddress::parse("aa-bb-cc-dd-ee-ff").unwrap());
    }

    #[test]
    fn every_octet_round_trips() {
        for v in 0..=255u8 {
            for sep in [Separator::Colon, Separator::Hyphen] {
                let mac = MacAddress::new([v, 0, v, 255, v, 1], sep);
                assert_eq!(MacAddress::parse(&mac.to_string()), Ok(mac));
                let mut pushed = String::new();
                mac.push_to(&mut pushed);
                assert_eq!(pushed, mac.to_string());
            }
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        let mac: MacAddress = serde_json::from_str("\"AA:bb:cc:dd:ee:ff\"").unwrap();
        assert_eq!(
            serde_json::to_string(&mac).unwrap(),
            "\"aa:bb:cc:dd:ee:ff\""
        );
        assert!(serde_json::from_str::<MacAddress>("\"nope\"").is_err());
    }
}
