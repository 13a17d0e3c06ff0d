//! Puts the git commit of the sources into the binary, for `--version`
//! (`EDGEWORKER_COMMIT`); see `build/commit.rs`.

#[path = "build/commit.rs"]
mod commit;

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Rerun when HEAD moves or the branch gets a commit, not only when this file changes, so
    // the hash never goes stale.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/commit.rs");
    for path in commit::watched(&crate_dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!(
        "cargo:rustc-env=EDGEWORKER_COMMIT={}",
        commit::describe(&crate_dir)
    );
}
