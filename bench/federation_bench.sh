#!/usr/bin/env bash
# Federated queries end to end, and the same aggregate in PostgreSQL with postgres_fdw, in one run:
#
#  1. three real nodes on loopback, each with ROWS generated records (bench/bench_records.h)
#     ingested through the CLI, pinned to each other, each with a sharing policy granting the
#     other two; the analyst API of the first (POST /v1/queries, SQL) is timed for
#       filtered: count(*), sum, avg, var of monthly_amount WHERE birth_year < 1960
#       grouped:  the same GROUP BY benefit_type (6 values)
#     (every run signed, sent over mutual TLS, verified and combined; all three must answer);
#  2. FANOUT nodes with FANOUT_ROWS records each, the first pinning all others: the same two
#     queries fanned out to every node;
#  3. PostgreSQL (Debian's server binaries): three clusters on private sockets holding the same
#     ROWS records, and a coordinator database in the first with postgres_fdw foreign tables;
#     the same aggregates as a UNION ALL of per-server partial aggregates (count, sum, sum of
#     squares; pushed down to each server and run concurrently with async_capable) combined in
#     the coordinator, timed with psql's \timing on one session.
# Times are per query from request to complete response, warm: median and p90 of RUNS runs.
# Everything runs in a temporary folder and is stopped and removed at the end.
#
#   bench/federation_bench.sh [ROWS]        default 1000000
#   BUILD=build-dir  RUNS=25  FANOUT=50  FANOUT_ROWS=2000  SKIP_PG=1   (environment)
#
# Without BUILD the script runs deploy/setup.sh --bench (installs SQLite and PostgreSQL, builds).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${RUNS:-25}
fanout=${FANOUT:-50}
fanout_rows=${FANOUT_ROWS:-2000}
if [ -z "${BUILD:-}" ]; then
  deploy/setup.sh --bench
  build=build
else
  build=$BUILD
fi
V=$PWD/$build/node/verbind
DATA=$PWD/$build/bench/bench_data
TIME=$PWD/bench/time_queries.py
for f in "$V" "$DATA"; do
  [ -x "$f" ] || { echo "federation_bench.sh: $f is missing; build first" >&2; exit 1; }
done
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)

tmp=$(mktemp -d /tmp/verbind-federation-XXXXXX)
chmod 755 "$tmp"
pids=()
pg_clusters=()
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi
stop_nodes() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  pids=()
}
cleanup() {
  stop_nodes
  for d in "${pg_clusters[@]}"; do
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$d" -m immediate stop > /dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# start_node DIR ORG: init and serve a node on free loopback ports.
start_node() {
  "$V" init "$1" --org "$2" --name "Organisation $2" --peer-listen 127.0.0.1:0 \
    --api-listen 127.0.0.1:0 > "$1.init.txt"
  "$V" serve "$1" > "$1.serve.log" 2>&1 &
  pids+=($!)
}
wait_node() {
  for _ in $(seq 300); do [ -f "$1/run/endpoints.json" ] && return 0; sleep 0.1; done
  echo "node $1 did not start:" >&2
  cat "$1.serve.log" >&2
  exit 1
}
api_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$1/run/endpoints.json"; }
analyst_token() { awk '/^ *analyst:/ {print $2}' "$1.init.txt"; }
# pin A B: A pins B.
pin() { "$V" --node "$1" peer add "$2.identity.json" > /dev/null; }
# dataset DIR CSV GRANTEE...: create the dataset, ingest the CSV, apply the policy.
dataset() {
  local dir=$1 csv=$2
  shift 2
  "$V" --node "$dir" dataset create benefits --schema "$tmp/benefits.schema.toml" > /dev/null
  "$V" --node "$dir" dataset ingest benefits "$csv" > "$dir.ingest.txt"
  "$DATA" policy "$@" > "$dir.policy.toml"
  "$V" --node "$dir" policy apply "$dir.policy.toml" > /dev/null
}
# time_pair NAME API TOKEN EXPECT: times the filtered and the grouped query; writes NAME.*.json.
q_filtered="SELECT count(*), sum(monthly_amount), avg(monthly_amount), var(monthly_amount) FROM benefits WHERE birth_year < 1960"
q_grouped="SELECT benefit_type, count(*), sum(monthly_amount), avg(monthly_amount), var(monthly_amount) FROM benefits WHERE birth_year < 1960 GROUP BY benefit_type"
time_pair() {
  python3 "$TIME" --api "$2" --token "$3" --sql "$q_filtered" --runs "$runs" --expect "$4" \
    > "$tmp/$1.filtered.json" || { cat "$tmp/$1.filtered.json"; exit 1; }
  python3 "$TIME" --api "$2" --token "$3" --sql "$q_grouped" --runs "$runs" --expect "$4" \
    > "$tmp/$1.grouped.json" || { cat "$tmp/$1.grouped.json"; exit 1; }
  echo "filtered: $(cat "$tmp/$1.filtered.json")"
  echo "grouped:  $(cat "$tmp/$1.grouped.json")"
}

echo "federation_bench: $rows records per node, $runs timed runs per query; load average $(load)"
"$DATA" schema > "$tmp/benefits.schema.toml"
csv=$tmp/benefits.csv
"$DATA" csv "$csv" --rows "$rows"
chmod 644 "$csv"

say "three nodes x $rows records"
orgs=(org-1 org-2 org-3)
for o in "${orgs[@]}"; do start_node "$tmp/$o" "$o"; done
for o in "${orgs[@]}"; do wait_node "$tmp/$o"; "$V" identity "$tmp/$o" > "$tmp/$o.identity.json"; done
for a in "${orgs[@]}"; do for b in "${orgs[@]}"; do [ "$a" = "$b" ] || pin "$tmp/$a" "$tmp/$b"; done; done
for o in "${orgs[@]}"; do
  start=$(date +%s.%N)
  dataset "$tmp/$o" "$csv" "${orgs[@]}"
  echo "$o: ingested $rows records in $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $start}") s (CLI, durable)"
