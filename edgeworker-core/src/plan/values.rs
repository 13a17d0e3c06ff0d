//! The small validated values of plan inputs. Each is parsed once; holding one proves it is
//! safe to write into the files and command lines the steps produce.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};

use super::error::Problem;
use super::input::DEFAULT_PYTHON;

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // Borrowed only for constants (a default), so a default costs no allocation per node.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Cow<'static, str>);

        impl $name {
            /// The validated text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

/// A DNS name as a host part: labels of ASCII letters, digits and `-`, dots between.
fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Splits `host:port` / `[v6]:port`; the port is optional when `port_required` is false.
fn parse_host_port(s: &str, port_required: bool) -> Result<(String, Option<u16>), Problem> {
    let err = |reason| Problem::Endpoint {
        value: s.to_owned(),
        reason,
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or_else(|| err("unclosed '['"))?;
        if !matches!(inside.parse::<IpAddr>(), Ok(IpAddr::V6(_))) {
            return Err(err("the bracketed host is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| err("':' must follow ']'"))?,
            ),
        };
        (format!("[{inside}]"), port)
    } else {
        if s.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv6()) {
            return Err(err("an IPv6 host must be in brackets"));
        }
        let (host, port) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        if host.parse::<IpAddr>().is_err() && !is_dns_name(host) {
            return Err(err("the host is neither an IP address nor a DNS name"));
        }
        (host.to_owned(), port)
    };
    let port = match port {
        None if port_required => return Err(err("the port is missing")),
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(err("the port is not a number from 1 to 65535")),
        },
    };
    Ok((host, port))
}

text_value! {
    /// The API server endpoint, `host:port`; an IPv6 host in brackets.
    ///
    /// ```
    /// use edgeworker_core::plan::Endpoint;
    /// assert_eq!(Endpoint::parse("[fd00::2]:6443").unwrap().as_str(), "[fd00::2]:6443");
    /// assert!(Endpoint::parse("fd00::2:6443").is_err());
    /// assert!(Endpoint::parse("192.168.204.2").is_err());
    /// ```
    Endpoint
}

impl Endpoint {
    /// Parses `host:port`.
    ///
    /// # Errors
    ///
    /// [`Problem::Endpoint`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        parse_host_port(s, true).map(|_| Self(Cow::Owned(s.to_owned())))
    }
}

text_value! {
    /// A server named by IP address or DNS name (an NTP server).
    ///
    /// ```
    /// use edgeworker_core::plan::ServerName;
    /// assert!(ServerName::parse("pool.ntp.org").is_ok());
    /// assert!(ServerName::parse("fd00::2").is_ok());
    /// assert!(ServerName::parse("ntp server").is_err());
    /// ```
    ServerName
}

impl ServerName {
    /// Parses an IP address or a DNS name.
    ///
    /// # Errors
    ///
    /// [`Problem::Address`].
    pub fn parse(s: &str) -> Result<Self, Problem> {
        if s.parse::<IpAddr>().is_ok() || is_dns_name(s) {
            Ok(Self(Cow::Owned(s.to_owned())))
        } else {
            Err(Problem::Address {
                value: s.to_owned(),
                reason: "is neither an IP address nor a DNS name".to_owned(),
            })
        }
    }
}

text_value! {
    /// A container registry, `host` or `host:port` (`registry.local:9001`).
    ///
    /// ```
    /// use edgeworker_core::plan::Registry;
    /// assert!(Registry::parse("registry.local:9001").is_ok());
    /// assert!(Registry::parse("registry.local/x").is_err());
    /// ```
    Registry
}

impl Registry {
    /// Parses `host[:port]`.
    ///
    /// # Errors
    ///
    /// [`Problem::Endpoint`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        parse_host_port(s, false).map(|_| Self(Cow::Owned(s.to_owned())))
    }
}

text_value! {
    /// An `http://` or `https://` proxy URL. Whitespace, control characters, `"` and `\`
    /// are refused: the URL is written inside double quotes (apt, systemd) and as a bare
    /// value (yum/dnf). Everything else, including `%`-escapes in credentials, is kept.
    ///
    /// ```
    /// use edgeworker_core::plan::ProxyUrl;
    /// assert!(ProxyUrl::parse("http://user:p%40ss@proxy.example:3128").is_ok());
    /// assert!(ProxyUrl::parse("proxy.example:3128").is_err());
    /// assert!(ProxyUrl::parse("http://proxy.example:3128\"\nEnvironment=X").is_err());
    /// ```
    ProxyUrl
}

