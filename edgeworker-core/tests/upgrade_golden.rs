//! The three renderings of the example upgrade (examples/upgrade/ with the plan's nodes),
//! pinned. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --test upgrade_golden` and review the diff.

mod golden_check;
mod upgrade_support;

use edgeworker_core::upgrade::UpgradePlan;
use golden_check::golden;

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
