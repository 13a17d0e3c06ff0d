//! The stores under concurrency and faults: nothing handed out twice, nothing lost, nothing
//! half-written, and broken state files named, never reset.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use edgeworker_core::address::{
    AddressManager, AddressPool, AddressStore, AllocatedPool, AllocationOrder, Change,
    JsonFileStore, ManagerError, MemoryStore, StoreError, Version,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn pool(json: &str) -> AddressPool {
    serde_json::from_str(json).unwrap()
}

fn management(network: &str) -> AddressPool {
    pool(&format!(
        r#"{{"name": "management", "network": "{network}"}}"#
    ))
}

fn rows_of(pool: &AllocatedPool) -> BTreeMap<String, IpAddr> {
    pool.rows()
        .into_iter()
        .map(|(n, a)| (n.to_owned(), a))
        .collect()
}

/// A store that counts the conflicts it answers, to show a test really raced.
struct Counting<S> {
    inner: S,
    conflicts: AtomicU64,
}

#[async_trait::async_trait]
impl<S: AddressStore> AddressStore for Counting<S> {
    async fn load(&self, pool: &str) -> Result<(AllocatedPool, Version), StoreError> {
        self.inner.load(pool).await
    }

    async fn commit(
        &self,
        pool: &str,
        change: &Change,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let result = self.inner.commit(pool, change, expected).await;
        if let Err(StoreError::Conflict { .. }) = result {
            self.conflicts.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_allocating_a_thousand_each_never_collide() {
    let store = Arc::new(Counting {
        inner: MemoryStore::new([AllocatedPool::new(management("10.8.0.0/16"))]),
        conflicts: AtomicU64::new(0),
    });
    let tasks: Vec<_> = (0..64u64)
        .map(|task| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let manager = AddressManager::new(store);
                let mut rng = ChaCha8Rng::seed_from_u64(task);
                let mut won = Vec::new();
                let mut lost = 0u32;
                for i in 0..1000 {
                    let name = format!("t{task}-{i}-mgmt");
                    match manager
                        .allocate("management", &name, Some(AllocationOrder::Random), &mut rng)
                        .await
                    {
                        Ok(address) => won.push((name, address)),
                        Err(ManagerError::Contention { .. }) => lost += 1,
                        Err(other) => panic!("{other}"),
                    }
                }
                (won, lost)
            })
        })
        .collect();
    let mut successes = BTreeMap::new();
    let mut contention = 0;
    for task in tasks {
        let (won, lost) = task.await.unwrap();
        contention += lost;
        successes.extend(won);
    }
    let distinct: HashSet<IpAddr> = successes.values().copied().collect();
    assert_eq!(
        distinct.len(),
        successes.len(),
        "an address was handed out twice"
    );
    assert_eq!(successes.len() + contention as usize, 64_000);
    let (rows, version) = store.load("management").await.unwrap();
    assert_eq!(
        rows_of(&rows),
        successes,
        "the store holds exactly the successes"
    );
    assert_eq!(version.get(), successes.len() as u64);
    assert_eq!(rows.free_count(), 65_534 - successes.len() as u128);
    let conflicts = store.conflicts.load(Ordering::Relaxed);
    eprintln!("conflicts retried: {conflicts}, given up: {contention}");
    assert!(
        conflicts > 0,
        "the tasks never raced; the test proves nothing"
    );
}

#[tokio::test]
async fn memory_store_refuses_stale_and_unknown() {
    let store = MemoryStore::new([AllocatedPool::new(management("10.0.0.0/24"))]);
    let add = |name: &str, address: &str| Change::Add {
        name: name.into(),
        address: address.parse().unwrap(),
    };
    let v1 = store
        .commit("management", &add("a", "10.0.0.1"), Version::INITIAL)
        .await
        .unwrap();
    let stale = store
        .commit("management", &add("b", "10.0.0.2"), Version::INITIAL)
        .await
        .unwrap_err();
    assert_eq!(stale.code(), "store.conflict");
    assert_eq!(
        stale.to_string(),
        "address pool management changed while the change was made (expected version 0, found 1)"
    );
    let taken = store
        .commit("management", &add("b", "10.0.0.1"), v1)
        .await
        .unwrap_err();
    assert_eq!(taken.code(), "mgmt_ip.allocated");
    let (rows, version) = store.load("management").await.unwrap();
    assert_eq!(
        (rows.len(), version),
        (1, v1),
        "a refused change changed nothing"
    );
    assert_eq!(
        store.load("oam").await.unwrap_err().code(),
        "store.unknown_pool"
    );
}

fn state_store(dir: &Path) -> JsonFileStore {
    JsonFileStore::new(dir.join("mgmt.json"))
}

