//! The git commit a build comes from, for `--version`: shared by the build script, which
//! computes it, and the tests, which check it on scratch repositories.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `--version` shows when the sources are not a git checkout (a source tarball, or no
/// git installed).
pub const UNKNOWN: &str = "unknown commit";

/// The commit of the checkout holding `crate_dir`: the short hash, with `-dirty` when a
/// tracked file differs from it, or [`UNKNOWN`]. A crate inside some other repository
/// (unpacked from a tarball into a checkout of something else) is not that repository's
/// commit: its manifest must be tracked there.
pub fn describe(crate_dir: &Path) -> String {
    let tracked = git(crate_dir, &["ls-files", "--error-unmatch", "Cargo.toml"]).is_some();
    let Some(hash) = git(crate_dir, &["rev-parse", "--short", "HEAD"]).filter(|_| tracked) else {
        return UNKNOWN.to_owned();
    };
    match git(
        crate_dir,
        &["status", "--porcelain", "--untracked-files=no"],
    ) {
        Some(changes) if changes.is_empty() => hash,
        _ => format!("{hash}-dirty"),
    }
}

/// The files whose change means the answer of [`describe`] may have changed: `HEAD`, the
/// branch it names (loose, or its folder for when it is created, or packed) and the index.
/// Asked of git, because in a worktree `.git` is a file and the branch lives in the main
/// repository. Only files that exist: cargo takes a missing one for changed on every build.
pub fn watched(crate_dir: &Path) -> Vec<PathBuf> {
    let mut names = vec![
        "HEAD".to_owned(),
        "packed-refs".to_owned(),
        "index".to_owned(),
    ];
    names.extend(git(crate_dir, &["symbolic-ref", "-q", "HEAD"]));
    let mut paths: Vec<PathBuf> = names
        .iter()
        .filter_map(|name| git(crate_dir, &["rev-parse", "--git-path", name]))
        .map(|path| crate_dir.join(path))
        .collect();
    if let Some(folder) = paths.last().and_then(|branch| branch.parent()) {
        paths.push(folder.to_owned());
    }
    paths.retain(|path| path.exists());
    paths
}

/// Runs git in `dir`; its trimmed output when it ran and succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    String::from_utf8(output.stdout)
        .ok()
        .map(|text| text.trim().to_owned())
}
