//! The operation gate and the capability table, RULES.md §1.

use edgeworker_core::personality::{Operation, Personality, Support};
use edgeworker_core::validate::check_operation;

#[test]
fn edgeworker_refusals_carry_sysinvs_messages() {
    let expected = [
        (
            Operation::HostUpgrade,
            "operation.not_supported",
            "host-upgrade rejected: Not supported for EDGEWORKER node.",
        ),
        (
            Operation::HostDowngrade,
            "operation.not_supported",
            "host-downgrade rejected: Not supported for EDGEWORKER node.",
        ),
        (
            Operation::KubeHostUpgradeKubelet,
            "operation.not_supported",
            "This host does not have a kubelet.",
        ),
        (
            Operation::KubeHostUpgradeControlPlane,
            "operation.not_supported",
            "This host does not have a kubernetes control plane.",
        ),
        (
            Operation::PowerOn,
            "operation.not_supported",
            "power-on rejected: Board management is not supported for personality edgeworker",
        ),
        (
            Operation::PowerOff,
            "operation.not_supported",
            "power-off rejected: Board management is not supported for personality edgeworker",
        ),
        (
            Operation::Reset,
            "operation.not_supported",
            "reset rejected: Board management is not supported for personality edgeworker",
        ),
        (
            Operation::Reinstall,
            "operation.not_supported",
            "reinstall rejected: The platform does not install the operating system of a edgeworker host",
        ),
        (
            Operation::Lock,
            "operation.not_yet_supported",
            "lock rejected: Not yet supported for personality edgeworker",
        ),
        (
            Operation::Unlock,
            "operation.not_yet_supported",
            "unlock rejected: Not yet supported for personality edgeworker",
        ),
        (
            Operation::InterfaceModify,
            "operation.not_yet_supported",
            "interface-modify rejected: Not yet supported for personality edgeworker",
        ),
        (
            Operation::LabelAssign,
            "operation.not_yet_supported",
            "label-assign rejected: Not yet supported for personality edgeworker",
        ),
    ];
    assert_eq!(expected.len(), Operation::ALL.len());
    for (op, code, message) in expected {
        let refusal = check_operation(Personality::Edgeworker, op).expect_err(op.as_str());
        assert_eq!(
            (
                refusal.code().as_str(),
                refusal.field(),
                refusal.message(),
                refusal.status()
            ),
            (code, None, message, 400)
        );
        assert!(!Personality::Edgeworker.supports(op));
    }
}

#[test]
fn contrast_controller_worker_storage() {
    for op in Operation::ALL {
        assert!(
            check_operation(Personality::Controller, op).is_ok(),
            "controller {op}"
        );
    }
    for op in Operation::ALL {
        let worker = check_operation(Personality::Worker, op);
        if op == Operation::KubeHostUpgradeControlPlane {
            assert_eq!(
                worker.unwrap_err().message(),
                "This host does not have a kubernetes control plane."
            );
        } else {
            assert!(worker.is_ok(), "worker {op}");
        }
    }
    for op in Operation::ALL {
        let storage = Personality::Storage.support(op);
        let no_kube = matches!(
            op,
            Operation::KubeHostUpgradeKubelet | Operation::KubeHostUpgradeControlPlane
        );
        assert_eq!(
            storage,
            if no_kube {
                Support::NotSupported
            } else {
                Support::Supported
            },
            "storage {op}"
        );
    }
    assert_eq!(
        check_operation(Personality::Storage, Operation::KubeHostUpgradeKubelet)
            .unwrap_err()
            .message(),
        "This host does not have a kubelet."
    );
}

#[test]
fn edgeworker_is_not_a_worker() {
    // The substring bug sysinv has: 'worker' in 'edgeworker'. The table tells them apart.
    let (edge, worker) = (
        Personality::Edgeworker.capabilities(),
        Personality::Worker.capabilities(),
    );
    assert_ne!(edge, worker);
    assert!(worker.board_management && !edge.board_management);
    assert!(worker.platform_installs_os && !edge.platform_installs_os);
    assert!(edge.kubelet && worker.kubelet);
    assert_eq!(
        Personality::ALL
            .iter()
            .filter(|p| p.capabilities().control_plane)
            .count(),
        1
    );
}

#[test]
fn operation_names_parse_exactly() {
    let names = [
        "host-upgrade",
        "host-downgrade",
        "kube-host-upgrade-kubelet",
        "kube-host-upgrade-control-plane",
        "power-on",
        "power-off",
        "reset",
        "reinstall",
        "lock",
        "unlock",
        "interface-modify",
        "label-assign",
    ];
    let parsed: Vec<String> = names
        .iter()
        .map(|n| n.parse::<Operation>().unwrap().to_string())
        .collect();
    assert_eq!(parsed, names);
    for bad in ["Lock", "host_upgrade", "power on", ""] {
        assert!(bad.parse::<Operation>().is_err(), "{bad}");
    }
}
