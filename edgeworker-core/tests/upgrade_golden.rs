//! The three renderings of the example upgrade (examples/upgrade/ with the plan's nodes),
//! pinned. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --test upgrade_golden` and review the diff.

mod upgrade_support;

use std::path::PathBuf;

use edgeworker_core::upgrade::UpgradePlan;

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(UPDATE_GOLDEN=1 regenerates after an intended change)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

fn example_plan() -> UpgradePlan {
    let (c, n, k) = upgrade_support::example_inputs();
    UpgradePlan::from_values(c, n, k).unwrap()
}

#[test]
fn text() {
    golden("upgrade.txt", &example_plan().to_text());
}

#[test]
fn json() {
    let json = serde_json::to_string_pretty(&example_plan().to_json()).unwrap();
    golden("upgrade.json", &format!("{json}\n"));
}

#[test]
fn ansible() {
    let files = example_plan().to_ansible().unwrap();
    golden("upgrade.playbook.yml", &files.playbook);
    golden("upgrade.inventory.yml", &files.inventory);
}

#[test]
fn renderings_are_deterministic() {
    assert_eq!(
        example_plan().to_ansible().unwrap(),
        example_plan().to_ansible().unwrap()
    );
    assert_eq!(example_plan().to_text(), example_plan().to_text());
}