done
time_pair three "$(api_of "$tmp/org-1")" "$(analyst_token "$tmp/org-1")" 3
for o in "${orgs[@]}"; do
  echo "$o resident memory: $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tmp/$o/run/endpoints.json")/status")"
done
stop_nodes

say "fan-out: $fanout nodes x $fanout_rows records"
small=$tmp/small.csv
"$DATA" csv "$small" --rows "$fanout_rows" --seed 7
fan=()
for i in $(seq 1 "$fanout"); do fan+=("fan-$i"); done
for o in "${fan[@]}"; do start_node "$tmp/$o" "$o"; done
for o in "${fan[@]}"; do wait_node "$tmp/$o"; "$V" identity "$tmp/$o" > "$tmp/$o.identity.json"; done
hub=${fan[0]}
for o in "${fan[@]:1}"; do
  pin "$tmp/$hub" "$tmp/$o"
  pin "$tmp/$o" "$tmp/$hub"
  dataset "$tmp/$o" "$small" "$hub"
done
dataset "$tmp/$hub" "$small" "$hub"
time_pair fanout "$(api_of "$tmp/$hub")" "$(analyst_token "$tmp/$hub")" "$fanout"
stop_nodes

if [ "${SKIP_PG:-0}" = 1 ]; then
  say "PostgreSQL skipped (SKIP_PG=1)"
  pg_filtered=- pg_grouped=- pg_filtered_p90=- pg_grouped_p90=-
