#!/usr/bin/env bash
# pebble-with: postgres
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=30 PEBBLE_AUTHZREUSE=0 POSTGRES_OPTIONS=-ctrack_commit_timestamp=on
# pebble-cost: 30
# needs: failpoints
# PostgreSQL restarted while a fleet renews (RELIABILITY.md "New surfaces": PostgreSQL fleet,
# "server restarted mid-renewal"): a terminator serving LINEAGES lineages of 30-second
# certificates from the store, and a `certkeep daemon` renewer that stops for 5 s after each
# certificate download (failpoint sleep). While the renewer holds its first downloaded
# certificate the server is restarted (a fast shutdown: every client connection dropped, the
# terminator's LISTEN connection included). Asserted:
#   - the renewer lives on, and every lineage is renewed: the interrupted renewal commits on a
#     connection the store opens again (the restart, about a second, fits in the 5-second stop;
#     a failed commit would wait a minute for its retry, past the certificates' 30 seconds, and
#     the handshake probes would fail);
#   - no lineage renewed twice in one period (the store's events);
#   - the terminator, its notification connection lost, reconnects and serves every renewed
#     serial: its own event line, and the serial an HTTPS handshake gets;
#   - the old certificates served throughout: every handshake during the outage succeeded.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=fleet-common.bash
# Leases outlive the outage: this test is about the store coming back, not a takeover.
LEASE_TTL=15
source "$(dirname "$0")/fleet-common.bash"
# shellcheck source-path=SCRIPTDIR source=../postgres-common.bash
source "$(dirname "$0")/../postgres-common.bash"

LINEAGES=${FLEET_LINEAGES:-3}
names=()
for i in $(seq 1 "$LINEAGES"); do names+=("r$i.restart.example"); done

https_port=$(pt_reserve_port "$WORK")
# The terminator answers Pebble's HTTP-01 requests itself, from the store.
start_terminator 1 "$CERTKEEP_HTTP01_PORT" "$https_port" "${names[@]}"
wait_for_line --pid "${TERMINATOR_PIDS[1]}" --timeout-ms $((20000 + LINEAGES * 2000)) "$WORK/terminator1.log" '^ready'
pass "the terminator serves $LINEAGES lineages from PostgreSQL"

# Handshakes against the terminator all along: each line "ok NAME SERIAL" or "failed NAME".
probe_loop() {
  local name
  while :; do
    for name in "${names[@]}"; do
      if serial=$(terminator_serial "$https_port" "$name"); then
        echo "ok $name $serial"
      else
        echo "failed $name"
      fi
    done
    sleep 0.2
  done
}
probe_loop >"$WORK/probes.log" 2>&1 &
probes=$!
PIDS+=("$probes")

RENEWER_CONCURRENCY=$LINEAGES start_renewer a CERTKEEP_FAILPOINT=certificate_downloaded:sleep=5000
renewer=${PIDS[-1]}
wait_for_line --pid "$renewer" --timeout-ms 40000 "$WORK/renewer-a.log" 'failpoint certificate_downloaded: sleeping'
restart_start=$(pt_now_ms)
postgres_stop
postgres_start
pass "PostgreSQL restarted in $(($(pt_now_ms) - restart_start)) ms while the renewer held a downloaded certificate"

# Every lineage renewed; the renewer still running.
end=$(($(pt_now_ms) + 60000))
until [ "$(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'")" = "$LINEAGES" ]; do
  (($(pt_now_ms) < end)) ||
    fail "only $(pg "SELECT count(DISTINCT lineage) FROM events WHERE kind = 'renewed'") of $LINEAGES lineages renewed after the restart"
  pt_pid_alive "$renewer" || fail "the renewer exited after the restart"
  sleep 0.2
done
pt_pid_alive "$renewer" || fail "the renewer exited after the restart"
if grep -q "error" "$WORK/renewer-a.log"; then
  grep -m1 "error" "$WORK/renewer-a.log" | grep -q 'PostgreSQL database "certkeep" on' ||
    fail "the renewer's error does not name the server: $(grep -m1 error "$WORK/renewer-a.log")"
  echo "the renewer's error during the restart: $(grep -m1 error "$WORK/renewer-a.log")"
fi
kill -TERM "$renewer"
wait "$renewer" || fail "the renewer exited $? after SIGTERM"
assert_renewed_once_per_period
pass "every lineage renewed once, the renewer survived the restart"

# The terminator follows: each renewed serial, through its event and a handshake.
pg "SELECT lineage, serial FROM events WHERE kind = 'renewed' ORDER BY id" | tr '|' ' ' >"$WORK/renewed.txt"
while read -r lineage serial; do
  wait_for_line --pid "${TERMINATOR_PIDS[1]}" --timeout-ms 10000 "$WORK/terminator1.log" \
    "^event renewed $lineage serial $serial "
done <"$WORK/renewed.txt"
while read -r lineage serial; do
  latest=$(pg "SELECT serial FROM certificates WHERE name = '$lineage'")
  [ "$(terminator_serial "$https_port" "$lineage" | tr 'a-f' 'A-F')" = "$(tr 'a-f' 'A-F' <<<"$latest")" ] ||
    fail "the terminator serves $(terminator_serial "$https_port" "$lineage") for $lineage, the store holds $latest"
done <"$WORK/renewed.txt"
reconnects=$(grep -c "change feed: .*reconnecting" "$WORK/terminator1.log" || true)
[ "$reconnects" -ge 1 ] || fail "the terminator never noticed its notification connection was lost"
pass "the terminator reconnected ($reconnects time(s)) and serves every renewed serial"

kill "$probes" 2>/dev/null || true
failed=$(grep -c '^failed' "$WORK/probes.log" || true)
ok=$(grep -c '^ok' "$WORK/probes.log" || true)
[ "$failed" = 0 ] || fail "$failed of $((ok + failed)) handshakes failed during the restart: $(grep -m3 '^failed' "$WORK/probes.log")"
[ "$ok" -gt 0 ] || fail "no handshake was probed"
pass "$ok handshakes during the outage and after, none failed"
stop_terminators
