#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600 PEBBLE_AUTHZREUSE=0
# SIGTERM to `certkeep daemon` while its renewal waits for Pebble's validator (held at the
# webroot server) (docs/reliability.md A): the daemon stops within 10 s with exit 0; the live files
# are byte for byte the old ones, the store is sound, the order row is kept for the next run
# and no failure is recorded (a stop is not the lineage's fault); the token is removed. Then a
# `renew` takes the order up (or, when the CA failed the abandoned challenge, says so and orders
# anew) and succeeds. The daemon runs in the future (libfaketime), where the one-hour
# certificate is due.
source "$(dirname "$0")/fault-common.bash"

NAME=term.example.com
start_web "$WEBROOT" "$GATE" "$WEB_EVENTS"
issue_webroot -d "$NAME" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"
hold_challenges

# Pebble reuses a valid authorization 1 time in 100 even at PEBBLE_AUTHZREUSE=0; the daemon then
# renews with no challenge to hold. Each try is further in the future, where the certificate
# that renewal made is due again.
daemon_pid=""
for offset in +50m +110m +170m; do
  before=$(live_fingerprint "$NAME")
  held_so_far=$(held_count)
  # shellcheck disable=SC2046 # future_env prints one assignment per line
  env $(future_env "$offset") "$CERTKEEP_BIN" --state-dir "$STATE" -v daemon --recheck 60 \
    >"$TEST_DIR/daemon.log" 2>&1 &
  daemon_pid=$!
  TEST_PIDS+=("$daemon_pid")
  end=$(($(now_ms) + 20000))
  while (($(held_count) <= held_so_far)) && pt_pid_alive "$daemon_pid" && (($(now_ms) < end)); do sleep 0.05; done
  (($(held_count) > held_so_far)) && break
  pt_pid_alive "$daemon_pid" || fail "the daemon ended before its renewal reached the validator"
  [ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the daemon's renewal never reached Pebble's validator"
  echo "at $offset the renewal needed no challenge (Pebble reused an authorization); again further on"
  kill -TERM "$daemon_pid"
  wait_exit "$daemon_pid" 10000 "daemon after SIGTERM"
  daemon_pid=""
done
[ -n "$daemon_pid" ] || fail "no try held the daemon's renewal mid-order"
[ "$(order_rows "$NAME")" = 1 ] || fail "no order row while the order is pending"
failed_before=$(event_count "$NAME" failed)

kill -TERM "$daemon_pid"
term_at=$(now_ms)
wait_exit "$daemon_pid" 10000 "daemon after SIGTERM"
stop_ms=$(($(now_ms) - term_at))
release_challenges
echo "daemon exited $EXIT_STATUS $(ms_to_s "$stop_ms") s after SIGTERM"
[ "$EXIT_STATUS" = 0 ] || fail "daemon exited $EXIT_STATUS after SIGTERM: $(tail -n 5 "$TEST_DIR/daemon.log")"
grep -q "certkeep daemon stopped" "$TEST_DIR/daemon.log" || fail "the daemon did not say it stopped"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed by the interrupted renewal"
assert_store_ok
[ "$(order_rows "$NAME")" = 1 ] || fail "the order row was not kept for the next run"
[ "$(event_count "$NAME" failed)" = "$failed_before" ] || fail "the stop was recorded as a failure"
[ -z "$(ls -A "$WEBROOT/.well-known/acme-challenge" 2>/dev/null)" ] || fail "the stopped daemon left a token in the webroot"
# A released lease keeps its row (owner '', for the fencing token), but no owner.
leases=$(store_query "SELECT COUNT(*) FROM leases WHERE owner <> '';")
[ "$leases" = 0 ] || fail "the daemon left $leases lease row(s)"

# The next run takes the order up where the daemon left it.
settings=$(future_env "$offset")
# shellcheck disable=SC2086 # one assignment per line, none with spaces
env $settings "$CERTKEEP_BIN" --state-dir "$STATE" -v renew >"$TEST_DIR/renew.out" 2>"$TEST_DIR/renew.err" ||
  fail "renew after the stop: $(tail -n 5 "$TEST_DIR/renew.err")"
# The stopping daemon removed its token, so Pebble's held validation then failed and the CA
# invalidated the order: the next run says so and orders anew (it resumes the order when the
# CA had not yet decided).
grep -qE "resume order |cannot be resumed; new order" "$TEST_DIR/renew.err" ||
  fail "the next run neither resumed the stored order nor said why not"
[ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the next run did not renew"
assert_live "$NAME" "$NAME"
[ "$(order_rows "$NAME")" = 0 ] || fail "an order row is left after the renewal"
assert_store_ok
pass "SIGTERM mid-order: daemon stopped in $(ms_to_s "$stop_ms") s, nothing lost, the next run renewed"
