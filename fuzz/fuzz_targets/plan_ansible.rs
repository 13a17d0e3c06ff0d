//! Plan inputs → Ansible playbook and inventory, with YAML-, Jinja-, shell- and
//! Unicode-hostile strings in every free-form field (paths, proxy URLs, interpreter) and
//! realistic or arbitrary text in the others.
//!
//! Properties, for every accepted input:
//! - both files parse (an independent YAML parser: granit, event by event) as exactly one
//!   document, with no aliases, no tagged collections and no non-scalar keys;
//! - every key of the inventory is untagged and of `[A-Za-z0-9_.-]` (our variable and group
//!   names, and validated host names); no input string is ever a key;
//! - every input string appears, exactly, as an `!unsafe` scalar value at its variable;
//!   untagged inventory values are only our own constants, so no `{{`/`{%` reaches
//!   Ansible's templating outside an `!unsafe` scalar except our `ansible_playbook_python`;
//! - the playbook holds no input: rendering the same plan with every free-form value
//!   replaced by another yields the same playbook byte for byte, and it has no tags.
#![no_main]

use arbitrary::Unstructured;
use edgeworker_core::plan::{Plan, Secrets};
use edgeworker_fuzz::inputs::{hostile, text};
use edgeworker_fuzz::yaml::{Scalar, scalars};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
struct NodeIn {
    hostname: String,
    os: (String, String),
    arch: String,
    ssh_user: String,
    python: Option<String>,
    labels: Vec<(String, String)>,
    kubelet: Option<String>,
}

#[derive(Debug, Clone)]
struct Input {
    v6: bool,
    version: String,
    apiserver: String,
    ntp: Option<Vec<String>>,
    registry: Option<String>,
    ca_cert: Option<String>,
    http: Option<String>,
    https: Option<String>,
    no_proxy: Option<Vec<String>>,
    join: bool,
    timeout: Option<u32>,
    /// `package_sources.kubernetes_deb`: a URL and a key (a URL or a controller path).
    deb_source: Option<(String, String)>,
    /// `mgmt_addressing` and `mgmt_gateway` (also refused words and addresses).
    mgmt: Option<(String, Option<String>)>,
    nodes: Vec<NodeIn>,
}

/// Hostile text reduced, half of the time, to what a field accepts, so both the refusals
/// and the renderings of accepted hostile values are exercised.
fn free_form(
    u: &mut Unstructured<'_>,
    prefix: &str,
    keep: fn(char) -> bool,
) -> arbitrary::Result<String> {
    let raw = hostile(u, prefix)?;
    Ok(if u.arbitrary()? {
        raw.chars().filter(|&c| keep(c)).collect()
    } else {
        raw
    })
}

fn path_char(c: char) -> bool {
    !c.is_control()
}
fn program_char(c: char) -> bool {
    !c.is_control() && !c.is_whitespace()
}
fn url_char(c: char) -> bool {
    c.is_ascii_graphic() && c != '"' && c != '\\'
}

