#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# A FAKE CA (fake_ca_proxy.py in front of Pebble) that closes the connection mid-response: the
# headers and half of the body are sent, then the TCP connection is closed. (1) on finalize and
# (2) on the certificate download of a renewal: exit 1 with the URL and "transfer closed"; the
# old files stay byte for byte, the store is sound and keeps the order row (a network failure
# is transient), the error is recorded, and the next run succeeds. (3) on new-order of a first
# issuance: nothing is written, and the next issue succeeds.
source "$(dirname "$0")/fault-common.bash"

NAME=closed.example.com
FIRST=first-closed.example.com
start_fake_ca_with_lineage "$NAME"

# KIND PATH_RE: closes the answer to KIND mid-body during `renew --force`.
expect_closed_renewal() {
  local kind=$1 path=$2
  fake_ca_fault "$kind" close_mid_body
  run_ck renew --force
  assert_refused "$kind closed mid-response" "$NAME" "$BEFORE" "$STORED" \
    "POST https://127\.0\.0\.1:[0-9]+/${path}[^ ]*: transfer closed with [0-9]+ bytes remaining"
  tail -n +$((FAKE_CA_MARK + 1)) "$FAKE_CA_EVENTS" | grep -q " closed after " ||
    fail "the fake CA did not close a response"
  ((RUN_MS < 10000)) || fail "$kind closed mid-response: took $(ms_to_s "$RUN_MS") s"
  [ "$(order_rows "$NAME")" = 1 ] || fail "$kind closed mid-response: the order row was not kept"
  recover_and_renew "$NAME" "$NAME"
  [ "$(order_rows "$NAME")" = 0 ] || fail "an order row is left after the renewal"
  pass "$kind closed mid-response: exit 1, old files kept, order kept, error recorded; next run succeeds"
}

expect_closed_renewal finalize 'finalize-order/'
expect_closed_renewal cert 'certZ/'
[ "$(event_count "$NAME" renewed)" = 2 ] || fail "$(event_count "$NAME" renewed) renewals recorded, want 2"

# A first issuance whose new-order answer is cut: nothing written.
expect_first_issue_refused "$FIRST" "new-order close_mid_body" "new-order closed mid-response (first issuance)" \
  'new-order: POST https://127\.0\.0\.1:[0-9]+/order-plz: transfer closed with [0-9]+ bytes remaining'
