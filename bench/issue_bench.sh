#!/usr/bin/env bash
# issue_bench.sh [--quick] [-n|--repeat N]
#
# One issuance end to end, as an operator runs it: a whole `certkeep issue` process against a
# local Pebble (started by pebble-test/with-pebble.sh unless one is already there), once with a
# new account (empty state directory) and once with an existing account, N times each
# (default 5, --quick 3; env ISSUE_BENCH_REPEAT). Prints the medians of wall time, CPU
# (user + sys), peak RSS, HTTP requests and TLS connections (from `certkeep --stats`), the
# peers' figures and the targets, then one JSON line.
#
# Env: BUILD_DIR (default build), CERTKEEP_BIN (default BUILD_DIR/certkeep),
#      ISSUE_BENCH_KEY_TYPE (default ec256).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 [--quick] [-n|--repeat N]" >&2
  exit 2
}

repeat=${ISSUE_BENCH_REPEAT:-5}
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) repeat=3; shift ;;
    -n | --repeat) [ $# -ge 2 ] || usage; repeat=$2; shift 2 ;;
    -h | --help) usage ;;
    *) usage ;;
  esac
done
[[ $repeat =~ ^[1-9][0-9]*$ ]] || usage
key_type=${ISSUE_BENCH_KEY_TYPE:-ec256}

bench_resolve_build_dir
bench_require_certkeep
bench_ensure_pebble "${BASH_SOURCE[0]}" "${args[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-issue-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
bench_issue_flags

# issue STATE_DIR NAME: one measured `certkeep issue`; M_* hold its figures.
issue() {
  local state=$1 name=$2
  bench_run "$work/run" "$CERTKEEP_BIN" --state-dir "$state" --stats issue -d "$name" \
    --key-type "$key_type" "${BENCH_ISSUE_FLAGS[@]}"
  if [ "$M_EXIT" != 0 ]; then
    cat "$work/run.out" "$work/run.err" >&2
    bench_die "certkeep issue -d $name exited $M_EXIT"
  fi
}

# The same binary and Pebble warmed up once (page cache, Pebble's first-request costs); this
# also creates the account the "existing account" runs reuse.
issue "$work/existing" warmup.bench.example.com

declare -A wall cpu user sys rss requests connections
cases=(new existing)
for case in "${cases[@]}"; do
  for ((i = 1; i <= repeat; i++)); do
    if [ "$case" = new ]; then
      issue "$work/new-$i" "new-$i.bench.example.com"
    else
      issue "$work/existing" "existing-$i.bench.example.com"
    fi
    wall[$case]+="$M_WALL "
    cpu[$case]+="$M_CPU "
    user[$case]+="$M_USER "
    sys[$case]+="$M_SYS "
    rss[$case]+="$M_RSS_KIB "
    requests[$case]+="${M_REQUESTS:+$M_REQUESTS }"
    connections[$case]+="${M_CONNECTIONS:+$M_CONNECTIONS }"
  done
done

# Medians per case: med_<field>[case].
declare -A med_wall med_cpu med_user med_sys med_rss_mib med_requests med_connections
for case in "${cases[@]}"; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  {
    med_wall[$case]=$(bench_median ${wall[$case]})
    med_cpu[$case]=$(bench_median ${cpu[$case]})
    med_user[$case]=$(bench_median ${user[$case]})
    med_sys[$case]=$(bench_median ${sys[$case]})
    med_rss_mib[$case]=$(bench_calc 'k / 1024' k="$(bench_median ${rss[$case]})")
    med_requests[$case]=$(bench_median ${requests[$case]})
    med_connections[$case]=$(bench_median ${connections[$case]})
  }
done

# Targets (bench/README.md): 10x less wall than certbot's 3.2 s, CPU < 0.05 s, RSS < 12 MiB,
# for the new-account case (the one the peers' figures describe).
target_wall=0.32
target_cpu=0.05
target_rss=12
wall_met=$(bench_met bench_true 'w <= t' w="${med_wall[new]}" t=$target_wall)
cpu_met=$(bench_met bench_true 'c < t' c="${med_cpu[new]}" t=$target_cpu)
rss_met=$(bench_met bench_true 'r < t' r="${med_rss_mib[new]}" t=$target_rss)

