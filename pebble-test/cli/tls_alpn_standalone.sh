#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 17
# TLS-ALPN-01 (RFC 8737) by Pebble against the standalone responder (--tls-alpn) on the port
# Pebble's validator dials: issued, the method stored and shown, renewed without flags, and the
# port closed again once the challenges are done.
source "$(dirname "$0")/../cli-common.sh"

mapfile -t ca < <(pebble_flags | grep -v -e '^--standalone$' -e '^--http-listen$' -e "^127.0.0.1:$CERTKEEP_HTTP01_PORT\$")
ck issue "${ca[@]}" --tls-alpn "127.0.0.1:$CERTKEEP_TLSALPN_PORT" -d alpn.example.com -d www.alpn.example.com \
  >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
assert_live alpn.example.com alpn.example.com www.alpn.example.com
[ "$(ck show --json alpn.example.com | jq -r '.lineage.challenges["www.alpn.example.com"]')" = tls-alpn-01 ] ||
  fail "show does not name tls-alpn-01"
pass "issued over TLS-ALPN-01"

ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
assert_live alpn.example.com alpn.example.com www.alpn.example.com
if (exec 3<>"/dev/tcp/127.0.0.1/$CERTKEEP_TLSALPN_PORT") 2>/dev/null; then
  fail "the responder still listens after the renewal"
fi
pass "renewed with the stored method; the port is closed again"
