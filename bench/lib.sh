# shellcheck shell=bash
# shellcheck disable=SC2034 # M_* and BENCH_ISSUE_FLAGS are outputs for the sourcing script
# Shared functions of the benchmark scripts (issue_bench.sh, bulk_bench.sh, run_all.sh).
# Sourced, never run. Needs bash 5 (EPOCHREALTIME) and awk.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
export LC_ALL=C # a decimal point in every number printed or parsed

bench_die() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}
bench_log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }

# Sets BUILD_DIR to an absolute path (BUILD_DIR env, default "build": relative to the current
# directory when it exists there, else to the repository), CERTKEEP_BIN (env, default
# BUILD_DIR/certkeep) and BENCH_MEASURE (BUILD_DIR/bench/bench_measure, may be missing).
bench_resolve_build_dir() {
  local dir=${BUILD_DIR:-build}
  if [[ $dir != /* ]]; then
    if [ -d "$dir" ]; then
      dir=$(cd "$dir" && pwd)
    else
      dir=$REPO_ROOT/$dir
    fi
  fi
  export BUILD_DIR=$dir
  export CERTKEEP_BIN=${CERTKEEP_BIN:-$BUILD_DIR/certkeep}
  BENCH_MEASURE=$BUILD_DIR/bench/bench_measure
}

bench_require_certkeep() {
  [ -x "$CERTKEEP_BIN" ] ||
    bench_die "no certkeep binary at $CERTKEEP_BIN (build it, or set BUILD_DIR or CERTKEEP_BIN)"
}

# The CMAKE_BUILD_TYPE of BUILD_DIR, or "unknown".
bench_build_type() {
  local type
  type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null | head -n 1)
  echo "${type:-unknown}"
}

# Re-executes SCRIPT ARGS... under pebble-test/with-pebble.sh unless this process already runs
# under a Pebble (CERTKEEP_TEST_DIRECTORY_URL set). The benchmark Pebble never sleeps before
# validating and never rejects a nonce, so the figures are the client's and the CA's work only.
bench_ensure_pebble() {
  local script=$1
  shift
  [ -n "${CERTKEEP_TEST_DIRECTORY_URL:-}" ] && return 0
  command -v pebble >/dev/null 2>&1 || bench_die "pebble is not installed (Debian package pebble)"
  export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0
  exec bash "$REPO_ROOT/pebble-test/with-pebble.sh" bash "$script" "$@"
}

# The flags of an issuance against the harness's Pebble.
bench_issue_flags() {
  BENCH_ISSUE_FLAGS=(--server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE"
    --agree-tos --email bench@example.com --standalone --http-listen "127.0.0.1:$CERTKEEP_HTTP01_PORT")
}

# bench_run PREFIX CMD [ARG...]: runs CMD with stdout in PREFIX.out and stderr in PREFIX.err
# and sets M_WALL M_USER M_SYS M_CPU (seconds), M_RSS_KIB (peak RSS), M_EXIT, and
# M_REQUESTS / M_CONNECTIONS from a "certkeep-stats: requests=N connections=M" line on
# stderr ("" when absent). Uses bench_measure (wait4, microseconds) when built, else GNU time
# (10 ms CPU resolution) with the shell's clock for the wall time.
bench_run() {
  local prefix=$1
  shift
  if [ -x "${BENCH_MEASURE:-}" ]; then
    "$BENCH_MEASURE" "$prefix.usage" "$@" >"$prefix.out" 2>"$prefix.err" || true
  else
    [ -x /usr/bin/time ] || bench_die "neither $BENCH_MEASURE nor /usr/bin/time (Debian package time) is there"
    local start=$EPOCHREALTIME end
    /usr/bin/time -f '%U %S %M %x' -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" || true
    end=$EPOCHREALTIME
    # GNU time puts "Command exited with non-zero status N" first when the command failed.
    awk -v s="${start/,/.}" -v e="${end/,/.}" 'END { printf "%.6f %s %s %s %s\n", e - s, $1, $2, $3, $4 }' \
      "$prefix.time" >"$prefix.usage"
  fi
  [ -s "$prefix.usage" ] || bench_die "no measurement for: $*"
  read -r M_WALL M_USER M_SYS M_RSS_KIB M_EXIT <"$prefix.usage"
  M_CPU=$(awk -v u="$M_USER" -v s="$M_SYS" 'BEGIN { printf "%.6f", u + s }')
  local stats
  stats=$(grep -a '^certkeep-stats:' "$prefix.err" | tail -n 1 || true)
  M_REQUESTS=$(sed -n 's/.*requests=\([0-9][0-9]*\).*/\1/p' <<<"$stats")
  M_CONNECTIONS=$(sed -n 's/.*connections=\([0-9][0-9]*\).*/\1/p' <<<"$stats")
}

# User + system CPU seconds PID has used so far (fields 14 and 15 of /proc/PID/stat, in
# clock ticks); empty when PID is not readable.
bench_proc_cpu() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
  stat=${stat##*) } # the command name may hold spaces and parentheses
  # shellcheck disable=SC2086
  set -- $stat
  awk -v u="${12}" -v s="${13}" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (u + s) / hz }'
}

# The PID of pebble-challtestsrv (the DNS server Pebble's VA asks), from the harness run dir.
bench_challtestsrv_pid() {
  cat "${PEBBLE_RUN_DIR:-/nonexistent}/challtestsrv.pid" 2>/dev/null || true
}

# bench_median V...: the median (mean of the middle two for an even count); "" for none.
bench_median() {
  [ $# -gt 0 ] || return 0
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_calc EXPR [name=value...]: evaluates an awk expression, e.g. bench_calc 'a/b' a=1 b=2.
bench_calc() {
  local expr=$1 args=()
  shift
  local pair
  for pair in "$@"; do args+=(-v "$pair"); done
  awk "${args[@]}" "BEGIN { printf \"%.6f\", ($expr) }"
}

# True when the awk condition holds, e.g. bench_true 'a < b' a=1 b=2.
bench_true() {
  local expr=$1 args=()
  shift
  local pair
  for pair in "$@"; do args+=(-v "$pair"); done
  awk "${args[@]}" "BEGIN { exit !($expr) }"
}

# bench_fmt FORMAT VALUE: printf-style number formatting; "-" for an empty value.
bench_fmt() {
  local format=$1 value=$2
  # shellcheck disable=SC2059
  if [ -z "$value" ]; then echo "-"; else printf "$format" "$value"; fi
}

# bench_json_num VALUE [FORMAT]: a JSON number (default %.4f, trailing zeros dropped), or null
# for an empty value.
bench_json_num() {
  if [ -z "$1" ]; then
    echo null
  else
    # shellcheck disable=SC2059
    printf "${2:-%.4f}" "$1" | sed -E 's/(\.[0-9]*[1-9])0+$/\1/; s/\.0+$//'
    echo
  fi
}

bench_met() { if "$@"; then echo MET; else echo MISSED; fi; }
