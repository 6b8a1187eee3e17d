#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600
# One-hour certificates renew at about half their life. Run `renew` now (nothing due) and
# 50 minutes later (libfaketime): the lineage renews, its files switch, its key changes.
source "$(dirname "$0")/../cli-common.sh"

issue -d due.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
serial1=$(serial_of "$STATE/live/due.example.com/cert.pem")
key1=$(openssl pkey -in "$STATE/live/due.example.com/privkey.pem" -pubout)

ck renew >/dev/null 2>"$TEST_DIR/err" || fail "renew now: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$STATE/live/due.example.com/cert.pem")" = "$serial1" ] || fail "renewed before it was due"
pass "fresh one-hour certificate not due"

in_future +50m renew >"$TEST_DIR/out" 2>"$TEST_DIR/err" ||
  fail "renew 50 minutes later exited $?: $(cat "$TEST_DIR/err")"
serial2=$(serial_of "$STATE/live/due.example.com/cert.pem")
[ "$serial1" != "$serial2" ] || fail "a certificate with 10 of 60 minutes left was not renewed"
[ "$(openssl pkey -in "$STATE/live/due.example.com/privkey.pem" -pubout)" != "$key1" ] || fail "the key was reused without --reuse-key"
assert_live due.example.com due.example.com
assert_store_ok
pass "due certificate renewed"
