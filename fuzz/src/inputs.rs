//! Structured inputs from libFuzzer's bytes: mostly realistic values (so the rules past the
//! first check get exercised), sometimes arbitrary text or a value of the wrong JSON type.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value, json};

/// One of `known`, or (about one time in `wild`) arbitrary text.
pub fn text(u: &mut Unstructured<'_>, known: &[&str], wild: u32) -> Result<String> {
    if known.is_empty() || u.ratio(1, wild.max(1))? {
        u.arbitrary()
    } else {
        Ok((*u.choose(known)?).to_owned())
    }
}

/// Text built from YAML-, Jinja-, shell- and Unicode-hostile pieces and arbitrary text.
pub fn hostile(u: &mut Unstructured<'_>, prefix: &str) -> Result<String> {
    const PIECES: &[&str] = &[
        "{{ lookup('pipe', 'id') }}",
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        ": ",
        " #",
        "#",
        "'",
        "\"",
        "- ",
        "? ",
        "&a ",
        "*a",
        "!unsafe ",
        "!!str ",
        "|",
        ">",
        "%",
        "%%",
        "@",
        "`",
        "\\",
        "[",
        "]",
        "{",
        "}",
        ",",
        "---",
        "...",
        "\u{2028}",
        "\u{2029}",
        "\u{feff}",
        "\u{a0}",
        "é",
        "\u{1f600}",
        "~",
        "null",
        "true",
        "0x1f",
        "1e3",
        "=",
        ";",
        "$(id)",
        "\t",
        " ",
        "<<",
        "/",
    ];
    let mut out = prefix.to_owned();
    for _ in 0..u.int_in_range(0..=6)? {
        if u.ratio(1, 5)? {
            out.push_str(&u.arbitrary::<String>()?);
        } else {
            out.push_str(u.choose(PIECES)?);
        }
    }
    Ok(out)
}

/// A value of the wrong JSON type for a string field (numbers JSON cannot hold exactly
/// included).
pub fn wrong_type(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=6)? {
        0 => json!(1),
        1 => json!(-0.0),
        2 => json!(1e300),
        3 => json!(true),
        4 => json!([]),
        5 => json!({}),
        // 2^70: beyond every integer type, read as a float.
        _ => serde_json::from_str("1180591620717411303424").unwrap_or(Value::Null),
    })
}

/// Puts `key` into `map`, or leaves it out, or sets null, a known value, arbitrary text or
/// a wrongly typed value.
pub fn field(
    u: &mut Unstructured<'_>,
    map: &mut Map<String, Value>,
    key: &str,
    known: &[Value],
) -> Result<()> {
    let value = match u.int_in_range(0..=9)? {
        0..=2 => return Ok(()),
        3..=6 if !known.is_empty() => u.choose(known)?.clone(),
        7 => Value::Null,
        8 => Value::String(u.arbitrary()?),
        _ => wrong_type(u)?,
    };
    map.insert(key.to_owned(), value);
    Ok(())
}

fn strings(items: &[&str]) -> Vec<Value> {
    items.iter().map(|s| json!(s)).collect()
}

/// Host names that exercise every hostname rule.
pub const HOSTNAMES: &[&str] = &[
    "edge-1",
    "edge-2",
    "edge_1",
    "Edge-1",
    "controller-0",
    "controller-1",
    "controller",
    "controller-2",
    "storage-0",
    "storage-edge",
    "Storage-1",
    "localhost",
    "registry.local",
    "edge-factory-1",
    "edge-1\n",
    "édge",
    "a b",
    "-edge",
    "edge.",
    "a..b",
    "pxecontroller",
];

/// MAC addresses: the context's, both separators, both cases, broken ones.
pub const MACS: &[&str] = &[
    "08:00:27:aa:00:09",
    "08:00:27:AA:00:09",
    "08-00-27-aa-00-09",
    "08:00:27:aa:00:01",
    "08:00:27:aa:00:02",
    "3c:ec:ef:10:20:07",
    "3C:EC:EF:10:20:07",
    "3c:ec:ef:10:20:01",
    "08:00:27:aa-00-09",
    "08:00:27:aa:00",
    "08:00:27:aa:00:0g",
    "",
];

/// Management addresses inside, at the edge of, and outside the pools below.
pub const MGMT_IPS: &[&str] = &[
    "192.168.204.50",
    "192.168.204.2",
    "192.168.204.3",
    "192.168.204.5",
    "192.168.204.21",
    "192.168.204.254",
    "192.168.204.255",
    "192.168.204.0",
    "10.0.0.1",
    "fd00::50",
    "fd00::2",
    "fd01::1",
    "::ffff:192.168.204.50",
    "192.168.204.050",
    "x",
    "",
];

/// Address rows' addresses: the management ones above, and of the other pools below.
const ROW_IPS: &[&str] = &[
    "192.168.204.50",
    "192.168.204.2",
    "192.168.204.3",
    "192.168.204.5",
    "192.168.204.21",
    "192.168.204.254",
    "fd00::50",
    "fd00::2",
    "192.168.206.2",
    "192.168.206.50",
    "fd02::2",
    "::ffff:192.168.204.50",
];

