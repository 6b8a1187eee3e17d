#!/usr/bin/env bash
# handshake_bench.sh [--quick] [--rounds R] [--count N] [--concurrency C] [--renewals K]
#
# The example terminator's TLS side, against a local Pebble (started by
# pebble-test/with-pebble.sh unless one is already there):
#   a. full handshakes per second of examples/terminator (certkeep's per-handshake SNI
#      selection, certkeep::use_managed_certificates) versus bench_fixed_cert_server (the
#      same server code with the same certificate and key fixed in its SSL_CTX), measured by
#      the same certkeep_handshake_probe with the same concurrency: R rounds of N handshakes
#      per server (default 10 x 1500, --quick 4 x 800), alternating which server goes first.
#      Each round runs the two servers back to back; the overhead is the median of the
#      rounds' (fixed - certkeep) / fixed, so slow drifts of the machine's load cancel out.
#      The same for each server's CPU per handshake (utime + stime from /proc). When the
#      rounds' spread (median absolute deviation) exceeds the target, the verdict says
#      INCONCLUSIVE: other load on the machine, not the selection, decided the figure;
#   b. the delay between a committed renewal and the first handshake serving it, over K
#      forced renewals (SIGUSR1; default 5, --quick 3) under a steady probe stream (300/s):
#      the probe's first-seen CLOCK_REALTIME of the new serial minus the at_ms the terminator
#      logs for the renewal (stamped by the Manager just before it publishes the snapshot).
#      min / median / max; every handshake of the streams must succeed.
# Targets (issue 4): overhead < 2 %; new certificate served within 100 ms of the commit.
# Prints a table, then one JSON line. Exits 1 when a handshake failed or a step broke (a
# missed target is reported, not an error).
#
# Env: BUILD_DIR (default build); CERTKEEP_TERMINATOR_BIN, CERTKEEP_HANDSHAKE_PROBE_BIN,
#      BENCH_FIXED_CERT_SERVER_BIN override the binaries found in BUILD_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../pebble-test/lib.sh
source "$REPO_ROOT/pebble-test/lib.sh"

usage() {
  echo "usage: $0 [--quick] [--rounds R] [--count N] [--concurrency C] [--renewals K]" >&2
  exit 2
}

rounds=10 count=1500 concurrency=2 renewals=5
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) rounds=4 count=800 renewals=3; shift ;;
    --rounds) [ $# -ge 2 ] || usage; rounds=$2; shift 2 ;;
    --count) [ $# -ge 2 ] || usage; count=$2; shift 2 ;;
    --concurrency) [ $# -ge 2 ] || usage; concurrency=$2; shift 2 ;;
    --renewals) [ $# -ge 2 ] || usage; renewals=$2; shift 2 ;;
    *) usage ;;
  esac
done
for n in "$rounds" "$count" "$concurrency" "$renewals"; do [[ $n =~ ^[1-9][0-9]*$ ]] || usage; done

bench_resolve_build_dir
terminator=${CERTKEEP_TERMINATOR_BIN:-$BUILD_DIR/examples/terminator/certkeep_terminator}
probe=${CERTKEEP_HANDSHAKE_PROBE_BIN:-$BUILD_DIR/tests/tools/certkeep_handshake_probe}
fixed=${BENCH_FIXED_CERT_SERVER_BIN:-$BUILD_DIR/bench/bench_fixed_cert_server}
for bin in "$terminator" "$probe" "$fixed"; do
  [ -x "$bin" ] || bench_die "no $bin (build the tree with -DCERTKEEP_BENCH=ON, or set BUILD_DIR)"
done
bench_ensure_pebble "${BASH_SOURCE[0]}" "${args[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-handshake-bench.XXXXXX")
term_pid="" fixed_pid="" probe_pid=""
cleanup() {
  local pid
  for pid in $probe_pid $fixed_pid $term_pid; do
    if pt_pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in $probe_pid $fixed_pid $term_pid; do wait "$pid" 2>/dev/null || true; done
  pt_release_ports "$work"
  rm -rf "$work"
}
trap cleanup EXIT
# A failure shows the tails of the servers' and the probe's logs (pebble-test/lib.sh's fail).
FAIL_LOGS+=("$work")

