#!/usr/bin/env bash
# Runs each fuzz target of harness/fuzz for FUZZ_SECONDS (default 60) in
# turn, one at a time with one job, and prints how many inputs each one
# executed. Needs a nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); docs/fuzzing.md says more.
#
#   FUZZ_SECONDS=300 ci/fuzz.sh              # every target, 5 minutes each
#   FUZZ_TARGETS="packet view_probe" ci/fuzz.sh
#
# New inputs go to harness/fuzz/corpus-run/TARGET (not committed); the kept
# seeds in corpus/ and the inputs in regressions/ are read, never written.
# A crash, timeout or out-of-memory leaves its input in
# harness/fuzz/artifacts/TARGET/ and makes the script exit 1 after the
# other targets have run.
set -uo pipefail

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-suite_check packet control_stream view_probe}
fuzz=$(cd "$(dirname "$0")/../harness/fuzz" && pwd)

# The longest input worth trying: a suite file; a virtio-net header and the
# largest IPv4 packet; a few control lines over the 256-byte line limit the
# target reads with; a probe answer.
max_len() {
    case $1 in
        suite_check) echo 16384 ;;
        packet) echo 65545 ;;
        control_stream) echo 4096 ;;
        view_probe) echo 65536 ;;
        *) echo 4096 ;;
    esac
}

cd "$fuzz/.." || exit 2
failed=()
summary=()
for target in $targets; do
    mkdir -p "$fuzz/corpus-run/$target" "$fuzz/logs"
    seeds=("$fuzz/corpus/$target")
    [ -d "$fuzz/regressions/$target" ] && seeds+=("$fuzz/regressions/$target")
    log="$fuzz/logs/$target.log"
    echo "== $target: ${seconds}s"
    nice -n 19 cargo +nightly fuzz run -O -a "$target" "$fuzz/corpus-run/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    line="$target: ${runs:-?} executions (${rate:-?}/s)"
    if [ "$status" -ne 0 ]; then
        line="$line, stopped at a finding: FAILED (exit $status; see $log)"
        failed+=("$target")
        grep -E '^(==[0-9]+==|SUMMARY|thread .* panicked|artifact_prefix|Test unit written)' "$log" | head -n 20
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "== fuzzing summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
