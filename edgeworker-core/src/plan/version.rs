//! Kubernetes versions: parsing, the phase-one install decision and the version-skew policy.

use std::fmt;

use serde::{Serialize, Serializer};

/// A Kubernetes release version, `MAJOR.MINOR.PATCH`, written with or without a leading `v`.
/// Pre-releases and build metadata are refused: only releases have packages.
///
/// ```
/// use edgeworker_core::plan::KubeVersion;
///
/// let v = KubeVersion::parse("v1.29.2").unwrap();
/// assert_eq!(v.to_string(), "1.29.2");
/// assert_eq!(v.minor_series(), "v1.29");
/// assert!(KubeVersion::parse("1.29").is_none());
/// assert!(KubeVersion::parse("1.30.0-rc.1").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion(semver::Version);

impl KubeVersion {
    /// Parses `1.29.2` or `v1.29.2`; `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let bare = s.strip_prefix('v').unwrap_or(s);
        let version = semver::Version::parse(bare).ok()?;
        (version.pre.is_empty() && version.build.is_empty()).then_some(Self(version))
    }

    /// The release `major.minor.patch`.
    ///
    /// ```
    /// use edgeworker_core::plan::KubeVersion;
    /// assert_eq!(KubeVersion::new(1, 29, 0).to_string(), "1.29.0");
    /// ```
    #[must_use]
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self(semver::Version::new(major, minor, patch))
    }

    /// The patch version.
    #[must_use]
    pub fn patch(&self) -> u64 {
        self.0.patch
    }

    /// The major version.
    #[must_use]
    pub fn major(&self) -> u64 {
        self.0.major
    }

    /// The minor version.
    #[must_use]
    pub fn minor(&self) -> u64 {
        self.0.minor
    }

    /// `v<major>.<minor>`, as the package repositories name their streams.
    #[must_use]
    pub fn minor_series(&self) -> String {
        format!("v{}.{}", self.0.major, self.0.minor)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for KubeVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What provisioning does to a node's kubelet and kubeadm: phase one requires exactly the
/// control plane's version.
///
/// ```
/// use edgeworker_core::plan::{InstallDecision, KubeVersion};
///
/// let cp = KubeVersion::parse("1.29.2").unwrap();
/// let old = KubeVersion::parse("1.28.4").unwrap();
/// assert_eq!(InstallDecision::new(&cp, None).to_string(), "install");
/// assert_eq!(InstallDecision::new(&cp, Some(&cp)).to_string(), "keep");
/// assert_eq!(
///     InstallDecision::new(&cp, Some(&old)).to_string(),
///     "reinstall (1.28.4 -> 1.29.2)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum InstallDecision {
    /// Nothing installed yet.
    Install {
        /// The version to install.
        to: KubeVersion,
    },
    /// Already exactly the control plane's version.
    Keep {
        /// The version installed and kept.
        version: KubeVersion,
    },
    /// Another version is installed and is replaced (upgraded or downgraded).
    Reinstall {
        /// The version installed now.
        from: KubeVersion,
        /// The control plane's version.
        to: KubeVersion,
    },
}

impl InstallDecision {
    /// Decides from the control plane's version and the kubelet version installed, if any.
    #[must_use]
    pub fn new(control_plane: &KubeVersion, installed: Option<&KubeVersion>) -> Self {
        match installed {
            None => Self::Install {
                to: control_plane.clone(),
            },
            Some(v) if v == control_plane => Self::Keep { version: v.clone() },
            Some(v) => Self::Reinstall {
                from: v.clone(),
                to: control_plane.clone(),
            },
        }
    }
}

impl fmt::Display for InstallDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Install { .. } => f.write_str("install"),
            Self::Keep { .. } => f.write_str("keep"),
            Self::Reinstall { from, to } => write!(f, "reinstall ({from} -> {to})"),
        }
    }
}

/// The answer of [`skew_check`]: whether the pair is within policy, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkewVerdict {
    /// True when the kubelet may run against this control plane.
    pub allowed: bool,
    /// Why, naming both versions and the rule applied.
    pub reason: String,
}

/// The first control-plane minor (of major 1) from which kubelets may lag three minors.
const THREE_MINOR_FROM_CONTROL_PLANE: u64 = 28;
/// The oldest kubelet minor (of major 1) the three-minor allowance covers.
const THREE_MINOR_FROM_KUBELET: u64 = 25;

