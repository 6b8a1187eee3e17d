#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=40
# pebble-cost: 29
# E1/E2: two `renew` runs and a `certkeep daemon` start at the same moment on one store with
# three due lineages. Each lineage is renewed exactly once (one `renewed` event, one new serial),
# both `renew` runs exit 0, the store is sound, every live/ directory is complete, and the
# daemon stops cleanly on SIGTERM (exit 0, "certkeep daemon stopped").
#
# Why real time instead of libfaketime here: in a faked future where the first certificates are
# due, the fresh certificates the race produces are due at once as well, so a daemon would
# (rightly) renew them again and "exactly once" could not be asserted. With 40-second
# certificates (due at half their life, minus a jitter of at most 1.3 s) the test waits ~20 s for
# the first ones to fall due; the fresh ones are due ~20 s after the race, and the daemon is
# stopped long before that.
source "$(dirname "$0")/fault-common.bash"

NAMES=(race1.example.com race2.example.com race3.example.com)
start_web "$WEBROOT" "$GATE" "$WEB_EVENTS"
for n in "${NAMES[@]}"; do
  issue_webroot -d "$n" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue $n: $(cat "$TEST_DIR/err.log")"
done
declare -A first_serial
for n in "${NAMES[@]}"; do first_serial[$n]=$(serial_of "$STATE/live/$n/cert.pem"); done

# Wait until all three are due.
due_by=$(ck list --json | jq '[.lineages[].renew_at | fromdateiso8601] | max')
now=$(date +%s)
((due_by - now <= 30)) || fail "the lineages are due only in $((due_by - now)) s; is PEBBLE_CERT_VALIDITY_SECONDS=40 in effect?"
while (($(date +%s) <= due_by)); do sleep 0.2; done
[ "$(ck list --json | jq '[.lineages[] | select((.renew_at | fromdateiso8601) <= now)] | length')" = 3 ] ||
  fail "not all lineages are due"
pass "three lineages due"

race_started=$(now_ms)
"$CERTKEEP_BIN" --state-dir "$STATE" daemon --recheck 60 >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
"$CERTKEEP_BIN" --state-dir "$STATE" renew >"$TEST_DIR/a.out" 2>&1 &
a_pid=$!
"$CERTKEEP_BIN" --state-dir "$STATE" renew >"$TEST_DIR/b.out" 2>&1 &
b_pid=$!
TEST_PIDS+=("$daemon_pid" "$a_pid" "$b_pid")

wait_exit "$a_pid" 30000 "first renew"
sa=$EXIT_STATUS
wait_exit "$b_pid" 30000 "second renew"
sb=$EXIT_STATUS
{ [ "$sa" = 0 ] && [ "$sb" = 0 ]; } || fail "renew exit codes $sa/$sb"
# The daemon may still be finishing a lineage it took: wait until every serial has changed.
end=$(($(now_ms) + 15000))
for n in "${NAMES[@]}"; do
  while [ "$(serial_of "$STATE/live/$n/cert.pem" 2>/dev/null || true)" = "${first_serial[$n]}" ]; do
    (($(now_ms) < end)) || fail "$n was not renewed by anyone within 15 s"
    pt_pid_alive "$daemon_pid" || fail "the daemon died: $(cat "$TEST_DIR/daemon.log")"
    sleep 0.1
  done
done
race_ms=$(($(now_ms) - race_started))

kill -TERM "$daemon_pid"
term_sent=$(now_ms)
wait_exit "$daemon_pid" 10000 "daemon after SIGTERM"
echo "race done in $(ms_to_s "$race_ms") s; daemon stopped $(ms_to_s $(($(now_ms) - term_sent))) s after SIGTERM with exit $EXIT_STATUS"
[ "$EXIT_STATUS" = 0 ] || fail "daemon exited $EXIT_STATUS after SIGTERM"
grep -q "certkeep daemon stopped" "$TEST_DIR/daemon.log" || fail "no clean stop in the daemon log"

for n in "${NAMES[@]}"; do
  count=$(event_count "$n" renewed)
  [ "$count" = 1 ] || fail "$n renewed $count times (events: $(event_list "$n" | tr '\n' ';'))"
  serial=$(event_serial "$n" renewed)
  [ "$(serial_of "$STATE/live/$n/cert.pem" | tr 'a-f' 'A-F')" = "$(tr 'a-f' 'A-F' <<<"$serial")" ] ||
    fail "$n: live serial is not the one renewal's serial $serial"
  [ "$(order_rows "$n")" = 0 ] || fail "$n: an order row is left"
  assert_live "$n" "$n"
done
# A released lease keeps its row (owner '', for the fencing token), but no owner.
[ "$(store_query "SELECT COUNT(*) FROM leases WHERE owner <> '';")" = 0 ] ||
  fail "leases left behind: $(store_query "SELECT name, owner FROM leases WHERE owner <> '';")"
assert_store_ok
for f in a b; do echo "renew $f: $(tr '\n' ' ' <"$TEST_DIR/$f.out")"; done
pass "each lineage renewed exactly once by two renews and a daemon; daemon stopped cleanly"
