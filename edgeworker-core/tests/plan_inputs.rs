//! Plan inputs: every field validated, errors naming node and field, nothing half-made.

mod plan_support;

use edgeworker_core::plan::{Join, PackageSources, Plan, PlanError, SourceKey};
use plan_support::{controller, example, node, with};
use serde_json::{Value, json};

fn plan_err(c: Value, n: Value) -> PlanError {
    Plan::from_values(c, n).unwrap_err()
}

#[track_caller]
fn assert_err(err: &PlanError, code: &str, node: Option<&str>, field: &str) {
    assert_eq!(
        (err.code(), err.node().as_deref(), err.field()),
        (code, node, field),
        "{err}"
    );
}

#[test]
fn the_example_fleet_plans() {
    let (c, n) = example();
    let plan = Plan::from_values(c, n).unwrap();
    let decisions: Vec<String> = plan
        .nodes()
        .iter()
        .map(|p| p.decision().to_string())
        .collect();
    assert_eq!(
        decisions,
        ["install", "keep", "reinstall (1.28.4 -> 1.29.2)", "install"]
    );
    assert_eq!(plan.controller().join(), &Join::Create);
}

#[test]
fn controller_fields_are_validated_and_named() {
    let cases: &[(&str, Value, &str)] = &[
        ("kubernetes_version", json!("1.29"), "plan.invalid_version"),
        ("kubernetes_version", json!(129), "plan.wrong_type"),
        ("apiserver", json!("192.168.204.2"), "plan.invalid_endpoint"),
        (
            "mgmt_subnet",
            json!("192.168.204.0/33"),
            "plan.invalid_address",
        ),
        (
            "mgmt_floating_address",
            json!("10.0.0.2"),
            "plan.invalid_address",
        ),
        (
            "mgmt_floating_address",
            json!("fd00::2"),
            "plan.invalid_address",
        ),
        (
            "dns_servers",
            json!(["192.168.204.2", "dns.example"]),
            "plan.invalid_address",
        ),
        ("dns_servers", json!("192.168.204.2"), "plan.wrong_type"),
        ("ntp_servers", json!(["ntp server"]), "plan.invalid_address"),
        (
            "registry",
            json!("registry.local:0"),
            "plan.invalid_endpoint",
        ),
        (
            "registry_ca_cert",
            json!("certs/ca.crt"),
            "plan.invalid_path",
        ),
        ("proxy.http", json!("proxy:3128"), "plan.invalid_proxy"),
        ("proxy.https", json!("http://p:1/\"x"), "plan.invalid_proxy"),
        ("proxy.no_proxy", json!(["a,b"]), "plan.invalid_proxy"),
        ("run_timeout_minutes", json!(1), "plan.out_of_range"),
        ("mgmt_addressing", json!("manual"), "plan.invalid_choice"),
        ("mgmt_addressing", json!(4), "plan.wrong_type"),
        // DHCP gives the gateway: one here would do nothing.
        ("mgmt_gateway", json!("192.168.204.1"), "plan.unused_field"),
        ("color", json!("blue"), "plan.unknown_field"),
    ];
    for (field, value, code) in cases {
        let err = plan_err(
            with(controller(), field, value.clone()),
            json!([node(0, "ubuntu", "22.04")]),
        );
        assert_err(&err, code, None, field);
        assert!(
            err.to_string()
                .starts_with(&format!("controller: {field}: ")),
            "{err}"
        );
    }
    let err = plan_err(json!({"apiserver": "a:1"}), json!([]));
    assert_err(&err, "plan.missing_field", None, "kubernetes_version");
}

#[test]
fn static_addressing_takes_a_gateway_of_the_management_subnet() {
    let static_c = with(controller(), "mgmt_addressing", json!("static"));
    let nodes = json!([node(0, "ubuntu", "22.04")]);
    for bad in ["10.0.0.1", "fd00::1", "gateway"] {
        let err = plan_err(
            with(static_c.clone(), "mgmt_gateway", json!(bad)),
            nodes.clone(),
        );
        assert_err(&err, "plan.invalid_address", None, "mgmt_gateway");
    }
    let err = plan_err(
        with(controller(), "mgmt_addressing", json!("manual")),
        nodes.clone(),
    );
    assert_eq!(
        err.to_string(),
        "controller: mgmt_addressing: \"manual\" is not one of \"dhcp\" or \"static\""
    );
    let plan = Plan::from_values(
        with(static_c.clone(), "mgmt_gateway", json!("192.168.204.1")),
        nodes.clone(),
    )
    .unwrap();
    assert_eq!(
        plan.controller().mgmt_addressing(),
        edgeworker_core::plan::MgmtAddressing::Static
    );
    assert_eq!(
        plan.controller().mgmt_gateway(),
        Some("192.168.204.1".parse().unwrap())
    );
    // Static without a gateway: the nodes reach their subnet only.
    let plan = Plan::from_values(static_c, nodes).unwrap();
    assert_eq!(plan.controller().mgmt_gateway(), None);
}