fn input(u: &mut Unstructured<'_>) -> arbitrary::Result<Input> {
    let v6: bool = u.arbitrary()?;
    let mut nodes = Vec::new();
    for i in 0..u.int_in_range(1..=3)? {
        let (id, version) = *u.choose(&[
            ("ubuntu", "22.04"),
            ("ubuntu", "20.04"),
            ("debian", "12"),
            ("centos", "7"),
            ("rocky", "9"),
            ("Rocky", "9.4"),
            ("almalinux", "8"),
            ("ubuntu", "22.10"),
        ])?;
        let mut labels = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            labels.push((
                text(
                    u,
                    &[
                        "site",
                        "node-role.kubernetes.io/edge",
                        "example.com/a.b",
                        "yes",
                    ],
                    6,
                )?,
                text(u, &["plant-a", "", "x_y-z", "no", "1.0"], 6)?,
            ));
        }
        nodes.push(NodeIn {
            hostname: format!("{}{i}", text(u, &["edge-", "edge-ubuntu-", "n"], 10)?),
            os: (text(u, &[id], 12)?, text(u, &[version], 12)?),
            arch: text(u, &["amd64", "x86_64", "arm64", "aarch64"], 12)?,
            ssh_user: text(u, &["sysadmin", "root", "_svc"], 8)?,
            python: if u.arbitrary()? {
                Some(free_form(u, "/", program_char)?)
            } else {
                None
            },
            labels,
            kubelet: if u.arbitrary()? {
                Some(text(u, &["1.29.2", "1.28.4", "v1.27.0", "1.30.1"], 8)?)
            } else {
                None
            },
        });
    }
    let list =
        |u: &mut Unstructured<'_>, known: &[&str]| -> arbitrary::Result<Option<Vec<String>>> {
            if u.arbitrary()? {
                return Ok(None);
            }
            (0..u.int_in_range(0..=3)?)
                .map(|_| text(u, known, 8))
                .collect::<arbitrary::Result<Vec<_>>>()
                .map(Some)
        };
    Ok(Input {
        v6,
        version: text(u, &["1.29.2", "v1.29.2", "1.28.4", "1.30.0"], 8)?,
        apiserver: text(
            u,
            if v6 {
                &["[fd00::2]:6443", "api.example.com:6443"]
            } else {
                &["192.168.204.2:6443", "api.example.com:6443"]
            },
            8,
        )?,
        ntp: list(u, &["192.168.204.2", "pool.ntp.org", "fd00::2"])?,
        registry: if u.arbitrary()? {
            Some(text(
                u,
                &[
                    "registry.local:9001",
                    "10.1.1.1:5000",
                    "[fd00::9]:5000",
                    "reg.example.com",
                ],
                8,
            )?)
        } else {
            None
        },
        ca_cert: if u.arbitrary()? {
            Some(free_form(u, "/", path_char)?)
        } else {
            None
        },
        http: if u.arbitrary()? {
            Some(free_form(u, "http://", url_char)?)
        } else {
            None
        },
        https: if u.arbitrary()? {
            Some(free_form(u, "https://p.example:3128/", url_char)?)
        } else {
            None
        },
        no_proxy: list(
            u,
            &[
                "localhost",
                "127.0.0.1",
                "192.168.204.0/24",
                ".cluster.local",
                "*",
                "[fd00::1]",
            ],
        )?,
        join: u.arbitrary()?,
        timeout: if u.arbitrary()? {
            Some(u.int_in_range(0..=2000)?)
        } else {
            None
        },
        deb_source: if u.arbitrary()? {
            let url = free_form(u, "http://mirror.example/{minor}/", url_char)?;
            let key = if u.arbitrary()? {
                free_form(u, "/etc/mirror/", path_char)?
            } else {
                free_form(u, "https://mirror.example/", url_char)?
            };
            Some((url, key))
        } else {
            None
        },
        mgmt: if u.arbitrary()? {
            let addressing = (*u.choose(&["static", "static", "dhcp", "manual"])?).to_owned();
            let gateway = if u.arbitrary()? {
                let choices: &[&str] = if v6 {
                    &["fd00::1", "fd00::ffff", "fd01::1", "192.168.204.1"]
                } else {
                    &["192.168.204.1", "192.168.204.254", "10.0.0.1", "fd00::1"]
                };
                Some((*u.choose(choices)?).to_owned())
            } else {
                None
            };
            Some((addressing, gateway))
        } else {
            None
        },
        nodes,
    })
}

/// The same plan shape with every free-form value replaced: what the playbook may depend on
/// (families, OS releases, which proxies are set, a given token, the timeout, whether the
/// registry is named by DNS) is kept; the values themselves are not.
fn twin(i: &Input) -> Input {
    let registry_by_address = i.registry.as_deref().is_some_and(|r| {
        let host = if r.starts_with('[') {
            r
        } else {
            r.split(':').next().unwrap_or(r)
        };
        host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok()
    });
    Input {
        v6: i.v6,
        version: "1.31.0".into(),
        apiserver: "canon.example:6443".into(),
        ntp: i.ntp.as_ref().map(|l| {
            (0..l.len())
                .map(|n| format!("ntp{n}.canon.example"))
                .collect()
        }),
        registry: match &i.registry {
            Some(r) if registry_by_address => Some(r.clone()),
            Some(_) => Some("canon-registry.example:1".into()),
            None => None,
        },
        ca_cert: i.ca_cert.as_ref().map(|_| "/canon/ca.crt".into()),
        http: i.http.as_ref().map(|_| "http://canon.example:1".into()),
        https: i.https.as_ref().map(|_| "http://canon.example:2".into()),
        no_proxy: i
            .no_proxy
            .as_ref()
            .map(|l| l.iter().map(|_| "canon.example".to_owned()).collect()),
        join: i.join,
        timeout: i.timeout,
        // The addressing and whether a gateway is given shape the playbook; its value not.
        mgmt: i.mgmt.as_ref().map(|(addressing, gateway)| {
            let other = if i.v6 { "fd00::fe" } else { "192.168.204.253" };
            (
                addressing.clone(),
                gateway.as_ref().map(|_| other.to_owned()),
            )
        }),
        // The key's kind (file or URL) and its keyring kind (`.gpg` or not) shape the playbook.
        deb_source: i.deb_source.as_ref().map(|(_, key)| {
            let ext = if key.to_ascii_lowercase().ends_with(".gpg") {
                "gpg"
            } else {
                "asc"
            };
            let key = if key.starts_with('/') {
                format!("/canon/key.{ext}")
            } else {
                format!("http://canon.example/key.{ext}")
            };
            ("http://canon.example/{minor}/".to_owned(), key)
        }),
        nodes: i
            .nodes
            .iter()
            .enumerate()
            .map(|(n, node)| NodeIn {
                hostname: format!("canon-{n}"),
                os: node.os.clone(),
                arch: node.arch.clone(),
                ssh_user: "canon".into(),
                python: node.python.as_ref().map(|_| "/canon/python".into()),
                labels: node
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(j, _)| (format!("canon-{j}"), format!("v{j}")))
                    .collect(),
                kubelet: node.kubelet.as_ref().map(|_| "1.27.0".into()),
            })
            .collect(),
    }
}