# field FILE KEY: the value after KEY on the probe's summary lines.
field() {
  awk -v key="$2" '$1 != "seen" && $1 != "serial" { for (i = 1; i < NF; i++) if ($i == key) { print $(i + 1); exit } }' "$1"
}

# --- the two servers: same certificate, same key ---------------------------------------------------
name=bench.example.com
term_port=$(pt_reserve_port "$work")
fixed_port=$(pt_reserve_port "$work")
"$terminator" --state-dir "$work/state" --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
  --email bench@example.com --http-port "$CERTKEEP_HTTP01_PORT" --https-port "$term_port" -d "$name" \
  >"$work/terminator.log" 2>&1 &
term_pid=$!
wait_for_line --pid "$term_pid" "$work/terminator.log" '^ready'
serial=$(sed -n 's/^ready .* serial \([0-9A-F]*\)$/\1/p' "$work/terminator.log")
live=$work/state/live/$name
[[ -s "$live/fullchain.pem" && -s "$live/privkey.pem" ]] || fail "the terminator wrote no $live/{fullchain,privkey}.pem"
"$fixed" --port "$fixed_port" --cert "$live/fullchain.pem" --key "$live/privkey.pem" >"$work/fixed.log" 2>&1 &
fixed_pid=$!
wait_for_line --pid "$fixed_pid" "$work/fixed.log" '^ready'
grep -q "serial $serial\$" "$work/fixed.log" || fail "the fixed server does not serve $serial"

# run_probe LABEL PORT ARG...: one probe run, output in $work/LABEL.out; dies on a failed handshake.
run_probe() {
  local label=$1 port=$2
  shift 2
  "$probe" --port "$port" --name "$name" --cafile "$CERTKEEP_TEST_PEBBLE_ROOT" "$@" >"$work/$label.out" 2>&1 ||
    fail "probe $label: $(sed -n 's/^first_error //p' "$work/$label.out")"
}

# --- a. handshakes per second ------------------------------------------------------------------------
bench_log "warm-up, then $rounds rounds of $count handshakes per server (concurrency $concurrency)"
run_probe warm-term "$term_port" --count 300 --concurrency "$concurrency"
run_probe warm-fixed "$fixed_port" --count 300 --concurrency "$concurrency"
declare -A rates cpus
# measure WHICH: one round on one server; appends its rate and CPU µs per handshake.
measure() {
  local which=$1 port pid before after
  if [ "$which" = term ]; then port=$term_port pid=$term_pid; else port=$fixed_port pid=$fixed_pid; fi
  before=$(bench_proc_cpu "$pid")
  run_probe "round-$which" "$port" --count "$count" --concurrency "$concurrency" --max-seconds 300
  after=$(bench_proc_cpu "$pid")
  [ "$(field "$work/round-$which.out" handshakes)" = "$count" ] || fail "probe $which: not $count handshakes"
  grep -q "^serial 1 $serial " "$work/round-$which.out" || fail "probe $which: not served $serial"
  rates[$which]+="$(field "$work/round-$which.out" per_second) "
  cpus[$which]+="$(bench_calc '(a - b) * 1000000 / n' a="$after" b="$before" n="$count") "
}
round_overheads=() round_cpu_overheads=()
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then measure fixed; measure term; else measure term; measure fixed; fi
  read -r -a fixed_rates <<<"${rates[fixed]}"
  read -r -a term_rates <<<"${rates[term]}"
  read -r -a fixed_cpus <<<"${cpus[fixed]}"
  read -r -a term_cpus <<<"${cpus[term]}"
  round_overheads+=("$(bench_calc '(f - t) / f * 100' f="${fixed_rates[-1]}" t="${term_rates[-1]}")")
  round_cpu_overheads+=("$(bench_calc '(t - f) / f * 100' f="${fixed_cpus[-1]}" t="${term_cpus[-1]}")")