/// The checks every URL of the inputs passes: an `http://` or `https://` scheme (else
/// `no_scheme`), visible ASCII without `"` or backslashes (so it is one word in a systemd
/// line, an apt source and a command line), and a host.
fn http_url(s: &str, no_scheme: &'static str) -> Result<(), &'static str> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or(no_scheme)?;
    if !s
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        return Err("only visible ASCII characters other than '\"' and '\\' are allowed");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err("the host is missing");
    }
    Ok(())
}

impl ProxyUrl {
    /// Parses a proxy URL.
    ///
    /// # Errors
    ///
    /// [`Problem::Proxy`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        http_url(s, "it must start with http:// or https://").map_err(|reason| Problem::Proxy {
            value: s.to_owned(),
            reason,
        })?;
        Ok(Self(Cow::Owned(s.to_owned())))
    }

    /// The URL for a systemd `Environment=` line, where `%` starts a specifier.
    #[must_use]
    pub fn for_systemd(&self) -> String {
        self.0.replace('%', "%%")
    }
}

text_value! {
    /// The URL of a package repository or of its signing key (`package_sources`): `http://`
    /// or `https://`, visible ASCII without `"` or backslashes, so it can stand in an apt
    /// `deb` line, a yum `.repo` file and a command line as one word.
    ///
    /// ```
    /// use edgeworker_core::plan::SourceUrl;
    /// assert!(SourceUrl::parse("http://mirror.local/k8s/{minor}/deb/").is_ok());
    /// assert!(SourceUrl::parse("mirror.local/k8s").is_err());
    /// assert!(SourceUrl::parse("http://mirror.local/a b").is_err());
    /// ```
    SourceUrl
}

impl SourceUrl {
    /// Parses a repository or key URL.
    ///
    /// # Errors
    ///
    /// [`Problem::PackageSource`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        http_url(s, "a URL must start with http:// or https://").map_err(|reason| {
            Problem::PackageSource {
                value: s.to_owned(),
                reason,
            }
        })?;
        Ok(Self(Cow::Owned(s.to_owned())))
    }
}

text_value! {
    /// One `no_proxy` entry: a host, domain suffix (`.example.com`), IP address, CIDR or `*`.
    ///
    /// ```
    /// use edgeworker_core::plan::NoProxyEntry;
    /// assert!(NoProxyEntry::parse(".svc.cluster.local").is_ok());
    /// assert!(NoProxyEntry::parse("10.0.0.0/8").is_ok());
    /// assert!(NoProxyEntry::parse("a,b").is_err());
    /// ```
    NoProxyEntry
}

impl NoProxyEntry {
    /// Parses one entry; a comma is refused because the entries are joined with commas.
    ///
    /// # Errors
    ///
    /// [`Problem::Proxy`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let ok = !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:/*[]".contains(&b));
        if ok {
            Ok(Self(Cow::Owned(s.to_owned())))
        } else {
            Err(Problem::Proxy {
                value: s.to_owned(),
                reason: "a no_proxy entry is a host, domain, IP address or CIDR (letters, digits and - . _ : / * [ ])",
            })
        }
    }
}

text_value! {
    /// An absolute path without control characters (spaces and any other printable
    /// character are allowed: Linux paths may hold them).
    ///
    /// ```
    /// use edgeworker_core::plan::AbsolutePath;
    /// assert!(AbsolutePath::parse("/etc/ssl/registry ca.crt").is_ok());
    /// assert!(AbsolutePath::parse("etc/ssl").is_err());
    /// assert!(AbsolutePath::parse("/etc/\nx").is_err());
    /// ```
    AbsolutePath
}

/// The longest path accepted (Linux's `PATH_MAX`).
const PATH_MAX: usize = 4096;

impl AbsolutePath {
    /// [`DEFAULT_PYTHON`] as a program path (a test proves it parses).
    pub(crate) const DEFAULT_PYTHON: Self = Self(Cow::Borrowed(DEFAULT_PYTHON));

    /// Parses an absolute path.
    ///
    /// # Errors
    ///
    /// [`Problem::Path`].
    pub fn parse(s: &str) -> Result<Self, Problem> {
        Self::checked(s.to_owned(), false)
    }

