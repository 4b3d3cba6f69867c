#!/usr/bin/env bash
# Sets up (Debian packages, Release build) and runs every test: unit and end-to-end tests,
# then the same tests built with AddressSanitizer and UndefinedBehaviorSanitizer, then each
# fuzz target for a short fixed budget. Exits non-zero on the first failure.
#
#   deploy/test.sh              everything
#   deploy/test.sh --quick      only the Release unit and end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

deploy/setup.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== Release: unit and end-to-end tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

[ "$quick" = 1 ] && exit 0

if [ -d fuzz ] && [ -f fuzz/CMakeLists.txt ] && grep -q add_executable fuzz/CMakeLists.txt; then
  echo "== Fuzz targets (short budget; see docs/security.md for long runs)"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVERBIND_FUZZ=ON -DVERBIND_TESTS=OFF -DVERBIND_BENCH=OFF > /dev/null
  cmake --build build-fuzz -j "$jobs" > /dev/null
  # 20 s per target: the 16 targets take about 6 minutes on two cores, the whole script about
  # 9 with the build folders up to date (figures in docs/security.md).
  deploy/fuzz.sh build-fuzz "${VERBIND_FUZZ_SECONDS:-20}"
fi

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit and end-to-end tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVERBIND_SANITIZE=ON \
  -DVERBIND_BENCH=OFF > /dev/null
cmake --build build-asan -j "$jobs" > /dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900
echo "== all tests passed"
