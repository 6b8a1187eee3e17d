#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# B6: Pebble is SIGKILLed while an order is pending (its validator is connected to the webroot
# server, which holds the challenge request open). The renewal fails within a bound with exit 1
# and an error naming the CA URL and the connection failure; the old certificate and key stay
# deployed byte for byte; the store is consistent and keeps the order row; the lineage records
# the error. Once the CA is back (restarted: it forgot everything), the next renewal succeeds.
source "$(dirname "$0")/fault-common.bash"

NAME=killed.example.com
# certkeep polls at most every 5 s (max_poll_interval) and a refused connection fails at once.
BOUND_MS=15000

start_web "$WEBROOT" "$GATE" "$WEB_EVENTS"
issue_webroot -d "$NAME" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"
before=$(live_fingerprint "$NAME")
ca_port=${CERTKEEP_TEST_DIRECTORY_URL#https://127.0.0.1:}
ca_port=${ca_port%%/*}

start_renew_held_mid_order "$NAME"
before=$HELD_BEFORE
[ "$(order_rows "$NAME")" = 1 ] || fail "no order row while the order is pending"
pt_pid_alive "$renew_pid" || fail "renew ended before Pebble was killed"

kill -KILL "$PEBBLE_PID"
killed_at=$(now_ms)
wait_exit "$renew_pid" $((BOUND_MS + 5000)) "renew after Pebble was killed"
elapsed=$(($(now_ms) - killed_at))
release_challenges
echo "renew exited $EXIT_STATUS $(ms_to_s "$elapsed") s after Pebble was killed: $(grep -v ' debug ' "$TEST_DIR/renew.err" | tail -n 2)"
[ "$EXIT_STATUS" = 1 ] || fail "renew exited $EXIT_STATUS, want 1"
((elapsed <= BOUND_MS)) || fail "renew took $(ms_to_s "$elapsed") s to notice, bound $((BOUND_MS / 1000)) s"
grep -q "127.0.0.1:$ca_port" "$TEST_DIR/renew.err" || fail "the error does not name the CA URL"
grep -qiE "connect|refused" "$TEST_DIR/renew.err" || fail "the error does not say the connection failed"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed after the CA died"
assert_store_ok
[ "$(order_rows "$NAME")" = 1 ] || fail "the order row was not kept for a network failure"
assert_error_recorded "$NAME" "127.0.0.1:$ca_port.*(connect|refused)"
[ "$(event_count "$NAME" renewed)" = 0 ] || fail "a renewal was recorded"
pass "Pebble killed mid-order: exit 1, old files kept, order kept, error recorded"

# The CA comes back without its memory (accounts, orders, root): the next run succeeds.
# shellcheck disable=SC2119 # no extra Pebble settings
restart_pebble
ck renew --force >"$TEST_DIR/out" 2>"$TEST_DIR/err.log" || fail "renew after Pebble came back exited $?: $(cat "$TEST_DIR/err.log")"
[ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the renewal did not switch files"
assert_live "$NAME" "$NAME" # verifies against the new root
[ "$(order_rows "$NAME")" = 0 ] || fail "an order row is left after a completed renewal"
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "the renewal is not recorded once"
assert_store_ok
pass "next renewal succeeds against the restarted CA"
