#!/usr/bin/env bash
# Sets up Verbind (Debian packages, Release build) and runs the demo: nodes in a temporary
# folder on loopback that pin each other and talk over mutual TLS. Stops them at the end
# (or leaves them running with --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
deploy/setup.sh
V="$PWD/build/node/verbind"
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
wait_up() {
  for _ in $(seq 100); do [ -f "$1/run/endpoints.json" ] && return 0; sleep 0.1; done
  echo "node $1 did not start:"; cat "$1/serve.log"; exit 1
}

say "Creating two nodes in $work"
"$V" init "$work/gemeente" --org gemeente-utrecht --name "Gemeente Utrecht" \
  --peer-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 | sed 's/^/  /'
"$V" init "$work/uwv" --org uwv --name "UWV" \
  --peer-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 > /dev/null

say "Starting both nodes"
for n in gemeente uwv; do
  "$V" serve "$work/$n" > "$work/$n/serve.log" 2>&1 &
  pids+=($!)
done
wait_up "$work/gemeente"; wait_up "$work/uwv"
"$V" --node "$work/gemeente" status
"$V" --node "$work/uwv" status

say "Exchanging identities (normally out of band) and pinning each other"
"$V" identity "$work/gemeente" > "$work/gemeente.identity.json"
"$V" identity "$work/uwv" > "$work/uwv.identity.json"
"$V" --node "$work/gemeente" peer add "$work/uwv.identity.json" --group uitvoering
"$V" --node "$work/uwv" peer add "$work/gemeente.identity.json" --group gemeenten

say "Each node fetches the other's identity over mutual TLS"
"$V" --node "$work/gemeente" peer check uwv
"$V" --node "$work/uwv" peer check gemeente-utrecht

say "A TLS client without a certificate gets no answer from the peer listener"
port=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['peer_port'])" "$work/uwv/run/endpoints.json")
(printf 'GET /v1/peer/identity HTTP/1.1\r\nHost: x\r\n\r\n'; sleep 1) |
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -quiet 2>&1 | grep -E "alert|HTTP/" | sed 's/^/  /' || true

if [ "$keep" = 1 ]; then
  say "Nodes left running in $work; stop them with: kill ${pids[*]}"
else
  say "Stopping the nodes"
fi
