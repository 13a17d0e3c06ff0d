//! Hostile input through the library's public entry points: enormous strings, deep
//! nesting, NUL and non-UTF-8 bytes, numbers where strings belong, duplicate keys, BOMs and
//! broken or contested state files. Every case ends in a coded error that names the field
//! or file (or a documented acceptance), never a panic, and never a partial file.
//!
//! Also the regression tests of the fuzz targets' findings (`fuzz/`), one per finding.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use edgeworker_core::address::{
    AddressManager, AddressPool, AllocatedPool, JsonFileStore, PoolSpec,
};
use edgeworker_core::context::Context;
use edgeworker_core::host::{ChangeSet, ChangeSetError};
use edgeworker_core::plan::Plan;
use edgeworker_core::upgrade::UpgradePlan;
use edgeworker_core::validate::{self, Options};
use edgeworker_core::violation::Violation;
use rand::SeedableRng;
use serde_json::{Value, json};

// ------------------------------------------------------------------- fuzz findings

/// Fuzz target `host_add`: two invalid subfunctions longer than the quoted part of the
/// message, equal in it, were reported as two identical violations.
#[test]
fn long_invalid_subfunctions_equal_in_their_quote_are_reported_once() {
    let long = "s".repeat(100);
    let request = json!({
        "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01",
        "subfunctions": format!("{long}a,{long}b,other"),
    });
    let rejection =
        validate::validate_host_add_value(&request, &Context::example(), Options::default())
            .unwrap_err();
    let messages: Vec<&str> = rejection.errors().iter().map(Violation::message).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("Host-add Rejected: Invalid subfunction 'sss"));
    assert_eq!(
        messages[1],
        "Host-add Rejected: Invalid subfunction 'other'"
    );
}

/// Finding (fuzz target `dhcp`, reading lines as dnsmasq's `dhcp-host` parser does): names
/// in the host-name alphabet that dnsmasq reads as something else. `ignore` disables the
/// host's DHCP, `infinite`, `3600` or `12h` become its lease time, `10.0.0.9` a second
/// address; the reservation loses its name or its host. Rendering now leaves the name out
/// of the line (the reservation by MAC stays) with a `dhcp.name_omitted` warning.
#[test]
fn dhcp_leaves_out_names_dnsmasq_reads_as_something_else() {
    for name in ["ignore", "infinite", "3600", "12h", "10.0.0.9"] {
        let row = format!("{name}-mgmt");
        let rows = [(row.as_str(), "192.168.204.9".parse().unwrap())];
        let file =
            edgeworker_core::dhcp::dnsmasq_hosts(&rows, [(name, "08:00:27:aa:00:01")]).unwrap();
        assert_eq!(file.lines, ["08:00:27:aa:00:01,192.168.204.9,1d"], "{name}");
        assert_eq!(file.warnings[0].code(), "dhcp.name_omitted");
    }
}

/// Finding: plan input errors quoted the offending value whole, so a megabyte value made a
/// megabyte message. Every layer now quotes through one bounded excerpt.
#[test]
fn plan_errors_quote_a_bounded_part_of_the_value() {
    let mut n = nodes();
    n[0]["ssh_user"] = json!(mb('a'));
    let err = Plan::from_values(controller(), n).unwrap_err();
    assert!(
        err.to_string().len() < 1024,
        "{} bytes",
        err.to_string().len()
    );
}

/// Finding: pool errors quoted the network, range address or order whole (a megabyte
/// network made a megabyte message). Fixed with the shared bounded excerpt.
#[test]
fn pool_errors_quote_a_bounded_part_of_the_value() {
    let spec = PoolSpec {
        name: "m".into(),
        network: mb('a'),
        ranges: None,
        order: None,
    };
    let err = AddressPool::try_from(spec).unwrap_err();
    assert!(
        err.to_string().len() < 1024,
        "{} bytes",
        err.to_string().len()
    );
}

// ------------------------------------------------------------------- helpers

const MB: usize = 1 << 20;

/// A megabyte of `c`.
fn mb(c: char) -> String {
    c.to_string().repeat(MB)
}

