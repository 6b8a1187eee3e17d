#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 10
# IP address certificates (RFC 8738): `-d 127.0.0.1` becomes an "ip" identifier validated by
# HTTP-01 at the address itself (Pebble's validator dials 127.0.0.1:<httpPort>, Host
# 127.0.0.1), the certificate carries it as an iPAddress SAN (no DNS name), and renews
# the same way; with ::1 on the box, the same for IPv6, written in any form and stored in the
# canonical one (the lineage of ::1 is "__1": a file name has no colons).
source "$(dirname "$0")/../cli-common.sh"

# The iPAddress (or dNSName) entries of a certificate's SAN, one per line, sorted.
ip_sans() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr ',' '\n' |
    sed -n -E 's/^ *IP Address://p' | sort
}
dns_sans() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr ',' '\n' |
    sed -n -E 's/^ *DNS://p' | sort
}

issue -d 127.0.0.1 >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue -d 127.0.0.1 exited $?: $(cat "$TEST_DIR/err")"
live="$STATE/live/127.0.0.1"
[ "$(ip_sans "$live/cert.pem")" = 127.0.0.1 ] || fail "the certificate's IP SANs are '$(ip_sans "$live/cert.pem")'"
[ -z "$(dns_sans "$live/cert.pem")" ] || fail "an IP certificate carries DNS names: $(dns_sans "$live/cert.pem")"
openssl verify -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null ||
  fail "the chain does not verify"
[ "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$live/privkey.pem" -pubout)" ] ||
  fail "the key does not match"
grep -q '127.0.0.1' "$TEST_DIR/out" || fail "no result line"
pass "IPv4 certificate for 127.0.0.1 by HTTP-01"

serial=$(serial_of "$live/cert.pem")
ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew --force: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$live/cert.pem")" != "$serial" ] || fail "renew did not replace the IP certificate"
[ "$(ip_sans "$live/cert.pem")" = 127.0.0.1 ] || fail "the renewed certificate lost its IP SAN"
pass "IPv4 certificate renewed"

# A mixed certificate: a DNS name and an address.
issue -d mixed.example.com -d 127.0.0.1 --name mixed >/dev/null 2>"$TEST_DIR/err" ||
  fail "issue of a DNS name with an address: $(cat "$TEST_DIR/err")"
[ "$(ip_sans "$STATE/live/mixed/cert.pem")" = 127.0.0.1 ] || fail "the mixed certificate has no IP SAN"
[ "$(dns_sans "$STATE/live/mixed/cert.pem")" = mixed.example.com ] || fail "the mixed certificate has no DNS SAN"
pass "a DNS name and an IP address in one certificate"

if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
  mapfile -t v6_flags < <(pebble_flags | sed "s|127.0.0.1:$CERTKEEP_HTTP01_PORT|[::1]:$CERTKEEP_HTTP01_PORT|")
  # Written long-hand: stored, ordered and named in its canonical form "::1".
  ck issue "${v6_flags[@]}" -d 0:0:0:0:0:0:0:1 >"$TEST_DIR/out6" 2>"$TEST_DIR/err6" ||
    fail "issue -d 0:0:0:0:0:0:0:1 exited $?: $(cat "$TEST_DIR/err6")"
  name=$(ck list --json | jq -r '.lineages[] | select(.names == ["::1"]) | .name')
  [ "$name" = __1 ] || fail "the lineage for ::1 is '$name', want __1 (':' cannot be in a file name): $(ck list --json)"
  [ "$(ip_sans "$STATE/live/$name/cert.pem")" = "0:0:0:0:0:0:0:1" ] ||
    fail "the IPv6 certificate's SANs are '$(ip_sans "$STATE/live/$name/cert.pem")'"
  pass "IPv6 certificate for ::1 by HTTP-01 (lineage $name)"
else
  echo "no IPv6 loopback on this machine: the IPv6 part is not run"
fi
assert_store_ok
