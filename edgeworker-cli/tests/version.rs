//! `--version`: the crate's version and the commit built, `-dirty` for a changed tree,
//! "unknown commit" without a checkout.

use std::path::Path;
use std::process::Command;

mod common;

#[path = "../build/commit.rs"]
#[allow(dead_code)]
mod commit;

use common::{cli, stdout};

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

#[test]
fn version_names_the_crate_version_and_the_commit() {
    let out = cli(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let expected_start = format!("edgeworker-cli {} (", env!("CARGO_PKG_VERSION"));
    let commit = text
        .strip_prefix(&expected_start)
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{text}"));
    // The binary is built from the tree the test runs in: the same commit. (Not always the
    // same `-dirty`: a file edited without touching the index does not rerun the build
    // script.)
    let now = commit::describe(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(
        commit.trim_end_matches("-dirty"),
        now.trim_end_matches("-dirty")
    );
    // Every command shows it too.
    assert_eq!(
        stdout(&cli(&["plan", "--version"])),
        format!("edgeworker-cli-plan {}", &text["edgeworker-cli ".len()..])
    );
}

#[test]
fn a_tree_without_git_is_an_unknown_commit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
    assert_eq!(commit::describe(dir.path()), commit::UNKNOWN);
    assert!(commit::watched(dir.path()).is_empty());
}

#[test]
fn a_checkout_gives_its_short_hash_and_dirty_when_changed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    if git(repo, &["init", "-q"]).is_none() {
        return; // no git here: the fallback above is all there is to check
    }
    std::fs::write(repo.join("Cargo.toml"), "[package]\n").unwrap();
    let identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"];
    git(repo, &["add", "Cargo.toml"]).unwrap();
    let mut commit_args = identity.to_vec();
    commit_args.extend(["commit", "-q", "-m", "first"]);
    git(repo, &commit_args).unwrap();
    let hash = git(repo, &["rev-parse", "--short", "HEAD"]).unwrap();
    assert_eq!(commit::describe(repo), hash);
    // An untracked file is not a change of the sources built; an edited one is.
    std::fs::write(repo.join("notes.txt"), "scratch").unwrap();
    assert_eq!(commit::describe(repo), hash);
    std::fs::write(repo.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    assert_eq!(commit::describe(repo), format!("{hash}-dirty"));
    // HEAD, the branch's folder and the index are watched, whatever the branch is called.
    let watched = commit::watched(repo);
    assert!(
        watched.iter().any(|p| p.ends_with(".git/HEAD")),
        "{watched:?}"
    );
    assert!(
        watched.iter().any(|p| p.ends_with(".git/index")),
        "{watched:?}"
    );
    assert!(
        watched.iter().any(|p| p.ends_with(".git/refs/heads")),
        "{watched:?}"
    );
}