done
# shellcheck disable=SC2086 # space-separated numbers
{
  term_rate=$(bench_median ${rates[term]})
  fixed_rate=$(bench_median ${rates[fixed]})
  term_cpu=$(bench_median ${cpus[term]})
  fixed_cpu=$(bench_median ${cpus[fixed]})
}
overhead=$(bench_median "${round_overheads[@]}")
cpu_overhead=$(bench_median "${round_cpu_overheads[@]}")
# The rounds' spread (median absolute deviation of the paired overheads): when it exceeds the
# target, the machine's other load, not the selection, decides the figure.
deviations=()
for v in "${round_overheads[@]}"; do deviations+=("$(bench_calc 'v > m ? v - m : m - v' v="$v" m="$overhead")"); done
noise=$(bench_median "${deviations[@]}")

# --- b. renewal → first handshake serving it ---------------------------------------------------------
bench_log "$renewals forced renewals under a 300/s handshake stream"
delays=() renew_ms=() stream_total=0
for ((k = 1; k <= renewals; k++)); do
  "$probe" --port "$term_port" --name "$name" --cafile "$CERTKEEP_TEST_PEBBLE_ROOT" --concurrency 2 --rate 300 \
    --count 20000 --max-seconds 60 --stop-after-change-ms 300 >"$work/renew-$k.out" 2>&1 &
  probe_pid=$!
  wait_for_line --pid "$probe_pid" "$work/renew-$k.out" '^seen serial'
  sent_ms=$(pt_now_ms)
  kill -USR1 "$term_pid"
  wait_for_line --count "$k" --pid "$term_pid" "$work/terminator.log" '^event renewed'
  status=0
  wait "$probe_pid" || status=$?
  probe_pid=""
  [ "$status" = 0 ] || fail "renewal $k: handshakes failed: $(sed -n 's/^first_error //p' "$work/renew-$k.out")"
  event=$(grep '^event renewed' "$work/terminator.log" | sed -n "${k}p")
  new=$(sed -n 's/^event renewed [^ ]* serial \([0-9A-F]*\) .*/\1/p' <<<"$event")
  at_ms=$(sed -n 's/.* at_ms=\([0-9]*\).*/\1/p' <<<"$event")
  mapfile -t seen < <(awk '$1 == "serial" && $2 ~ /^[0-9]+$/ { print $3 }' "$work/renew-$k.out")
  [[ "${#seen[@]}" = 2 && "${seen[0]}" = "$serial" && "${seen[1]}" = "$new" ]] ||
    fail "renewal $k: the probe saw ${seen[*]}, want $serial then $new"
  [ "$(field "$work/renew-$k.out" stale_after_swap)" = 0 ] || fail "renewal $k: old certificate served after the swap"
  first_ms=$(awk -v s="$new" '$1 == "serial" && $3 == s { print $5 }' "$work/renew-$k.out")
  delays+=("$((first_ms - at_ms))")
  renew_ms+=("$((at_ms - sent_ms))")
  stream_total=$((stream_total + $(field "$work/renew-$k.out" handshakes)))
  serial=$new
done
delay_min=$(printf '%s\n' "${delays[@]}" | sort -n | head -n 1)
delay_max=$(printf '%s\n' "${delays[@]}" | sort -n | tail -n 1)
delay_median=$(bench_median "${delays[@]}")
renew_median=$(bench_median "${renew_ms[@]}")

# --- report ---------------------------------------------------------------------------------------
target_overhead=2
target_delay=100
overhead_met=$(bench_met bench_true 'o < t' o="$overhead" t=$target_overhead)
conclusive=true
if bench_true 'n > t' n="$noise" t=$target_overhead; then
  overhead_met="$overhead_met, INCONCLUSIVE: rounds spread ±$(bench_fmt %.1f "$noise") %"
  conclusive=false
fi
delay_met=$(bench_met bench_true 'd < t' d="$delay_max" t=$target_delay)
list() { local v out=""; for v in "$@"; do out+="${out:+ }$(bench_fmt %.0f "$v")"; done; echo "$out"; }

