//! Upgrade inputs → the upgrade's playbook and inventory: the cluster's view with realistic
//! or arbitrary versions (and names), hostile mirror URLs and keys with `{minor}` (every
//! minor on the way gets its own), hostile interpreters and users, any `max_unavailable`.
//!
//! Properties, for every accepted input:
//! - no panic in parsing, the policy, any rendering;
//! - every accepted node's path goes one minor at a time and ends at the target; a node at
//!   the target has none;
//! - both files parse as YAML; inventory keys are untagged and of `[A-Za-z0-9_.-]`; a value
//!   is `!unsafe`, one of our constants, or a number (a node's minors by position);
//! - each minor's mirror URL and key are the input's, `{minor}` replaced, as `!unsafe` data;
//! - the playbook holds no input: the same plan with every free-form value replaced renders
//!   the same playbook byte for byte.
#![no_main]

use arbitrary::Unstructured;
use edgeworker_core::upgrade::UpgradePlan;
use edgeworker_fuzz::inputs::{hostile, text};
use edgeworker_fuzz::yaml::scalars;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Input {
    target: String,
    max_unavailable: Value,
    /// `package_sources.kubernetes_deb` and `kubernetes_rpm`: URL and key.
    source: Option<(String, String)>,
    /// Per node: OS, SSH user, interpreter, the cluster's kubelet version (absent: unknown).
    nodes: Vec<((&'static str, &'static str), String, String, Option<String>)>,
}

fn url_char(c: char) -> bool {
    c.is_ascii_graphic() && c != '"' && c != '\\'
}

fn input(u: &mut Unstructured<'_>) -> arbitrary::Result<Input> {
    let mut nodes = Vec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        let os = *u.choose(&[
            ("ubuntu", "22.04"),
            ("debian", "12"),
            ("rocky", "9"),
            ("centos", "7"),
        ])?;
        let user = text(u, &["sysadmin", "root"], 8)?;
        let python: String = hostile(u, "/")?
            .chars()
            .filter(|c| !c.is_control() && !c.is_whitespace())
            .collect();
        let kubelet = if u.ratio(1, 10)? {
            None
        } else {
            Some(text(
                u,
                &[
                    "v1.27.9", "v1.28.4", "v1.29.0", "v1.29.2", "v1.30.1", "v1.31.0", "1.29.3",
                ],
                6,
            )?)
        };
        nodes.push((os, user, python, kubelet));
    }
    let source = if u.arbitrary()? {
        let url: String = hostile(u, "http://mirror.example/{minor}/")?
            .chars()
            .filter(|&c| url_char(c))
            .collect();
        let key = if u.arbitrary()? {
            hostile(u, "/etc/mirror/{minor}/")?
                .chars()
                .filter(|c| !c.is_control())
                .collect()
        } else {
            hostile(u, "https://mirror.example/{minor}/")?
                .chars()
                .filter(|&c| url_char(c))
                .collect()
        };
        Some((url, key))
    } else {
        None
    };
    Ok(Input {
        target: text(u, &["1.30.1", "1.29.3", "v1.31.2", "1.28.0"], 8)?,
        max_unavailable: match u.int_in_range(0..=3)? {
            0 => Value::Null,
            1 => json!(u.int_in_range(0..=5)?),
            2 => json!(format!("{}%", u.int_in_range(0..=101)?)),
            _ => json!(text(u, &["3", "25%"], 2)?),
        },
        source,
        nodes,
    })
}

/// Every free-form value replaced; what shapes the playbook (OS profiles, versions, the
/// key's kind, the batch size) kept.
fn twin(i: &Input) -> Input {
    Input {
        source: i.source.as_ref().map(|(_, key)| {
            let ext = if key.to_ascii_lowercase().ends_with(".gpg") {
                "gpg"
            } else {
                "asc"
            };
            let key = if key.starts_with('/') {
                format!("/canon/{{minor}}/key.{ext}")
            } else {
                format!("http://canon.example/{{minor}}/key.{ext}")
            };
            ("http://canon.example/{minor}/".to_owned(), key)
        }),
        nodes: i
            .nodes
            .iter()
            .map(|(os, _, _, kubelet)| {
                (
                    *os,
                    "canon".to_owned(),
                    "/canon/python".to_owned(),
                    kubelet.clone(),
                )
            })
            .collect(),
        ..i.clone()
    }
}

