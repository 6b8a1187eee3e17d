#!/usr/bin/env bash
# pebble-env: PEBBLE_WFE_NONCEREJECT=50
# With half of all nonces rejected by Pebble, ten issuances in a row all succeed (badNonce is
# retried with the fresh nonce the error carries).
source "$(dirname "$0")/../cli-common.sh"

[ "${PEBBLE_WFE_NONCEREJECT:-}" = 50 ] || fail "this test needs Pebble started with PEBBLE_WFE_NONCEREJECT=50"
for i in $(seq 1 10); do
  issue -d "n$i.example.com" >/dev/null 2>"$TEST_DIR/err" || fail "issuance $i failed: $(cat "$TEST_DIR/err")"
  assert_live "n$i.example.com" "n$i.example.com"
done
pass "ten issuances with 50% of nonces rejected"