else
  [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ -f "$(dirname "$pgbin")/lib/postgres_fdw.so" ] ||
    { echo "federation_bench.sh: PostgreSQL with postgres_fdw is missing (deploy/setup.sh --bench)" >&2; exit 1; }
  say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') with postgres_fdw: three servers x $rows rows"
  pgsock=$tmp/pgsock
  mkdir -p "$pgsock"
  [ ${#as_pg[@]} -eq 0 ] || chown postgres "$pgsock"
  ports=()
  for i in 1 2 3; do
    d=$tmp/pg$i
    mkdir -p "$d"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$d"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ports+=("$port")
    "${as_pg[@]}" "$pgbin/initdb" -D "$d" -U postgres -A trust --no-sync > /dev/null
    pg_clusters+=("$d")
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$d" -l "$d/server.log" -w \
      -o "-p $port -k $pgsock -c listen_addresses='' -c shared_buffers=256MB -c max_parallel_workers_per_gather=0" \
      start > /dev/null
  done
  pg() { local port=$1; shift; "${as_pg[@]}" psql -X -q -v ON_ERROR_STOP=1 -h "$pgsock" -p "$port" -U postgres "$@"; }
  for i in 0 1 2; do
    pg "${ports[$i]}" -d postgres -c "CREATE TABLE benefits(person_id text PRIMARY KEY,
      birth_year integer NOT NULL, region text, benefit_type text, monthly_amount numeric(12,2),
      start_date date, wmo boolean)"
    pg "${ports[$i]}" -d postgres -c "COPY benefits FROM '$csv' WITH (FORMAT csv, HEADER true)"
    pg "${ports[$i]}" -d postgres -c "VACUUM ANALYZE benefits" > /dev/null
  done
  pg "${ports[0]}" -d postgres -c "CREATE DATABASE coordinator"
  {
    echo "CREATE EXTENSION postgres_fdw;"
    for i in 1 2 3; do
      echo "CREATE SERVER s$i FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$pgsock', port '${ports[$((i - 1))]}', dbname 'postgres', async_capable 'true', use_remote_estimate 'true');"
      echo "CREATE USER MAPPING FOR postgres SERVER s$i OPTIONS (user 'postgres');"
      echo "CREATE FOREIGN TABLE b$i(person_id text, birth_year integer, region text, benefit_type text, monthly_amount numeric(12,2), start_date date, wmo boolean) SERVER s$i OPTIONS (table_name 'benefits');"
    done
  } | pg "${ports[0]}" -d coordinator > /dev/null
  partials() {  # $1: extra select column and GROUP BY for each server
    local sep=""
    for i in 1 2 3; do
      printf '%s SELECT %s count(*) AS n, sum(monthly_amount) AS s, count(monthly_amount) AS c, sum(monthly_amount * monthly_amount) AS ss FROM b%s WHERE birth_year < 1960 %s\n' \
        "$sep" "${1:+$1,}" "$i" "${1:+GROUP BY $1}"
      sep="UNION ALL"
    done
  }
  combine="sum(n) AS count, sum(s) AS sum, sum(s) / sum(c) AS avg, (sum(ss) - sum(s) * sum(s) / sum(c)) / (sum(c) - 1) AS var"
  pg_q_filtered="SELECT $combine FROM ($(partials "")) p"
  pg_q_grouped="SELECT benefit_type, $combine FROM ($(partials benefit_type)) p GROUP BY benefit_type ORDER BY benefit_type"
  echo "coordinator query (filtered):"
  echo "$pg_q_filtered"
  for q in filtered grouped; do
    var=pg_q_$q
    echo "EXPLAIN (VERBOSE, COSTS OFF) ${!var};" | pg "${ports[0]}" -d coordinator > "$tmp/plan.$q.txt"
    echo "$q plan: $(grep -c 'Async Foreign Scan' "$tmp/plan.$q.txt") async foreign scans under one Append; remote SQL:"
    grep -m1 'Remote SQL' "$tmp/plan.$q.txt" | sed 's/^ */  /'
  done
  {
    echo '\timing on'
    for _ in 1 2 3; do echo "$pg_q_filtered;"; done
    for _ in $(seq "$runs"); do echo "$pg_q_filtered;"; done
    for _ in 1 2 3; do echo "$pg_q_grouped;"; done
    for _ in $(seq "$runs"); do echo "$pg_q_grouped;"; done
  } | pg "${ports[0]}" -d coordinator > "$tmp/pg.txt"
  grep -A3 -m1 "count" "$tmp/pg.txt" | head -4
  stats() { sort -g | awk '{v[NR]=$1} END {printf "%s %s\n", v[int((NR+1)/2)], v[int(NR*0.9+0.999)]}'; }
  times=$(grep -o 'Time: [0-9.]*' "$tmp/pg.txt" | awk '{print $2}')
  read -r pg_filtered pg_filtered_p90 < <(echo "$times" | sed -n "4,$((3 + runs))p" | stats)
  read -r pg_grouped pg_grouped_p90 < <(echo "$times" | sed -n "$((7 + runs)),$((6 + 2 * runs))p" | stats)
  echo "filtered: median $pg_filtered ms, p90 $pg_filtered_p90 ms; grouped: median $pg_grouped ms, p90 $pg_grouped_p90 ms"
fi

say "summary (ms, warm, $runs runs each; load average now $(load))"
v() { field "$2" < "$tmp/$1.json"; }
printf '%-46s %10s %10s %10s\n' "" median p90 target
printf '%-46s %10s %10s %10s\n' "Verbind, 3 nodes x $rows, filtered" "$(v three.filtered median_ms)" "$(v three.filtered p90_ms)" "10"
printf '%-46s %10s %10s %10s\n' "Verbind, 3 nodes x $rows, grouped by 6" "$(v three.grouped median_ms)" "$(v three.grouped p90_ms)" "40"
printf '%-46s %10s %10s %10s\n' "Verbind, $fanout nodes x $fanout_rows, filtered" "$(v fanout.filtered median_ms)" "$(v fanout.filtered p90_ms)" "500"
printf '%-46s %10s %10s %10s\n' "Verbind, $fanout nodes x $fanout_rows, grouped by 6" "$(v fanout.grouped median_ms)" "$(v fanout.grouped p90_ms)" "500"
printf '%-46s %10s %10s %10s\n' "PostgreSQL postgres_fdw, 3 x $rows, filtered" "$pg_filtered" "$pg_filtered_p90" "-"
printf '%-46s %10s %10s %10s\n' "PostgreSQL postgres_fdw, 3 x $rows, grouped" "$pg_grouped" "$pg_grouped_p90" "-"