/// A management network's second pool: IPv4, IPv6.
const SECOND_POOLS: [&str; 2] = [
    r#"{"name": "management-v4", "network": "192.168.204.0/24", "ranges": [["192.168.204.2", "192.168.204.254"]]}"#,
    r#"{"name": "management-v6", "network": "fd00::/64", "ranges": [["fd00::2", "fd00::ffff:ffff:ffff:ffff"]]}"#,
];

/// Cluster-host networks: single-stack of either family, dual-stack, and a full one.
const CLUSTER_HOST_NETWORKS: &[&str] = &[
    r#"{"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}}"#,
    r#"{"pool": {"name": "cluster-host", "network": "fd02::/64"}}"#,
    r#"{"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}, "secondary_pool": {"name": "cluster-host-v6", "network": "fd02::/64"}}"#,
    r#"{"pool": {"name": "cluster-host", "network": "192.168.206.0/30", "ranges": [["192.168.206.2", "192.168.206.2"]]}}"#,
];

/// Board management addresses.
pub const BM_IPS: &[&str] = &["10.10.0.5", "10.10.0.6", "fd01::5", "10.10.0", ""];

/// A host-add request: the 19 fields of RULES §2 (and, rarely, an unknown one).
pub fn add_request(u: &mut Unstructured<'_>) -> Result<Value> {
    let mut m = Map::new();
    field(u, &mut m, "hostname", &strings(HOSTNAMES))?;
    field(
        u,
        &mut m,
        "personality",
        &strings(&[
            "edgeworker",
            "edgeworker",
            "worker",
            "controller",
            "storage",
            "Edgeworker",
            "",
        ]),
    )?;
    field(
        u,
        &mut m,
        "subfunctions",
        &strings(&[
            "lowlatency",
            "edgeworker,lowlatency",
            "worker",
            "lowlatency,lowlatency",
            "",
            "x,,y",
        ]),
    )?;
    field(u, &mut m, "mgmt_mac", &strings(MACS))?;
    field(u, &mut m, "mgmt_ip", &strings(MGMT_IPS))?;
    bmc_fields(u, &mut m)?;
    field(u, &mut m, "bm_password", &strings(&["secret", "", "two words"]))?;
    for key in [
        "serialid",
        "boot_device",
        "rootfs_device",
        "install_output",
        "console",
    ] {
        field(
            u,
            &mut m,
            key,
            &strings(&["sda", "ttyS0,115200", "text", ""]),
        )?;
    }
    field(
        u,
        &mut m,
        "location",
        &[json!({"locn": "rack 3"}), json!({})],
    )?;
    field(u, &mut m, "ttys_dcd", &[json!(true), json!(false)])?;
    for key in ["clock_synchronization", "hw_settle", "vsc_controllers"] {
        field(u, &mut m, key, &strings(&["ntp", "ptp", "0"]))?;
    }
    if u.ratio(1, 16)? {
        m.insert(text(u, &["uuid", "hostnme", "role", ""], 2)?, json!("x"));
    }
    Ok(Value::Object(m))
}

/// The board management fields shared by host-add and host-update.
pub fn bmc_fields(u: &mut Unstructured<'_>, m: &mut Map<String, Value>) -> Result<()> {
    field(
        u,
        m,
        "bm_type",
        &strings(&["none", "ipmi", "redfish", "dynamic", "bmc", "None"]),
    )?;
    field(u, m, "bm_ip", &strings(BM_IPS))?;
    field(
        u,
        m,
        "bm_username",
        &strings(&["root", "admin", "", "a user", "seventeen-letters"]),
    )
}

/// A context: the built-in one (`None`), the example file, or one assembled from parts.
pub fn context(u: &mut Unstructured<'_>) -> Result<Option<Value>> {
    Ok(match u.int_in_range(0..=5)? {
        0 => None,
        1 => Some(example_context()),
        _ => Some(built_context(u)?),
    })
}

/// `examples/context.json`: a duplex Standard system with controllers, an edgeworker and a
/// discovered host.
pub fn example_context() -> Value {
    serde_json::from_str(include_str!("../../examples/context.json")).unwrap_or(Value::Null)
}

