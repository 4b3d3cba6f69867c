#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (cmake -DVERBIND_FUZZ=ON, see docs/security.md)
# for SECONDS each, on a copy of its seed corpus in a temporary folder (the repository stays
# clean), and prints per target the executions, the coverage reached and whether it crashed.
# Exits non-zero when any target crashed, leaked, tripped a sanitizer or timed out; the input
# that did it is kept under BUILD_DIR/fuzz-crashes/.
#
#   deploy/fuzz.sh BUILD_DIR SECONDS [TARGET...]     e.g. deploy/fuzz.sh build-fuzz 20
#
# Long runs: nice -n 19 deploy/fuzz.sh build-fuzz 600 (and FUZZ_JOBS=N to run N targets at once).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: deploy/fuzz.sh BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$1
seconds=$2
shift 2
if [ ! -d "$build/fuzz" ]; then
  echo "fuzz.sh: $build/fuzz not found; build with -DVERBIND_FUZZ=ON first" >&2
  exit 2
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build"/fuzz/fuzz_*; do
    # fuzz_test is the unit test of the fuzz helpers, not a target.
    [ -x "$bin" ] && [[ "$bin" != *_test ]] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets in $build/fuzz" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/verbind-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
crashes="$build/fuzz-crashes"

# UBSan findings are fatal (libFuzzer then keeps the input); leaks are findings too.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1

# run_one NAME: fuzzes one target; writes its summary line to $work/NAME.summary.
run_one() {
  local name=$1 bin="$build/fuzz/fuzz_$1"
  local corpus="$work/corpus/$name" tmp="$work/tmp/$name"
  mkdir -p "$corpus" "$tmp" "$work/artifacts/$name"
  if [ -d "fuzz/corpus/$name" ]; then
    cp -R "fuzz/corpus/$name/." "$corpus/"
  fi
  local status=0
  TMPDIR="$tmp" "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$name/" "$corpus" \
    > "$work/$name.log" 2>&1 || status=$?
  local execs cov corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$work/$name.log" || true) | tail -1 | sed 's/cov: //')
  corp=$( (grep -o 'corp: [0-9]*' "$work/$name.log" || true) | tail -1 | sed 's/corp: //')
  local result="0 crashes"
  if [ "$status" -ne 0 ] || ls "$work/artifacts/$name"/* > /dev/null 2>&1; then
    result="CRASHED (exit $status)"
    mkdir -p "$crashes"
    cp "$work/artifacts/$name"/* "$crashes/" 2> /dev/null || true
    cp "$work/$name.log" "$crashes/$name.log"
  fi
  printf '%-14s %12s executions in %ss, coverage %6s, corpus %5s, %s\n' \
    "$name" "${execs:-?}" "$seconds" "${cov:-?}" "${corp:-?}" "$result" > "$work/$name.summary"
}

jobs=${FUZZ_JOBS:-1}
running=0
for name in "${targets[@]}"; do
  if [ ! -x "$build/fuzz/fuzz_$name" ]; then
    echo "fuzz.sh: no target $build/fuzz/fuzz_$name" >&2
    exit 2
  fi
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
for name in "${targets[@]}"; do
  cat "$work/$name.summary"
  if grep -q CRASHED "$work/$name.summary"; then
    failed=1
    echo "---- $name: last lines of its log (full log and input in $crashes/)"
    tail -40 "$work/$name.log"
  fi
done
exit "$failed"
