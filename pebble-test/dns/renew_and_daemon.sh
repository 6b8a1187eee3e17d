#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0 PEBBLE_CERT_VALIDITY_SECONDS=20
# pebble-cost: 60
# A DNS-01 lineage renews without flags through `renew` and through the daemon, and each time
# BIND is left without a challenge record. The daemon runs in real time (a 20-second
# certificate is due after about 10 s): libfaketime would move the TSIG signatures' time out of
# BIND's 5-minute fudge (BADTIME), as a host whose clock is off would.
source "$(dirname "$0")/dns-common.bash"

dns_issue -d '*.b.test' -d b.test >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
first=$(lineage_serial b.test)
ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
second=$(lineage_serial b.test)
[ "$second" != "$first" ] || fail "renew kept serial $first"
assert_live b.test '*.b.test' b.test
assert_no_challenge_records b.test
pass "renew renewed the DNS-01 lineage"

"$CERTKEEP_BIN" --state-dir "$STATE" daemon --recheck 60 >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")
for _ in $(seq 1 400); do
  [ "$(lineage_serial b.test)" != "$second" ] && break
  pt_pid_alive "$daemon_pid" || fail "the daemon exited: $(cat "$TEST_DIR/daemon.log")"
  sleep 0.1
done
[ "$(lineage_serial b.test)" != "$second" ] || fail "the daemon did not renew within 40 s: $(cat "$TEST_DIR/daemon.log")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? after SIGTERM"
assert_live b.test '*.b.test' b.test
assert_no_challenge_records b.test
[ "$(pending_records)" = 0 ] || fail "the store still lists DNS records after the daemon stopped"
pass "the daemon renewed it; no record left"
