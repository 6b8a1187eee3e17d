#!/usr/bin/env bash
# bind-options: --second stale
# pebble-env: PEBBLE_AUTHZREUSE=0
# labels: faults
# pebble-cost: 22
# a.test has a second authoritative server (ns2.a.test, 127.0.0.2 on the same port) that never
# gets the record: certkeep waits for it, gives up at --dns-propagation-timeout naming that
# server, tells the CA nothing, and removes the record it added.
source "$(dirname "$0")/dns-common.bash"

mapfile -t ca < <(ca_flags)
started=$(pt_now_ms)
status=0
ck issue "${ca[@]}" --dns-rfc2136 "$BIND_SERVER" --tsig-key "$BIND_KEY_FILE" --dns-propagation-timeout 4 \
  -d www.a.test >"$TEST_DIR/out" 2>"$TEST_DIR/err" || status=$?
elapsed=$(($(pt_now_ms) - started))
[ "$status" = 1 ] || fail "exit $status, want 1: $(cat "$TEST_DIR/err")"
grep -q "ns2.a.test (127.0.0.2:$BIND_PORT)" "$TEST_DIR/err" || fail "the error does not name ns2: $(cat "$TEST_DIR/err")"
grep -q "ns1.a.test" "$TEST_DIR/err" && fail "the error names ns1, which had the record: $(cat "$TEST_DIR/err")"
((elapsed < 20000)) || fail "took ${elapsed} ms for a 4 s propagation timeout"
assert_no_challenge_records www.a.test
[ "$(pending_records)" = 0 ] || fail "records still noted"
pass "timed out naming ns2.a.test after ${elapsed} ms; the record was removed"