fn edge(field: &str, value: Value) -> Value {
    let mut request = json!({
        "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01",
    });
    request[field] = value;
    request
}

/// The example context with static management addressing.
fn static_ctx() -> Context {
    let example = Context::example();
    Context::from_value(&json!({
        "mgmt_network": {"dynamic": false},
        "hosts": example.hosts(),
        "addresses": example.addresses(),
    }))
    .unwrap()
}

/// The codes of a host-add in lenient mode: `Ok(warning codes)` or `Err(error codes)`.
fn add_codes(request: &Value, ctx: &Context) -> Result<Vec<&'static str>, Vec<&'static str>> {
    let codes = |v: &[Violation]| v.iter().map(|v| v.code().as_str()).collect::<Vec<_>>();
    match validate::validate_host_add_value(request, ctx, Options::default()) {
        Ok(outcome) => Ok(codes(&outcome.warnings)),
        Err(rejection) => Err(codes(rejection.errors())),
    }
}

/// The temporary and partial files a directory holds: anything but the state files and
/// the store's lock file (kept on purpose, see `address::JsonFileStore`).
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            !keep.contains(&name.as_str())
                && Path::new(name).extension().is_none_or(|e| e != "lock")
        })
        .collect()
}

// ------------------------------------------------------------------- megabyte strings

/// What a host-add answers: the warning codes, or the error codes.
type Codes = Result<&'static [&'static str], &'static [&'static str]>;

/// A megabyte in each field of a host-add request: the field's own rule answers (or the
/// value is carried through untouched), and our own messages quote at most 64 characters.
#[test]
fn a_megabyte_in_every_request_field() {
    let huge = mb('a');
    let expect: &[(&str, Codes)] = &[
        ("hostname", Err(&["hostname.too_long"])),
        ("personality", Err(&["personality.invalid"])),
        ("subfunctions", Err(&["subfunctions.invalid"])),
        ("mgmt_mac", Err(&["mgmt_mac.invalid"])),
        ("mgmt_ip", Err(&["mgmt_ip.not_allowed"])),
        ("bm_type", Err(&["bm_type.invalid"])),
        ("bm_ip", Ok(&["bmc.ignored"])),
        ("bm_username", Ok(&["bmc.ignored"])),
        ("bm_password", Ok(&["bmc.ignored"])),
        ("serialid", Ok(&[])),
        ("console", Ok(&[])),
        ("vsc_controllers", Err(&["vsc_controllers.not_applicable"])),
        ("ttys_dcd", Err(&["request.invalid_type"])),
        ("location", Err(&["request.invalid_type"])),
    ];
    for (field, want) in expect {
        let request = edge(field, json!(huge));
        let got = add_codes(&request, &Context::example());
        assert_eq!(
            got,
            want.map(<[&str]>::to_vec).map_err(<[&str]>::to_vec),
            "{field}"
        );
    }
    let with_ip = edge("mgmt_ip", json!(huge));
    let rejection =
        validate::validate_host_add_value(&with_ip, &static_ctx(), Options::default()).unwrap_err();
    let message = rejection.errors()[0].message();
    assert_eq!(rejection.errors()[0].code().as_str(), "mgmt_ip.invalid");
    assert!(
        message.len() < 200,
        "our message quotes a megabyte: {} bytes",
        message.len()
    );
    // A megabyte field name is quoted, cut, as an unknown field.
    let rejection = validate::validate_host_add_value(
        &json!({huge.clone(): "x"}),
        &Context::example(),
        Options::default(),
    )
    .unwrap_err();
    assert_eq!(
        rejection.errors()[0].code().as_str(),
        "request.unknown_field"
    );
    assert!(rejection.errors()[0].message().len() < 200);
    // Pass-through values are kept whole: they are data, not ours to cut.
    let outcome = validate::validate_host_add_value(
        &edge("location", json!({"locn": huge})),
        &Context::example(),
        Options::default(),
    )
    .unwrap();
    assert_eq!(
        outcome.host.extra().location.as_ref().unwrap()["locn"]
            .as_str()
            .unwrap()
            .len(),
        MB
    );
}

