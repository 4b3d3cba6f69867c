#!/usr/bin/env bash
# Installs the Debian packages Verbind needs (only those missing, non-interactively) and builds
# it in Release mode into ./build. Safe to run again.
#
#   deploy/setup.sh            build dependencies
#   deploy/setup.sh --test     also what the tests and fuzzers need
#   deploy/setup.sh --bench    also the benchmarks (bench/), with SQLite and PostgreSQL for the
#                              side-by-side comparisons; without it they are not built
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config openssl
  libssl-dev libsodium-dev librocksdb-dev libtomlplusplus-dev
  nlohmann-json3-dev libcli11-dev libgoogle-perftools-dev libgtest-dev libgmock-dev libbenchmark-dev python3)
bench=OFF
for arg in "$@"; do
  case "$arg" in
    --test) packages+=(clang clang-tidy libclang-rt-14-dev procps faketime python3-yaml
            python3-cryptography python3-pandas r-base-core r-cran-httr2 r-cran-jsonlite) ;;
    --bench) packages+=(sqlite3 postgresql); bench=ON ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVERBIND_BENCH=$bench > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$jobs" >> build.log 2>&1 || { tail -50 build.log; exit 1; }
rm -f build.log
echo "setup: built build/node/verbind"
