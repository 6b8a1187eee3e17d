#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=518400
# pebble-cost: 12
# Six-day certificates (Let's Encrypt's shortlived profile; here Pebble's
# certificateValidityPeriod) renew by the lifetime rule: with half the life left, at most a
# thirtieth earlier by jitter, i.e. 2 days 19 hours to 3 days after issuance. `renew` (the hourly
# timer) leaves one alone 60 hours on and renews it 73 hours on (libfaketime, which takes one unit); the
# daemon started 73 hours on renews its own due one; both schedule the next renewal within
# the new certificate's life.
source "$(dirname "$0")/../cli-common.sh"

issue -d six.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
issue -d six-daemon.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
cert=$STATE/live/six.example.com/cert.pem
lifetime=$(($(date -d "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)" +%s) -
  $(date -d "$(openssl x509 -in "$cert" -noout -startdate | cut -d= -f2)" +%s)))
((lifetime >= 518400 - 60 && lifetime <= 518400 + 60)) || fail "Pebble issued a $lifetime s certificate, not six days"
serial1=$(serial_of "$cert")

in_future +60h renew --name six.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew at +60h: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$cert")" = "$serial1" ] || fail "a six-day certificate was renewed with 3.5 days left"
pass "not due with three and a half of six days left"

in_future +73h renew --name six.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew at +73h: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$cert")" != "$serial1" ] || fail "a six-day certificate with under three days left was not renewed"
assert_live six.example.com six.example.com
renew_at=$(ck show --json six.example.com | jq -r '.lineage.renew_at')
not_after=$(ck show --json six.example.com | jq -r '.lineage.not_after')
(($(date -d "$renew_at" +%s) < $(date -d "$not_after" +%s))) || fail "next renewal $renew_at is not before expiry $not_after"
pass "renewed by renew with under half the life left; next renewal $renew_at"

daemon_cert=$STATE/live/six-daemon.example.com/cert.pem
daemon_serial=$(serial_of "$daemon_cert")
# shellcheck disable=SC2046 # future_env prints one assignment per line
env $(future_env +73h) "$CERTKEEP_BIN" --state-dir "$STATE" daemon >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")
renewed=""
for _ in $(seq 1 300); do
  serial=$(serial_of "$daemon_cert" 2>/dev/null || true)
  if [ -n "$serial" ] && [ "$serial" != "$daemon_serial" ]; then renewed=$serial; break; fi
  pt_pid_alive "$daemon_pid" || break
  sleep 0.1
done
[ -n "$renewed" ] || fail "the daemon did not renew a due six-day certificate within 30 s: $(tail -n 5 "$TEST_DIR/daemon.log")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? after SIGTERM"
assert_live six-daemon.example.com six-daemon.example.com
assert_store_ok
pass "the daemon renewed its due six-day certificate"