    /// Parses a path to run as a program: additionally no whitespace, because Ansible splits
    /// an interpreter setting on it.
    ///
    /// # Errors
    ///
    /// [`Problem::Path`].
    ///
    /// ```
    /// use edgeworker_core::plan::AbsolutePath;
    /// assert!(AbsolutePath::parse_program("/usr/bin/python3").is_ok());
    /// assert!(AbsolutePath::parse_program("/usr/bin/env python3").is_err());
    /// ```
    pub fn parse_program(s: &str) -> Result<Self, Problem> {
        Self::checked(s.to_owned(), true)
    }

    /// [`AbsolutePath::parse_program`], keeping the given string.
    pub(crate) fn program_from_text(s: String) -> Result<Self, Problem> {
        Self::checked(s, true)
    }

    fn checked(s: String, program: bool) -> Result<Self, Problem> {
        let path = s.starts_with('/') && s.len() <= PATH_MAX && !s.chars().any(char::is_control);
        if path && !(program && s.chars().any(char::is_whitespace)) {
            Ok(Self(Cow::Owned(s)))
        } else {
            let extra = if program { " or whitespace" } else { "" };
            Err(Problem::Path { value: s, extra })
        }
    }
}

text_value! {
    /// A Linux user name (the SSH user of a node).
    ///
    /// ```
    /// use edgeworker_core::plan::SshUser;
    /// assert!(SshUser::parse("sysadmin").is_ok());
    /// assert!(SshUser::parse("root;id").is_err());
    /// ```
    SshUser
}

impl SshUser {
    /// Parses a user name: `[a-z_][a-z0-9_-]*`, at most 32 characters.
    ///
    /// # Errors
    ///
    /// [`Problem::User`].
    pub fn parse(s: &str) -> Result<Self, Problem> {
        Self::from_text(s.to_owned())
    }

    /// [`SshUser::parse`], keeping the given string (no copy for input already owned).
    pub(crate) fn from_text(s: String) -> Result<Self, Problem> {
        let mut bytes = s.bytes();
        let ok = s.len() <= 32
            && bytes
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && bytes
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(Cow::Owned(s)))
        } else {
            Err(Problem::User { value: s })
        }
    }
}

/// A kubeadm bootstrap token. A secret: it is never displayed, debugged or serialized
/// except through [`JoinToken::expose`].
///
/// ```
/// use edgeworker_core::plan::JoinToken;
/// let token = JoinToken::parse("abcdef.0123456789abcdef").unwrap();
/// assert_eq!(format!("{token:?}"), "JoinToken(<redacted>)");
/// assert_eq!(token.expose(), "abcdef.0123456789abcdef");
/// assert!(JoinToken::parse("ABCDEF.0123456789abcdef").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JoinToken(String);

impl JoinToken {
    /// Parses `[a-z0-9]{6}.[a-z0-9]{16}`.
    ///
    /// # Errors
    ///
    /// [`Problem::Token`], which never repeats the value.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let part = |p: &str, n| {
            p.len() == n
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        match s.split_once('.') {
            Some((id, secret)) if part(id, 6) && part(secret, 16) => Ok(Self(s.to_owned())),
            _ => Err(Problem::Token),
        }
    }

    /// The secret itself, for the one place that must pass it on.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for JoinToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JoinToken(<redacted>)")
    }
}

text_value! {
    /// The discovery hash of the cluster CA's public key, `sha256:<64 hex digits>`.
    ///
    /// ```
    /// use edgeworker_core::plan::CaCertHash;
    /// assert!(CaCertHash::parse(&format!("sha256:{}", "ab".repeat(32))).is_ok());
    /// assert!(CaCertHash::parse("sha256:abc").is_err());
    /// ```
    CaCertHash
}

impl CaCertHash {
    /// Parses `sha256:` and 64 hex digits (either case).
    ///
    /// # Errors
    ///
    /// [`Problem::CaCertHash`].
    pub fn parse(s: &str) -> Result<Self, Problem> {
        match s.strip_prefix("sha256:") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Self(Cow::Owned(s.to_owned())))
            }
            _ => Err(Problem::CaCertHash {
                value: s.to_owned(),
            }),
        }
    }
}

