#!/usr/bin/env bash
# Where an answered peer query's CPU goes: runs build/bench/peer_bench with the answering node
# under callgrind (so the counts do not depend on what else the machine is doing; the node runs
# about 50 times slower) and prints the instructions per answered query spent in each step of
# the peer protocol path, inclusive of what each step calls.
#
#   bench/peer_profile.sh [peer_bench options]      default: 8 peers, varied queries, 20 s
#   BUILD=build-dir bench/peer_profile.sh           another build folder (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
command -v valgrind > /dev/null || { echo "peer_profile.sh: valgrind is missing" >&2; exit 1; }
out=$(mktemp /tmp/verbind-callgrind-XXXXXX)
trap 'rm -f "$out" "$out.inclusive" "$out.tree"' EXIT
"$build/bench/peer_bench" --duration 20 --warmup 3 --connections 8 --peers 8 --vary \
  --presign-rate 200 "$@" --node-prefix "valgrind --tool=callgrind --callgrind-out-file=$out" |
  grep -E "answered in|peer_bench: (filtered|grouped|count)"
callgrind_annotate --inclusive=yes --threshold=100 "$out" > "$out.inclusive" 2> /dev/null
callgrind_annotate --inclusive=yes --tree=caller "$out" > "$out.tree" 2> /dev/null
python3 - "$out.inclusive" "$out.tree" << 'EOF'
import re, sys
inclusive = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(.*?) \[", line)
    if m:
        name = m.group(2)
        inclusive[name] = max(inclusive.get(name, 0), int(m.group(1).replace(",", "")))
# Answered queries: the calls of PeerService::HandleQuery (from its caller line in the tree).
calls = 0
lines = open(sys.argv[2], errors="replace").read().splitlines()
for i, line in enumerate(lines):
    if re.search(r"\*\s+\S*?:verbind::federation::PeerService::HandleQuery\(", line):
        for prev in reversed(lines[max(0, i - 5):i]):
            m = re.search(r"\((\d[\d,]*)x\)", prev)
            if m:
                calls = int(m.group(1).replace(",", ""))
                break
        break
if calls == 0:
    sys.exit("peer_profile.sh: no answered queries in the profile")
steps = [
    ("request on the peer listener (TLS, framing, router, handler)", r"verbind::node::HttpServer::ServeOne\("),
    ("  TLS record layer: reading requests", r"verbind::crypto::TlsSession::Read\("),
    ("  TLS record layer: writing answers", r"verbind::crypto::TlsSession::Write\("),
    ("  request head, parsed once", r"verbind::node::HttpServer::ReadHeadOf\("),
    ("  router and route handler (Router::Dispatch)", r"verbind::node::Router::Dispatch\("),
    ("  PeerService::Handle (the protocol steps)", r"verbind::federation::PeerService::Handle\("),
    ("    VerifyQuery (decode, signer, key, signature, payload, time)", r"verbind::federation::VerifyQuery\("),
    ("      Ed25519 signature check", r"verbind::crypto::Ed25519Verify\("),
    ("    NonceStore::Reserve (RocksDB read)", r"verbind::storage::NonceStore::Reserve\("),
    ("    rate limit (PeerService::RateLimited)", r"verbind::federation::PeerService::RateLimited\("),
    ("    AnswerService::Authorize (policy)", r"verbind::federation::AnswerService::Authorize\("),
    ("    AnswerService::Answer (plan, scan, release, charge)", r"verbind::federation::AnswerService::Answer\("),
    ("      AnswerService::Plan", r"verbind::federation::AnswerService::Plan\("),
    ("      AnswerService::Scan (scan cache or ExecuteScan)", r"verbind::federation::AnswerService::Scan\("),
    ("        ExecuteScan", r"verbind::storage::ExecuteScan\("),
    ("      ExactRelease (every public key, released statistics)", r"verbind::federation::ExactRelease\("),
    ("      AddNoise (keyed discrete Laplace)", r"verbind::federation::AddNoise\("),
    ("      PrivacyLedger::Reserve (budget check and charge)", r"verbind::storage::PrivacyLedger::Reserve\("),
    ("    AuditLog::Append (waiting side)", r"verbind::storage::AuditLog::Append\("),
    ("    signing the partial (NodeSigner::Seal)", r"verbind::federation::NodeSigner::Seal\("),
    ("audit writer thread (chain, batch, synced write)", r"verbind::storage::AuditLog::WriterLoop\("),
    ("RocksDB writes (all callers, incl. WAL)", r"rocksdb::DBImpl::WriteImpl\("),
    ("RocksDB memtable flushes (background)", r"rocksdb::DBImpl::BGWorkFlush\("),
    ("RocksDB compactions (background)", r"rocksdb::DBImpl::BGWorkCompaction\("),
]
print(f"\ninstructions per answered query ({calls} answered while profiled), inclusive:")
for label, pattern in steps:
    total = max((v for k, v in inclusive.items() if re.search(pattern, k)), default=0)
    print(f"  {label:66} {total / calls / 1000:9.0f}k")
EOF