/// A megabyte in the context: the path of the bad value is named.
#[test]
fn a_megabyte_in_the_context() {
    let huge = mb('a');
    let host = |field: &str| {
        let mut h = json!({"mgmt_mac": "08:00:27:bb:00:07"});
        h[field] = json!(huge);
        json!({"hosts": [h]})
    };
    let err = Context::from_value(&host("hostname")).unwrap_err();
    assert_eq!(err.code(), "context.invalid");
    assert!(
        err.to_string().starts_with("hosts[0].hostname: "),
        "{}",
        &err.to_string()[..80]
    );
    let err = Context::from_value(&host("mgmt_mac")).unwrap_err();
    assert!(err.to_string().starts_with("hosts[0].mgmt_mac: "));
    // Free-text fields of a host record are data.
    let ctx = Context::from_value(&host("availability")).unwrap();
    assert_eq!(
        ctx.hosts()[0].availability.as_ref().map(String::len),
        Some(MB)
    );
    let ctx = Context::from_value(&host("uuid")).unwrap();
    assert!(ctx.find_host(&huge).is_some());
    let err = Context::from_value(&json!({"system": {"mode": huge}})).unwrap_err();
    assert!(err.to_string().starts_with("system: "));
    let err =
        Context::from_value(&json!({"mgmt_network": {"pool": {"name": "m", "network": huge}}}))
            .unwrap_err();
    assert!(err.to_string().starts_with("mgmt_network.pool: "));
}

/// A megabyte in a pool: a coded error for the network or range, a megabyte name is a
/// valid name (sysinv names are free text).
#[test]
fn a_megabyte_in_a_pool() {
    let huge = mb('a');
    let spec = |name: &str, network: &str, start: &str| PoolSpec {
        name: name.to_owned(),
        network: network.to_owned(),
        ranges: Some(vec![[start.to_owned(), "10.0.0.9".to_owned()]]),
        order: None,
    };
    let err = AddressPool::try_from(spec("m", &huge, "10.0.0.2")).unwrap_err();
    assert_eq!(err.code(), "pool.invalid_network");
    let err = AddressPool::try_from(spec("m", "10.0.0.0/24", &huge)).unwrap_err();
    assert_eq!(err.code(), "pool.invalid_address");
    let pool = AddressPool::try_from(spec(&huge, "10.0.0.0/24", "10.0.0.2")).unwrap();
    assert_eq!(pool.name().len(), MB);
    let mut order = spec("m", "10.0.0.0/24", "10.0.0.2");
    order.order = Some(huge.clone());
    assert_eq!(
        AddressPool::try_from(order).unwrap_err().code(),
        "pool.invalid_order"
    );
    // A megabyte row name is refused by the allocator, quoted.
    let mut rows = AllocatedPool::new(pool);
    let err = rows
        .reserve(&huge, "10.0.0.3".parse().unwrap())
        .unwrap_err();
    assert_eq!(err.code(), "address.invalid_name");
}

fn controller() -> Value {
    serde_json::from_str(include_str!("../../examples/plan/controller.json")).unwrap()
}

fn nodes() -> Value {
    serde_json::from_str(include_str!("../../examples/plan/nodes.json")).unwrap()
}

