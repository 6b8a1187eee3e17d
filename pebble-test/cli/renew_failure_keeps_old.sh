#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# A renewal whose challenge cannot be validated (the webroot's web server is gone) fails with
# exit 1, keeps the old files byte for byte, records the CA's problem, and the next run after the
# fault is fixed succeeds.
source "$(dirname "$0")/../cli-common.sh"

webroot="$TEST_DIR/www"
mkdir -p "$webroot"
start_web "$webroot"
ck issue --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --agree-tos \
  --webroot "$webroot" -d fragile.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"

kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null || true
# Pebble reuses a valid authorization 1% of the time even with PEBBLE_AUTHZREUSE=0; such a
# renewal needs no challenge and succeeds, so it is tried again (at most 3 times).
for attempt in 1 2 3; do
  before=$(live_fingerprint fragile.example.com)
  status=0
  ck renew --force >"$TEST_DIR/out" 2>"$TEST_DIR/err" || status=$?
  [ "$status" = 0 ] || break
  echo "attempt $attempt: renewed without a challenge (Pebble reused an authorization); again"
done
[ "$status" = 1 ] || fail "failed renewal exited $status, want 1"
grep -q "urn:ietf:params:acme:error:" "$TEST_DIR/err" "$TEST_DIR/out" || fail "no problem document in output: $(cat "$TEST_DIR/err")"
[ "$(live_fingerprint fragile.example.com)" = "$before" ] || fail "live files changed after a failed renewal"
ck list >"$TEST_DIR/list.txt"
grep -qi "fragile.example.com is invalid" "$TEST_DIR/list.txt" || fail "list does not show the last error: $(cat "$TEST_DIR/list.txt")"
ck show fragile.example.com >"$TEST_DIR/show.txt"
grep -q "urn:ietf:params:acme:error:" "$TEST_DIR/show.txt" || fail "event history lacks the problem document"
assert_store_ok
pass "failure kept the old certificate and recorded the problem"

start_web "$webroot"
ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew after the fix: $(cat "$TEST_DIR/err")"
[ "$(live_fingerprint fragile.example.com)" != "$before" ] || fail "renewal after the fix did not switch files"
assert_live fragile.example.com fragile.example.com
pass "next run succeeds"
