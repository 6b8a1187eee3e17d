#!/usr/bin/env bash
# pebble-env: PEBBLE_WFE_NONCEREJECT=50
# pebble-cost: 28
# B1: Pebble rejects half of all valid nonces as badNonce. Twenty issuances in a row all
# succeed (each badNonce is retried with the fresh nonce the error carries), the retries show in
# the debug log, and the store stays consistent.
source "$(dirname "$0")/fault-common.bash"

[ "${PEBBLE_WFE_NONCEREJECT:-}" = 50 ] || fail "this test needs Pebble started with PEBBLE_WFE_NONCEREJECT=50"
started=$(now_ms)
retries=0
for i in $(seq 1 20); do
  issue_verbose -d "nr$i.example.com" >"$TEST_DIR/out" 2>"$TEST_DIR/err.log" ||
    fail "issuance $i of 20 exited $?: $(cat "$TEST_DIR/err.log")"
  assert_live "nr$i.example.com" "nr$i.example.com"
  n=$(grep -c "badNonce from" "$TEST_DIR/err.log" || true)
  retries=$((retries + n))
done
elapsed=$(($(now_ms) - started))
echo "20 issuances in $(ms_to_s "$elapsed") s with $retries badNonce retries"
# 20 issuances sign well over 100 requests; with half the nonces rejected, no retry at all
# would mean the fault never happened.
[ "$retries" -ge 10 ] || fail "only $retries badNonce retries in 20 issuances: is NONCEREJECT in effect?"
# No command lists accounts: the store's row count says none was made twice.
[ "$(store_query 'SELECT COUNT(*) FROM accounts;')" = 1 ] || fail "more than one account"
[ "$(event_count_all issued)" = 20 ] || fail "the lineages' events do not hold 20 issuances"
assert_store_ok
pass "twenty issuances with 50% of nonces rejected ($retries retries)"
