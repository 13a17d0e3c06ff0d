//! The steps: order, presence per OS family and inputs, and what each builder produces.

mod plan_support;

use edgeworker_core::plan::{
    Action, Check, Guard, Handler, NetworkManager, PackageManager, Plan, Secrets, Side, Step,
    StepId, TokenSource,
};
use plan_support::{controller, node, with};
use serde_json::{Value, json};

fn steps(c: Value, n: Value) -> Vec<Step> {
    Plan::from_values(c, n).unwrap().steps(Secrets::Redact)
}

fn one_node(os: &str, version: &str) -> Vec<Step> {
    steps(controller(), json!([node(0, os, version)]))
}

fn find(steps: &[Step], id: StepId) -> &Step {
    steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn ids(steps: &[Step]) -> Vec<&'static str> {
    steps.iter().map(|s| s.id.as_str()).collect()
}

fn files(step: &Step) -> Vec<(&str, &str)> {
    step.actions
        .iter()
        .filter_map(|a| match a {
            Action::WriteFile { path, content, .. }
            | Action::ManagementInterface { path, content, .. } => {
                Some((path.as_str(), content.as_str()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn debian_like_nodes_get_every_step_but_selinux_in_order() {
    for (os, version) in [
        ("ubuntu", "20.04"),
        ("ubuntu", "22.04"),
        ("ubuntu", "24.04"),
        ("debian", "11"),
        ("debian", "12"),
    ] {
        assert_eq!(
            ids(&one_node(os, version)),
            [
                "controller.lock",
                "controller.inventory",
                "controller.hosts",
                "controller.stage",
                "controller.join_credentials",
                "node.preflight",
                "node.hostname",
                "node.network",
                "node.proxy",
                "node.time",
                "node.kernel",
                "node.swap",
                "node.runtime",
                "node.k8s_packages",
                "node.kubelet_config",
                "node.k8s_join",
                "node.images",
                "controller.cleanup",
            ],
            "{os} {version}"
        );
    }
}

#[test]
fn rhel_like_nodes_get_the_selinux_firewall_step() {
    for (os, version) in [
        ("centos", "7"),
        ("centos", "9"),
        ("rocky", "8"),
        ("almalinux", "9"),
        ("fedora", "41"),
    ] {
        let s = one_node(os, version);
        let at = ids(&s)
            .iter()
            .position(|id| *id == "node.selinux_firewall")
            .unwrap();
        assert_eq!(ids(&s)[at - 1], "node.swap", "{os}");
        assert_eq!(ids(&s)[at + 1], "node.runtime", "{os}");
        assert_eq!(
            find(&s, StepId::NodeSelinuxFirewall).actions,
            [
                Action::SelinuxPermissive,
                Action::FirewallOpen {
                    ports: vec!["10250/tcp".into()]
                }
            ]
        );
    }
}

#[test]
fn step_numbers_never_decrease_within_a_node() {
    let s = steps(
        controller(),
        json!([node(0, "rocky", "9"), node(1, "ubuntu", "22.04")]),
    );
    for pair in s.windows(2) {
        if pair[0].node == pair[1].node {
            assert!(
                pair[0].id.number() < pair[1].id.number(),
                "{} then {}",
                pair[0].id,
                pair[1].id
            );
        }
    }
    assert_eq!(
        s.iter().filter(|s| s.id == StepId::NodePreflight).count(),
        2
    );
    assert_eq!(s.last().map(|s| s.id), Some(StepId::ControllerCleanup));
}

#[test]
fn the_proxy_step_removes_a_proxy_no_longer_set_and_quotes_the_values() {
    // Without a proxy the step takes any earlier proxy off the node, and restarts containerd
    // when it did.
    for (os, version, package_action) in [
        (
            "ubuntu",
            "22.04",
            Action::Remove {
                path: "/etc/apt/apt.conf.d/95edgeworker-proxy".into(),
            },
        ),
        (
            "rocky",
            "9",
            Action::RemoveLine {
                path: "/etc/dnf/dnf.conf".into(),
                regexp: "^proxy=".into(),
            },
        ),
    ] {
        let s = one_node(os, version);
        let proxy = find(&s, StepId::NodeProxy);
        assert_eq!(
            proxy.actions,
            [
                package_action,
                Action::Remove {
                    path: "/etc/systemd/system/containerd.service.d/http-proxy.conf".into()
                }
            ]
        );
        assert_eq!(proxy.notify, [Handler::RestartContainerd]);
    }
    let c = with(
        controller(),
        "proxy",
        json!({"http": "http://u:p%40ss@proxy:3128", "no_proxy": ["localhost", ".svc"]}),
    );
    let apt = steps(c.clone(), json!([node(0, "ubuntu", "22.04")]));
    let proxy = find(&apt, StepId::NodeProxy);
    assert_eq!(proxy.notify, [Handler::RestartContainerd]);
    let f = files(proxy);
    assert_eq!(
        f[0],
        (
            "/etc/apt/apt.conf.d/95edgeworker-proxy",
            "# Managed by edgeworker provisioning: package downloads through the proxy.\nAcquire::http::Proxy \"http://u:p%40ss@proxy:3128\";\n"
        )
    );
    // systemd expands %-specifiers in Environment=, so % is doubled there.
    assert!(
        f[1].1
            .contains("Environment=\"HTTP_PROXY=http://u:p%%40ss@proxy:3128\"\n"),
        "{}",
        f[1].1
    );
    assert!(
        f[1].1.contains("Environment=\"NO_PROXY=localhost,.svc\"\n"),
        "{}",
        f[1].1
    );
    let dnf = steps(c, json!([node(0, "rocky", "9")]));
    assert_eq!(
        find(&dnf, StepId::NodeProxy).actions[0],
        Action::LineInFile {
            path: "/etc/dnf/dnf.conf".into(),
            regexp: "^proxy=".into(),
            line: "proxy=http://u:p%40ss@proxy:3128".into()
        }
    );
}

#[test]
fn packages_pin_exactly_the_control_plane_version_per_manager() {
    let apt = one_node("ubuntu", "22.04");
    let pkgs = &find(&apt, StepId::NodeK8sPackages).actions;
    assert!(
        matches!(&pkgs[0], Action::AptRepository { line, .. } if line == "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.29/deb/ /")
    );
    assert!(
        matches!(&pkgs[1], Action::InstallPackages { manager: PackageManager::Apt, packages, .. } if packages == &["kubelet=1.29.2-*", "kubeadm=1.29.2-*"])
    );
    assert_eq!(
        pkgs[2],
        Action::HoldPackages {
            packages: vec!["kubelet".into(), "kubeadm".into()]
        }
    );
    for (os, version, manager) in [
        ("centos", "7", PackageManager::Yum),
        ("rocky", "9", PackageManager::Dnf),
    ] {
        let s = one_node(os, version);
        let pkgs = &find(&s, StepId::NodeK8sPackages).actions;
        assert!(
            matches!(&pkgs[0], Action::RpmRepository { baseurl, exclude, .. }
            if baseurl == "https://pkgs.k8s.io/core:/stable:/v1.29/rpm/" && exclude.contains(&"kubelet".to_owned()))
        );
        assert_eq!(
            pkgs[1],
            Action::InstallPackages {
                manager,
                packages: vec!["kubelet-1.29.2".into(), "kubeadm-1.29.2".into()],
                disable_excludes: Some("kubernetes".into()),
                exact_version: Some("1.29.2".into()),
            }
        );
    }
}

#[test]
fn the_kubelet_env_file_follows_the_family_and_quotes_only_the_value() {
    for (os, version, path) in [
        ("debian", "12", "/etc/default/kubelet"),
        ("rocky", "9", "/etc/sysconfig/kubelet"),
    ] {
        let s = one_node(os, version);
        let step = find(&s, StepId::NodeKubeletConfig);
        assert_eq!(
            step.actions,
            [Action::LineInFile {
                path: path.into(),
                regexp: "^KUBELET_EXTRA_ARGS=".into(),
                line: "KUBELET_EXTRA_ARGS=\"--node-ip=192.168.204.50\"".into(),
            }]
        );
        assert_eq!(step.notify, [Handler::RestartKubelet]);
    }
}

#[test]
fn containerd_comes_from_docker_where_the_distribution_has_none_new_enough() {
    let package = |os, version| {
        let s = one_node(os, version);
        find(&s, StepId::NodeRuntime)
            .actions
            .iter()
            .find_map(|a| match a {
                Action::InstallPackages { packages, .. } => packages.first().cloned(),
                _ => None,
            })
    };
    assert_eq!(package("ubuntu", "22.04").as_deref(), Some("containerd"));
    assert_eq!(package("debian", "12").as_deref(), Some("containerd"));
    assert_eq!(package("debian", "11").as_deref(), Some("containerd.io"));
    assert_eq!(package("centos", "7").as_deref(), Some("containerd.io"));
    let s = one_node("debian", "11");
    assert!(find(&s, StepId::NodeRuntime).actions.iter().any(|a| matches!(a, Action::AptRepository { line, .. } if line.ends_with("linux/debian bullseye stable"))));
    let runtime = find(&s, StepId::NodeRuntime);
    assert!(runtime.actions.contains(&Action::MinimumVersion {
        argv: vec!["containerd".into(), "--version".into()],
        minimum: "1.6.0".into()
    }));
    assert!(matches!(
        runtime.actions.last(),
        Some(Action::WaitFor { .. })
    ));
}

#[test]
fn network_uses_networkd_or_networkmanager_by_mac_with_dns_at_the_controller() {
    let c = with(
        with(
            controller(),
            "dns_servers",
            json!(["192.168.204.2", "192.168.204.3"]),
        ),
        "registry",
        json!("registry.local:9001"),
    );
    let deb = steps(
        c.clone(),
        json!([with(
            node(0, "ubuntu", "22.04"),
            "mgmt_mac",
            json!("08-00-27-AA-01-00")
        )]),
    );
    let net = find(&deb, StepId::NodeNetwork);
    // The manager in use is detected and configured; no handler applies it.
    assert_eq!(
        net.actions[0],
        Action::DetectNetworkManager {
            supported: vec![
                NetworkManager::Networkd,
                NetworkManager::NetworkManager,
                NetworkManager::Ifupdown
            ]
        }
    );
    assert!(net.notify.is_empty(), "{:?}", net.notify);
    let hook = files(net)[2];
    assert_eq!(
        hook.0, "/etc/dhcp/dhclient-enter-hooks.d/edgeworker-dns",
        "a stock Debian keeps ifupdown; dhclient keeps the controller's DNS"
    );
    assert!(
        hook.1
            .contains("new_domain_name_servers=\"192.168.204.2 192.168.204.3\"\n"),
        "{}",
        hook.1
    );
    assert!(net.actions.contains(&Action::Nameservers {
        lines: "nameserver 192.168.204.2\nnameserver 192.168.204.3\n".into()
    }));
    let (path, content) = files(net)[0];
    assert_eq!(path, "/etc/systemd/network/10-edgeworker-mgmt.network");
    assert!(
        content.contains("MACAddress=08:00:27:aa:01:00\n"),
        "{content}"
    );
    assert!(
        content.contains("DHCP=ipv4\nDNS=192.168.204.2 192.168.204.3\n"),
        "{content}"
    );
    assert_eq!(
        net.actions.last(),
        Some(&Action::HostsEntry {
            path: "/etc/hosts".into(),
            ip: "192.168.204.2".into(),
            name: "registry.local".into()
        })
    );
    let rhel = steps(c, json!([node(0, "rocky", "9")]));
    let rhel_net = find(&rhel, StepId::NodeNetwork);
    assert_eq!(
        rhel_net.actions[0],
        Action::DetectNetworkManager {
            supported: vec![NetworkManager::NetworkManager]
        }
    );
    let (path, content) = files(rhel_net)[0];
    assert_eq!(
        path,
        "/etc/NetworkManager/system-connections/edgeworker-mgmt.nmconnection"
    );
    assert!(
        content.contains("mac-address=08:00:27:aa:01:00\n"),
        "{content}"
    );
    assert!(
        content.contains("[ipv4]\nmethod=auto\ndns=192.168.204.2;192.168.204.3;\n"),
        "{content}"
    );
    // A registry named by address needs no hosts entry.
    let by_ip = steps(
        with(controller(), "registry", json!("192.168.204.2:9001")),
        json!([node(0, "rocky", "9")]),
    );
    assert!(
        !find(&by_ip, StepId::NodeNetwork)
            .actions
            .iter()
            .any(|a| matches!(a, Action::HostsEntry { .. }))
    );
}

#[test]
fn kernel_swap_time_and_images() {
    let s = one_node("ubuntu", "22.04");
    let kernel = find(&s, StepId::NodeKernel);
    // Each module with the path that proves it present, loaded or built in: a built-in
    // br_netfilter has no /sys/module entry, so its sysctls are the proof.
    let Action::LoadModules { modules } = &kernel.actions[1] else {
        panic!("{:?}", kernel.actions[1]);
    };
    let proofs: Vec<(&str, &str)> = modules
        .iter()
        .map(|m| (m.name.as_str(), m.present_when.as_str()))
        .collect();
    assert_eq!(
        proofs,
        [
            ("overlay", "/sys/module/overlay"),
            (
                "br_netfilter",
                "/proc/sys/net/bridge/bridge-nf-call-iptables"
            )
        ]
    );
    let sysctl = files(kernel)[1].1;
    for line in [
        "net.ipv4.ip_forward = 1",
        "net.bridge.bridge-nf-call-iptables = 1",
        "net.bridge.bridge-nf-call-ip6tables = 1",
    ] {
        assert!(sysctl.contains(line), "{sysctl}");
    }
    assert!(!sysctl.contains("ipv6.conf.all.forwarding"));
    assert_eq!(kernel.notify, [Handler::ReloadSysctl]);
    assert_eq!(find(&s, StepId::NodeSwap).actions[0], Action::SwapOff);
    let time = find(&s, StepId::NodeTime);
    assert!(files(time)[0].1.contains("server 192.168.204.2 iburst\n"));
    assert!(
        matches!(&find(&s, StepId::NodeImages).actions[0], Action::PullImages { image_repository, images, .. }
        if image_repository == "registry.local:9001/registry.k8s.io" && images == &["pause", "kube-proxy", "coredns"])
    );
}

#[test]
fn the_join_is_guarded_and_its_token_redacted_unless_revealed() {
    let hash = format!("sha256:{}", "ab".repeat(32));
    let c = with(
        controller(),
        "join",
        json!({"token": "abcdef.0123456789abcdef", "ca_cert_hash": hash}),
    );
    let plan = Plan::from_values(c, json!([node(0, "ubuntu", "22.04")])).unwrap();
    let redacted = plan.steps(Secrets::Redact);
    let join = find(&redacted, StepId::NodeK8sJoin);
    assert_eq!(
        join.guard,
        Guard::SkipWhenExists {
            path: "/etc/kubernetes/kubelet.conf".into()
        }
    );
    assert!(
        matches!(&join.actions[0], Action::KubeadmJoin { token, ca_cert_hash, ignore_preflight_errors, node_name, .. }
        if token == "<redacted>" && *ca_cert_hash == hash && ignore_preflight_errors.is_empty() && node_name == "edge-0")
    );
    let revealed = plan.steps(Secrets::Reveal);
    assert!(
        matches!(&find(&revealed, StepId::NodeK8sJoin).actions[0], Action::KubeadmJoin { token, .. } if token == "abcdef.0123456789abcdef")
    );
    // Given credentials: read from the environment, nothing to delete in cleanup.
    assert_eq!(
        find(&redacted, StepId::ControllerJoinCredentials).actions[0],
        Action::JoinToken {
            source: TokenSource::Environment {
                variable: "EDGEWORKER_JOIN_TOKEN".into()
            }
        }
    );
    assert!(
        !find(&redacted, StepId::ControllerCleanup)
            .actions
            .contains(&Action::DeleteJoinToken)
    );
    let created = one_node("ubuntu", "22.04");
    assert_eq!(
        find(&created, StepId::ControllerJoinCredentials).actions[0],
        Action::JoinToken {
            source: TokenSource::Create { ttl_minutes: 60 }
        }
    );
    assert_eq!(
        find(&created, StepId::ControllerCleanup).actions,
        [
            Action::DeleteJoinToken,
            Action::Remove {
                path: "/run/edgeworker-provision".into()
            },
            Action::Unlock {
                path: "/run/edgeworker-provision.lock".into()
            },
            Action::ReportFailedNodes,
        ]
    );
}

#[test]
fn controller_steps_cover_every_node_and_labels_run_on_the_controller() {
    let nodes = json!([
        with(
            node(0, "ubuntu", "22.04"),
            "labels",
            json!({"site": "a", "node-role.kubernetes.io/edge": ""})
        ),
        node(1, "rocky", "9")
    ]);
    let s = steps(controller(), nodes);
    assert_eq!(
        find(&s, StepId::ControllerInventory).actions,
        [Action::CheckInventory {
            hosts: vec![
                ("edge-0".into(), "192.168.204.50".into()),
                ("edge-1".into(), "192.168.204.51".into())
            ],
        }]
    );
    assert_eq!(find(&s, StepId::ControllerHosts).actions.len(), 2);
    let labels: Vec<&Step> = s.iter().filter(|s| s.id == StepId::NodeLabels).collect();
    assert_eq!(labels.len(), 1, "only the labelled node gets the step");
    assert_eq!(labels[0].id.side(), Side::Controller);
    assert_eq!(
        labels[0].actions,
        [Action::LabelNode {
            node: "edge-0".into(),
            labels: vec!["node-role.kubernetes.io/edge=".into(), "site=a".into()]
        }]
    );
    assert!(matches!(
        &find(&s, StepId::ControllerLock).actions[0],
        Action::Lock {
            stale_after_minutes: 60,
            ..
        }
    ));
    assert_eq!(find(&s, StepId::ControllerLock).guard, Guard::Always);
}

#[test]
fn preflight_checks_name_the_node_facts() {
    let s = steps(
        controller(),
        json!([with(
            node(0, "centos", "7.9.2009"),
            "arch",
            json!("aarch64")
        )]),
    );
    let Action::Preflight { checks } = &find(&s, StepId::NodePreflight).actions[0] else {
        panic!("not a preflight")
    };
    assert_eq!(
        checks[0],
        Check::OsRelease {
            id: "centos".into(),
            version: "7".into()
        }
    );
    assert_eq!(
        checks[1],
        Check::Arch {
            kernel_name: "aarch64".into()
        }
    );
    assert_eq!(
        checks[2],
        Check::MgmtAddress {
            ip: "192.168.204.50".into(),
            ipv6: false
        }
    );
}

#[test]
fn ipv6_adds_forwarding_and_dhcpv6() {
    let c = json!({"kubernetes_version": "1.31.0", "apiserver": "[fd00::2]:6443", "mgmt_floating_address": "fd00::2", "mgmt_subnet": "fd00::/64"});
    let s = steps(
        c,
        json!([with(
            node(0, "ubuntu", "24.04"),
            "mgmt_ip",
            json!("fd00::50")
        )]),
    );
    assert!(
        files(find(&s, StepId::NodeKernel))[1]
            .1
            .contains("net.ipv6.conf.all.forwarding = 1")
    );
    assert!(
        files(find(&s, StepId::NodeNetwork))[0]
            .1
            .contains("DHCP=ipv6")
    );
    let stage = files(find(&s, StepId::ControllerStage))[0].1;
    assert!(stage.contains("pause:3.10"), "{stage}");
}

fn static_controller(gateway: Option<&str>) -> Value {
    let c = with(controller(), "mgmt_addressing", json!("static"));
    match gateway {
        Some(g) => with(c, "mgmt_gateway", json!(g)),
        None => c,
    }
}

#[test]
fn static_addressing_writes_the_planned_address_for_every_manager() {
    let deb = steps(
        static_controller(Some("192.168.204.1")),
        json!([node(0, "debian", "12")]),
    );
    let net = find(&deb, StepId::NodeNetwork);
    let ip = deb
        .iter()
        .flat_map(|s| &s.actions)
        .find_map(|a| match a {
            Action::Preflight { checks } => checks.iter().find_map(|c| match c {
                Check::MgmtAddress { ip, .. } => Some(ip.clone()),
                _ => None,
            }),
            _ => None,
        })
        .expect("preflight still checks the address is on the node");
    let address = format!("{ip}/24");
    let (path, networkd) = files(net)[0];
    assert_eq!(path, "/etc/systemd/network/10-edgeworker-mgmt.network");
    assert!(
        networkd.contains(&format!(
            "DHCP=no\nAddress={address}\nGateway=192.168.204.1\nDNS="
        )),
        "{networkd}"
    );
    let (_, nm) = files(net)[1];
    assert!(
        nm.contains(&format!(
            "[ipv4]\nmethod=manual\naddress1={address},192.168.204.1\n"
        )),
        "{nm}"
    );
    let stanza = net
        .actions
        .iter()
        .find_map(|a| match a {
            Action::ManagementStanza { path, content } => Some((path.as_str(), content.as_str())),
            _ => None,
        })
        .expect("ifupdown gets a static stanza");
    assert_eq!(stanza.0, "/etc/network/interfaces.d/edgeworker-mgmt");
    assert!(
        stanza.1.contains(&format!(
            " inet static\n    address {address}\n    gateway 192.168.204.1\n"
        )),
        "{}",
        stanza.1
    );
    // The DHCP mode's dhclient hook goes; nothing of DHCP stays.
    assert!(net.actions.contains(&Action::Remove {
        path: "/etc/dhcp/dhclient-enter-hooks.d/edgeworker-dns".into()
    }));
    assert_eq!(
        net.actions[0],
        Action::DetectNetworkManager {
            supported: vec![
                NetworkManager::Networkd,
                NetworkManager::NetworkManager,
                NetworkManager::Ifupdown
            ]
        }
    );
    assert!(
        !format!("{net:?}").contains("DHCP=ipv4"),
        "no DHCP in a static plan"
    );
}

#[test]
fn static_addressing_without_a_gateway_and_on_ipv6() {
    let v4 = steps(static_controller(None), json!([node(0, "rocky", "9")]));
    let (_, nm) = files(find(&v4, StepId::NodeNetwork))[0];
    assert!(
        nm.contains("\naddress1=192.168.204.50/24\n"),
        "no gateway: {nm}"
    );
    let c = with(
        with(
            with(
                with(
                    static_controller(Some("fd00::1")),
                    "mgmt_subnet",
                    json!("fd00::/64"),
                ),
                "mgmt_floating_address",
                json!("fd00::2"),
            ),
            "apiserver",
            json!("[fd00::2]:6443"),
        ),
        "dns_servers",
        json!(["fd00::2"]),
    );
    let n = with(node(0, "ubuntu", "22.04"), "mgmt_ip", json!("fd00::50"));
    let v6 = steps(c, json!([n]));
    let net = find(&v6, StepId::NodeNetwork);
    let (_, networkd) = files(net)[0];
    assert!(
        networkd.contains("DHCP=no\nIPv6AcceptRA=no\nAddress=fd00::50/64\nGateway=fd00::1\n"),
        "{networkd}"
    );
    let (_, nm) = files(net)[1];
    assert!(
        nm.contains(
            "[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=manual\naddress1=fd00::50/64,fd00::1\n"
        ),
        "{nm}"
    );
}