/// A megabyte in each string field of the plan inputs: refused naming the field (or, for
/// an absolute path of more than `PATH_MAX`, refused as a path).
#[test]
fn a_megabyte_in_every_plan_input() {
    let huge = mb('a');
    let path = format!("/{huge}");
    for (field, value) in [
        ("kubernetes_version", &huge),
        ("apiserver", &huge),
        ("mgmt_floating_address", &huge),
        ("mgmt_subnet", &huge),
        ("registry", &huge),
        ("registry_ca_cert", &path),
    ] {
        let mut c = controller();
        c[field] = json!(value);
        let err = Plan::from_values(c, nodes()).unwrap_err();
        assert_eq!(err.field(), field, "{}", err.code());
        assert_eq!(err.node(), None);
    }
    for (field, value) in [
        ("hostname", &huge),
        ("mgmt_ip", &huge),
        ("mgmt_mac", &huge),
        ("arch", &huge),
        ("ssh_user", &huge),
        ("python", &path),
        ("kubelet_version", &huge),
    ] {
        let mut n = nodes();
        n[1][field] = json!(value);
        let err = Plan::from_values(controller(), n).unwrap_err();
        assert_eq!(
            (err.node().is_some(), err.field()),
            (true, field),
            "{}",
            err.code()
        );
    }
    let mut n = nodes();
    n[0]["labels"] = json!({"site": huge});
    let err = Plan::from_values(controller(), n).unwrap_err();
    assert_eq!(err.field(), "labels.site");
    let mut c = controller();
    c["proxy"]["https"] = json!(format!("http://{huge}"));
    // A long proxy URL is a valid URL: it is data, written whole and only as data.
    let plan = Plan::from_values(c, nodes()).unwrap();
    let files = plan.to_ansible().unwrap();
    assert!(files.inventory.contains(&huge) && !files.playbook.contains(&huge));
}

/// A megabyte in each value of the upgrade's own inputs: the cluster's view and
/// `max_unavailable`. Refused naming the node or the field, quoting a bounded part.
#[test]
fn a_megabyte_in_every_upgrade_input() {
    let huge = mb('a');
    let mut c = controller();
    c["kubernetes_version"] = json!("1.30.1");
    let view = |name: &str, version: &str| {
        json!({"items": [
            {"metadata": {"name": "edge-ubuntu-1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.29.2"}}},
            {"metadata": {"name": name}, "status": {"nodeInfo": {"kubeletVersion": version}}},
        ]})
    };
    let err =
        UpgradePlan::from_values(c.clone(), nodes(), view("edge-debian-1", &huge)).unwrap_err();
    assert_eq!(
        (err.code(), err.node()),
        ("upgrade.invalid_kubelet_version", Some("edge-debian-1"))
    );
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
    // A huge name the nodes file does not have is none of the plan's business...
    let err = UpgradePlan::from_values(c.clone(), nodes(), view(&huge, "v1.29.2")).unwrap_err();
    assert_eq!(
        (err.code(), err.node()),
        ("upgrade.unknown_node", Some("edge-debian-1"))
    );
    // ...until it appears twice: quoted, bounded.
    let twice = json!({"items": [
        {"metadata": {"name": huge}, "status": {"nodeInfo": {"kubeletVersion": "v1"}}},
        {"metadata": {"name": huge}, "status": {"nodeInfo": {"kubeletVersion": "v1"}}},
    ]});
    let err = UpgradePlan::from_values(c.clone(), nodes(), twice).unwrap_err();
    assert_eq!(err.code(), "upgrade.invalid_kube_nodes");
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
    c["max_unavailable"] = json!(huge);
    let err = UpgradePlan::from_values(c, nodes(), view("edge-debian-1", "v1.28.4")).unwrap_err();
    assert_eq!(err.code(), "plan.invalid_max_unavailable");
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
}

// ------------------------------------------------------------------- deep nesting