/// `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`, at most 63: a label name or value.
fn label_name_problem(s: &str) -> Option<&'static str> {
    if s.len() > 63 {
        return Some("longer than 63 characters");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Some("only letters, digits, '-', '_' and '.' are allowed");
    }
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !(s.is_empty() || alnum(s.bytes().next()) && alnum(s.bytes().last())) {
        return Some("it must start and end with a letter or digit");
    }
    None
}

fn label_key_problem(s: &str) -> Option<&'static str> {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix
        && (!is_dns_name(prefix) || prefix.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Some("the prefix before '/' must be a lowercase DNS subdomain");
    }
    if name.is_empty() {
        return Some("the name is empty");
    }
    label_name_problem(name)
}

text_value! {
    /// A Kubernetes label key: `[prefix/]name`, the prefix a lowercase DNS subdomain.
    ///
    /// ```
    /// use edgeworker_core::plan::LabelKey;
    /// assert!(LabelKey::parse("node-role.kubernetes.io/edge").is_ok());
    /// assert!(LabelKey::parse("tier").is_ok());
    /// assert!(LabelKey::parse("a/b/c").is_err());
    /// ```
    LabelKey
}

impl LabelKey {
    /// Parses a label key.
    ///
    /// # Errors
    ///
    /// [`Problem::Label`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        Self::from_text(s.to_owned())
    }

    /// [`LabelKey::parse`], keeping the given string.
    pub(crate) fn from_text(s: String) -> Result<Self, Problem> {
        match label_key_problem(&s) {
            Some(reason) => Err(Problem::Label {
                part: "key",
                value: s,
                reason,
            }),
            None => Ok(Self(Cow::Owned(s))),
        }
    }
}

text_value! {
    /// A Kubernetes label value: empty, or up to 63 letters, digits, `-`, `_`, `.`, starting
    /// and ending alphanumeric.
    ///
    /// ```
    /// use edgeworker_core::plan::LabelValue;
    /// assert!(LabelValue::parse("").is_ok());
    /// assert!(LabelValue::parse("camera-gw").is_ok());
    /// assert!(LabelValue::parse("{{ lookup('pipe', 'id') }}").is_err());
    /// ```
    LabelValue
}

