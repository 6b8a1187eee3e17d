#!/usr/bin/env bash
# pebble-env: PEBBLE_WFE_NONCEREJECT=100
# B2: Pebble rejects every nonce. `issue` and `renew` give up after a bounded number of badNonce
# retries (client.hpp: 25 per request, 60 s budget) with exit 1 and the badNonce problem shown:
# no tight endless loop, nothing half-written, the old certificate kept, the error recorded. Once
# Pebble accepts nonces again (restarted with NONCEREJECT=0), the next run succeeds.
source "$(dirname "$0")/fault-common.bash"

[ "${PEBBLE_WFE_NONCEREJECT:-}" = 100 ] || fail "this test needs Pebble started with PEBBLE_WFE_NONCEREJECT=100"
BOUND_MS=30000 # far below the 60 s budget: 26 attempts on loopback take well under a second

# Runs CMD..., checks exit 1 within the bound with the badNonce problem and a bounded number
# of retries in the debug log.
expect_bounded_bad_nonce() {
  local what=$1 started elapsed status=0 retries
  shift
  started=$(now_ms)
  "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err.log" || status=$?
  elapsed=$(($(now_ms) - started))
  [ "$status" = 1 ] || fail "$what exited $status, want 1"
  ((elapsed <= BOUND_MS)) || fail "$what took $(ms_to_s "$elapsed") s, bound $((BOUND_MS / 1000)) s"
  grep -q "urn:ietf:params:acme:error:badNonce" "$TEST_DIR/err.log" ||
    fail "$what: the badNonce problem is not shown: $(grep -v 'badNonce from' "$TEST_DIR/err.log")"
  retries=$(grep -c "badNonce from" "$TEST_DIR/err.log" || true)
  ((retries >= 20 && retries <= 30)) || fail "$what retried badNonce $retries times, want 20-30"
  echo "$what: exit 1 after $(ms_to_s "$elapsed") s and $retries retries"
}

# A first issuance: fails, nothing half-written.
expect_bounded_bad_nonce "issue" issue_verbose -d first.example.com
[ ! -e "$STATE/live/first.example.com" ] || fail "live files for a failed first issuance"
[ ! -e "$STATE/archive/first.example.com" ] || fail "archive for a failed first issuance"
assert_store_ok
assert_error_recorded first.example.com "badNonce"
pass "first issuance: bounded failure, nothing written, error recorded"

# The fault goes away: the next run succeeds.
restart_pebble PEBBLE_WFE_NONCEREJECT=0
issue -d first.example.com >/dev/null 2>"$TEST_DIR/err.log" || fail "issue after the fault: $(cat "$TEST_DIR/err.log")"
assert_live first.example.com first.example.com
before=$(live_fingerprint first.example.com)
pass "issue succeeds once nonces are accepted"

# A renewal under the same fault keeps the deployed files byte for byte.
restart_pebble PEBBLE_WFE_NONCEREJECT=100
expect_bounded_bad_nonce "renew" ck -v renew --force
[ "$(live_fingerprint first.example.com)" = "$before" ] || fail "live files changed after a failed renewal"
assert_store_ok
assert_error_recorded first.example.com "badNonce"
[ "$(event_count first.example.com renewed)" = 0 ] || fail "a renewal was recorded"
pass "renewal: bounded failure, old files kept, error recorded"

restart_pebble PEBBLE_WFE_NONCEREJECT=0
ck renew --force >/dev/null 2>"$TEST_DIR/err.log" || fail "renew after the fault: $(cat "$TEST_DIR/err.log")"
[ "$(live_fingerprint first.example.com)" != "$before" ] || fail "the renewal after the fault did not switch files"
assert_live first.example.com first.example.com
[ "$(event_count first.example.com renewed)" = 1 ] || fail "renewal not recorded"
assert_store_ok
pass "next renewal succeeds once nonces are accepted"
