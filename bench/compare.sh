#!/usr/bin/env bash
# Side-by-side: the same generated CSV (dataset_bench --csv-only) loaded into Verbind, SQLite and
# PostgreSQL, and the same two queries run in each, warm, on one core:
#   filtered: count, sum, avg, sample variance of monthly_amount WHERE birth_year < 1960
#   grouped:  the same GROUP BY benefit_type
# Prints each system's load rate and query times (median of 7 runs) and the ratios to Verbind.
#
#   bench/compare.sh [ROWS]          default 1000000
#   BUILD=build-dir bench/compare.sh use an existing build instead of deploy/setup.sh --bench
#
# PostgreSQL (Debian's server binaries) runs from a temporary folder on a private port with a
# private socket directory, and is stopped and removed afterwards. Parallel query is off so
# that every system uses one core. PostgreSQL refuses to run as root: as root the script runs
# it as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=7
if [ -z "${BUILD:-}" ]; then
  deploy/setup.sh --bench
  build=build
else
  build=$BUILD
fi
bench=$build/bench/dataset_bench
[ -x "$bench" ] || { echo "compare.sh: $bench is missing; build first" >&2; exit 1; }
command -v sqlite3 > /dev/null || { echo "compare.sh: sqlite3 is missing (deploy/setup.sh --bench)" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || { echo "compare.sh: PostgreSQL server binaries are missing (deploy/setup.sh --bench)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/verbind-compare-XXXXXX)
chmod 755 "$tmp"
pgdata=$tmp/pg
pgsock=$tmp/pgsock
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi
cleanup() {
  if [ -f "$pgdata/postmaster.pid" ]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop > /dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

csv=$tmp/benefits.csv
echo "== generating $rows records"
"$bench" --csv-only "$csv" --rows "$rows"
chmod 644 "$csv"

echo "== Verbind (dataset_bench)"
"$bench" --rows "$rows" --benchmark_min_time=1 --benchmark_repetitions=$runs \
  --benchmark_report_aggregates_only=true --benchmark_out="$tmp/verbind.json" \
  --benchmark_out_format=json > "$tmp/verbind.txt" 2> "$tmp/verbind.err"
grep -E '^(ingest|memory)' "$tmp/verbind.txt"
v_load=$(awk '/^ingest:/ {print $10}' "$tmp/verbind.txt")
v_times=$(python3 - "$tmp/verbind.json" << 'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = {b["run_name"]: b["real_time"] for b in d["benchmarks"] if b.get("aggregate_name") == "median"}
print(t["filtered_count_sum_avg_var"], t["grouped_by_benefit_type"])
EOF
)
v_filtered=${v_times% *}
v_grouped=${v_times#* }

echo "== SQLite $(sqlite3 --version | cut -d' ' -f1)"
sq=$tmp/bench.sqlite
start=$(now)
sqlite3 "$sq" > /dev/null << EOF
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE raw(person_id TEXT, birth_year TEXT, region TEXT, benefit_type TEXT,
                 monthly_amount TEXT, start_date TEXT, wmo TEXT);
.import --csv --skip 1 $csv raw
CREATE TABLE benefits(person_id TEXT PRIMARY KEY, birth_year INTEGER NOT NULL, region TEXT,
                      benefit_type TEXT, monthly_amount REAL, start_date TEXT, wmo INTEGER);
INSERT INTO benefits SELECT person_id, CAST(birth_year AS INTEGER), NULLIF(region, ''),
  NULLIF(benefit_type, ''), CAST(NULLIF(monthly_amount, '') AS REAL), NULLIF(start_date, ''),
  CASE wmo WHEN 'true' THEN 1 WHEN 'false' THEN 0 END FROM raw;
DROP TABLE raw;
EOF
s_load_secs=$(awk "BEGIN {print $(now) - $start}")
q_sqlite="SELECT count(*), sum(monthly_amount), avg(monthly_amount),
  (sum(monthly_amount * monthly_amount) - sum(monthly_amount) * sum(monthly_amount) / count(monthly_amount))
  / (count(monthly_amount) - 1) FROM benefits WHERE birth_year < 1960"
{
  echo "PRAGMA cache_size = -400000;"
  echo ".timer on"
  for _ in $(seq $runs); do echo "$q_sqlite;"; done
  for _ in $(seq $runs); do echo "$q_sqlite GROUP BY benefit_type;"; done
} | sqlite3 "$sq" > "$tmp/sqlite.txt"
s_all=$(grep -o 'Run Time: real [0-9.]*' "$tmp/sqlite.txt" | awk '{print $4 * 1000}')
s_filtered=$(echo "$s_all" | head -n $runs | median)
s_grouped=$(echo "$s_all" | tail -n $runs | median)

echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}')"
mkdir -p "$pgdata" "$pgsock"
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres "$pgdata" "$pgsock"; fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres -A trust --no-sync > /dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
  -o "-p $port -k $pgsock -c listen_addresses='' -c shared_buffers=512MB -c max_parallel_workers_per_gather=0" \
  start > /dev/null
pg() { "${as_pg[@]}" psql -X -q -h "$pgsock" -p "$port" -U postgres -d postgres "$@"; }
pg -c "CREATE TABLE benefits(person_id text PRIMARY KEY, birth_year integer NOT NULL,
  region text, benefit_type text, monthly_amount numeric(12,2), start_date date, wmo boolean)"
start=$(now)
pg -c "COPY benefits FROM '$csv' WITH (FORMAT csv, HEADER true)"
p_load_secs=$(awk "BEGIN {print $(now) - $start}")
pg -c "VACUUM ANALYZE benefits" > /dev/null
q_pg="SELECT count(*), sum(monthly_amount), avg(monthly_amount), var_samp(monthly_amount)
  FROM benefits WHERE birth_year < 1960"
{
  echo '\timing on'
  for _ in $(seq $runs); do echo "$q_pg;"; done
  for _ in $(seq $runs); do echo "$q_pg GROUP BY benefit_type;"; done
} | pg > "$tmp/pg.txt"
p_all=$(grep -o 'Time: [0-9.]*' "$tmp/pg.txt" | awk '{print $2}')
p_filtered=$(echo "$p_all" | head -n $runs | median)
p_grouped=$(echo "$p_all" | tail -n $runs | median)

python3 - "$rows" "$v_load" "$s_load_secs" "$p_load_secs" "$v_filtered" "$s_filtered" \
  "$p_filtered" "$v_grouped" "$s_grouped" "$p_grouped" << 'EOF'
import sys
rows = int(sys.argv[1])
v_load = float(sys.argv[2])
s_load, p_load = rows / float(sys.argv[3]), rows / float(sys.argv[4])
vf, sf, pf, vg, sg, pg = map(float, sys.argv[5:11])
print()
print(f"{rows} records, 7 columns; load = durable ingest of the CSV; queries warm, median")
print(f"{'':30}{'Verbind':>12}{'SQLite':>12}{'PostgreSQL':>12}{'SQLite/V':>10}{'PG/V':>8}")
print(f"{'load (rows/s)':30}{v_load:>12,.0f}{s_load:>12,.0f}{p_load:>12,.0f}"
      f"{v_load / s_load:>9.1f}x{v_load / p_load:>7.1f}x")
for name, v, s, p in (("filtered aggregate (ms)", vf, sf, pf), ("grouped by 6 values (ms)", vg, sg, pg)):
    print(f"{name:30}{v:>12.2f}{s:>12.2f}{p:>12.2f}{s / v:>9.1f}x{p / v:>7.1f}x")
print("(ratios: how many times faster Verbind is)")
EOF