#[tokio::test]
async fn file_store_round_trip_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = state_store(dir.path());
    let spec = pool(
        r#"{"name": "management", "network": "192.168.204.0/24", "ranges": [["192.168.204.2", "192.168.204.254"]], "order": "sequential"}"#,
    );
    assert!(store.create_if_absent(&spec).await.unwrap());
    assert!(
        !store
            .create_if_absent(&management("10.0.0.0/24"))
            .await
            .unwrap()
    );
    let manager = AddressManager::new(&store);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    manager
        .reserve(
            "management",
            "controller-mgmt",
            "192.168.204.2".parse().unwrap(),
        )
        .await
        .unwrap();
    let edge = manager
        .allocate("management", "edge-1-mgmt", None, &mut rng)
        .await
        .unwrap();
    assert_eq!(edge.to_string(), "192.168.204.3");
    let text = fs::read_to_string(store.path()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "schema": 1,
            "version": 2,
            "pool": {"name": "management", "network": "192.168.204.0/24",
                     "ranges": [["192.168.204.2", "192.168.204.254"]], "order": "sequential"},
            "rows": [{"name": "controller-mgmt", "address": "192.168.204.2"},
                     {"name": "edge-1-mgmt", "address": "192.168.204.3"}]
        })
    );
    // Only the state and its lock file: no temporary left behind.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["mgmt.json", "mgmt.json.lock"]);
    assert_eq!(
        manager.release("management", "edge-1-mgmt").await.unwrap(),
        Some(edge)
    );
    let (rows, version) = store.read().await.unwrap();
    assert_eq!((rows.len(), version.get()), (1, 3));
    assert_eq!(
        store.load("oam").await.unwrap_err().to_string(),
        "address pool oam is not in the store"
    );
}

#[tokio::test]
async fn broken_state_files_are_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = state_store(dir.path());
    store
        .create_if_absent(&management("10.0.0.0/24"))
        .await
        .unwrap();
    let good = fs::read(store.path()).unwrap();
    let path = store.path().display().to_string();
    let cases: [(&str, Vec<u8>); 5] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"not json".to_vec()),
        ("not utf-8", b"{\"schema\": \"\xff\"}".to_vec()),
        (
            "unknown key",
            String::from_utf8(good.clone())
                .unwrap()
                .replacen("\"rows\"", "\"extra\": 1, \"rows\"", 1)
                .into_bytes(),
        ),
    ];
    let manager = AddressManager::new(&store);
    for (what, bytes) in cases {
        fs::write(store.path(), &bytes).unwrap();
        let err = store.read().await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{what}: {err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("{path}: corrupt address state: ")),
            "{what}: {err}"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let err = manager
            .allocate("management", "edge-1-mgmt", None, &mut rng)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "store.corrupt", "{what}");
        // A commit against it (by a writer that read earlier) refuses too.
        let err = store
            .commit(
                "management",
                &Change::Remove { name: "x".into() },
                Version::INITIAL,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "store.corrupt", "{what}");
        assert_eq!(
            fs::read(store.path()).unwrap(),
            bytes,
            "{what}: file changed"
        );
    }
    let err = store.read().await.unwrap_err();
    assert!(err.to_string().contains("unknown field `extra`"), "{err}");
}

#[tokio::test]
async fn a_directory_or_a_missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = JsonFileStore::new(dir.path().join("sub"));
    fs::create_dir(store.path()).unwrap();
    let err = store.read().await.unwrap_err();
    assert_eq!(err.code(), "store.io");
    assert!(
        err.to_string().starts_with(&format!(
            "{}: cannot read the address state:",
            store.path().display()
        )),
        "{err}"
    );
    assert!(
        !store
            .create_if_absent(&management("10.0.0.0/24"))
            .await
            .unwrap()
    );
    let missing = JsonFileStore::new(dir.path().join("absent.json"));
    let err = missing.load("management").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::File(file) if file.source.kind() == std::io::ErrorKind::NotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_read_only_state_file_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = state_store(dir.path());
    store
        .create_if_absent(&management("10.0.0.0/24"))
        .await
        .unwrap();
    let before = fs::read(store.path()).unwrap();
    let mut permissions = fs::metadata(store.path()).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(store.path(), permissions).unwrap();
    let manager = AddressManager::new(&store);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let err = manager
        .allocate("management", "edge-1-mgmt", None, &mut rng)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.io");
    assert!(err.to_string().contains("the file is read-only"), "{err}");
    assert_eq!(fs::read(store.path()).unwrap(), before);
    // Reading still works.
    assert_eq!(store.read().await.unwrap().0.len(), 0);
}

#[test]
fn threads_with_their_own_store_objects_share_one_file_safely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mgmt.json");
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    };
    runtime()
        .block_on(JsonFileStore::new(&path).create_if_absent(&management("10.0.0.0/24")))
        .unwrap();
    let workers: Vec<_> = (0..4u64)
        .map(|worker| {
            let path = path.clone();
            std::thread::spawn(move || {
                // Each thread is like a separate process: its own store object and runtime,
                // and the same seed, so they all want the same addresses.
                let store = JsonFileStore::new(path);
                let manager = AddressManager::new(&store);
                let mut rng = ChaCha8Rng::seed_from_u64(99);
                runtime().block_on(async {
                    let mut won = Vec::new();
                    for i in 0..15 {
                        let name = format!("w{worker}-{i}-mgmt");
                        let address = manager
                            .allocate("management", &name, None, &mut rng)
                            .await
                            .unwrap();
                        won.push((name, address));
                    }
                    won
                })
            })
        })
        .collect();
    let successes: BTreeMap<String, IpAddr> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let distinct: HashSet<IpAddr> = successes.values().copied().collect();
    assert_eq!(distinct.len(), 60);
    let (rows, version) = runtime()
        .block_on(JsonFileStore::new(&path).read())
        .unwrap();
    assert_eq!(rows_of(&rows), successes);
    assert_eq!(version.get(), 60);
}
