#!/usr/bin/env bash
# The one command that passes every test from a fresh clone on Debian 12: installs what is
# missing (apt-get), configures and builds everything with AddressSanitizer + UBSan, and runs
# every test against that build: unit tests, the Pebble integration, fault and terminator
# suites, cppcheck, the systemd unit check and the installed-package consumer build. One
# sanitized build serves all of them, so the integration tests run the real binary under the
# sanitizers too. Then every libFuzzer target runs briefly (clang build in $BUILD_DIR-fuzz).
# Usage: scripts/test.sh [--no-sanitize]
# Environment: BUILD_DIR (default build-test), JOBS, FUZZ_SECONDS (per target, default 5; 0 skips).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitize=ON
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=OFF ;;
    *) echo "usage: $0 [--no-sanitize]" >&2; exit 2 ;;
  esac
done

build=${BUILD_DIR:-build-test}
jobs=${JOBS:-$(nproc)}
started=$(date +%s)

bash scripts/install-deps.sh --with-analysis

echo "== configure and build ($build, sanitizers $sanitize)"
# -g1: line tables are all a sanitizer report needs, and full debug info costs ~10% of the build.
# Failpoints compiled in: faults.kill_at_each_failpoint stops certkeep at every named step.
# A unity build: from scratch it takes 284 s here instead of 604 s (CERTKEEP_UNITY, CMakeLists.txt).
# Each Catch2 executable is one CTest test (tests/CMakeLists.txt, CERTKEEP_CTEST_PER_CASE).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCERTKEEP_SANITIZE="$sanitize" \
  -DCERTKEEP_FAILPOINTS=ON -DCERTKEEP_BENCH=OFF -DCERTKEEP_UNITY=ON -DCERTKEEP_CTEST_PER_CASE=OFF >/dev/null
cmake --build "$build" -j"$jobs"

echo "== every test: unit, Pebble integration, faults, systemd, package"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fuzz_seconds=${FUZZ_SECONDS:-5}
fuzz_build_pid=""
stop_fuzz_build() { if [ -n "$fuzz_build_pid" ]; then kill -- "-$fuzz_build_pid" 2>/dev/null || true; fi; }
trap stop_fuzz_build EXIT
if [ "$fuzz_seconds" != 0 ]; then
  # The Pebble tests mostly wait on the network: build the fuzz targets (clang) meanwhile, at
  # the lowest priority so the tests keep their CPU. setsid makes it a process group to stop.
  echo "== building the fuzz targets in $build-fuzz in the background (log: $build/fuzz-build.log)"
  FUZZ_JOBS=1 setsid nice -n 19 bash fuzz/run.sh --build "$build-fuzz" 0 >"$build/fuzz-build.log" 2>&1 &
  fuzz_build_pid=$!
fi
# Pebble tests mostly wait on the network, so run a few more at once than there are CPUs.
ctest --test-dir "$build" --output-on-failure -j"$((jobs + 1))"

if [ -n "$fuzz_build_pid" ]; then
  status=0
  wait "$fuzz_build_pid" || status=$?
  fuzz_build_pid=""
  [ "$status" = 0 ] || { cat "$build/fuzz-build.log"; echo "fuzz build failed" >&2; exit 1; }
  tail -n 1 "$build/fuzz-build.log"
  echo "== fuzz smoke run: every target ${fuzz_seconds} s, regressions replayed"
  bash fuzz/run.sh "$build-fuzz" "$fuzz_seconds"
fi
echo "== all tests passed in $(( $(date +%s) - started )) s"
