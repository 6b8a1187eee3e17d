#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 50
# A mixed lineage: the apex by HTTP-01 (the standalone responder), the wildcard by DNS-01, and
# one more name moved to DNS-01 by --challenge. list/show name each identifier's method, and a
# renewal uses the same methods without flags. HTTP-01 or TLS-ALPN-01 alone refuses a wildcard
# before anything is stored or ordered.
source "$(dirname "$0")/dns-common.bash"

mapfile -t http < <(printf '%s\n' --http-listen "127.0.0.1:$CERTKEEP_HTTP01_PORT")
dns_issue "${http[@]}" -d a.test -d '*.a.test' -d internal.a.test --challenge internal.a.test=dns-01 \
  >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
assert_live a.test a.test '*.a.test' internal.a.test
[ "$(method_of a.test a.test)" = http-01 ] || fail "a.test: $(method_of a.test a.test)"
[ "$(method_of a.test '*.a.test')" = dns-01 ] || fail "*.a.test: $(method_of a.test '*.a.test')"
[ "$(method_of a.test internal.a.test)" = dns-01 ] || fail "internal.a.test: $(method_of a.test internal.a.test)"
pass "http-01 for the apex, dns-01 for the wildcard and the overridden name"

serial=$(lineage_serial a.test)
ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
[ "$(lineage_serial a.test)" != "$serial" ] || fail "renew kept serial $serial"
assert_no_challenge_records a.test internal.a.test
pass "renewed with the stored methods"

mapfile -t ca < <(ca_flags)
for method in --standalone "--tls-alpn=127.0.0.1:$CERTKEEP_TLSALPN_PORT"; do
  if ck issue "${ca[@]}" "$method" -d '*.a.test' --name refused >"$TEST_DIR/out" 2>"$TEST_DIR/err"; then
    fail "a wildcard with $method was accepted"
  fi
  grep -q 'wildcard needs the dns-01 challenge' "$TEST_DIR/err" || fail "no clear refusal: $(cat "$TEST_DIR/err")"
  [ -z "$(lineage_serial refused)" ] || fail "a refused wildcard left a lineage"
  [ "$(ck list --json | jq '[.lineages[] | select(.name == "refused")] | length')" = 0 ] || fail "refused lineage stored"
done
pass "a wildcard without dns-01 is refused before anything is stored"
