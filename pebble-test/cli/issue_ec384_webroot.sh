#!/usr/bin/env bash
# The webroot solver: a plain web server (python3's http.server) serves the directory certkeep
# writes the token into; certkeep removes the token afterwards. Key type ECDSA P-384.
source "$(dirname "$0")/../cli-common.sh"

webroot="$TEST_DIR/www"
mkdir -p "$webroot"
python3 -m http.server --bind 127.0.0.1 --directory "$webroot" "$CERTKEEP_HTTP01_PORT" \
  >"$TEST_DIR/http.log" 2>&1 &
TEST_PIDS+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$CERTKEEP_HTTP01_PORT/" && break
  sleep 0.05
done

ck issue --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --agree-tos \
  --webroot "$webroot" --key-type ec384 -d web.example.com >/dev/null 2>"$TEST_DIR/err" ||
  fail "issue exited $?: $(cat "$TEST_DIR/err")"
assert_live web.example.com web.example.com
openssl pkey -in "$STATE/live/web.example.com/privkey.pem" -noout -text | grep -q "secp384r1\|P-384" ||
  fail "key is not P-384"
grep -q "GET /.well-known/acme-challenge/" "$TEST_DIR/http.log" || fail "the web server was never asked for the token"
[ -z "$(ls -A "$webroot")" ] || fail "webroot not cleaned up: $(find "$webroot")"
pass "webroot, P-384"