echo "handshake_bench: full TLS handshakes on 127.0.0.1, $rounds rounds x $count per server, concurrency $concurrency, $(nproc) CPUs shared by probe and server (build $(bench_build_type); Pebble: VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-?})"
printf '%-40s %10s %12s   %s\n' server "hs/s" "cpu_us/hs" "hs/s per round"
# shellcheck disable=SC2086
{
  printf '%-40s %10.1f %12.1f   %s\n' "fixed certificate (plain OpenSSL)" "$fixed_rate" "$fixed_cpu" "$(list ${rates[fixed]})"
  printf '%-40s %10.1f %12.1f   %s\n' "certkeep SNI selection (terminator)" "$term_rate" "$term_cpu" "$(list ${rates[term]})"
}
printf 'overhead of the selection, median of %s paired rounds: throughput %.2f %% (target < %s %%: %s); server CPU per handshake %.2f %%\n' \
  "$rounds" "$overhead" "$target_overhead" "$overhead_met" "$cpu_overhead"
printf '  per round, throughput %%: %s\n  per round, CPU %%:        %s\n' \
  "$(printf '%.1f ' "${round_overheads[@]}")" "$(printf '%.1f ' "${round_cpu_overheads[@]}")"
printf 'renewal committed -> first handshake serving it, %s renewals under a 300/s stream (%s handshakes, 0 failed):\n' \
  "$renewals" "$stream_total"
printf '  min %s ms, median %s ms, max %s ms (target < %s ms: %s); per renewal: %s ms; renewal itself (SIGUSR1 -> commit) median %s ms\n' \
  "$delay_min" "$(bench_fmt %.1f "$delay_median")" "$delay_max" "$target_delay" "$delay_met" "$(list "${delays[@]}")" \
  "$(bench_fmt %.0f "$renew_median")"

json_list() { local v out=""; for v in "$@"; do out+="${out:+,}$(bench_json_num "$v")"; done; echo "[$out]"; }
json_bool() { if [ "${1%%,*}" = MET ]; then echo true; else echo false; fi; }
overhead_met_json=$(json_bool "$overhead_met")
[ "$conclusive" = true ] || overhead_met_json=null
# shellcheck disable=SC2086
printf '{"bench":"handshake","build_type":"%s","rounds":%s,"count":%s,"concurrency":%s,"fixed":{"handshakes_per_s":%s,"cpu_us_per_handshake":%s,"rounds_per_s":%s},"certkeep":{"handshakes_per_s":%s,"cpu_us_per_handshake":%s,"rounds_per_s":%s},"overhead_pct":%s,"cpu_overhead_pct":%s,"rounds_overhead_pct":%s,"rounds_cpu_overhead_pct":%s,"overhead_noise_pct":%s,"overhead_conclusive":%s,"swap":{"renewals":%s,"stream_handshakes":%s,"failed":0,"delay_ms":{"min":%s,"median":%s,"max":%s,"runs":%s},"renewal_ms_median":%s},"targets":{"overhead_pct":%s,"delay_ms":%s,"overhead_met":%s,"delay_met":%s}}\n' \
  "$(bench_build_type)" "$rounds" "$count" "$concurrency" \
  "$(bench_json_num "$fixed_rate" %.1f)" "$(bench_json_num "$fixed_cpu" %.1f)" "$(json_list ${rates[fixed]})" \
  "$(bench_json_num "$term_rate" %.1f)" "$(bench_json_num "$term_cpu" %.1f)" "$(json_list ${rates[term]})" \
  "$(bench_json_num "$overhead" %.2f)" "$(bench_json_num "$cpu_overhead" %.2f)" \
  "$(json_list "${round_overheads[@]}")" "$(json_list "${round_cpu_overheads[@]}")" \
  "$(bench_json_num "$noise" %.2f)" "$conclusive" \
  "$renewals" "$stream_total" "$delay_min" "$(bench_json_num "$delay_median" %.1f)" "$delay_max" \
  "$(json_list "${delays[@]}")" "$(bench_json_num "$renew_median" %.0f)" \
  "$target_overhead" "$target_delay" "$overhead_met_json" "$(json_bool "$delay_met")"