fn json_of(i: &Input) -> (Value, Value) {
    let mut c = Map::new();
    c.insert("kubernetes_version".into(), json!(i.version));
    c.insert("apiserver".into(), json!(i.apiserver));
    let (floating, subnet) = if i.v6 {
        ("fd00::2", "fd00::/64")
    } else {
        ("192.168.204.2", "192.168.204.0/24")
    };
    c.insert("mgmt_floating_address".into(), json!(floating));
    c.insert("mgmt_subnet".into(), json!(subnet));
    if let Some(ntp) = &i.ntp {
        c.insert("ntp_servers".into(), json!(ntp));
    }
    if let Some(r) = &i.registry {
        c.insert("registry".into(), json!(r));
    }
    if let Some(p) = &i.ca_cert {
        c.insert("registry_ca_cert".into(), json!(p));
    }
    if i.http.is_some() || i.https.is_some() || i.no_proxy.is_some() {
        c.insert("proxy".into(), json!({"http": i.http, "https": i.https, "no_proxy": i.no_proxy.clone().unwrap_or_default()}));
    }
    if i.join {
        c.insert("join".into(), json!({"token": "abcdef.0123456789abcdef", "ca_cert_hash": format!("sha256:{}", "ab".repeat(32))}));
    }
    if let Some(t) = i.timeout {
        c.insert("run_timeout_minutes".into(), json!(t));
    }
    if let Some((addressing, gateway)) = &i.mgmt {
        c.insert("mgmt_addressing".into(), json!(addressing));
        if let Some(g) = gateway {
            c.insert("mgmt_gateway".into(), json!(g));
        }
    }
    if let Some((url, key)) = &i.deb_source {
        c.insert(
            "package_sources".into(),
            json!({"kubernetes_deb": {"url": url, "key": key}}),
        );
    }
    let nodes: Vec<Value> = i
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let ip = if i.v6 { format!("fd00::{:x}", 0x50 + n) } else { format!("192.168.204.{}", 50 + n) };
            let labels: Map<String, Value> = node.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!({
                "hostname": node.hostname, "mgmt_ip": ip, "mgmt_mac": format!("08:00:27:aa:00:{:02x}", 0x50 + n),
                "os": {"id": node.os.0, "version": node.os.1}, "arch": node.arch, "ssh_user": node.ssh_user,
                "python": node.python, "labels": labels, "kubelet_version": node.kubelet,
            })
        })
        .collect();
    (Value::Object(c), Value::Array(nodes))
}

fn value_at<'a>(scalars: &'a [Scalar], path: &[&str]) -> &'a Scalar {
    scalars
        .iter()
        .find(|s| {
            !s.is_key && s.path.len() == path.len() && s.path.iter().zip(path).all(|(a, b)| a == b)
        })
        .unwrap_or_else(|| panic!("no value at {}", path.join("/")))
}

/// The value of a node's variable, wherever its release group is.
fn node_value<'a>(scalars: &'a [Scalar], host: &str, var: &[&str]) -> &'a Scalar {
    scalars
        .iter()
        .find(|s| {
            !s.is_key
                && s.path.len() == 7 + var.len()
                && s.path[..4] == ["all", "children", "edgeworkers", "children"]
                && s.path[5] == "hosts"
                && s.path[6] == host
                && s.path[7..].iter().zip(var).all(|(a, b)| a == b)
        })
        .unwrap_or_else(|| panic!("no value of {host} at {}", var.join("/")))
}

