#!/usr/bin/env bash
# pebble-with: postgres
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=20 PEBBLE_AUTHZREUSE=0 POSTGRES_OPTIONS=-ctrack_commit_timestamp=on
# pebble-cost: 25
# TLS-ALPN-01 across a fleet (RFC 8737 on the terminators' own HTTPS ports): two example
# terminators with --challenge tls-alpn-01 behind a loopback balancer on the port Pebble's
# validator dials for TLS-ALPN-01, and one `certkeep daemon` renewer with no listener at all. The
# renewer presents each validation certificate through the store; whichever terminator the
# balancer picks must serve it to Pebble. Asserted:
#   - every lineage renewed exactly once in the period (no validation failed: a failure would
#     leave the lineage to its retry a minute later, past the test's wait);
#   - Pebble's validation handshakes reached both terminators;
#   - each terminator serves every renewed serial (its event line and an HTTPS handshake).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=fleet-common.bash
source "$(dirname "$0")/fleet-common.bash"
: "${CERTKEEP_TLSALPN_PORT:?run under pebble-test/with-pebble.sh}"

LINEAGES=${FLEET_LINEAGES:-6}
export FLEET_CHALLENGE=tls-alpn-01
names=()
for i in $(seq 1 "$LINEAGES"); do names+=("a$i.alpn.example"); done

# HTTP ports nobody dials (HTTP-01 is not in play); the HTTPS ports behind the balancer.
http_ports=() https_ports=()
for t in 1 2; do
  http_ports+=("$(pt_reserve_port "$WORK")") https_ports+=("$(pt_reserve_port "$WORK")")
done
start_balancer "$CERTKEEP_TLSALPN_PORT" "${https_ports[@]}"
# Terminator 1 orders (the balancer skips terminator 2 until it listens); then terminator 2.
start_terminator 1 "${http_ports[0]}" "${https_ports[0]}" "${names[@]}"
wait_for_line --pid "${TERMINATOR_PIDS[1]}" --timeout-ms $((20000 + LINEAGES * 2000)) "$WORK/terminator1.log" '^ready'
start_terminator 2 "${http_ports[1]}" "${https_ports[1]}" "${names[@]}"
wait_for_line --pid "${TERMINATOR_PIDS[2]}" --timeout-ms $((20000 + LINEAGES * 500)) "$WORK/terminator2.log" '^ready'
[ "$(pg "SELECT count(*) FROM certificates WHERE serial <> ''")" = "$LINEAGES" ] || fail "not every lineage was issued"
methods=$(pg "SELECT string_agg(DISTINCT challenge_method, ' ') FROM certificates")
[ "$methods" = tls-alpn-memory ] || fail "the lineages are not proved by the terminators' TLS-ALPN-01: $methods"
pass "2 terminators serve $LINEAGES lineages proved by TLS-ALPN-01 on their HTTPS ports"
balancer_lines_before=$(wc -l <"$WORK/balancer.log")

start_renewer a
renewer=${PIDS[-1]}
end=$(($(pt_now_ms) + 30000 + LINEAGES * 1000))
until [ "$(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'")" = "$LINEAGES" ]; do
  (($(pt_now_ms) < end)) || fail "only $(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'") of $LINEAGES lineages renewed: $(grep -m3 error "$WORK/renewer-a.log")"
  sleep 0.2
done
kill -TERM "$renewer"
wait "$renewer" || fail "the renewer exited $? after SIGTERM"
failed=$(pg "SELECT count(*) FROM events WHERE kind = 'failed'")
[ "$failed" = 0 ] || fail "$failed renewals failed: $(pg "SELECT detail FROM events WHERE kind = 'failed' LIMIT 1")"
assert_renewed_once_per_period
pass "every lineage renewed once by the listener-less renewer, none failed"

tail -n +"$((balancer_lines_before + 1))" "$WORK/balancer.log" >"$WORK/renewal-connections.txt"
for t in 1 2; do
  grep -q -- "-> ${https_ports[t - 1]}\$" "$WORK/renewal-connections.txt" ||
    fail "no validation handshake of the renewals reached terminator $t"
done
pass "Pebble's validation handshakes reached both terminators ($(wc -l <"$WORK/renewal-connections.txt") connections)"

pg "SELECT lineage, serial FROM events WHERE kind = 'renewed' ORDER BY id" | tr '|' ' ' >"$WORK/renewed.txt"
while read -r lineage serial; do
  for t in 1 2; do
    wait_for_line --pid "${TERMINATOR_PIDS[t]}" --timeout-ms 5000 "$WORK/terminator$t.log" \
      "^event renewed $lineage serial $serial "
    served=$(terminator_serial "${https_ports[t - 1]}" "$lineage") || fail "terminator $t does not serve $lineage"
    [ "$(tr 'a-f' 'A-F' <<<"$served")" = "$(tr 'a-f' 'A-F' <<<"$serial")" ] ||
      fail "terminator $t serves $served for $lineage, renewed as $serial"
  done
done <"$WORK/renewed.txt"
pass "both terminators serve every renewed serial"
stop_terminators
