#!/usr/bin/env bash
# bulk_bench.sh [--quick] [-n N] [-k K1,K2,...] [--store URL|postgres]
#
# Many certificates at once, against a local Pebble (started by pebble-test/with-pebble.sh
# unless one is already there):
#   1. N lineages (default 200; env BULK_N) issued by N sequential `certkeep issue` processes
#      sharing one account (the CLI issues one lineage per process), timed as a whole: the
#      "N certificates by N processes" figure lego publishes;
#   2. all N renewed by one `certkeep renew --force --concurrency K` for each K of the list
#      (default 1,4,16; env BULK_K).
# --quick: N=20, K=1,4.
# For each phase: certificates per second, the client's CPU (user + sys, wait4) per
# certificate, and Pebble's own CPU over the same interval (utime + stime of PEBBLE_PID from
# /proc), so the client's share of the work is visible. pebble-challtestsrv (the DNS server
# Pebble's VA asks) is shown apart. Then one JSON line.
#
# Pebble runs with VA_NOSLEEP=1, no rejected nonces and PEBBLE_AUTHZREUSE=0 (default here):
# every renewal validates a fresh challenge, the most work per certificate for both sides.
#
# --store URL: the store is that database (a postgresql:// URL; it must be empty) instead of
# the SQLite file in a temporary state directory; --store postgres: a throwaway PostgreSQL
# started for the run (pebble-test/with-postgres.sh, the server's default settings).
#
# Env: BUILD_DIR (default build), CERTKEEP_BIN (default BUILD_DIR/certkeep).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 [--quick] [-n N] [-k K1,K2,...] [--store URL|postgres]" >&2
  exit 2
}

count=${BULK_N:-200}
k_list=${BULK_K:-1,4,16}
store=""
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) count=20; k_list=1,4; shift ;;
    -n) [ $# -ge 2 ] || usage; count=$2; shift 2 ;;
    -k) [ $# -ge 2 ] || usage; k_list=$2; shift 2 ;;
    --store) [ $# -ge 2 ] || usage; store=$2; shift 2 ;;
    *) usage ;;
  esac
done
if [ "$store" = postgres ]; then
  # A PostgreSQL of the run's own, started once (the re-executed script finds its URL).
  if [ -z "${CERTKEEP_TEST_POSTGRES_URL:-}" ]; then
    exec bash "$REPO_ROOT/pebble-test/with-postgres.sh" bash "${BASH_SOURCE[0]}" "${args[@]}"
  fi
  store=$CERTKEEP_TEST_POSTGRES_URL
