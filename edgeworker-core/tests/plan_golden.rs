//! The three renderings of the example fleet (examples/plan/), by DHCP and with static
//! management addressing, pinned. Reviewed by eye once;
//! regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test --test plan_golden`
//! and review the diff.

mod golden_check;
mod plan_support;

use edgeworker_core::plan::{Plan, Secrets};
use golden_check::golden;

fn example_plan() -> Plan {
    let (c, n) = plan_support::example();
    Plan::from_values(c, n).unwrap()
}

#[test]
fn text() {
    golden("example.txt", &example_plan().to_text());
}

#[test]
fn json() {
    let json = serde_json::to_string_pretty(&example_plan().to_json(Secrets::Redact)).unwrap();
    golden("example.json", &format!("{json}\n"));
}

#[test]
fn ansible() {
    let files = example_plan().to_ansible().unwrap();
    golden("example.playbook.yml", &files.playbook);
    golden("example.inventory.yml", &files.inventory);
}

fn static_plan() -> Plan {
    let (c, n) = plan_support::example_static();
    Plan::from_values(c, n).unwrap()
}

#[test]
fn static_addressing() {
    let plan = static_plan();
    golden("static.txt", &plan.to_text());
    let json = serde_json::to_string_pretty(&plan.to_json(Secrets::Redact)).unwrap();
    golden("static.json", &format!("{json}\n"));
    let files = plan.to_ansible().unwrap();
    golden("static.playbook.yml", &files.playbook);
    golden("static.inventory.yml", &files.inventory);
}

#[test]
fn renderings_are_deterministic() {
    assert_eq!(
        example_plan().to_ansible().unwrap(),
        example_plan().to_ansible().unwrap()
    );
    assert_eq!(example_plan().to_text(), example_plan().to_text());
}