fn values(i: &Input) -> (Value, Value, Value) {
    let mut c = json!({
        "kubernetes_version": i.target, "apiserver": "192.168.204.2:6443",
        "mgmt_floating_address": "192.168.204.2", "mgmt_subnet": "192.168.204.0/24",
        "max_unavailable": i.max_unavailable,
    });
    if let Some((url, key)) = &i.source {
        c["package_sources"] = json!({
            "kubernetes_deb": {"url": url, "key": key},
            "kubernetes_rpm": {"url": url, "key": key},
        });
    }
    let mut nodes = Vec::new();
    let mut items = Vec::new();
    for (n, ((id, version), user, python, kubelet)) in i.nodes.iter().enumerate() {
        let name = format!("edge-{n}");
        nodes.push(json!({
            "hostname": name, "mgmt_ip": format!("192.168.204.{}", 50 + n),
            "mgmt_mac": format!("08:00:27:aa:00:{:02x}", 0x50 + n),
            "os": {"id": id, "version": version}, "arch": "amd64",
            "ssh_user": user, "python": python,
        }));
        if let Some(v) = kubelet {
            items.push(
                json!({"metadata": {"name": name}, "status": {"nodeInfo": {"kubeletVersion": v}}}),
            );
        }
    }
    (
        c,
        Value::Array(nodes),
        json!({"kind": "List", "items": items}),
    )
}

fn render(i: &Input) -> Option<(UpgradePlan, String, String)> {
    let (c, n, k) = values(i);
    let plan = UpgradePlan::from_values(c, n, k).ok()?;
    let files = plan
        .to_ansible()
        .unwrap_or_else(|e| panic!("a valid upgrade does not render: {e}"));
    Some((plan, files.playbook, files.inventory))
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(i) = input(&mut Unstructured::new(bytes)) else {
        return;
    };
    let Some((plan, book, inventory)) = render(&i) else {
        return;
    };
    // `EW_FUZZ_TRACE=1` shows how many inputs get past validation to the properties.
    if std::env::var_os("EW_FUZZ_TRACE").is_some() {
        eprintln!(
            "upgrade accepted: {} to upgrade, source {}",
            plan.to_upgrade().count(),
            i.source.is_some()
        );
    }
    let _ = plan.to_text();
    let _ = plan.to_json();
    let target = plan.target().clone();
    for node in plan.nodes() {
        let mut at = node.from().clone();
        for v in node.path() {
            assert!(v > &at && v.minor() - at.minor() <= 1, "{at} -> {v}");
            at = v.clone();
        }
        assert_eq!(at, target, "{}", node.node().hostname());
        assert_eq!(node.skew().len(), node.path().len() + 1);
    }

    let inv = scalars(&inventory)
        .unwrap_or_else(|e| panic!("inventory does not parse: {e}\n{inventory}"));
    for s in &inv {
        if s.is_key {
            assert!(s.tag.is_none(), "tagged key {s:?}");
            assert!(
                !s.value.is_empty()
                    && s.value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
                "key {:?} at {}",
                s.value,
                s.path.join("/")
            );
        } else {
            match s.tag.as_deref() {
                Some("!unsafe") => {}
                Some(other) => panic!("tag {other} on {s:?}"),
                None => assert!(
                    s.value == "{{ ansible_playbook_python }}"
                        || s.value.chars().all(|c| c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || "_-".contains(c)),
                    "untagged value {s:?}"
                ),
            }
        }
    }
    if let Some((url, key)) = &i.source {
        let minors: Vec<_> = inv
            .iter()
            .filter(|s| {
                !s.is_key
                    && s.path.len() == 5
                    && s.path[..3] == ["all", "vars", "edgeworker_upgrade_minors"]
            })
            .collect();
        for s in minors {
            let minor = inv
                .iter()
                .find(|m| {
                    !m.is_key
                        && m.path.len() == 5
                        && m.path[..4] == s.path[..4]
                        && m.path[4] == "minor"
                })
                .map(|m| m.value.clone())
                .unwrap_or_default();
            let expected = match s.path[4].as_str() {
                "deb_url" | "rpm_url" => url.replace("{minor}", &minor),
                "deb_key" | "rpm_key" => key.replace("{minor}", &minor),
                _ => continue,
            };
            assert_eq!(s.value, expected, "at {}", s.path.join("/"));
            assert_eq!(s.tag.as_deref(), Some("!unsafe"));
        }
    }

    let book_scalars = scalars(&book).unwrap_or_else(|e| panic!("playbook does not parse: {e}"));
    assert!(
        book_scalars.iter().all(|s| s.tag.is_none()),
        "the playbook carries data"
    );
    let other = twin(&i);
    let (_, twin_book, _) = render(&other)
        .unwrap_or_else(|| panic!("the twin of a valid upgrade is refused: {other:?}"));
    assert!(book == twin_book, "the playbook depends on an input value");
});
