#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 33
# B8's slow variant through the CLI: a FAKE CA (fake_ca_proxy.py in front of Pebble) that takes
# its time. (1) finalize answered after 3 s: certkeep waits and the renewal succeeds. (2) the
# certificate download answered after 25 s, longer than certkeep's stall limit
# (src/http/curl_transport.hpp: 15 s without a byte; the request limit is 30 s): exit 1 within
# the stall bound with "timed out" naming the URL; the old files stay, the store is sound, the
# order row is kept (a timeout is transient), the error is recorded; once the CA is fast again
# the next run succeeds.
source "$(dirname "$0")/fault-common.bash"

NAME=slow.example.com
STALL_MS=15000
start_fake_ca_with_lineage "$NAME"

# 1. A slow but working CA: certkeep waits for the answer.
fake_ca_fault finalize slow:3
run_ck renew --force
echo "finalize answered after 3 s: exit $RUN_STATUS after $(ms_to_s "$RUN_MS") s"
[ "$(fake_ca_fired)" = 1 ] || fail "the slow finalize fired $(fake_ca_fired) times, want 1"
[ "$RUN_STATUS" = 0 ] || fail "renew with a 3 s finalize exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
((RUN_MS >= 3000 && RUN_MS < 10000)) || fail "renew took $(ms_to_s "$RUN_MS") s, want 3-10 s"
[ "$(live_fingerprint "$NAME")" != "$BEFORE" ] || fail "the slow renewal did not switch files"
assert_live "$NAME" "$NAME"
assert_store_ok
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "the slow renewal is not recorded once"
BEFORE=$(live_fingerprint "$NAME")
STORED=$(store_cert_state "$NAME")
pass "finalize answered after 3 s: certkeep waits, the renewal succeeds"

# 2. Slower than the stall limit: a bounded failure.
fake_ca_fault cert slow:25
run_ck renew --force
assert_refused "certificate download answered after 25 s" "$NAME" "$BEFORE" "$STORED" \
  'download certificate: POST https://127\.0\.0\.1:[0-9]+/certZ/[0-9a-f]+: timed out'
((RUN_MS >= STALL_MS - 1000)) || fail "gave up after $(ms_to_s "$RUN_MS") s, before the 15 s stall limit"
# The bound covers the flow before the download too (well under a second on loopback).
((RUN_MS <= STALL_MS + 7000)) || fail "took $(ms_to_s "$RUN_MS") s, bound $(((STALL_MS + 7000) / 1000)) s"
[ "$(order_rows "$NAME")" = 1 ] || fail "the order row was not kept after a timeout"
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "a renewal was recorded for the timed-out run"
pass "certificate download slower than the stall limit: exit 1 after $(ms_to_s "$RUN_MS") s, old files kept, order kept"

recover_and_renew "$NAME" "$NAME"
[ "$(order_rows "$NAME")" = 0 ] || fail "an order row is left after the renewal"
[ "$(event_count "$NAME" renewed)" = 2 ] || fail "the renewal after the timeout is not recorded once"
pass "next renewal succeeds once the CA answers in time"
