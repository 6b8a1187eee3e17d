#!/usr/bin/env bash
# bind-options: --second stale
# pebble-env: PEBBLE_AUTHZREUSE=0
# labels: faults
# pebble-cost: 45
# BIND stopped mid-flow: certkeep has added the record and is waiting for a.test's second
# authoritative server (which never gets it) when the primary goes down. The run fails naming
# the servers, tells the CA nothing, and keeps the record it could not delete noted in the
# store; once BIND is back, the next run removes it and issues.
source "$(dirname "$0")/dns-common.bash"

mapfile -t ca < <(ca_flags)
ck issue "${ca[@]}" --dns-rfc2136 "$BIND_SERVER" --tsig-key "$BIND_KEY_FILE" --dns-propagation-timeout 8 \
  -d stop.a.test >"$TEST_DIR/stop.out" 2>"$TEST_DIR/stop.err" &
issue_pid=$!
TEST_PIDS+=("$issue_pid")
for _ in $(seq 1 200); do
  [ -n "$(txt_values _acme-challenge.stop.a.test)" ] && break
  pt_pid_alive "$issue_pid" || fail "issue ended before its record was published: $(cat "$TEST_DIR/stop.err")"
  sleep 0.05
done
[ -n "$(txt_values _acme-challenge.stop.a.test)" ] || fail "the record never appeared"
bash "$(dirname "$0")/../bind.sh" stop "$BIND_RUN_DIR" --keep-port >/dev/null
status=0
wait "$issue_pid" || status=$?
[ "$status" = 1 ] || fail "issue with BIND stopped: exit $status: $(cat "$TEST_DIR/stop.err")"
grep -q "127.0.0.1:$BIND_PORT" "$TEST_DIR/stop.err" || fail "the error does not name BIND: $(cat "$TEST_DIR/stop.err")"
[ "$(store_query "SELECT COUNT(*) FROM orders WHERE lineage = 'stop.a.test';")" -le 1 ] || fail "orders"
[ "$(pending_records)" = 1 ] || fail "the record left in BIND is not noted ($(pending_records))"
pass "BIND stopped while certkeep waited: exit 1 naming the server, the record noted"

bash "$(dirname "$0")/../bind.sh" restart "$BIND_RUN_DIR" >/dev/null || fail "BIND did not come back"
[ -n "$(txt_values _acme-challenge.stop.a.test)" ] || fail "the record was not left behind (nothing to repair?)"
# ns2 still never gets a record: this run checks no propagation.
ck issue "${ca[@]}" --dns-rfc2136 "$BIND_SERVER" --tsig-key "$BIND_KEY_FILE" --dns-propagation-timeout 0 \
  -d stop.a.test >/dev/null 2>"$TEST_DIR/err" || fail "issue after BIND came back: $(cat "$TEST_DIR/err")"
assert_live stop.a.test stop.a.test
assert_no_challenge_records stop.a.test
[ "$(pending_records)" = 0 ] || fail "records still noted"
[ "$(event_count stop.a.test dns_records_removed)" = 1 ] || fail "no dns_records_removed event: $(event_list stop.a.test)"
pass "the next run removed the record a stopped BIND kept, and issued"
