#!/usr/bin/env bash
# run_all.sh [--quick]
#
# Runs every benchmark of bench/ from an existing build (it builds nothing) and prints their
# tables, then the JSON lines together. BUILD_DIR (default build) must hold certkeep and
# bench/{crypto_bench,renew_check_bench,store_bulk_bench,on_demand_bench,manager_start_bench,
# serve_all_bench,bench_measure,link_floor_*}; configure it as Release for figures
# worth comparing. --quick: fewer repetitions and a smaller bulk run (N=20, K=1,4).
# Exits 1 when a benchmark failed to run (a missed target is reported, not an error).
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

quick=()
case ${1:-} in
  "") ;;
  --quick) quick=(--quick) ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

bench_resolve_build_dir
bench_require_certkeep
build_type=$(bench_build_type)
case $build_type in
  Release | RelWithDebInfo | MinSizeRel) ;;
  *) bench_log "warning: $BUILD_DIR is a '$build_type' build; configure -DCMAKE_BUILD_TYPE=Release for real figures" ;;
esac
[ -x "$BENCH_MEASURE" ] || bench_log "warning: no $BENCH_MEASURE; measuring with GNU time (10 ms resolution)"

out=$(mktemp "${TMPDIR:-/tmp}/certkeep-bench.XXXXXX")
trap 'rm -f "$out"' EXIT
failures=()

# run NAME CMD...: runs one benchmark, its output on the terminal and in $out.
run() {
  local name=$1 status=0
  shift
  echo
  echo "=== $name"
  "$@" 2>&1 | tee -a "$out" || status=$?
  if [ "$status" != 0 ]; then
    failures+=("$name (exit $status)")
  fi
}

if [ -x "$BUILD_DIR/bench/crypto_bench" ]; then
  run crypto_bench "$BUILD_DIR/bench/crypto_bench"
else
  failures+=("crypto_bench (not built)")
fi
if [ -x "$BUILD_DIR/bench/renew_check_bench" ]; then
  repeat=5
  [ ${#quick[@]} -gt 0 ] && repeat=3
  run renew_check_bench "$BUILD_DIR/bench/renew_check_bench" "$CERTKEEP_BIN" --repeat "$repeat"
else
  failures+=("renew_check_bench (not built)")
fi
if [ -x "$BUILD_DIR/bench/on_demand_bench" ]; then
  run on_demand_bench "$BUILD_DIR/bench/on_demand_bench"
else
  failures+=("on_demand_bench (not built)")
fi
if [ -x "$BUILD_DIR/bench/store_bulk_bench" ]; then
  run store_bulk_bench "$BUILD_DIR/bench/store_bulk_bench"
else
  failures+=("store_bulk_bench (not built)")
fi
if [ -x "$BUILD_DIR/bench/manager_start_bench" ]; then
  if [ ${#quick[@]} -gt 0 ]; then
    run manager_start_bench "$BUILD_DIR/bench/manager_start_bench" --lineages 250,1000
  else
    run manager_start_bench "$BUILD_DIR/bench/manager_start_bench"
  fi
else
  failures+=("manager_start_bench (not built)")
fi
if [ -x "$BUILD_DIR/bench/serve_all_bench" ]; then
  # 100,000 lineages here (~2 min); the million: serve_all_bench --lineages 1000000 --state-dir DIR.
  if [ ${#quick[@]} -gt 0 ]; then
    run serve_all_bench "$BUILD_DIR/bench/serve_all_bench" --lineages 20000 --cold 3000 --warm 3000
  else
    run serve_all_bench "$BUILD_DIR/bench/serve_all_bench"
  fi
else
  failures+=("serve_all_bench (not built)")
fi
link_runs=()
[ ${#quick[@]} -gt 0 ] && link_runs=(-n 10)
run link_floor bash "$BENCH_DIR/link_floor.sh" "${link_runs[@]}"
run issue_bench bash "$BENCH_DIR/issue_bench.sh" "${quick[@]}"
run bulk_bench bash "$BENCH_DIR/bulk_bench.sh" "${quick[@]}"

echo
echo "=== JSON ($build_type build, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
grep -a '^{"bench":' "$out" || true
if [ ${#failures[@]} -gt 0 ]; then
  echo
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
