#!/usr/bin/env bash
# link_floor.sh [-n RUNS]
#
# The fixed cost of a process that links certkeep's libraries, before it does any work:
#   baseline    link_floor_baseline: linked against libstdc++ only, prints and exits;
#   no_curl     link_floor_no_curl: linked against OpenSSL and SQLite, initializes them;
#   libraries   link_floor_probe: linked against libcurl, OpenSSL and SQLite, initializes them;
#   certkeep    `certkeep --version`.
# For each: the median CPU (user + sys) and peak RSS over RUNS runs (default 30), measured with
# bench_measure (wait4). The gap between "libraries" and "baseline" is what loading the
# libraries costs; it bounds from below what a one-shot `certkeep issue` can reach. No Pebble.
#
# Env: BUILD_DIR (default build), CERTKEEP_BIN (default BUILD_DIR/certkeep).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=30
while [ $# -gt 0 ]; do
  case $1 in
    -n)
      if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then bench_die "usage: $0 [-n RUNS]"; fi
      runs=$2
      shift 2
      ;;
    *) bench_die "usage: $0 [-n RUNS]" ;;
  esac
done

bench_resolve_build_dir
bench_require_certkeep
[ -x "$BENCH_MEASURE" ] || bench_die "no $BENCH_MEASURE (build the bench targets)"
for probe in link_floor_baseline link_floor_no_curl link_floor_probe; do
  [ -x "$BUILD_DIR/bench/$probe" ] || bench_die "no $BUILD_DIR/bench/$probe (build the bench targets)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-link-floor.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure NAME CMD...: sets CPU_MS and RSS_MIB to the medians over $runs runs.
measure() {
  local name=$1 cpus=() rsss=() i
  shift
  for ((i = 0; i < runs; i++)); do
    bench_run "$work/$name" "$@"
    [ "$M_EXIT" = 0 ] || bench_die "$* exited $M_EXIT"
    cpus+=("$(bench_calc 'c * 1000' c="$M_CPU")")
    rsss+=("$(bench_calc 'r / 1024' r="$M_RSS_KIB")")
  done
  CPU_MS=$(bench_median "${cpus[@]}")
  RSS_MIB=$(bench_median "${rsss[@]}")
}

printf '%-12s %10s %10s  %s\n' case cpu_ms rss_MiB what
declare -A cpu rss
row() {
  local name=$1 what=$2
  shift 2
  measure "$name" "$@"
  cpu[$name]=$CPU_MS
  rss[$name]=$RSS_MIB
  printf '%-12s %10.2f %10.2f  %s\n' "$name" "$CPU_MS" "$RSS_MIB" "$what"
}
row baseline "libstdc++ only" "$BUILD_DIR/bench/link_floor_baseline"
row no_curl "OpenSSL + SQLite, initialized" "$BUILD_DIR/bench/link_floor_no_curl"
row libraries "libcurl + OpenSSL + SQLite, initialized" "$BUILD_DIR/bench/link_floor_probe"
row certkeep "certkeep --version" "$CERTKEEP_BIN" --version
printf 'loading the libraries: %.2f ms CPU, %.2f MiB RSS over the baseline (medians of %s runs)\n' \
  "$(bench_calc 'a - b' a="${cpu[libraries]}" b="${cpu[baseline]}")" \
  "$(bench_calc 'a - b' a="${rss[libraries]}" b="${rss[baseline]}")" "$runs"
printf 'of which libcurl and its dependencies: %.2f ms CPU, %.2f MiB RSS\n' \
  "$(bench_calc 'a - b' a="${cpu[libraries]}" b="${cpu[no_curl]}")" \
  "$(bench_calc 'a - b' a="${rss[libraries]}" b="${rss[no_curl]}")"
printf '{"bench":"link_floor","runs":%s,"baseline":{"cpu_ms":%s,"rss_mib":%s},"no_curl":{"cpu_ms":%s,"rss_mib":%s},"libraries":{"cpu_ms":%s,"rss_mib":%s},"certkeep_version":{"cpu_ms":%s,"rss_mib":%s}}\n' \
  "$runs" "$(bench_json_num "${cpu[baseline]}")" "$(bench_json_num "${rss[baseline]}")" \
  "$(bench_json_num "${cpu[no_curl]}")" "$(bench_json_num "${rss[no_curl]}")" \
  "$(bench_json_num "${cpu[libraries]}")" "$(bench_json_num "${rss[libraries]}")" \
  "$(bench_json_num "${cpu[certkeep]}")" "$(bench_json_num "${rss[certkeep]}")"