row() { # label wall cpu user sys rss_mib requests connections
  printf '%-26s %8s %8s %8s %8s %8s %9s %12s\n' "$1" "$(bench_fmt %.3f "$2")" "$(bench_fmt %.3f "$3")" \
    "$(bench_fmt %.3f "$4")" "$(bench_fmt %.3f "$5")" "$(bench_fmt %.1f "$6")" \
    "$(bench_fmt %.0f "$7")" "$(bench_fmt %.0f "$8")"
}

echo "issue_bench: one \`certkeep issue\` process, median of $repeat (Pebble: VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-?}, nonce reject ${PEBBLE_WFE_NONCEREJECT:-?}%; key $key_type; build $(bench_build_type))"
printf '%-26s %8s %8s %8s %8s %8s %9s %12s\n' case wall_s cpu_s user_s sys_s rss_MiB requests connections
row "certkeep, new account" "${med_wall[new]}" "${med_cpu[new]}" "${med_user[new]}" "${med_sys[new]}" \
  "${med_rss_mib[new]}" "${med_requests[new]}" "${med_connections[new]}"
row "certkeep, existing account" "${med_wall[existing]}" "${med_cpu[existing]}" "${med_user[existing]}" \
  "${med_sys[existing]}" "${med_rss_mib[existing]}" "${med_requests[existing]}" "${med_connections[existing]}"
row "certbot 2.1 (peer)" 3.2 0.75 "" "" 56 "" ""
row "lego 4.9 (peer)" 8.1 0.10 "" "" 21 "" ""
runs_line() { # case: the wall times of its runs, in order
  local w line=""
  for w in ${wall[$1]}; do line+=" $(bench_fmt %.3f "$w")"; done
  echo "$line"
}
echo "wall per run (s), new account:     $(runs_line new)"
echo "wall per run (s), existing account:$(runs_line existing)"
printf 'targets (new account): wall <= %s s (%sx less than certbot): %s (%.1fx) | CPU < %s s: %s | peak RSS < %s MiB: %s\n' \
  "$target_wall" 10 "$wall_met" "$(bench_calc '3.2 / w' w="${med_wall[new]}")" "$target_cpu" "$cpu_met" \
  "$target_rss" "$rss_met"

json_case() {
  local c=$1 runs="" w
  for w in ${wall[$c]}; do runs+="${runs:+,}$(bench_json_num "$w")"; done
  printf '{"wall_s":%s,"cpu_s":%s,"user_s":%s,"sys_s":%s,"max_rss_mib":%s,"requests":%s,"connections":%s,"runs_wall_s":[%s]}' \
    "$(bench_json_num "${med_wall[$c]}")" "$(bench_json_num "${med_cpu[$c]}")" "$(bench_json_num "${med_user[$c]}")" \
    "$(bench_json_num "${med_sys[$c]}")" "$(bench_json_num "${med_rss_mib[$c]}" %.2f)" \
    "$(bench_json_num "${med_requests[$c]}" %.1f)" "$(bench_json_num "${med_connections[$c]}" %.1f)" "$runs"
}
json_bool() { if [ "$1" = MET ]; then echo true; else echo false; fi; }
met_all=false
[ "$wall_met$cpu_met$rss_met" = METMETMET ] && met_all=true
printf '{"bench":"issue","repeat":%s,"key_type":"%s","build_type":"%s","pebble":{"va_nosleep":"%s","nonce_reject":"%s"},"new_account":%s,"existing_account":%s,"targets":{"wall_s":%s,"cpu_s":%s,"max_rss_mib":%s,"wall_met":%s,"cpu_met":%s,"rss_met":%s,"met":%s},"peers":{"certbot_2_1":{"wall_s":3.2,"cpu_s":0.75,"max_rss_mib":56},"lego_4_9":{"wall_s":8.1,"cpu_s":0.10,"max_rss_mib":21}}}\n' \
  "$repeat" "$key_type" "$(bench_build_type)" "${PEBBLE_VA_NOSLEEP:-}" "${PEBBLE_WFE_NONCEREJECT:-}" \
  "$(json_case new)" "$(json_case existing)" "$target_wall" "$target_cpu" "$target_rss" \
  "$(json_bool "$wall_met")" "$(json_bool "$cpu_met")" "$(json_bool "$rss_met")" "$met_all"