#[test]
fn join_credentials_are_validated_and_the_token_never_echoed() {
    let hash = format!("sha256:{}", "0f".repeat(32));
    let secret = "abcdef.0123456789ABCDEF";
    let err = plan_err(
        with(
            controller(),
            "join",
            json!({"token": secret, "ca_cert_hash": hash}),
        ),
        json!([node(0, "ubuntu", "22.04")]),
    );
    assert_err(&err, "plan.invalid_token", None, "join.token");
    assert!(!err.to_string().contains("0123456789"), "{err}");
    assert!(!format!("{err:?}").contains("0123456789"), "{err:?}");
    let err = plan_err(
        with(
            controller(),
            "join",
            json!({"token": "abcdef.0123456789abcdef", "ca_cert_hash": "sha256:00"}),
        ),
        json!([node(0, "ubuntu", "22.04")]),
    );
    assert_err(&err, "plan.invalid_ca_cert_hash", None, "join.ca_cert_hash");
    let err = plan_err(
        with(
            controller(),
            "join",
            json!({"token": "abcdef.0123456789abcdef"}),
        ),
        json!([node(0, "ubuntu", "22.04")]),
    );
    assert_err(&err, "plan.missing_field", None, "join.ca_cert_hash");
}

#[test]
fn node_fields_are_validated_and_named_by_hostname() {
    let cases: &[(&str, Value, &str)] = &[
        ("mgmt_ip", json!("192.168.204.300"), "plan.invalid_address"),
        ("mgmt_ip", json!("192.168.205.50"), "plan.invalid_address"),
        ("mgmt_mac", json!("08:00:27:aa:01"), "plan.invalid_mac"),
        (
            "os",
            json!({"id": "ubuntu", "version": "18.04"}),
            "plan.unsupported_os",
        ),
        ("os.version", json!(22.04), "plan.wrong_type"),
        ("os.codename", json!("jammy"), "plan.unknown_field"),
        ("arch", json!("riscv64"), "plan.unsupported_arch"),
        ("ssh_user", json!("root;id"), "plan.invalid_user"),
        ("python", json!("python3"), "plan.invalid_path"),
        ("python", json!("/usr/bin/env python3"), "plan.invalid_path"),
        ("labels", json!(["a"]), "plan.wrong_type"),
        ("kubelet_version", json!("latest"), "plan.invalid_version"),
        ("extra", json!(1), "plan.unknown_field"),
    ];
    for (field, value, code) in cases {
        let nodes = json!([
            node(0, "ubuntu", "22.04"),
            with(node(1, "rocky", "9"), field, value.clone())
        ]);
        let err = plan_err(controller(), nodes);
        assert_err(&err, code, Some("edge-1"), field);
        assert!(
            err.to_string()
                .starts_with(&format!("node \"edge-1\" (nodes[1]): {field}: ")),
            "{err}"
        );
    }
}

#[test]
fn labels_follow_kubernetes_and_are_named_by_key() {
    let bad = [
        (json!({"Bad Key": "x"}), "labels.Bad Key"),
        (json!({"site": "{{ lookup('pipe', 'id') }}"}), "labels.site"),
        (json!({"site": "a\nb: c"}), "labels.site"),
        (json!({"site": 3}), "labels.site"),
    ];
    for (labels, field) in bad {
        let err = plan_err(
            controller(),
            json!([with(node(0, "ubuntu", "22.04"), "labels", labels)]),
        );
        assert_eq!(err.field(), field, "{err}");
        assert!(
            matches!(err.code(), "plan.invalid_label" | "plan.wrong_type"),
            "{err}"
        );
    }
}

#[test]
fn an_unsupported_os_lists_the_supported_ones() {
    let err = plan_err(controller(), json!([node(0, "windows", "11")]));
    let text = err.to_string();
    assert_eq!(err.code(), "plan.unsupported_os");
    for supported in [
        "ubuntu 20.04",
        "ubuntu 24.04",
        "debian 11",
        "centos 7",
        "rocky 9",
        "almalinux 8",
        "fedora 42",
    ] {
        assert!(text.contains(supported), "{text}");
    }
}

