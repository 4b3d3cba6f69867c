#!/usr/bin/env bash
# Runs the Python client's tests against real nodes of the given verbind binary, with Debian's
# interpreter (which has python3-cryptography and, optionally, python3-pandas).
# Usage: clients/python/run_tests.sh path/to/verbind
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 VERBIND_BINARY" >&2
  exit 2
fi
binary=$(realpath "$1")
[ -x "$binary" ] || { echo "$0: not an executable: $1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
export VERBIND_BINARY="$binary"
export PYTHONPATH="$here:$here/tests"
cd "$here/tests"
exec timeout 300 /usr/bin/python3 -W error::ResourceWarning -m unittest -v test_client test_receipt
