#!/usr/bin/env bash
# Sets up (Debian packages, Release build) and runs every test: the unit and end-to-end tests in
# the Release build, the analyst clients' tests (clients/) against real nodes of that build,
# clang-tidy with the checks in .clang-tidy over every source, then the same tests in a clang
# build with AddressSanitizer and UndefinedBehaviorSanitizer, whose fuzz targets then run for a
# short fixed budget each.
# Exits non-zero on the first failure.
#
#   deploy/test.sh              everything
#   deploy/test.sh --quick      only the Release unit and end-to-end tests and the clients' tests
#
# VERBIND_FUZZ_SECONDS (default 5) sets the fuzz budget per target; docs/security.md gives the
# command for long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

deploy/setup.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== Release: unit and end-to-end tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

echo "== Analyst clients against real nodes: Python"
clients/python/run_tests.sh build/node/verbind
echo "== Analyst clients against real nodes: R"
clients/r/run_tests.sh build/node/verbind

[ "$quick" = 1 ] && exit 0

# The Release build's compile commands are gcc's; clang-tidy is told to ignore the gcc-only
# warning options. Any finding fails the run (WarningsAsErrors in .clang-tidy).
echo "== clang-tidy: every source file"
run-clang-tidy -p build -quiet -j "$jobs" -extra-arg=-Wno-unknown-warning-option \
  "$PWD/(common|config|crypto|storage|federation|node|testing|tests|bench|fuzz)/" > build/clang-tidy.log 2>&1 ||
  { grep -E "error:|warning:" build/clang-tidy.log | sort -u | head -50; exit 1; }

# One sanitizer build serves both the tests and the fuzz targets (VERBIND_FUZZ adds libFuzzer's
# coverage instrumentation to every target; it changes nothing else in the tests).
echo "== AddressSanitizer + UndefinedBehaviorSanitizer (clang): unit and end-to-end tests"
CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DVERBIND_SANITIZE=ON -DVERBIND_FUZZ=ON \
  -DVERBIND_BENCH=OFF > build-san.log 2>&1 || { cat build-san.log; exit 1; }
cmake --build build-san -j "$jobs" >> build-san.log 2>&1 || { tail -50 build-san.log; exit 1; }
rm -f build-san.log
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-san --output-on-failure -j "$jobs" --timeout 900

echo "== Fuzz targets (short budget; see docs/security.md for long runs)"
deploy/fuzz.sh build-san "${VERBIND_FUZZ_SECONDS:-5}"
echo "== all tests passed"
