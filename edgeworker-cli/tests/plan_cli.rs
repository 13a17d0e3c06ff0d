//! `edgeworker-cli plan` and `skew-check`, run as a binary.

mod common;

use common::{cli, stderr, stdout, write};

fn example(name: &str) -> String {
    common::example(&format!("plan/{name}"))
}

#[test]
fn text_is_the_default_and_lists_every_node() {
    let o = cli(&[
        "plan",
        "--controller",
        &example("controller.json"),
        "--nodes",
        &example("nodes.json"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("edgeworker provisioning plan (schema 1)\n"),
        "{text}"
    );
    for node in [
        "edge-ubuntu-1",
        "edge-debian-1",
        "edge-centos-1",
        "edge-rocky-1",
    ] {
        assert!(
            text.contains(&format!("Node {node} (each node independently):")),
            "{node}"
        );
    }
    assert!(text.contains("kubelet: reinstall (1.28.4 -> 1.29.2)"));
}

#[test]
fn json_has_the_schema_and_redacts_a_given_token_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let controller = std::fs::read_to_string(example("controller.json"))
        .unwrap()
        .replace(
            "\"join\": null",
            &format!(
                "\"join\": {{\"token\": \"abcdef.0123456789abcdef\", \"ca_cert_hash\": \"sha256:{}\"}}",
                "ab".repeat(32)
            ),
        );
    let c = write(dir.path(), "c.json", &controller);
    let n = example("nodes.json");
    let o = cli(&[
        "plan",
        "--controller",
        &c,
        "--nodes",
        &n,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["controller"]["join"]["token"], "<redacted>");
    assert!(!stdout(&o).contains("0123456789abcdef"));
    let o = cli(&[
        "plan",
        "--controller",
        &c,
        "--nodes",
        &n,
        "--format",
        "json",
        "--reveal-secrets",
    ]);
    assert!(stdout(&o).contains("abcdef.0123456789abcdef"));
    // The text never shows it and names the variable that carries it.
    let o = cli(&["plan", "--controller", &c, "--nodes", &n]);
    assert!(!stdout(&o).contains("0123456789abcdef"));
    assert!(stdout(&o).contains("EDGEWORKER_JOIN_TOKEN"));
    // So does the note after writing the Ansible directory.
    let out = dir.path().join("a").display().to_string();
    let o = cli(&[
        "plan",
        "--controller",
        &c,
        "--nodes",
        &n,
        "--format",
        "ansible",
        "--out",
        &out,
    ]);
    assert!(
        stdout(&o).contains("export EDGEWORKER_JOIN_TOKEN=<token>"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn ansible_writes_the_directory_and_says_how_to_run_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ansible");
    let out_s = out.display().to_string();
    let args = [
        "plan",
        "--controller",
        &example("controller.json"),
        "--nodes",
        &example("nodes.json"),
        "--format",
        "ansible",
        "--out",
        &out_s,
    ];
    let o = cli(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("playbook.yml").is_file() && out.join("inventory.yml").is_file());
    // ansible.cfg beside them, read by ansible-playbook from that directory: a fleet's
    // settings, marked as ours so a re-rendering may replace it.
    let cfg = std::fs::read_to_string(out.join("ansible.cfg")).unwrap();
    assert!(cfg.starts_with("# Rendered by edgeworker"), "{cfg}");
    for setting in ["pipelining = True", "forks = 50", "ControlPersist="] {
        assert!(cfg.contains(setting), "{setting} missing from:\n{cfg}");
    }
    assert!(stdout(&o).contains(&format!(
        "run: cd {out_s} && ansible-playbook -i inventory.yml playbook.yml"
    )));
    // An operator's own ansible.cfg is not replaced either.
    std::fs::write(out.join("ansible.cfg"), "[defaults]\nforks = 7\n").unwrap();
    let o = cli(&args);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("ansible.cfg"), "{}", stderr(&o));
    std::fs::remove_file(out.join("ansible.cfg")).unwrap();
    // A foreign playbook is not replaced: exit 3, and it is left as it was.
    std::fs::write(out.join("playbook.yml"), "- hosts: all\n").unwrap();
    let o = cli(&args);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("plan.write_refused"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("playbook.yml")).unwrap(),
        "- hosts: all\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (c, n) = (example("controller.json"), example("nodes.json"));
    for args in [
        vec![
            "plan",
            "--controller",
            &c,
            "--nodes",
            &n,
            "--format",
            "ansible",
        ],
        vec!["plan", "--controller", "-", "--nodes", "-"],
        vec!["plan", "--controller", &c],
        vec![
            "plan",
            "--controller",
            &c,
            "--nodes",
            &n,
            "--format",
            "yaml",
        ],
        vec!["skew-check", "--control-plane", "1.30", "--nodes", &n],
    ] {
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn invalid_input_exits_1_naming_node_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = std::fs::read_to_string(example("nodes.json"))
        .unwrap()
        .replace("\"arch\": \"arm64\"", "\"arch\": \"mips\"");
    let n = write(dir.path(), "n.json", &nodes);
    let o = cli(&[
        "plan",
        "--controller",
        &example("controller.json"),
        "--nodes",
        &n,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "edgeworker-cli: plan.unsupported_arch: node \"edge-debian-1\" (nodes[1]): arch: \
         \"mips\" is not supported; supported: amd64 (x86_64), arm64 (aarch64)\n"
    );
    assert!(stdout(&o).is_empty(), "no plan half-way");
}

#[test]
fn unreadable_or_malformed_files_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "{\"kubernetes_version\": ");
    let o = cli(&[
        "plan",
        "--controller",
        &bad,
        "--nodes",
        &example("nodes.json"),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("bad.json: EOF while parsing"),
        "{}",
        stderr(&o)
    );
    let o = cli(&[
        "plan",
        "--controller",
        "/nonexistent/c.json",
        "--nodes",
        &example("nodes.json"),
    ]);
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn skew_check_passes_the_example_and_exits_1_on_a_violation() {
    let n = example("nodes.json");
    let o = cli(&["skew-check", "--control-plane", "v1.29.2", "--nodes", &n]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("edge-ubuntu-1: no kubelet installed"),
        "{text}"
    );
    assert!(
        text.contains("edge-centos-1: ok: kubelet 1.28.4 is 1 minor version older"),
        "{text}"
    );
    assert!(
        text.ends_with("0 of 4 node(s) violate the version-skew policy for control plane 1.29.2\n"),
        "{text}"
    );
    // Upgrading the control plane to 1.32 leaves the 1.28 kubelet four minors behind.
    let o = cli(&["skew-check", "--control-plane", "1.32.0", "--nodes", &n]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("edge-centos-1: VIOLATION: kubelet 1.28.4 is 4 minor versions older"),
        "{}",
        stdout(&o)
    );
    let o = cli(&[
        "skew-check",
        "--control-plane",
        "1.27.0",
        "--nodes",
        &n,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let json = &json["nodes"];
    assert_eq!(json[1]["hostname"], "edge-debian-1");
    assert_eq!(json[1]["allowed"], false);
    assert!(
        json[1]["reason"]
            .as_str()
            .unwrap()
            .contains("newer than the control plane")
    );
}

#[test]
fn stdin_works_for_one_input() {
    let nodes = std::fs::read_to_string(example("nodes.json")).unwrap();
    let o = common::cli_in(
        &common::examples(),
        &["skew-check", "--control-plane", "1.29.2", "--nodes", "-"],
        Some(nodes.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("0 of 4 node(s)"));
}