fi
[[ $count =~ ^[1-9][0-9]*$ ]] || usage
[[ $k_list =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || usage
IFS=, read -r -a ks <<<"$k_list"

bench_resolve_build_dir
bench_require_certkeep
export PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}
bench_ensure_pebble "${BASH_SOURCE[0]}" "${args[@]}"
[[ ${PEBBLE_PID:-} =~ ^[0-9]+$ ]] || bench_die "PEBBLE_PID is not set (run under pebble-test/with-pebble.sh)"
[ -r "/proc/$PEBBLE_PID/stat" ] || bench_die "cannot read /proc/$PEBBLE_PID/stat"
dns_pid=$(bench_challtestsrv_pid)

work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-bulk-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
state=$work/state
bench_issue_flags
# Every certkeep command of the run: its state directory, and the store when one was given.
store_flags=(--state-dir "$state")
[ -z "$store" ] || store_flags+=(--store "$store")

# Rows of the table: parallel arrays indexed by row number.
labels=() ks_col=() certs=() failed=() walls=() client_cpus=() pebble_cpus=() dns_cpus=() rsss=() reqs=() conns=()

# add_row LABEL K CERTS FAILED WALL CLIENT_CPU PEBBLE_CPU DNS_CPU RSS_KIB REQUESTS CONNECTIONS
add_row() {
  labels+=("$1"); ks_col+=("$2"); certs+=("$3"); failed+=("$4"); walls+=("$5"); client_cpus+=("$6")
  pebble_cpus+=("$7"); dns_cpus+=("$8"); rsss+=("$9"); reqs+=("${10}"); conns+=("${11}")
}

# --- 1. issuance: N processes ------------------------------------------------------------------
bench_log "issuing $count lineages (one process each)"
pebble_before=$(bench_proc_cpu "$PEBBLE_PID")
dns_before=$(bench_proc_cpu "$dns_pid")
start=$EPOCHREALTIME
issue_cpu=0 issue_rss=0 issue_requests=0 issue_connections=0 have_stats=1
for ((i = 1; i <= count; i++)); do
  name=$(printf 'bulk-%04d.bench.example.com' "$i")
  bench_run "$work/issue" "$CERTKEEP_BIN" "${store_flags[@]}" --stats issue -d "$name" "${BENCH_ISSUE_FLAGS[@]}"
  if [ "$M_EXIT" != 0 ]; then
    cat "$work/issue.out" "$work/issue.err" >&2
    bench_die "certkeep issue -d $name exited $M_EXIT"
  fi
  issue_cpu=$(bench_calc 'a + b' a="$issue_cpu" b="$M_CPU")
  if ((M_RSS_KIB > issue_rss)); then issue_rss=$M_RSS_KIB; fi
  if [ -n "$M_REQUESTS" ] && [ -n "$M_CONNECTIONS" ]; then
    issue_requests=$((issue_requests + M_REQUESTS))
    issue_connections=$((issue_connections + M_CONNECTIONS))
  else
    have_stats=0
  fi
  if ((i % 50 == 0)); then bench_log "issued $i/$count"; fi
done
end=$EPOCHREALTIME
pebble_after=$(bench_proc_cpu "$PEBBLE_PID")
dns_after=$(bench_proc_cpu "$dns_pid")
[ "$have_stats" = 1 ] || { issue_requests=""; issue_connections=""; }
add_row "issue, $count processes" - "$count" 0 "$(bench_calc 'e - s' s="${start/,/.}" e="${end/,/.}")" \
  "$issue_cpu" "$(bench_calc 'a - b' a="$pebble_after" b="$pebble_before")" \
  "$( [ -n "$dns_pid" ] && bench_calc 'a - b' a="$dns_after" b="$dns_before")" \
  "$issue_rss" "$issue_requests" "$issue_connections"

# --- 2. renewal: one process, K at once --------------------------------------------------------
status=0
for k in "${ks[@]}"; do
  bench_log "renewing $count lineages with --concurrency $k"
  pebble_before=$(bench_proc_cpu "$PEBBLE_PID")
  dns_before=$(bench_proc_cpu "$dns_pid")
  bench_run "$work/renew" "$CERTKEEP_BIN" "${store_flags[@]}" --stats renew --force --concurrency "$k" --json
  pebble_after=$(bench_proc_cpu "$PEBBLE_PID")
  dns_after=$(bench_proc_cpu "$dns_pid")
  renewed=$(grep -o '"renewed":[0-9]*' "$work/renew.out" | tail -n 1 | cut -d: -f2 || true)
  nfailed=$(grep -o '"failed":[0-9]*' "$work/renew.out" | tail -n 1 | cut -d: -f2 || true)
  if [ -z "$renewed" ] || [ "$M_EXIT" != 0 ] || [ "${nfailed:-0}" != 0 ]; then
    bench_log "renew --concurrency $k exited $M_EXIT (renewed ${renewed:-?}, failed ${nfailed:-?}); its output:"
    tail -n 20 "$work/renew.err" >&2
    status=1
  fi
  add_row "renew --force" "$k" "${renewed:-0}" "${nfailed:-}" "$M_WALL" "$M_CPU" \
    "$(bench_calc 'a - b' a="$pebble_after" b="$pebble_before")" \
    "$( [ -n "$dns_pid" ] && bench_calc 'a - b' a="$dns_after" b="$dns_before")" \
    "$M_RSS_KIB" "$M_REQUESTS" "$M_CONNECTIONS"
done

# --- the table -----------------------------------------------------------------------------------
echo "bulk_bench: $count lineages against Pebble, store $([ -n "$store" ] && echo PostgreSQL || echo SQLite) (VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-?}, nonce reject ${PEBBLE_WFE_NONCEREJECT:-?}%, authz reuse ${PEBBLE_AUTHZREUSE:-?}%; build $(bench_build_type); $(nproc) CPUs shared by client and CA)"
printf '%-22s %3s %6s %6s %8s %8s %10s %11s %10s %8s %8s %8s %8s %6s\n' phase K certs failed wall_s certs/s \
  client_cpu_s cpu_ms/cert pebble_cpu client/CA dns_cpu_s rss_MiB requests conns
json_rows=""
target_line="targets (N=200, K=16): not measured (K=16 not in the list)"
for ((r = 0; r < ${#labels[@]}; r++)); do
  rate=$(bench_calc 'w > 0 ? c / w : 0' c="${certs[r]}" w="${walls[r]}")
  per_cert_ms=$(bench_calc 'c > 0 ? 1000 * u / c : 0' u="${client_cpus[r]}" c="${certs[r]}")
  share=""
  if bench_true 'p > 0' p="${pebble_cpus[r]}"; then
    share=$(bench_calc 'u / p' u="${client_cpus[r]}" p="${pebble_cpus[r]}")
  fi
  printf '%-22s %3s %6s %6s %8s %8s %10s %11s %10s %8s %8s %8s %8s %6s\n' "${labels[r]}" "${ks_col[r]}" \
    "${certs[r]}" "${failed[r]:-?}" "$(bench_fmt %.2f "${walls[r]}")" "$(bench_fmt %.1f "$rate")" \
    "$(bench_fmt %.3f "${client_cpus[r]}")" "$(bench_fmt %.2f "$per_cert_ms")" \
    "$(bench_fmt %.2f "${pebble_cpus[r]}")" "$(bench_fmt %.3f "$share")" "$(bench_fmt %.2f "${dns_cpus[r]}")" \
    "$(bench_fmt %.1f "$(bench_calc 'k / 1024' k="${rsss[r]}")")" "${reqs[r]:-n/a}" "${conns[r]:-n/a}"
  if [ -n "$json_rows" ]; then json_rows+=","; fi
  json_rows+=$(printf '{"phase":"%s","concurrency":%s,"certs":%s,"failed":%s,"wall_s":%s,"certs_per_s":%s,"client_cpu_s":%s,"client_cpu_ms_per_cert":%s,"pebble_cpu_s":%s,"client_to_pebble_cpu":%s,"challtestsrv_cpu_s":%s,"max_rss_kib":%s,"requests":%s,"connections":%s}' \
    "$([ "${ks_col[r]}" = - ] && echo issue || echo renew)" "$([ "${ks_col[r]}" = - ] && echo 1 || echo "${ks_col[r]}")" \
    "${certs[r]}" "$(bench_json_num "${failed[r]}")" "$(bench_json_num "${walls[r]}")" "$(bench_json_num "$rate" %.2f)" \
    "$(bench_json_num "${client_cpus[r]}")" "$(bench_json_num "$per_cert_ms" %.3f)" \
    "$(bench_json_num "${pebble_cpus[r]}" %.2f)" "$(bench_json_num "$share")" "$(bench_json_num "${dns_cpus[r]}" %.2f)" \
    "${rsss[r]}" "$(bench_json_num "${reqs[r]}")" "$(bench_json_num "${conns[r]}")")
  if [ "${ks_col[r]}" = 16 ]; then
    k16_rate=$rate k16_client=${client_cpus[r]} k16_pebble=${pebble_cpus[r]}
    rate_met=$(bench_met bench_true 'r >= 30' r="$k16_rate")
    share_met=$(bench_met bench_true 'p > 0 && c < p / 4' c="$k16_client" p="$k16_pebble")
    target_line="targets (N=200, K=16$([ "$count" = 200 ] || echo "; this run N=$count")): >= 30 certs/s: $rate_met | client CPU < 1/4 of Pebble's: $share_met"
  fi
done
printf '%-22s %3s %6s %6s %8s %8s\n' "lego 4.9 (peer)" - 100 - 9.4 10.7
printf '%-22s %3s %6s %6s %8s %8s\n' "certbot 2.1 (peer)" - 10 - 30.0 0.3
echo "peers: lego issues 100 certificates by 100 processes in 9.4 s; certbot 10 sequential issuances in 30 s"
echo "$target_line"

targets_json='null'
if [ -n "${k16_rate:-}" ]; then
  targets_json=$(printf '{"certs_per_s":30,"client_to_pebble_cpu":0.25,"rate_met":%s,"cpu_share_met":%s}' \
    "$([ "$rate_met" = MET ] && echo true || echo false)" "$([ "$share_met" = MET ] && echo true || echo false)")
fi
printf '{"bench":"bulk","store":"%s","lineages":%s,"concurrency":[%s],"build_type":"%s","pebble":{"va_nosleep":"%s","nonce_reject":"%s","authz_reuse":"%s"},"rows":[%s],"targets_k16":%s,"peers":{"lego_4_9_100_processes":{"wall_s":9.4,"certs_per_s":10.7},"certbot_2_1_10_sequential":{"wall_s":30}}}\n' \
  "$([ -n "$store" ] && echo postgresql || echo sqlite)" "$count" "$k_list" "$(bench_build_type)" "${PEBBLE_VA_NOSLEEP:-}" "${PEBBLE_WFE_NONCEREJECT:-}" \
  "${PEBBLE_AUTHZREUSE:-}" "$json_rows" "$targets_json"
exit "$status"