fn data(s: &Scalar, expected: &str) {
    assert_eq!(s.value, expected, "at {}", s.path.join("/"));
    assert_eq!(
        s.tag.as_deref(),
        Some("!unsafe"),
        "{:?} at {} is not !unsafe",
        s.value,
        s.path.join("/")
    );
}

fn playbook(i: &Input) -> Option<(Plan, String, String)> {
    let (controller, nodes) = json_of(i);
    let plan = Plan::from_values(controller, nodes).ok()?;
    let files = plan
        .to_ansible()
        .unwrap_or_else(|e| panic!("a valid plan does not render: {e}"));
    Some((plan, files.playbook, files.inventory))
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(i) = input(&mut Unstructured::new(bytes)) else {
        return;
    };
    let Some((plan, book, inventory)) = playbook(&i) else {
        return;
    };
    // `EW_FUZZ_TRACE=1` shows how many inputs get past validation to the properties.
    if std::env::var_os("EW_FUZZ_TRACE").is_some() {
        eprintln!("plan accepted: {} node(s)", plan.nodes().len());
    }
    let _ = plan.to_text();
    let _ = plan.to_json(Secrets::Redact);

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
    let vars = |name: &str| value_at(&inv, &["all", "vars", name]);
    data(vars("edgeworker_apiserver"), &i.apiserver);
    if let Some(ca) = &i.ca_cert {
        data(vars("edgeworker_registry_ca_cert"), ca);
    }
    if let Some(r) = &i.registry {
        data(vars("edgeworker_registry"), r);
    }
    data(
        vars("edgeworker_http_proxy"),
        i.http.as_deref().unwrap_or(""),
    );
    data(
        vars("edgeworker_https_proxy"),
        i.https.as_deref().unwrap_or(""),
    );
    data(
        vars("edgeworker_http_proxy_systemd"),
        &i.http.as_deref().unwrap_or("").replace('%', "%%"),
    );
    data(
        vars("edgeworker_https_proxy_systemd"),
        &i.https.as_deref().unwrap_or("").replace('%', "%%"),
    );
    data(
        vars("edgeworker_no_proxy"),
        &i.no_proxy.clone().unwrap_or_default().join(","),
    );
    if let Some((url, key)) = &i.deb_source {
        let minor = plan.controller().kubernetes_version().minor_series();
        data(
            vars("edgeworker_kubernetes_deb_url"),
            &url.replace("{minor}", &minor),
        );
        data(
            vars("edgeworker_kubernetes_deb_key"),
            &key.replace("{minor}", &minor),
        );
    }
    for node in &i.nodes {
        data(
            node_value(&inv, &node.hostname, &["ansible_user"]),
            &node.ssh_user,
        );
        data(
            node_value(&inv, &node.hostname, &["ansible_python_interpreter"]),
            node.python
                .as_deref()
                .unwrap_or(edgeworker_core::plan::DEFAULT_PYTHON),
        );
        // In key order (the library keeps labels in a map by key), the last value of a key.
        let labels: Vec<String> = node
            .labels
            .iter()
            .map(|(k, _)| k)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|k| {
                let v = node
                    .labels
                    .iter()
                    .rev()
                    .find(|(k2, _)| k2 == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                format!("{k}={v}")
            })
            .collect();
        for (j, label) in labels.iter().enumerate() {
            data(
                node_value(&inv, &node.hostname, &["edgeworker_labels", &j.to_string()]),
                label,
            );
        }
    }

    let book_scalars = scalars(&book).unwrap_or_else(|e| panic!("playbook does not parse: {e}"));
    assert!(
        book_scalars.iter().all(|s| s.tag.is_none()),
        "the playbook carries data"
    );
    let other = twin(&i);
    let (_, twin_book, _) = playbook(&other)
        .unwrap_or_else(|| panic!("the twin of a valid plan is refused: {other:?}"));
    assert!(
        book == twin_book,
        "the playbook depends on an input value:\n{}",
        first_difference(&book, &twin_book)
    );
});

fn first_difference(a: &str, b: &str) -> String {
    a.lines().zip(b.lines()).find(|(x, y)| x != y).map_or_else(
        || "(lengths differ)".to_owned(),
        |(x, y)| format!("- {x}\n+ {y}"),
    )
}
