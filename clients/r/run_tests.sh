#!/usr/bin/env bash
# Tests the R client against real nodes: starts three `verbind` nodes on loopback (port 0, in a
# temporary folder), pins them to each other, loads a small non-personal dataset with a sharing
# policy into each, then runs every clients/r/tests/test_*.R with Rscript. org-a serves its API
# over HTTPS (the client pins its certificate), org-b and org-c over plain HTTP.
# Usage: clients/r/run_tests.sh VERBIND_BINARY   (exit status 0 when every check passed)
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 VERBIND_BINARY" >&2
  exit 2
fi
V=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/verbind-r-tests.XXXXXX)
orgs=(org-a org-b org-c)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -CONT "$p" 2>/dev/null || true
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== installing the package into $work/lib"
mkdir -p "$work/lib"
R CMD INSTALL --library="$work/lib" "$here/verbind" > "$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }

echo "== starting ${orgs[*]}"
for o in "${orgs[@]}"; do
  "$V" init "$work/$o" --org "$o" --name "Organisation $o" \
    --peer-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 > "$work/$o.init.txt"
  tls=false
  [ "$o" = org-a ] && tls=true
  VERBIND_API_TLS=$tls "$V" serve "$work/$o" > "$work/$o.serve.log" 2>&1 &
  pids+=($!)
done
for o in "${orgs[@]}"; do
  for _ in $(seq 200); do [ -f "$work/$o/run/endpoints.json" ] && break; sleep 0.05; done
  if [ ! -f "$work/$o/run/endpoints.json" ]; then
    echo "$o did not start:"
    cat "$work/$o.serve.log"
    exit 1
  fi
done

echo "== pinning peers, loading records, applying policies"
for o in "${orgs[@]}"; do "$V" identity "$work/$o" > "$work/$o.identity.json"; done
for o in "${orgs[@]}"; do
  for p in "${orgs[@]}"; do
    [ "$o" = "$p" ] || "$V" --node "$work/$o" peer add "$work/$p.identity.json" > /dev/null
  done
done
Rscript "$here/tests/make_data.R" "$work"
for o in "${orgs[@]}"; do
  cli=("$V" --node "$work/$o")
  "${cli[@]}" dataset create grants --schema "$here/tests/fixtures/grants.schema.toml" > /dev/null
  "${cli[@]}" dataset privacy grants --non-personal --reason "grants to organisations" \
    --accept-higher-loss > /dev/null
  "${cli[@]}" dataset ingest grants "$work/$o.csv" > /dev/null
  "${cli[@]}" policy apply "$here/tests/fixtures/grants.policy.toml" > /dev/null
  "${cli[@]}" dataset create starts --schema "$here/tests/fixtures/starts.schema.toml" > /dev/null
  "${cli[@]}" dataset privacy starts --non-personal --reason "synthetic test starts" \
    --accept-higher-loss > /dev/null
  "${cli[@]}" dataset ingest starts "$work/$o.starts.csv" > /dev/null
  "${cli[@]}" policy apply "$here/tests/fixtures/starts.policy.toml" > /dev/null
done

export R_LIBS="$work/lib${R_LIBS:+:$R_LIBS}"
export VB_WORK="$work" VB_BINARY="$V" VB_TESTS="$here/tests" VB_EXAMPLES="$here/examples"
export VB_ANALYST_TOKEN
VB_ANALYST_TOKEN=$(awk '$1 == "analyst:" {print $2}' "$work/org-a.init.txt")
failed=0
# test_partial.R stops nodes, so it runs last.
for t in "$here"/tests/test_*.R; do
  [ "$(basename "$t")" = test_partial.R ] && continue
  echo "== $(basename "$t")"
  Rscript "$t" || failed=$((failed + 1))
done
echo "== test_partial.R"
Rscript "$here/tests/test_partial.R" || failed=$((failed + 1))
if [ "$failed" -ne 0 ]; then
  echo "FAILED: $failed test file(s)"
  exit 1
fi
echo "all R client tests passed"
