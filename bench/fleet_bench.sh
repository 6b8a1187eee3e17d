#!/usr/bin/env bash
# fleet_bench.sh [-n LINEAGES]: the fleet on one box (issue 15) as a benchmark — runs
# pebble-test/fleet/three_terminators_two_renewers.sh (three example terminators, two
# `certkeep daemon` renewers, one PostgreSQL, Pebble) with LINEAGES lineages (default 48) and
# prints its figures: renewals per second across the two renewers (renewals over the span of
# their PostgreSQL commit timestamps; one renewer is stopped and killed on the way, as in the
# test) and change-to-served latency p50/p99 over every (lineage, terminator) pair (commit
# timestamp → the terminator's Renewed event, which it stamps just before publishing).
#
# Env: BUILD_DIR (default build); it needs certkeep, certkeep_terminator and the failpoints
# (-DCERTKEEP_FAILPOINTS=ON).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lineages=48
while [ $# -gt 0 ]; do
  case $1 in
    -n) lineages=$2; shift 2 ;;
    *) echo "usage: $0 [-n LINEAGES]" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
export CERTKEEP_BIN=${CERTKEEP_BIN:-$build/certkeep}
export CERTKEEP_TERMINATOR_BIN=${CERTKEEP_TERMINATOR_BIN:-$build/examples/terminator/certkeep_terminator}
export FLEET_LINEAGES=$lineages
export PEBBLE_CERT_VALIDITY_SECONDS=30 PEBBLE_AUTHZREUSE=0 POSTGRES_OPTIONS=-ctrack_commit_timestamp=on
bash "$here/../pebble-test/with-pebble.sh" bash "$here/../pebble-test/with-postgres.sh" \
  bash "$here/../pebble-test/fleet/three_terminators_two_renewers.sh" 2>&1 | grep -E '^(ok|figure|FAIL)'