/// Kubernetes' version-skew policy between a control plane and a kubelet
/// (`PROVISIONING.md` §4): a kubelet is never newer than the API server (compared by minor
/// version: patch releases of one minor interoperate); it may be up to three minor versions
/// older when the API server is v1.28 or later and the kubelet v1.25 or later, otherwise up
/// to two. Different major versions are never allowed.
///
/// ```
/// use edgeworker_core::plan::{skew_check, KubeVersion};
///
/// let v = |s| KubeVersion::parse(s).unwrap();
/// assert!(skew_check(&v("1.29.2"), &v("1.26.0")).allowed);
/// assert!(!skew_check(&v("1.27.0"), &v("1.24.9")).allowed);
/// assert!(!skew_check(&v("1.29.2"), &v("1.30.0")).allowed);
/// ```
#[must_use]
pub fn skew_check(control_plane: &KubeVersion, kubelet: &KubeVersion) -> SkewVerdict {
    let verdict = |allowed, reason: String| SkewVerdict { allowed, reason };
    if control_plane.major() != kubelet.major() {
        return verdict(
            false,
            format!("kubelet {kubelet} and control plane {control_plane} differ in major version"),
        );
    }
    if kubelet.minor() > control_plane.minor() {
        return verdict(
            false,
            format!("kubelet {kubelet} is newer than the control plane {control_plane}"),
        );
    }
    let lag = control_plane.minor() - kubelet.minor();
    if lag == 0 {
        return verdict(
            true,
            format!("kubelet {kubelet} is of the control plane's minor version ({control_plane})"),
        );
    }
    let (limit, rule) = if control_plane.major() == 1
        && control_plane.minor() >= THREE_MINOR_FROM_CONTROL_PLANE
        && kubelet.minor() >= THREE_MINOR_FROM_KUBELET
    {
        (
            3,
            "up to 3 with a control plane of v1.28 or later and a kubelet of v1.25 or later",
        )
    } else {
        (2, "up to 2 before v1.28 or for kubelets older than v1.25")
    };
    let allowed = lag <= limit;
    let judgement = if allowed { "within" } else { "beyond" };
    verdict(
        allowed,
        format!(
            "kubelet {kubelet} is {lag} minor version{s} older than the control plane \
             {control_plane}: {judgement} the policy ({rule})",
            s = if lag == 1 { "" } else { "s" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    fn allowed(cp: &str, kubelet: &str) -> bool {
        skew_check(&v(cp), &v(kubelet)).allowed
    }

    #[test]
    fn the_same_minor_says_so() {
        let verdict = skew_check(&v("1.30.1"), &v("1.30.0"));
        assert!(verdict.allowed);
        assert_eq!(
            verdict.reason,
            "kubelet 1.30.0 is of the control plane's minor version (1.30.1)"
        );
        let one = skew_check(&v("1.30.1"), &v("1.29.2"));
        assert!(
            one.reason
                .starts_with("kubelet 1.29.2 is 1 minor version older"),
            "{}",
            one.reason
        );
    }

    #[test]
    fn parses_releases_only() {
        assert_eq!(v("v1.29.2"), v("1.29.2"));
        for bad in [
            "",
            "v",
            "1.29",
            "1",
            "1.29.2.1",
            "V1.29.2",
            " 1.29.2",
            "1.29.2 ",
            "vv1.29.2",
            "1.29.2-rc.0",
            "1.29.2+build",
            "01.29.2",
        ] {
            assert!(KubeVersion::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn same_minor_any_patch_is_allowed() {
        assert!(allowed("1.29.2", "1.29.2"));
        assert!(allowed("1.29.2", "1.29.0"));
        assert!(allowed("1.29.2", "1.29.9"));
    }

    #[test]
    fn a_newer_minor_or_major_is_never_allowed() {
        assert!(!allowed("1.29.2", "1.30.0"));
        assert!(!allowed("1.27.0", "1.28.0"));
        assert!(!allowed("1.29.2", "2.29.2"));
        assert!(!allowed("2.1.0", "1.29.0"));
        let reason = skew_check(&v("1.29.2"), &v("1.30.0")).reason;
        assert_eq!(
            reason,
            "kubelet 1.30.0 is newer than the control plane 1.29.2"
        );
    }

    #[test]
    fn before_v1_28_the_limit_is_two_minors() {
        assert!(allowed("1.27.5", "1.25.0"));
        assert!(!allowed("1.27.5", "1.24.0"));
        assert!(allowed("1.26.0", "1.24.0"));
        assert!(!allowed("1.26.0", "1.23.0"));
    }

    #[test]
    fn from_v1_28_the_limit_is_three_minors_for_kubelets_from_v1_25() {
        assert!(allowed("1.28.0", "1.25.0"));
        assert!(!allowed("1.28.0", "1.24.0"));
        assert!(allowed("1.29.2", "1.26.15"));
        assert!(!allowed("1.29.2", "1.25.16"));
        assert!(allowed("1.31.0", "1.28.0"));
        assert!(!allowed("1.31.0", "1.27.0"));
    }

    #[test]
    fn the_boundary_minor_of_each_side_is_where_the_rule_switches() {
        // Control plane v1.27 (last before the switch): lag 3 refused even for v1.25 kubelets.
        assert!(!allowed("1.27.0", "1.24.0"));
        // Control plane v1.28 (first after the switch): lag 3 allowed...
        assert!(allowed("1.28.0", "1.25.0"));
        let reason = skew_check(&v("1.28.0"), &v("1.25.0")).reason;
        assert_eq!(
            reason,
            "kubelet 1.25.0 is 3 minor versions older than the control plane 1.28.0: within \
             the policy (up to 3 with a control plane of v1.28 or later and a kubelet of v1.25 \
             or later)"
        );
        // ...and a kubelet older than v1.25 falls back to two.
        let reason = skew_check(&v("1.28.0"), &v("1.24.0")).reason;
        assert!(reason.contains("beyond the policy (up to 2"), "{reason}");
        assert!(allowed("1.28.0", "1.26.0"));
    }

    #[test]
    fn decisions_compare_exact_versions() {
        let cp = v("1.29.2");
        assert_eq!(
            InstallDecision::new(&cp, Some(&v("1.29.3"))).to_string(),
            "reinstall (1.29.3 -> 1.29.2)"
        );
        let json = serde_json::to_value(InstallDecision::new(&cp, Some(&v("1.28.4")))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"action": "reinstall", "from": "1.28.4", "to": "1.29.2"})
        );
    }
}
