#!/usr/bin/env bash
# pebble-cost: 8
# Bring your own CSR (`issue --csr FILE`), for keys held elsewhere (an HSM): the key is made by
# `openssl req` and never given to certkeep. The names are the CSR's; the certificate carries
# the CSR's public key; live/ has cert, chain and fullchain but no privkey.pem, and the store
# holds no certificate key; `renew --force` finalizes the same CSR again (same key, new serial).
# A file that is not a CSR, or a CSR with a bad name, is refused before anything changes.
source "$(dirname "$0")/../cli-common.sh"

key="$TEST_DIR/hsm.key" csr="$TEST_DIR/request.csr"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" \
  -subj "/CN=csr.example.com" -addext "subjectAltName=DNS:csr.example.com,DNS:www.csr.example.com" \
  -out "$csr" 2>/dev/null || fail "openssl req"
pubkey() { openssl x509 -in "$1" -noout -pubkey; }
want_pub=$(openssl pkey -in "$key" -pubout)

issue --csr "$csr" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue --csr: $(cat "$TEST_DIR/err")"
live="$STATE/live/csr.example.com"
[ "$(san_names "$live/cert.pem")" = "$(printf '%s\n' csr.example.com www.csr.example.com)" ] ||
  fail "the certificate's names are '$(san_names "$live/cert.pem")'"
[ "$(pubkey "$live/cert.pem")" = "$want_pub" ] || fail "the certificate does not carry the CSR's key"
for file in cert.pem chain.pem fullchain.pem; do [ -s "$live/$file" ] || fail "live/$file missing"; done
[ ! -e "$live/privkey.pem" ] || fail "a privkey.pem was written for a CSR's lineage"
openssl verify -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null ||
  fail "the chain does not verify"
[ "$(store_query "SELECT length(key_pem) FROM certificates WHERE name = 'csr.example.com'")" = 0 ] ||
  fail "the store holds a certificate key"
shown=$(ck show --json csr.example.com)
if [ "$(jq -r .lineage.csr <<<"$shown")" != true ] || [ -n "$(jq -r .lineage.key_path <<<"$shown")" ]; then
  fail "show does not say the key is the CSR owner's: $shown"
fi
pass "issued for the CSR with a key certkeep never saw"

serial=$(serial_of "$live/cert.pem")
ck renew --force --name csr.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$live/cert.pem")" != "$serial" ] || fail "renew did not replace the certificate"
[ "$(pubkey "$live/cert.pem")" = "$want_pub" ] || fail "the renewal did not reuse the CSR's key"
[ ! -e "$live/privkey.pem" ] || fail "the renewal wrote a privkey.pem"
pass "renewal finalizes the same CSR again"

printf 'not a CSR\n' >"$TEST_DIR/garbage.csr"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TEST_DIR/k2" \
  -subj "/CN=bad_name!.example.com" -out "$TEST_DIR/badname.csr" 2>/dev/null || fail "openssl req (bad name)"
for bad in garbage badname; do
  status=0
  issue --csr "$TEST_DIR/$bad.csr" >/dev/null 2>"$TEST_DIR/err" || status=$?
  [ "$status" = 2 ] || fail "$bad CSR: exit $status, want 2: $(cat "$TEST_DIR/err")"
  grep -q -- "--csr $TEST_DIR/$bad.csr" "$TEST_DIR/err" || fail "$bad CSR: the error does not name the file: $(cat "$TEST_DIR/err")"
done
[ "$(ck list --json | jq -r '.lineages | length')" = 1 ] || fail "a refused CSR left a lineage"
status=0
issue --csr "$csr" -d other.example.com >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 2 ] || fail "--csr with -d: exit $status"
assert_store_ok
pass "a bad CSR file is refused before anything changes"