fn built_context(u: &mut Unstructured<'_>) -> Result<Value> {
    const POOLS: &[&str] = &[
        r#"{"name": "management", "network": "192.168.204.0/24", "ranges": [["192.168.204.2", "192.168.204.254"]]}"#,
        r#"{"name": "management", "network": "192.168.204.0/24", "ranges": [["192.168.204.10", "192.168.204.60"], ["192.168.204.100", "192.168.204.101"]], "order": "sequential"}"#,
        r#"{"name": "management", "network": "fd00::/64"}"#,
    ];
    let pool: Value = serde_json::from_str(u.choose(POOLS)?).unwrap_or(Value::Null);
    let mut hosts = Vec::new();
    for i in 0..u.int_in_range(0..=4)? {
        let mut h = Map::new();
        h.insert("mgmt_mac".into(), json!(u.choose(MACS)?));
        let optional =
            |u: &mut Unstructured<'_>, h: &mut Map<String, Value>, k: &str, v: &[&str]| {
                if u.arbitrary::<bool>()? {
                    h.insert(k.into(), json!(u.choose(v)?));
                }
                Ok::<(), arbitrary::Error>(())
            };
        optional(u, &mut h, "hostname", HOSTNAMES)?;
        optional(
            u,
            &mut h,
            "personality",
            &["controller", "worker", "storage", "edgeworker"],
        )?;
        optional(
            u,
            &mut h,
            "subfunctions",
            &[
                "controller",
                "controller,worker",
                "edgeworker",
                "worker,lowlatency",
            ],
        )?;
        optional(u, &mut h, "mgmt_ip", MGMT_IPS)?;
        optional(u, &mut h, "bm_ip", BM_IPS)?;
        optional(
            u,
            &mut h,
            "invprovision",
            &["unprovisioned", "provisioning", "provisioned", "upgrading"],
        )?;
        if u.arbitrary::<bool>()? {
            h.insert("uuid".into(), json!(format!("uuid-{i}")));
        }
        hosts.push(Value::Object(h));
    }
    let mut rows = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        rows.push(json!({
            "name": u.choose(&["controller-mgmt", "controller-0-mgmt", "edge-1-mgmt", "edge_1-mgmt", "localhost-mgmt", "gateway", "controller-platform-nfs-mgmt", "edge-1-cluster-host", "controller-0-cluster-host"])?,
            "address": u.choose(ROW_IPS)?,
        }));
    }
    let mut mgmt_network = json!({"dynamic": u.arbitrary::<bool>()?, "pool": pool});
    // A dual-stack management network (RULES §7): a second pool of the other family, or,
    // rarely, of the same family (which the context must refuse).
    if u.ratio(1, 3)? {
        let v6 = pool["network"].as_str().is_some_and(|n| n.contains(':'));
        let second = if u.ratio(1, 8)? == v6 { SECOND_POOLS[0] } else { SECOND_POOLS[1] };
        mgmt_network["secondary_pool"] = serde_json::from_str(second).unwrap_or(Value::Null);
    }
    let mut context = json!({
        "system": {
            "mode": u.choose(&["simplex", "duplex", "duplex-direct"])?,
            "type": u.choose(&["All-in-one", "Standard"])?,
        },
        // Both release profiles (RULES §7), and the OAM family the stx10 BMC check reads.
        "profile": u.choose(&["classic", "stx10"])?,
        "oam_family": u.choose(&[json!(4), json!(6), Value::Null])?,
        "mgmt_network": mgmt_network,
        "hosts": hosts,
        "addresses": rows,
    });
    // From stx.8.0 a non-controller host also gets a `<host>-cluster-host` address.
    if u.ratio(1, 3)? {
        context["cluster_host_network"] = serde_json::from_str(u.choose(CLUSTER_HOST_NETWORKS)?)
            .unwrap_or(Value::Null);
    }
    Ok(context)
}

/// A host-update change set as JSON text, fields in generated order, sometimes a field
/// twice (the case only the text path can see).
pub fn change_set_text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut m = Map::new();
    field(u, &mut m, "hostname", &strings(HOSTNAMES))?;
    field(
        u,
        &mut m,
        "personality",
        &strings(&[
            "edgeworker",
            "worker",
            "controller",
            "storage",
            "Edgeworker",
        ]),
    )?;
    field(
        u,
        &mut m,
        "subfunctions",
        &strings(&[
            "lowlatency",
            "edgeworker",
            "edgeworker,lowlatency",
            "lowlatency,edgeworker",
            "bogus",
        ]),
    )?;
    bmc_fields(u, &mut m)?;
    if u.ratio(1, 4)? {
        m.insert("bm_password".into(), json!("secret"));
    }
    field(u, &mut m, "console", &strings(&["ttyS0"]))?;
    field(u, &mut m, "location", &[json!({"locn": "x"})])?;
    field(u, &mut m, "ttys_dcd", &[json!(false)])?;
    if u.ratio(1, 8)? {
        let key = *u.choose(&[
            "mgmt_mac",
            "mgmt_ip",
            "uuid",
            "invprovision",
            "recordtype",
            "administrative",
            "operational",
            "availability",
        ])?;
        m.insert(key.into(), json!("x"));
    }
    if u.ratio(1, 16)? {
        m.insert(text(u, &["hostnme", "role"], 2)?, json!(1));
    }
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    if !entries.is_empty() && u.ratio(1, 6)? {
        let i = u.choose_index(entries.len())?;
        let (key, value) = entries[i].clone();
        let twin = if u.arbitrary()? {
            value
        } else {
            json!(u.choose(HOSTNAMES)?)
        };
        entries.push((key, twin));
    }
    if entries.len() > 1 && u.arbitrary()? {
        entries.reverse();
    }
    let body: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {v}", Value::String(k.clone())))
        .collect();
    Ok(format!("{{{}}}", body.join(", ")))
}
