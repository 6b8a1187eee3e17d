#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600
# The daemon renews what is due without being asked, rescans on SIGHUP, and stops cleanly on
# SIGTERM (exit 0, store consistent). It runs 50 minutes in the future (libfaketime), where the
# one-hour certificate is due.
source "$(dirname "$0")/../cli-common.sh"

issue -d daemon.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
serial1=$(serial_of "$STATE/live/daemon.example.com/cert.pem")

# shellcheck disable=SC2046 # future_env prints one assignment per line
env $(future_env +50m) "$CERTKEEP_BIN" --state-dir "$STATE" daemon --recheck 60 >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")

renewed=""
for _ in $(seq 1 200); do
  serial=$(serial_of "$STATE/live/daemon.example.com/cert.pem" 2>/dev/null || true)
  if [ -n "$serial" ] && [ "$serial" != "$serial1" ]; then renewed=$serial; break; fi
  sleep 0.1
done
[ -n "$renewed" ] || fail "the daemon did not renew a due certificate within 20 s: $(cat "$TEST_DIR/daemon.log")"
assert_live daemon.example.com daemon.example.com
pass "daemon renewed the due lineage"

kill -HUP "$daemon_pid"
sleep 0.3
kill -0 "$daemon_pid" 2>/dev/null || fail "daemon died on SIGHUP: $(cat "$TEST_DIR/daemon.log")"
kill -TERM "$daemon_pid"
status=0
for _ in $(seq 1 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon_pid" 2>/dev/null && fail "daemon still running 10 s after SIGTERM"
wait "$daemon_pid" || status=$?
[ "$status" = 0 ] || fail "daemon exited $status after SIGTERM: $(cat "$TEST_DIR/daemon.log")"
assert_store_ok
# (In the faked future every fresh one-hour certificate is due again at once, so the daemon
# may have renewed more than once; what matters is that it stopped between renewals.)
assert_live daemon.example.com daemon.example.com
grep -q "certkeep daemon stopped" "$TEST_DIR/daemon.log" || fail "no clean stop in the log"
pass "SIGHUP rescans, SIGTERM stops cleanly"
