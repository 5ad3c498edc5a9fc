#!/usr/bin/env bash
# Runs suites in a CI job (as root): builds quiesce, validates every suite,
# then runs them, keeping run folders under $QUIESCE_OUT for upload.
# Usage: ci/run-suites.sh [SUITE...]   (default: suites/*.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${QUIESCE_OUT:-target/quiesce}"
cargo build --workspace --bins
suites=("$@")
if ((${#suites[@]} == 0)); then suites=(suites/*.yaml); fi
target/debug/quiesce check "${suites[@]}"
target/debug/quiesce run "${suites[@]}" --out "$out"