#[test]
fn hostnames_follow_the_host_rules_and_kubernetes() {
    for (name, fragment) in [
        ("edge 1", "may only contain"),
        ("Edge-1", "upper-case"),
        ("edge_1", "underscore"),
        ("-edge", "starts or ends"),
        ("", "empty"),
    ] {
        let err = plan_err(
            controller(),
            json!([with(node(0, "ubuntu", "22.04"), "hostname", json!(name))]),
        );
        assert_err(&err, "plan.invalid_hostname", Some("nodes[0]"), "hostname");
        assert!(err.to_string().contains(fragment), "{err}");
    }
}

#[test]
fn duplicates_name_both_nodes() {
    for (field, value) in [
        ("hostname", json!("edge-0")),
        ("mgmt_ip", json!("192.168.204.50")),
        ("mgmt_mac", json!("08-00-27-AA-01-00")),
    ] {
        let nodes = json!([
            node(0, "ubuntu", "22.04"),
            node(1, "ubuntu", "22.04"),
            with(node(2, "ubuntu", "22.04"), field, value)
        ]);
        let err = plan_err(controller(), nodes);
        assert_eq!(err.code(), "plan.duplicate", "{err}");
        assert_eq!(err.field(), field);
        assert!(err.to_string().contains("also used by nodes[0]"), "{err}");
    }
}

#[test]
fn the_first_problem_in_input_order_wins_between_duplicates_and_invalid_fields() {
    let duplicate = with(node(1, "ubuntu", "22.04"), "hostname", json!("edge-0"));
    let invalid = |i| with(node(i, "ubuntu", "22.04"), "arch", json!("riscv64"));
    // A duplicate before an invalid node is reported, naming the duplicate.
    let err = plan_err(
        controller(),
        json!([node(0, "ubuntu", "22.04"), duplicate.clone(), invalid(2)]),
    );
    assert_err(&err, "plan.duplicate", Some("edge-0"), "hostname");
    assert!(err.to_string().contains("(nodes[1])"), "{err}");
    // An invalid node before a duplicate is reported instead.
    let err = plan_err(
        controller(),
        json!([node(0, "ubuntu", "22.04"), invalid(2), duplicate]),
    );
    assert_err(&err, "plan.unsupported_arch", Some("edge-2"), "arch");
    assert!(err.to_string().contains("(nodes[1])"), "{err}");
}

#[test]
fn the_nodes_array_must_be_a_non_empty_array_of_objects() {
    assert_eq!(plan_err(controller(), json!([])).code(), "plan.no_nodes");
    assert_eq!(plan_err(controller(), json!({})).code(), "plan.wrong_type");
    let err = plan_err(controller(), json!([node(0, "ubuntu", "22.04"), "edge-2"]));
    assert_err(&err, "plan.wrong_type", Some("nodes[1]"), ".");
}

#[test]
fn ipv6_management_networks_work_end_to_end() {
    let c = json!({
        "kubernetes_version": "v1.30.1", "apiserver": "[fd00::2]:6443",
        "mgmt_floating_address": "fd00::2", "mgmt_subnet": "fd00::/64",
    });
    let n = json!([with(
        node(0, "debian", "12.5"),
        "mgmt_ip",
        json!("fd00::50")
    )]);
    let plan = Plan::from_values(c.clone(), n).unwrap();
    assert_eq!(plan.controller().dns_servers()[0].to_string(), "fd00::2");
    let err = plan_err(c, json!([node(0, "debian", "12")]));
    assert!(
        err.to_string()
            .contains("of another family than the management subnet fd00::/64"),
        "{err}"
    );
}

#[test]
fn defaults_fill_what_the_controller_omits() {
    let plan = Plan::from_values(controller(), json!([node(0, "ubuntu", "22.04")])).unwrap();
    let c = plan.controller();
    assert_eq!(c.registry().as_str(), "registry.local:9001");
    assert_eq!(
        c.registry_ca_cert().as_str(),
        "/etc/docker/certs.d/registry.local:9001/registry-cert.crt"
    );
    assert_eq!(c.run_timeout_minutes(), 60);
    assert!(!c.proxy().is_set());
    assert_eq!(plan.nodes()[0].node().python().as_str(), "/usr/bin/python3");
}