impl LabelValue {
    /// Parses a label value.
    ///
    /// # Errors
    ///
    /// [`Problem::Label`] naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        Self::from_text(s.to_owned())
    }

    /// [`LabelValue::parse`], keeping the given string.
    pub(crate) fn from_text(s: String) -> Result<Self, Problem> {
        match label_name_problem(&s) {
            Some(reason) => Err(Problem::Label {
                part: "value",
                value: s,
                reason,
            }),
            None => Ok(Self(Cow::Owned(s))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_need_a_valid_host_and_port() {
        for ok in [
            "192.168.204.2:6443",
            "[fd00::2]:6443",
            "controller.local:6443",
            "a:1",
            "a:65535",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for (bad, reason) in [
            ("192.168.204.2", "the port is missing"),
            ("a:0", "the port is not a number from 1 to 65535"),
            ("a:65536", "the port is not a number from 1 to 65535"),
            ("a:+1", "the port is not a number from 1 to 65535"),
            ("fd00::2", "an IPv6 host must be in brackets"),
            ("[fd00::2", "unclosed '['"),
            ("[10.0.0.1]:1", "the bracketed host is not an IPv6 address"),
            ("[fd00::2]6443", "':' must follow ']'"),
            ("a b:1", "the host is neither an IP address nor a DNS name"),
            (":6443", "the host is neither an IP address nor a DNS name"),
            (
                "{{x}}:1",
                "the host is neither an IP address nor a DNS name",
            ),
        ] {
            assert_eq!(
                Endpoint::parse(bad),
                Err(Problem::Endpoint {
                    value: bad.into(),
                    reason
                }),
                "{bad}"
            );
        }
        assert!(Registry::parse("registry.local").is_ok());
        assert!(Registry::parse("[fd00::2]").is_ok());
    }

    #[test]
    fn proxies_refuse_what_breaks_quoted_files() {
        for bad in [
            "ftp://p:1",
            "http://",
            "http://:3128",
            "http://a b",
            "http://a\"b",
            "http://a\\b",
            "http://a\n",
            "http://é",
        ] {
            assert!(ProxyUrl::parse(bad).is_err(), "{bad:?}");
        }
        let p = ProxyUrl::parse("https://u:p%40@proxy:3128/").unwrap();
        assert_eq!(p.for_systemd(), "https://u:p%%40@proxy:3128/");
        // Template syntax without whitespace is a legal (if odd) URL: it is carried as data.
        assert!(ProxyUrl::parse("http://proxy/{{lookup('pipe','id')}}").is_ok());
    }

    #[test]
    fn tokens_and_hashes_follow_kubeadm_formats() {
        for bad in [
            "",
            "abcdef0123456789abcdef",
            "abcde.0123456789abcdef",
            "abcdef.0123456789abcde",
            "abcdef.0123456789abcdeF",
            "abcdef.0123456789abcdef ",
            "abcdef.0123456789abcdef.x",
        ] {
            assert_eq!(JoinToken::parse(bad), Err(Problem::Token), "{bad:?}");
        }
        assert!(CaCertHash::parse(&format!("sha256:{}", "AB".repeat(32))).is_ok());
        assert!(CaCertHash::parse(&format!("sha1:{}", "ab".repeat(32))).is_err());
        assert!(CaCertHash::parse(&format!("sha256:{}", "g".repeat(64))).is_err());
    }

    #[test]
    fn label_keys_and_values_follow_kubernetes() {
        assert!(LabelKey::parse(&"a".repeat(63)).is_ok());
        assert!(LabelKey::parse(&"a".repeat(64)).is_err());
        for bad in [
            "",
            "/a",
            "Example.com/a",
            "-a",
            "a-",
            "a b",
            "ex_ample.com/a",
            "a/",
        ] {
            assert!(LabelKey::parse(bad).is_err(), "{bad:?}");
        }
        for bad in ["-a", "a.", "a\nb: c", "a b", &"v".repeat(64)] {
            assert!(LabelValue::parse(bad).is_err(), "{bad:?}");
        }
        assert!(LabelValue::parse("A_b.c-9").is_ok());
    }

    #[test]
    fn users_and_programs() {
        assert!(SshUser::parse("_svc-1").is_ok());
        for bad in ["", "Root", "1user", "a b", &"a".repeat(33)] {
            assert!(SshUser::parse(bad).is_err(), "{bad:?}");
        }
        assert!(AbsolutePath::parse_program("/usr/bin/python3\t").is_err());
        assert!(AbsolutePath::parse(&format!("/{}", "a".repeat(4096))).is_err());
        assert_eq!(
            AbsolutePath::parse_program(DEFAULT_PYTHON),
            Ok(AbsolutePath::DEFAULT_PYTHON)
        );
        // A program path's refusal says whitespace is refused too, whatever the fault.
        for (bad, extra) in [
            ("python3", " or whitespace"),
            ("/usr/bin/py thon", " or whitespace"),
        ] {
            assert!(
                matches!(AbsolutePath::parse_program(bad), Err(Problem::Path { extra: e, .. }) if e == extra),
                "{bad:?}"
            );
        }
        assert!(matches!(
            AbsolutePath::parse("etc"),
            Err(Problem::Path { extra: "", .. })
        ));
    }

    #[test]
    fn owned_parsers_agree_with_borrowed_ones() {
        let users = ["sysadmin", "Root", ""];
        for u in users {
            assert_eq!(SshUser::from_text(u.to_owned()), SshUser::parse(u), "{u:?}");
        }
        for p in [
            "/usr/bin/python3",
            "/usr/bin/env python3",
            "python3",
            "/a\n",
        ] {
            assert_eq!(
                AbsolutePath::program_from_text(p.to_owned()),
                AbsolutePath::parse_program(p),
                "{p:?}"
            );
        }
        for k in [
            "site",
            "node-role.kubernetes.io/edge",
            "Bad/x",
            "a/",
            "-a",
            &"k".repeat(64),
        ] {
            assert_eq!(
                LabelKey::from_text(k.to_owned()),
                LabelKey::parse(k),
                "{k:?}"
            );
        }
        for v in ["", "plant-a", "{{ x }}", "a-", &"v".repeat(64)] {
            assert_eq!(
                LabelValue::from_text(v.to_owned()),
                LabelValue::parse(v),
                "{v:?}"
            );
        }
    }
}
