//! The upgrade policy: which versions a node's kubelet and kubeadm go through, and the
//! version skew of every stop on the way.

use std::fmt;

use serde::Serialize;

use crate::plan::{KubeVersion, SkewVerdict, skew_check};

/// Why a node cannot be upgraded to the target.
///
/// ```
/// use edgeworker_core::plan::KubeVersion;
/// use edgeworker_core::upgrade::{Refusal, upgrade_path};
///
/// let v = |s| KubeVersion::parse(s).unwrap();
/// let refusal = upgrade_path(&v("1.30.1"), &v("1.30.1"), &v("2.0.0")).unwrap_err();
/// assert!(matches!(refusal, Refusal::MajorVersion { .. }));
/// assert_eq!(refusal.to_string(), "kubelet 2.0.0 and the target 1.30.1 differ in major version");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The target is newer than the control plane: a kubelet never runs ahead of its API
    /// server, and StarlingX upgrades the control plane first.
    #[error("the target {target} is newer than the control plane {control_plane}")]
    TargetNewerThanControlPlane {
        /// The version the node would go to.
        target: KubeVersion,
        /// The control plane's version.
        control_plane: KubeVersion,
    },
    /// The node's kubelet is newer than the target: kubeadm does not downgrade.
    #[error("kubelet {from} is newer than the target {to}: a downgrade is refused")]
    Downgrade {
        /// The node's kubelet.
        from: KubeVersion,
        /// The target.
        to: KubeVersion,
    },
    /// Another major version: kubeadm upgrades within one major only.
    #[error("kubelet {from} and the target {to} differ in major version")]
    MajorVersion {
        /// The node's kubelet.
        from: KubeVersion,
        /// The target.
        to: KubeVersion,
    },
}

impl Refusal {
    /// The stable code of this refusal.
    ///
    /// ```
    /// use edgeworker_core::plan::KubeVersion;
    /// use edgeworker_core::upgrade::Refusal;
    /// let v = |s| KubeVersion::parse(s).unwrap();
    /// let r = Refusal::Downgrade { from: v("1.30.1"), to: v("1.29.2") };
    /// assert_eq!(r.code(), "upgrade.downgrade");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::TargetNewerThanControlPlane { .. } => "upgrade.target_newer_than_control_plane",
            Self::Downgrade { .. } => "upgrade.downgrade",
            Self::MajorVersion { .. } => "upgrade.major_version",
        }
    }
}

/// The versions a node goes through, one minor at a time as kubeadm requires: the first
/// release (`x.y.0`) of every minor between the node's and the target's, then the target.
/// Empty when the node is at the target already. Each intermediate minor is its `.0`
/// release because that one is in every minor's repository and makes the plan exact (the
/// node only passes through it).
///
/// # Errors
///
/// A [`Refusal`]: the target newer than the control plane, a downgrade, a change of major.
///
/// ```
/// use edgeworker_core::plan::KubeVersion;
/// use edgeworker_core::upgrade::upgrade_path;
///
/// let v = |s| KubeVersion::parse(s).unwrap();
/// let path = upgrade_path(&v("1.30.1"), &v("1.30.1"), &v("1.28.4"))?;
/// assert_eq!(path, [v("1.29.0"), v("1.30.1")]);
/// assert!(upgrade_path(&v("1.30.1"), &v("1.30.1"), &v("1.30.1"))?.is_empty());
/// assert_eq!(upgrade_path(&v("1.30.1"), &v("1.30.1"), &v("1.30.0"))?, [v("1.30.1")]);
/// assert!(upgrade_path(&v("1.29.2"), &v("1.29.2"), &v("1.30.1")).is_err());
/// # Ok::<(), edgeworker_core::upgrade::Refusal>(())
/// ```
pub fn upgrade_path(
    control_plane: &KubeVersion,
    target: &KubeVersion,
    installed: &KubeVersion,
) -> Result<Vec<KubeVersion>, Refusal> {
    if target > control_plane {
        return Err(Refusal::TargetNewerThanControlPlane {
            target: target.clone(),
            control_plane: control_plane.clone(),
        });
    }
    if installed.major() != target.major() {
        return Err(Refusal::MajorVersion {
            from: installed.clone(),
            to: target.clone(),
        });
    }
    if installed > target {
        return Err(Refusal::Downgrade {
            from: installed.clone(),
            to: target.clone(),
        });
    }
    if installed == target {
        return Ok(Vec::new());
    }
    let mut path: Vec<KubeVersion> = (installed.minor() + 1..target.minor())
        .map(|minor| KubeVersion::new(target.major(), minor, 0))
        .collect();
    path.push(target.clone());
    Ok(path)
}

/// The version skew of a node's kubelet at one stop of its upgrade (`skew-check`'s verdict).
///
/// ```
/// use edgeworker_core::plan::KubeVersion;
/// use edgeworker_core::upgrade::skew_along;
///
/// let v = |s| KubeVersion::parse(s).unwrap();
/// let before = &skew_along(&v("1.30.1"), &v("1.26.3"), &[])[0];
/// assert!(!before.verdict.allowed);
/// assert!(before.to_string().starts_with("before: VIOLATION: kubelet 1.26.3 is 4 minor versions older"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkewPoint {
    /// Where: `before` the upgrade, or `after <version>`.
    pub at: String,
    /// The kubelet version there.
    pub kubelet: KubeVersion,
    /// The verdict against the control plane.
    #[serde(flatten)]
    pub verdict: SkewVerdict,
}