#[test]
fn package_sources_are_validated_and_named_by_member_and_field() {
    let good = json!({"url": "http://mirror.local/k8s/{minor}/deb/", "key": "/etc/mirror/k8s.asc"});
    let cases: &[(&str, Value, &str, &str)] = &[
        (
            "kubernetes_deb",
            json!({"url": "mirror.local/k8s", "key": "/k"}),
            "plan.invalid_package_source",
            "package_sources.kubernetes_deb.url",
        ),
        (
            "kubernetes_rpm",
            json!({"url": "http://m/", "key": "keys/k8s.asc"}),
            "plan.invalid_package_source",
            "package_sources.kubernetes_rpm.key",
        ),
        (
            "containerd_rpm",
            json!({"url": "http://m/a b", "key": "/k"}),
            "plan.invalid_package_source",
            "package_sources.containerd_rpm.url",
        ),
        (
            "containerd_rpm",
            json!({"url": "http://m/", "key": "/etc/k\ney"}),
            "plan.invalid_path",
            "package_sources.containerd_rpm.key",
        ),
        (
            "kubernetes_deb",
            json!({"url": "http://m/"}),
            "plan.missing_field",
            "package_sources.kubernetes_deb.key",
        ),
        (
            "kubernetes_deb",
            json!({"url": "http://m/", "key": "/k", "arch": "amd64"}),
            "plan.unknown_field",
            "package_sources.kubernetes_deb.arch",
        ),
        (
            "kubernetes_deb",
            json!("http://m/"),
            "plan.wrong_type",
            "package_sources.kubernetes_deb",
        ),
        (
            "docker_deb",
            good.clone(),
            "plan.unknown_field",
            "package_sources.docker_deb",
        ),
    ];
    for (member, value, code, field) in cases {
        let c = with(controller(), "package_sources", json!({ *member: value }));
        let err = plan_err(c, json!([node(0, "ubuntu", "22.04")]));
        assert_err(&err, code, None, field);
    }
    // The message quotes the value as given, {minor} included.
    let c = with(
        controller(),
        "package_sources",
        json!({"kubernetes_rpm": {"url": "ftp://m/{minor}/", "key": "/k"}}),
    );
    let err = plan_err(c, json!([node(0, "rocky", "9")]));
    assert!(err.to_string().contains("\"ftp://m/{minor}/\""), "{err}");
    assert!(err.to_string().contains("http://"), "{err}");
}

#[test]
fn package_sources_replace_minor_and_default_to_upstream() {
    let c = with(
        controller(),
        "package_sources",
        json!({
            "kubernetes_deb": {"url": "http://mirror.local/k8s/{minor}/deb/", "key": "http://mirror.local/k8s/{minor}/deb/Release.key"},
            "containerd_rpm": {"url": "https://mirror.local/docker/", "key": "/etc/mirror/docker-{minor}.gpg"},
        }),
    );
    let plan = Plan::from_values(c, json!([node(0, "ubuntu", "22.04")])).unwrap();
    let sources = plan.controller().package_sources();
    let deb = sources.kubernetes_deb.as_ref().unwrap();
    assert_eq!(deb.url.as_str(), "http://mirror.local/k8s/v1.29/deb/");
    assert!(
        matches!(&deb.key, SourceKey::Url(u) if u.as_str() == "http://mirror.local/k8s/v1.29/deb/Release.key")
    );
    let containerd = sources.containerd_rpm.as_ref().unwrap();
    assert!(
        matches!(&containerd.key, SourceKey::File(p) if p.as_str() == "/etc/mirror/docker-v1.29.gpg")
    );
    assert!(sources.kubernetes_rpm.is_none(), "absent: upstream");
    // Absent altogether: every member upstream.
    let plan = Plan::from_values(controller(), json!([node(0, "ubuntu", "22.04")])).unwrap();
    assert_eq!(
        plan.controller().package_sources(),
        &PackageSources::default()
    );
}

#[test]
fn the_airgapped_example_uses_its_mirrors() {
    let path = format!(
        "{}/../examples/plan/controller-airgapped.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let c: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (_, nodes) = example();
    let plan = Plan::from_values(c, nodes).unwrap();
    let deb = plan
        .controller()
        .package_sources()
        .kubernetes_deb
        .clone()
        .unwrap();
    assert_eq!(
        deb.url.as_str(),
        "http://192.168.204.2:8080/mirror/kubernetes/v1.29/deb/"
    );
    assert!(
        matches!(deb.key, SourceKey::File(p) if p.as_str() == "/opt/mirror/keys/kubernetes-v1.29.asc")
    );
    assert!(
        plan.to_text()
            .contains("http://192.168.204.2:8080/mirror/kubernetes/v1.29/deb/")
    );
}
