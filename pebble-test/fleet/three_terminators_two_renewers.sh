#!/usr/bin/env bash
# pebble-with: postgres
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=20 PEBBLE_AUTHZREUSE=0 POSTGRES_OPTIONS=-ctrack_commit_timestamp=on
# pebble-cost: 25
# A fleet on one box (issue 15): three example terminators and two `certkeep daemon` renewers
# over one PostgreSQL store, FLEET_LINEAGES lineages (default 12) of 20-second certificates from
# Pebble, and a loopback balancer that hands each of Pebble's HTTP-01 connections to the next
# terminator in turn. Terminator 1 orders the first certificates; the renewers have no HTTP
# listener at all, so every renewal's challenge is answered by whichever terminator the
# balancer picks, from the store.
# Renewer A stops itself (failpoint sleep) holding a downloaded certificate; the test SIGSTOPs
# it there past its 3-second lease, renewer B takes the lineage over and commits, A is resumed
# and its commit is refused (fenced_out), then A is SIGKILLed. Asserted:
#   - every lineage renewed exactly once in the period (the store's events; its serial changed);
#   - no commit from the fenced-out renewer: a fenced_out event, and its lineage's serial is B's;
#   - every terminator serves each new serial within 1 s of the commit (PostgreSQL's commit
#     timestamp of the renewed event → the terminator's "event renewed … at_ms" line);
#   - a terminator picked at random (FLEET_SEED), SIGKILLed and started again, serves every
#     lineage's stored serial (a handshake per name).
# shellcheck source-path=SCRIPTDIR source=fleet-common.bash
source "$(dirname "$0")/fleet-common.bash"

LINEAGES=${FLEET_LINEAGES:-12}
names=()
for i in $(seq 1 "$LINEAGES"); do names+=("n$i.fleet.example"); done

# ---- the balancer and three terminators --------------------------------------------------------
http_ports=() https_ports=()
for t in 1 2 3; do
  http_ports+=("$(pt_reserve_port "$WORK")") https_ports+=("$(pt_reserve_port "$WORK")")
done
start_balancer "$CERTKEEP_HTTP01_PORT" "${http_ports[@]}"
# Terminator 1 orders; 2 and 3 then find every certificate in the store.
start_terminator 1 "${http_ports[0]}" "${https_ports[0]}" "${names[@]}"
wait_for_line --pid "${TERMINATOR_PIDS[1]}" --timeout-ms $((20000 + LINEAGES * 2000)) "$WORK/terminator1.log" '^ready'
for t in 2 3; do start_terminator "$t" "${http_ports[t - 1]}" "${https_ports[t - 1]}" "${names[@]}"; done
for t in 2 3; do
  wait_for_line --pid "${TERMINATOR_PIDS[t]}" --timeout-ms $((20000 + LINEAGES * 500)) "$WORK/terminator$t.log" '^ready'
done
[ "$(pg "SELECT count(*) FROM certificates WHERE serial <> ''")" = "$LINEAGES" ] || fail "not every lineage was issued"
pass "3 terminators serve $LINEAGES lineages"
balancer_lines_before=$(wc -l <"$WORK/balancer.log")
start_ms=$(pt_now_ms)

# ---- two renewers; A stops with a certificate in hand ------------------------------------------
start_renewer a CERTKEEP_FAILPOINT=certificate_downloaded:sleep=2000
renewer_a=${PIDS[-1]}
start_renewer b
renewer_b=${PIDS[-1]}
wait_for_line --pid "$renewer_a" --timeout-ms 40000 "$WORK/renewer-a.log" 'failpoint certificate_downloaded: sleeping'
kill -STOP "$renewer_a"
a_lines_at_stop=$(wc -l <"$WORK/renewer-a.log")
# The lineages whose leases A holds (owner "boot:pid:start:random").
held=$(pg "SELECT string_agg(name, ' ') FROM leases WHERE owner LIKE '%:$renewer_a:%'")
[ -n "$held" ] || fail "renewer A holds no lease while stopped in a renewal"
pass "renewer A stopped with a downloaded certificate in hand, holding the lease of $held"
# Past its lease B takes each over and commits; then A is resumed.
for lineage in $held; do
  end=$(($(pt_now_ms) + 30000))
  until [ "$(pg "SELECT count(*) FROM events WHERE kind = 'renewed' AND lineage = '$lineage'")" -ge 1 ]; do
    (($(pt_now_ms) < end)) || fail "renewer B did not take $lineage over from the stopped renewer A"
    sleep 0.1
  done
done
kill -CONT "$renewer_a"
end=$(($(pt_now_ms) + 20000))
until [ "$(pg "SELECT count(*) FROM events WHERE kind = 'fenced_out'")" -ge 1 ]; do
  (($(pt_now_ms) < end)) || fail "renewer A's commit was not refused (no fenced_out event)"
  sleep 0.1
done
kill -KILL "$renewer_a"
wait "$renewer_a" 2>/dev/null || true
pass "renewer A's late commit was fenced out; A killed"

# ---- every lineage renewed, once ---------------------------------------------------------------
end=$(($(pt_now_ms) + 40000 + LINEAGES * 1000))
until [ "$(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'")" = "$LINEAGES" ]; do
  (($(pt_now_ms) < end)) || fail "only $(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'") of $LINEAGES lineages renewed"
  sleep 0.2
