#!/usr/bin/env bash
# CI smoke: build every fuzz target and run each for a fixed number of executions over its
# committed seeds. Deterministic (-seed=1) so a CI failure reproduces. FUZZ_RUNS overrides
# the number of executions (default 100000 per target: seconds each on two cores;
# plan_ansible and upgrade_ansible, which render and re-parse two plans per input, run a
# tenth of that).
set -euo pipefail
cd "$(dirname "$0")"
runs=${FUZZ_RUNS:-100000}
targets=$(RUSTC_BOOTSTRAP=1 cargo fuzz list)
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none -a
for target in $targets; do
  n=$runs
  case "$target" in plan_ansible | upgrade_ansible) n=$((runs / 10)) ;; esac
  echo "fuzz smoke: $target ($n runs)"
  scratch=$(mktemp -d)
  if ! RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a "$target" "$scratch" "seeds/$target" -- \
    -runs="$n" -seed=1 -print_final_stats=0 >"$scratch.log" 2>&1; then
    tail -n 40 "$scratch.log"
    echo "fuzz smoke: $target FAILED (input left under fuzz/artifacts/$target)" >&2
    rm -rf "$scratch"
    exit 1
  fi
  grep -E "^Done" "$scratch.log"
  rm -f "$scratch.log"
  rm -rf "$scratch"
done
echo "fuzz smoke: $(echo "$targets" | wc -w) targets passed"
