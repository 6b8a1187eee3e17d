#!/usr/bin/env bash
# Renewal with Pebble's default five-year certificates: nothing is due, so `renew` leaves the
# lineage alone; `renew --force` gets a new certificate, switches the files and needs no flags.
source "$(dirname "$0")/../cli-common.sh"

issue -d keep.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
before=$(live_fingerprint keep.example.com)
serial1=$(serial_of "$STATE/live/keep.example.com/cert.pem")

ck renew >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "renew (nothing due) exited $?: $(cat "$TEST_DIR/err")"
[ "$(live_fingerprint keep.example.com)" = "$before" ] || fail "a lineage that was not due changed"
ck renew --dry-run >/dev/null 2>&1 || fail "renew --dry-run failed"
[ "$(live_fingerprint keep.example.com)" = "$before" ] || fail "--dry-run changed files"
pass "not due: left alone"

ck renew --force --name keep.example.com >"$TEST_DIR/out" 2>"$TEST_DIR/err" ||
  fail "renew --force exited $?: $(cat "$TEST_DIR/err")"
serial2=$(serial_of "$STATE/live/keep.example.com/cert.pem")
[ "$serial1" != "$serial2" ] || fail "--force did not produce a new certificate"
assert_live keep.example.com keep.example.com
ck list --json >"$TEST_DIR/list.json" || fail "list --json failed"
grep -q "$serial2" "$TEST_DIR/list.json" || fail "list does not show the new serial"
ck list >"$TEST_DIR/list.txt" || fail "list failed"
grep -q "keep.example.com" "$TEST_DIR/list.txt" || fail "list table lacks the lineage"
ck show keep.example.com >"$TEST_DIR/show.txt" || fail "show failed"
grep -qi "renewed" "$TEST_DIR/show.txt" || fail "show has no renewal in its history: $(cat "$TEST_DIR/show.txt")"
assert_store_ok
pass "--force renews with stored settings"