done
kill -TERM "$renewer_b"
wait "$renewer_b" || fail "renewer B exited $? after SIGTERM"
assert_renewed_once_per_period
fenced=$(pg "SELECT lineage FROM events WHERE kind = 'fenced_out' ORDER BY id LIMIT 1")
# Nothing A held when it stopped was committed by A: each refusal names A, and A's log has no
# renewal of those lineages after the stop. (B, taking over, resumes A's order from the store
# and may commit the very certificate A had downloaded: Pebble issued it once.)
[ "$(pg "SELECT count(*) FROM events WHERE kind = 'fenced_out' AND detail NOT LIKE '%:$renewer_a:%'")" = 0 ] ||
  fail "a fenced_out event names another renewer than A"
for lineage in $held; do
  if tail -n +"$((a_lines_at_stop + 1))" "$WORK/renewer-a.log" | grep -q " $lineage: renewed"; then
    fail "the stopped renewer A committed $lineage after it lost the lease"
  fi
done
renewals=$(pg "SELECT count(*) FROM events WHERE kind = 'renewed'")
# Throughput of the fleet's renewers: renewals over the span of their commits.
rate=$(pg "SELECT round(count(*) / greatest(extract(epoch FROM max(pg_xact_commit_timestamp(xmin)) -
             min(pg_xact_commit_timestamp(xmin))), 0.001), 1) FROM events WHERE kind = 'renewed'")
echo "figure renewals_per_second $rate"
pass "$LINEAGES lineages renewed ($renewals renewals in $(($(pt_now_ms) - start_ms)) ms), none twice in one period; A committed none of $held ($fenced fenced out)"
tail -n +"$((balancer_lines_before + 1))" "$WORK/balancer.log" >"$WORK/renewal-connections.txt"
for t in 1 2 3; do
  grep -q -- "-> ${http_ports[t - 1]}\$" "$WORK/renewal-connections.txt" ||
    fail "no renewal's HTTP-01 request was answered through terminator $t"
done
pass "the renewals' HTTP-01 requests were answered by all three terminators ($(wc -l <"$WORK/renewal-connections.txt") connections)"

# ---- every terminator serves each new serial within 1 s of its commit ---------------------------
pg "SELECT lineage, serial, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::bigint
    FROM events WHERE kind = 'renewed' ORDER BY lineage" | tr '|' ' ' >"$WORK/commits.txt"
: >"$WORK/latencies.txt"
while read -r lineage serial commit_ms; do
  for t in 1 2 3; do
    wait_for_line --pid "${TERMINATOR_PIDS[t]}" --timeout-ms 5000 "$WORK/terminator$t.log" \
      "^event renewed $lineage serial $serial "
    at_ms=$(sed -n "s/^event renewed $lineage serial $serial at_ms=\([0-9]*\).*/\1/p" "$WORK/terminator$t.log" | head -n 1)
    echo "$((at_ms - commit_ms)) $lineage terminator$t" >>"$WORK/latencies.txt"
  done
done <"$WORK/commits.txt"
sort -n "$WORK/latencies.txt" >"$WORK/latencies.sorted"
count=$(wc -l <"$WORK/latencies.sorted")
p50=$(sed -n "$(((count + 1) / 2))p" "$WORK/latencies.sorted" | cut -d' ' -f1)
p99=$(sed -n "$(((count * 99 + 99) / 100))p" "$WORK/latencies.sorted" | cut -d' ' -f1)
worst=$(tail -n 1 "$WORK/latencies.sorted")
((${worst%% *} < 1000)) || fail "a terminator served a renewal ${worst%% *} ms after its commit: $worst"
pass "change to served over $count (lineage, terminator) pairs: p50 ${p50} ms, p99 ${p99} ms, worst ${worst%% *} ms"
echo "figure change_to_served_ms p50 $p50 p99 $p99 max ${worst%% *} pairs $count"

# ---- a terminator killed and started again serves the fleet's current certificates -------------
# The node is picked at random; FLEET_SEED repeats a run's pick.
seed=${FLEET_SEED:-$RANDOM}
RANDOM=$seed
victim=$((1 + RANDOM % 3))
kill -KILL "${TERMINATOR_PIDS[victim]}"
wait "${TERMINATOR_PIDS[victim]}" 2>/dev/null || true
start_terminator "$victim" "${http_ports[victim - 1]}" "${https_ports[victim - 1]}" "${names[@]}"
wait_for_line --pid "${TERMINATOR_PIDS[victim]}" --timeout-ms $((20000 + LINEAGES * 500)) "$WORK/terminator$victim.log" '^ready'
for name in "${names[@]}"; do
  stored=$(pg "SELECT serial FROM certificates WHERE name = '$name'")
  # --insecure: the 20-second certificates may have expired by now; the serial is what counts.
  served=$(terminator_serial "${https_ports[victim - 1]}" "$name" --insecure) || fail "terminator $victim does not serve $name after its restart"
  [ "$(tr 'a-f' 'A-F' <<<"$served")" = "$(tr 'a-f' 'A-F' <<<"$stored")" ] ||
    fail "terminator $victim serves $served for $name after its restart, the store holds $stored"
done
pass "terminator $victim (FLEET_SEED=$seed) SIGKILLed and started again serves every lineage's stored serial"

stop_terminators
pass "the fleet stopped cleanly"
