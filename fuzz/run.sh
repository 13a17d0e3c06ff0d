#!/usr/bin/env bash
# Runs one fuzz target for a while: fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]
# The working corpus grows in fuzz/corpus/TARGET (ignored by git); the committed seeds in
# fuzz/seeds/TARGET are read but never written. A finding is left in fuzz/artifacts/TARGET;
# replay it with: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a TARGET fuzz/artifacts/TARGET/<file>
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
shift 2
mkdir -p "corpus/$target"
# Stable toolchain: no sanitizer (those need nightly-only flags); RUSTC_BOOTSTRAP lets
# cargo-fuzz pass the -Z flags it uses for coverage instrumentation. -a keeps debug
# assertions and overflow checks on, so the library's own invariants are checked too.
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
  -max_total_time="$seconds" -print_final_stats=1 "$@"
