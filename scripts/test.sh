#!/usr/bin/env bash
# The one command that passes every test from a fresh clone on Debian 12:
#   installs what is missing (apt-get), builds, runs the unit tests, the Pebble integration
#   and fault suites, then the unit tests again under AddressSanitizer + UBSan.
# Usage: scripts/test.sh [--no-asan]    Environment: BUILD_DIR (default build), JOBS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

asan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    *) echo "usage: $0 [--no-asan]" >&2; exit 2 ;;
  esac
done

build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

bash scripts/install-deps.sh

echo "== configure and build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs"

if [ "$asan" = 1 ]; then
  echo "== unit tests under ASan+UBSan ($build-asan)"
  cmake -S . -B "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DCERTKEEP_SANITIZE=ON >/dev/null
  cmake --build "$build-asan" -j"$jobs" --target certkeep_unit_tests
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$build-asan" -L unit -E "systemd|architecture" --output-on-failure -j"$jobs"
fi

echo "== all tests: unit, Pebble integration, faults"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
