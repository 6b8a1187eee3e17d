#!/usr/bin/env bash
# A challenge Pebble cannot validate (nothing listens where its VA connects): exit 1, Pebble's
# problem document in the output, no live files, and the lineage records the failure.
source "$(dirname "$0")/../cli-common.sh"

status=0
ck issue --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --agree-tos \
  --standalone --http-listen 127.0.0.1:0 -d broken.example.com >"$TEST_DIR/out" 2>"$TEST_DIR/err" || status=$?
[ "$status" = 1 ] || fail "exit $status, want 1"
grep -q "urn:ietf:params:acme:error:" "$TEST_DIR/err" || fail "no ACME problem type in the output: $(cat "$TEST_DIR/err")"
grep -qi "broken.example.com" "$TEST_DIR/err" || fail "the failing identifier is not named"
grep -qiE "connection refused|connect|fetching" "$TEST_DIR/err" || fail "Pebble's detail missing: $(cat "$TEST_DIR/err")"
[ ! -e "$STATE/live/broken.example.com" ] || fail "files were written for a failed issuance"
[ ! -e "$STATE/archive/broken.example.com" ] || fail "archive written for a failed issuance"
assert_store_ok
pass "failing challenge reported, nothing written"

status=0
ck issue -d 'bad name!' --server "$CERTKEEP_TEST_DIRECTORY_URL" >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 2 ] || fail "bad usage exit $status, want 2"
status=0
ck issue >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "missing -d exit $status, want 2"
pass "bad usage exits 2"