impl fmt::Display for SkewPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let judgement = if self.verdict.allowed {
            "ok"
        } else {
            "VIOLATION"
        };
        write!(f, "{}: {judgement}: {}", self.at, self.verdict.reason)
    }
}

/// The skew of the kubelet before the upgrade and after each version of `path`.
///
/// ```
/// use edgeworker_core::plan::KubeVersion;
/// use edgeworker_core::upgrade::skew_along;
///
/// let v = |s| KubeVersion::parse(s).unwrap();
/// let points = skew_along(&v("1.30.1"), &v("1.28.4"), &[v("1.29.0"), v("1.30.1")]);
/// let at: Vec<&str> = points.iter().map(|p| p.at.as_str()).collect();
/// assert_eq!(at, ["before", "after 1.29.0", "after 1.30.1"]);
/// assert!(points.iter().all(|p| p.verdict.allowed));
/// ```
#[must_use]
pub fn skew_along(
    control_plane: &KubeVersion,
    installed: &KubeVersion,
    path: &[KubeVersion],
) -> Vec<SkewPoint> {
    std::iter::once(("before".to_owned(), installed))
        .chain(path.iter().map(|v| (format!("after {v}"), v)))
        .map(|(at, kubelet)| SkewPoint {
            at,
            kubelet: kubelet.clone(),
            verdict: skew_check(control_plane, kubelet),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    fn path(cp: &str, target: &str, installed: &str) -> Result<Vec<String>, &'static str> {
        upgrade_path(&v(cp), &v(target), &v(installed))
            .map(|p| p.iter().map(ToString::to_string).collect())
            .map_err(|r| r.code())
    }

    #[test]
    fn one_minor_at_a_time_through_each_minors_first_release() {
        assert_eq!(path("1.30.1", "1.30.1", "1.29.2").unwrap(), ["1.30.1"]);
        assert_eq!(
            path("1.30.1", "1.30.1", "1.28.4").unwrap(),
            ["1.29.0", "1.30.1"]
        );
        assert_eq!(
            path("1.31.2", "1.31.2", "1.27.9").unwrap(),
            ["1.28.0", "1.29.0", "1.30.0", "1.31.2"]
        );
        // A target that is itself a .0 release is reached once.
        assert_eq!(
            path("1.30.0", "1.30.0", "1.28.4").unwrap(),
            ["1.29.0", "1.30.0"]
        );
    }

    #[test]
    fn patch_upgrades_and_nodes_at_the_target() {
        assert_eq!(path("1.29.3", "1.29.3", "1.29.2").unwrap(), ["1.29.3"]);
        assert!(path("1.29.3", "1.29.3", "1.29.3").unwrap().is_empty());
        // A target older than the control plane is allowed (a partial step).
        assert_eq!(path("1.30.1", "1.29.3", "1.29.2").unwrap(), ["1.29.3"]);
    }

    #[test]
    fn refusals_at_each_boundary() {
        assert_eq!(
            path("1.30.1", "1.30.2", "1.29.0"),
            Err("upgrade.target_newer_than_control_plane")
        );
        assert_eq!(
            path("1.30.1", "1.31.0", "1.29.0"),
            Err("upgrade.target_newer_than_control_plane")
        );
        assert_eq!(path("1.30.1", "1.30.1", "1.30.2"), Err("upgrade.downgrade"));
        assert_eq!(path("1.30.1", "1.30.1", "1.31.0"), Err("upgrade.downgrade"));
        assert_eq!(
            path("2.0.0", "2.0.0", "1.30.1"),
            Err("upgrade.major_version")
        );
        assert_eq!(
            upgrade_path(&v("1.30.1"), &v("1.30.1"), &v("1.30.2"))
                .unwrap_err()
                .to_string(),
            "kubelet 1.30.2 is newer than the target 1.30.1: a downgrade is refused"
        );
    }

    #[test]
    fn the_skew_is_reported_before_and_after_every_step() {
        let points = skew_along(&v("1.30.1"), &v("1.26.0"), &[v("1.27.0"), v("1.28.0")]);
        let verdicts: Vec<(&str, bool)> = points
            .iter()
            .map(|p| (p.at.as_str(), p.verdict.allowed))
            .collect();
        // 1.26 against 1.30 lags four minors: beyond the policy until the first step.
        assert_eq!(
            verdicts,
            [
                ("before", false),
                ("after 1.27.0", true),
                ("after 1.28.0", true)
            ]
        );
        assert!(
            points[0]
                .to_string()
                .starts_with("before: VIOLATION: kubelet 1.26.0")
        );
        let json = serde_json::to_value(&points[1]).unwrap();
        assert_eq!(json["at"], "after 1.27.0");
        assert_eq!(json["kubelet"], "1.27.0");
        assert_eq!(json["allowed"], true);
    }
}