fn deep_text(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Nested JSON 10,000 deep: the core's nesting limit (`json::MAX_NESTING`) answers, as an
/// error naming the position; nothing recurses 10,000 times.
#[test]
fn json_ten_thousand_deep() {
    let deep = deep_text(10_000);
    let Err(ChangeSetError::Json(err)) = ChangeSet::from_json(&deep) else {
        panic!("a 10,000-deep change set was read")
    };
    assert_eq!(
        err.to_string(),
        "nested too deeply (limit 128) at line 1 column 129"
    );
    let inside = format!(r#"{{"hostname": "edge-1", "location": {deep}}}"#);
    assert!(matches!(
        ChangeSet::from_json(&inside),
        Err(ChangeSetError::Json(_))
    ));
    assert!(serde_json::from_str::<AddressPool>(&deep).is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, &deep).unwrap();
    let err = block_on(JsonFileStore::new(&path).read()).unwrap_err();
    assert_eq!(err.code(), "store.corrupt");
    assert!(err.to_string().contains("state.json"), "{err}");
}

/// A deep `Value` built by a caller (as the Python binding could): refused at the top as
/// the wrong type, without walking it.
#[test]
fn a_deep_value_is_refused_at_its_top() {
    // Built and dropped on a big stack: serde_json's own drop recurses, and that is the
    // caller's value, not the library's work.
    std::thread::Builder::new()
        .stack_size(256 * MB)
        .spawn(|| {
            let mut deep = json!([]);
            for _ in 0..10_000 {
                deep = Value::Array(vec![deep]);
            }
            let rejection =
                validate::validate_host_add_value(&deep, &Context::example(), Options::default())
                    .unwrap_err();
            assert_eq!(
                rejection.errors()[0].code().as_str(),
                "request.invalid_type"
            );
            assert_eq!(
                Context::from_value(&deep).unwrap_err().code(),
                "context.invalid"
            );
            // Inside a pass-through object, depth is the caller's data: kept as given.
            let outcome = validate::validate_host_add_value(
                &edge("location", json!({"x": deep})),
                &Context::example(),
                Options::default(),
            )
            .unwrap();
            assert!(outcome.host.extra().location.as_ref().unwrap()["x"].is_array());
        })
        .unwrap()
        .join()
        .unwrap();
}

// ------------------------------------------------------------------- bytes and numbers

/// NUL and other control characters are outside every alphabet; invalid UTF-8 never gets
/// past the reader, and the state file's reader names the file.
#[test]
fn nul_and_non_utf8_bytes() {
    assert_eq!(
        add_codes(&edge("hostname", json!("edge\u{0}1")), &Context::example()),
        Err(vec!["hostname.invalid_chars"])
    );
    assert_eq!(
        add_codes(
            &edge("mgmt_mac", json!("08:00:27:bb:00:0\u{0}")),
            &Context::example()
        ),
        Err(vec!["mgmt_mac.invalid"])
    );
    assert_eq!(
        add_codes(
            &edge("personality", json!("edgeworker\u{0}")),
            &Context::example()
        ),
        Err(vec!["personality.invalid"])
    );
    let mut c = controller();
    c["registry_ca_cert"] = json!("/etc/ca\u{0}.crt");
    assert_eq!(
        Plan::from_values(c, nodes()).unwrap_err().field(),
        "registry_ca_cert"
    );
    let err = serde_json::from_slice::<Value>(b"{\"hostname\": \"edge\xff\"}").unwrap_err();
    assert!(err.to_string().contains("invalid unicode"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, b"{\"schema\": 1, \"version\": 0, \"pool\": {\"name\": \"m\xff\", \"network\": \"10.0.0.0/24\"}, \"rows\": []}").unwrap();
    let err = block_on(JsonFileStore::new(&path).read()).unwrap_err();
    assert_eq!(err.code(), "store.corrupt");
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
}

/// Numbers where strings belong: a type error naming the field, whatever the number
/// (`-0`, 2^70, 1e300); a number JSON cannot hold (`1e400`) is a parse error.
#[test]
fn numbers_where_strings_belong() {
    for number in ["-0", "1180591620717411303424", "1e300", "-1e-300"] {
        let value: Value = serde_json::from_str(number).unwrap();
        let rejection = validate::validate_host_add_value(
            &edge("hostname", value.clone()),
            &Context::example(),
            Options::default(),
        )
        .unwrap_err();
        assert_eq!(
            rejection.errors()[0].message(),
            "Field hostname must be a string, not a number"
        );
        let mut c = controller();
        c["kubernetes_version"] = value.clone();
        assert_eq!(
            Plan::from_values(c, nodes()).unwrap_err().field(),
            "kubernetes_version"
        );
        let err = Context::from_value(&json!({"hosts": [{"mgmt_mac": value}]})).unwrap_err();
        assert!(err.to_string().starts_with("hosts[0].mgmt_mac: "), "{err}");
    }
    let Err(ChangeSetError::Json(err)) = ChangeSet::from_json(r#"{"hostname": 1e400}"#) else {
        panic!("1e400 was read")
    };
    assert!(err.to_string().contains("number out of range"), "{err}");
    let err = serde_json::from_str::<AddressPool>(r#"{"name": 1e400, "network": "10.0.0.0/24"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("number out of range"), "{err}");
}

/// Duplicate keys: a change set refuses a field given twice with two values (sysinv's
/// rule); the state file and a pool refuse any duplicate field.
#[test]
fn duplicate_keys() {
    let Err(ChangeSetError::Invalid(errors)) =
        ChangeSet::from_json(r#"{"personality": "edgeworker", "personality": "worker"}"#)
    else {
        panic!("a duplicate field was accepted")
    };
    assert_eq!(errors[0].code().as_str(), "request.duplicate_field");
    assert_eq!(errors[0].field(), Some("personality"));
    let err = serde_json::from_str::<AddressPool>(
        r#"{"name": "m", "network": "10.0.0.0/24", "network": "10.1.0.0/24"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("duplicate field `network`"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, r#"{"schema": 1, "version": 0, "pool": {"name": "m", "network": "10.0.0.0/24"}, "rows": [], "rows": []}"#).unwrap();
    let err = block_on(JsonFileStore::new(&path).read()).unwrap_err();
    assert!(err.to_string().contains("duplicate field `rows`"), "{err}");
}

// ------------------------------------------------------------------- state files

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn management() -> AddressPool {
    serde_json::from_str(r#"{"name": "management", "network": "10.0.0.0/22"}"#).unwrap()
}

/// A BOM, an empty file and a truncated file are corrupt states naming the file; each is
/// left exactly as it was, with no temporary file beside it.
#[test]
fn broken_state_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let store = JsonFileStore::new(&path);
    assert!(block_on(store.create_if_absent(&management())).unwrap());
    let good = fs::read(&path).unwrap();
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(&good);
    for broken in [
        Vec::new(),
        good[..good.len() / 2].to_vec(),
        with_bom,
        b"\r\n".to_vec(),
    ] {
        fs::write(&path, &broken).unwrap();
        let err = block_on(store.read()).unwrap_err();
        assert_eq!(err.code(), "store.corrupt", "{err}");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let err = block_on(AddressManager::new(&store).allocate(
            "management",
            "edge-1-mgmt",
            None,
            &mut rng,
        ))
        .unwrap_err();
        assert_eq!(err.code(), "store.corrupt");
        assert_eq!(
            fs::read(&path).unwrap(),
            broken,
            "a broken state was rewritten"
        );
        assert_eq!(leftovers(dir.path(), &["state.json"]), Vec::<String>::new());
    }
    // CRLF line ends are JSON whitespace: a state file edited on Windows still reads.
    fs::write(
        &path,
        String::from_utf8(good).unwrap().replace('\n', "\r\n"),
    )
    .unwrap();
    assert_eq!(block_on(store.read()).unwrap().0.len(), 0);
}

/// Two writers allocating and a reader reading, all at once through the file: the reader
/// only ever sees whole states, nothing is handed out twice, and no temporary file stays.
#[test]
fn writers_and_a_reader_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    assert!(block_on(JsonFileStore::new(&path).create_if_absent(&management())).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (path, done) = (path.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let store = JsonFileStore::new(&path);
            let mut reads = 0u32;
            while !done.load(Ordering::Relaxed) || reads == 0 {
                let (rows, _) =
                    block_on(store.read()).unwrap_or_else(|e| panic!("a reader saw {e}"));
                assert!(rows.len() <= 80);
                reads += 1;
            }
            reads
        })
    };
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = JsonFileStore::new(&path);
                let manager = AddressManager::new(&store);
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(w);
                for i in 0..40 {
                    block_on(manager.allocate(
                        "management",
                        &format!("w{w}-{i}-mgmt"),
                        None,
                        &mut rng,
                    ))
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    let (rows, version) = block_on(JsonFileStore::new(&path).read()).unwrap();
    assert_eq!((rows.len(), version.get()), (80, 80));
    let addresses: HashSet<_> = rows.rows().into_iter().map(|(_, a)| a).collect();
    assert_eq!(addresses.len(), 80);
    assert_eq!(leftovers(dir.path(), &["state.json"]), Vec::<String>::new());
}
