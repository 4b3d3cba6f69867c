#!/usr/bin/env bash
# Sets up Verbind (Debian packages, Release build) and runs the demo: three organisations on
# loopback - a municipality, a benefits agency and a statistics office - each with its own
# generated registrations, ingested through the real path. They exchange identities, apply
# sharing policies, and the statistics office asks three federated queries: one answered by
# all, one over every province (small ones included, protected by differential privacy), one
# that a peer denies. A receipt is written and verified offline, and each node shows what the
# queries cost of its privacy budget. The nodes are stopped at the end, or left running with
# --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
deploy/setup.sh
V="$PWD/build/node/verbind"
DEMO="$PWD/deploy/demo"
work=$(mktemp -d /tmp/verbind-demo.XXXXXX)
pids=()
cleanup() {
  if [ "$keep" = 0 ]; then
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
wait_up() {
  for _ in $(seq 100); do [ -f "$1/run/endpoints.json" ] && return 0; sleep 0.1; done
  echo "node $1 did not start:"; cat "$1/serve.log"; exit 1
}

orgs=(gemeente-utrecht uwv cbs)
declare -A names=([gemeente-utrecht]="Gemeente Utrecht" [uwv]="UWV" [cbs]="Centraal Bureau voor de Statistiek")
declare -A rows=([gemeente-utrecht]=40000 [uwv]=60000 [cbs]=20000)
purpose=pa-armoedemonitor
basis="AVG art. 6(1)(e); Wet op het CBS art. 33"

say "Three organisations, each with its own node, in $work"
for o in "${orgs[@]}"; do
  "$V" init "$work/$o" --org "$o" --name "${names[$o]}" \
    --peer-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 > "$work/$o.init.txt"
  "$V" serve "$work/$o" > "$work/$o/serve.log" 2>&1 &
  pids+=($!)
done
for o in "${orgs[@]}"; do wait_up "$work/$o"; "$V" --node "$work/$o" status; done

say "Identities are exchanged out of band and pinned (the statistics office is in group 'statistics')"
for o in "${orgs[@]}"; do "$V" identity "$work/$o" > "$work/$o.identity.json"; done
for o in "${orgs[@]}"; do
  for p in "${orgs[@]}"; do
    [ "$o" = "$p" ] && continue
    group=(); [ "$p" = cbs ] && group=(--group statistics)
    "$V" --node "$work/$o" peer add "$work/$p.identity.json" "${group[@]}" > /dev/null
  done
done
run "$V" --node "$work/cbs" peer list
run "$V" --node "$work/cbs" peer check uwv

say "The statistics office publishes the dataset definition; the others adopt it from its node"
"$V" --node "$work/cbs" dataset create support --schema "$DEMO/support.schema.toml" > /dev/null
run "$V" --node "$work/cbs" dataset publish support
for o in "${orgs[@]}"; do
  [ "$o" = cbs ] && continue
  run "$V" --node "$work/$o" dataset adopt cbs/support
done

say "Each organisation loads its own registrations through the real ingest path"
for o in "${orgs[@]}"; do
  python3 "$DEMO/generate.py" "$o" "${rows[$o]}" 7 > "$work/$o.csv"
  run "$V" --node "$work/$o" dataset ingest support "$work/$o.csv"
done

say "Each administrator applies a sharing policy (deny by default)"
run "$V" --node "$work/gemeente-utrecht" policy apply "$DEMO/policy-gemeente.toml"
run "$V" --node "$work/uwv" policy apply "$DEMO/policy-uwv.toml"
run "$V" --node "$work/cbs" policy apply "$DEMO/policy-cbs.toml"

say "Query 1: residents born before 1960 per scheme, from all three organisations (with a receipt)"
run "$V" --node "$work/cbs" query \
  "SELECT scheme, count(*), avg(monthly_amount) FROM support WHERE birth_year < 1960 GROUP BY scheme" \
  --purpose "$purpose" --legal-basis "$basis" --receipt "$work/receipt.json"

say "Query 2: WIA benefits per province - every province is listed, however few records it has; the noise protects the small ones"
run "$V" --node "$work/cbs" query \
  "SELECT region, count(*), avg(monthly_amount) FROM support WHERE scheme = 'WIA' GROUP BY region" \
  --purpose "$purpose" --legal-basis "$basis"

say "Query 3: a trend - new starts per month and scheme in 2024, every month listed in order"
run "$V" --node "$work/cbs" query \
  "SELECT date_trunc('month', start_date) AS month, scheme, count(*) AS starts FROM support WHERE start_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31' AND scheme IN ('WMO', 'WW') GROUP BY month, scheme ORDER BY month, scheme" \
  --purpose "$purpose" --legal-basis "$basis" --format table

say "Query 4: for fraud analysis - the municipality's policy does not accept that purpose"
run "$V" --node "$work/cbs" query \
  "SELECT scheme, count(*), sum(monthly_amount) FROM support GROUP BY scheme" \
  --purpose pa-fraude-analyse --legal-basis "Wet SUWI art. 62" || true
run "$V" --node "$work/gemeente-utrecht" policy explain \
  "SELECT scheme, count(*), sum(monthly_amount) FROM support GROUP BY scheme" \
  --peer cbs --purpose pa-fraude-analyse

say "Each answer cost epsilon 0.1 of each dataset's privacy budget; the municipality sees who spent what"
run "$V" --node "$work/gemeente-utrecht" dataset privacy support

say "The receipt of query 1 is verified offline against the three identity documents"
mkdir -p "$work/identities"
cp "$work"/*.identity.json "$work/identities/"
run "$V" receipt verify "$work/receipt.json" --identities "$work/identities"

say "Every exchange is in each node's tamper-evident audit log"
run "$V" --node "$work/gemeente-utrecht" audit list --peer cbs
for o in "${orgs[@]}"; do "$V" --node "$work/$o" audit verify; done

if [ "$keep" = 1 ]; then
  say "The nodes keep running in $work"
  echo "Ask more, e.g.: $V --node $work/cbs query \"SELECT region, count(*) FROM support GROUP BY region\" --purpose $purpose --legal-basis \"$basis\""
  echo "Stop them with: kill ${pids[*]}"
else
  say "Stopping the nodes"
fi
