//! The version-skew policy against an independent model, over all small versions.

use edgeworker_core::plan::{InstallDecision, KubeVersion, skew_check};
use proptest::prelude::*;

fn v(major: u64, minor: u64, patch: u64) -> KubeVersion {
    KubeVersion::parse(&format!("{major}.{minor}.{patch}")).unwrap()
}

/// The policy of PROVISIONING.md §4, written as a table lookup rather than as the code's
/// comparisons: the allowed kubelet minors for a control-plane minor (major 1).
fn allowed_minors(cp_minor: u64) -> Vec<u64> {
    (0..=cp_minor)
        .filter(|&k| {
            let lag = cp_minor - k;
            lag <= 2 || (lag == 3 && cp_minor >= 28 && k >= 25)
        })
        .collect()
}

proptest! {
    #[test]
    fn matches_the_model(cp_minor in 0u64..40, k_minor in 0u64..40, cp_patch in 0u64..20, k_patch in 0u64..20) {
        let verdict = skew_check(&v(1, cp_minor, cp_patch), &v(1, k_minor, k_patch));
        prop_assert_eq!(verdict.allowed, allowed_minors(cp_minor).contains(&k_minor), "{}", verdict.reason);
        let kubelet = format!("1.{k_minor}.{k_patch}");
        prop_assert!(verdict.reason.contains(&kubelet), "{}", verdict.reason);
    }

    #[test]
    fn another_major_is_never_allowed(cp in 0u64..5, k in 0u64..5, minor in 0u64..40) {
        prop_assume!(cp != k);
        prop_assert!(!skew_check(&v(cp, minor, 0), &v(k, minor, 0)).allowed);
    }

    #[test]
    fn decisions_keep_only_the_exact_version(a in 20u64..35, b in 0u64..5, c in 20u64..35, d in 0u64..5) {
        let cp = v(1, a, b);
        let installed = v(1, c, d);
        let decision = InstallDecision::new(&cp, Some(&installed));
        prop_assert_eq!(matches!(decision, InstallDecision::Keep { .. }), cp == installed);
    }

    #[test]
    fn parse_accepts_exactly_releases(s in "v?[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-rc\\.[0-9])?") {
        let parsed = KubeVersion::parse(&s);
        let leading_zero = s.trim_start_matches('v').split(['.', '-']).take(3).any(|p| p.len() > 1 && p.starts_with('0'));
        prop_assert_eq!(parsed.is_some(), !s.contains("-rc") && !leading_zero, "{}", s);
    }
}

#[test]
fn every_boundary_of_the_policy() {
    let ok = |cp: (u64, u64), k: (u64, u64)| skew_check(&v(1, cp.0, cp.1), &v(1, k.0, k.1)).allowed;
    // Never newer (by minor).
    assert!(ok((29, 2), (29, 9)));
    assert!(!ok((29, 2), (30, 0)));
    // Two minors before v1.28.
    assert!(ok((27, 0), (25, 0)));
    assert!(!ok((27, 9), (24, 0)));
    // Three from v1.28 for kubelets from v1.25.
    assert!(ok((28, 0), (25, 0)));
    assert!(!ok((28, 0), (24, 17)));
    assert!(ok((30, 0), (27, 0)));
    assert!(!ok((30, 0), (26, 0)));
}
