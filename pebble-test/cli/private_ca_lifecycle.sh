#!/usr/bin/env bash
# pebble-cost: 20
# certkeep's private CA (the "self-signed" way to terminate TLS), checked with openssl rather
# than our own parser: `ca init` refuses to overwrite, `ca export` prints the root and never the
# key, `issue --ca` signs leaves that `openssl verify` accepts with the promised extensions,
# `renew` and the daemon renew them by the 1/3 rule, and a rotation keeps every leaf verifiable
# while clients move to the new root. No ACME server is involved (Pebble is not asked).
source "$(dirname "$0")/../cli-common.sh"

ck ca init --name internal --cn "Internal Root" --key-type ec384 >"$TEST_DIR/init.out" 2>&1 ||
  fail "ca init: $(cat "$TEST_DIR/init.out")"
if ck ca init --name internal >"$TEST_DIR/again.out" 2>&1; then fail "a second ca init overwrote the CA"; fi
grep -q -- "--force" "$TEST_DIR/again.out" || fail "ca init over an existing CA does not point at --force: $(cat "$TEST_DIR/again.out")"
ck ca export internal >"$TEST_DIR/root1.pem" || fail "ca export failed"
ck ca export internal -o "$TEST_DIR/root1-file.pem" >/dev/null || fail "ca export -o failed"
cmp -s "$TEST_DIR/root1.pem" "$TEST_DIR/root1-file.pem" || fail "ca export -o wrote another bundle than stdout"
[ "$(grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/root1.pem")" = 1 ] || fail "ca export printed $(grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/root1.pem") certificates, want 1"
if grep -q "PRIVATE KEY" "$TEST_DIR/root1.pem"; then fail "ca export printed a key"; fi
openssl x509 -in "$TEST_DIR/root1.pem" -noout -subject | grep -q "CN = Internal Root" || fail "the root's CN is not the --cn given"
openssl x509 -in "$TEST_DIR/root1.pem" -noout -text | grep -q "CA:TRUE" || fail "the root is not a CA"
openssl x509 -in "$TEST_DIR/root1.pem" -noout -text | grep -q "NIST CURVE: P-384" || fail "the root's key is not P-384"
[ "$(file_mode "$STATE/certkeep.db")" = 600 ] || fail "the store holding the CA key is mode $(file_mode "$STATE/certkeep.db")"
if find "$STATE" -type f ! -name 'certkeep.db*' -exec grep -l "PRIVATE KEY" {} + | grep -v '/privkey.pem$' | grep -q .; then
  fail "a CA key was written outside the store"
fi
pass "ca init creates a P-384 root, refuses to overwrite it, and ca export prints the root alone"

name=svc.internal
ck issue --ca internal -d "$name" -d api.internal -d 10.0.0.7 --validity 1 >"$TEST_DIR/issue.out" 2>&1 ||
  fail "issue --ca: $(cat "$TEST_DIR/issue.out")"
cert="$STATE/live/$name/cert.pem"
openssl verify -CAfile "$TEST_DIR/root1.pem" "$cert" >/dev/null || fail "the leaf does not verify against ca export"
openssl verify -CAfile "$TEST_DIR/root1.pem" -untrusted "$STATE/live/$name/chain.pem" "$STATE/live/$name/fullchain.pem" >/dev/null ||
  fail "fullchain does not verify"
[ "$(openssl x509 -in "$cert" -noout -pubkey)" = "$(openssl pkey -in "$STATE/live/$name/privkey.pem" -pubout)" ] ||
  fail "privkey.pem is not the leaf's key"
[ "$(file_mode "$STATE/live/$name/privkey.pem")" = 600 ] || fail "privkey.pem is not 0600"
openssl x509 -in "$cert" -noout -text >"$TEST_DIR/leaf.txt"
for want in "CA:FALSE" "Digital Signature" "TLS Web Server Authentication" "X509v3 Subject Key Identifier" \
  "DNS:svc.internal, DNS:api.internal, IP Address:10.0.0.7"; do
  grep -qF "$want" "$TEST_DIR/leaf.txt" || fail "the leaf lacks \"$want\": $(cat "$TEST_DIR/leaf.txt")"
done
grep -A1 "Basic Constraints" "$TEST_DIR/leaf.txt" | head -1 | grep -q critical || fail "basicConstraints is not critical"
ski=$(openssl x509 -in "$TEST_DIR/root1.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
aki=$(grep -A1 "Authority Key Identifier" "$TEST_DIR/leaf.txt" | tail -n 1 | tr -d ' ' | sed 's/^keyid://')
{ [ -n "$ski" ] && [ "$aki" = "$ski" ]; } || fail "the leaf's AKI $aki is not the root's SKI $ski"
serial=$(serial_of "$cert")
{ [ "${#serial}" -ge 30 ] && [ "${#serial}" -le 32 ]; } || fail "serial $serial is not 128 bits"
case $serial in [0-7]*) ;; *) [ "${#serial}" -lt 32 ] || fail "serial $serial is negative" ;; esac
lifetime=$(($(date -d "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)" +%s) - $(date -d "$(openssl x509 -in "$cert" -noout -startdate | cut -d= -f2)" +%s)))
[ "$lifetime" = $((86400 + 60)) ] || fail "the leaf lives $lifetime s, want a day (and a minute of clock slack)"
[ "$(lineage_field "$name" issuer_kind)" = private-ca ] || fail "show --json does not name the private-ca issuer"
[ "$(lineage_field "$name" ca)" = internal ] || fail "show --json does not name the CA"
ck list | grep "^$name " | grep -q "private-ca: internal" || fail "list does not show the issuer: $(ck list)"
pass "issue --ca: a leaf openssl verifies, with CA:FALSE, serverAuth, digitalSignature, SKI/AKI, a 128-bit serial, SANs and the lifetime asked for"

# Not due yet; in 20 hours (past 2/3 of the day) `renew` renews it, still from the same root.
ck renew >"$TEST_DIR/renew.out" 2>&1 || fail "renew: $(cat "$TEST_DIR/renew.out")"
[ "$(serial_of "$cert")" = "$serial" ] || fail "renew renewed a leaf that was not due"
in_future +20h renew >"$TEST_DIR/renew.out" 2>&1 || fail "renew (in 20 h): $(cat "$TEST_DIR/renew.out")"
serial2=$(serial_of "$cert")
[ "$serial2" != "$serial" ] || fail "renew did not renew the due leaf: $(cat "$TEST_DIR/renew.out")"
openssl verify -no_check_time -CAfile "$TEST_DIR/root1.pem" "$cert" >/dev/null || fail "the renewed leaf does not verify"
[ "$(event_count "$name" renewed)" = 1 ] || fail "no renewed event"
pass "renew leaves a leaf alone until two thirds of its life have passed, then renews it"

# The daemon, 40 hours on, renews it again.
# shellcheck disable=SC2046 # future_env prints one assignment per line
env $(future_env +40h) "$CERTKEEP_BIN" --state-dir "$STATE" daemon --recheck 60 >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")
for _ in $(seq 1 200); do
  [ "$(serial_of "$cert")" != "$serial2" ] && break
  sleep 0.1
done
serial3=$(serial_of "$cert")
[ "$serial3" != "$serial2" ] || fail "the daemon did not renew the due leaf in 20 s: $(cat "$TEST_DIR/daemon.log")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? on SIGTERM: $(cat "$TEST_DIR/daemon.log")"
openssl verify -no_check_time -CAfile "$TEST_DIR/root1.pem" "$cert" >/dev/null || fail "the daemon's leaf does not verify"
pass "the daemon renews a private-CA leaf like an ACME one"

# Rotation: the next root is exported beside the current one before it signs anything.
ck ca rotate internal >"$TEST_DIR/rotate.out" 2>&1 || fail "ca rotate: $(cat "$TEST_DIR/rotate.out")"
ck ca export internal >"$TEST_DIR/both.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/both.pem")" = 2 ] || fail "after ca rotate, ca export does not print both roots"
openssl verify -no_check_time -CAfile "$TEST_DIR/both.pem" "$cert" >/dev/null || fail "the old leaf does not verify against the bundle"
ck issue --ca internal -d other.internal >/dev/null 2>&1 || fail "issue during the cross period failed"
openssl verify -CAfile "$TEST_DIR/root1.pem" "$STATE/live/other.internal/cert.pem" >/dev/null ||
  fail "the next root signed before it was activated"
ck ca rotate internal --activate >"$TEST_DIR/activate.out" 2>&1 || fail "ca rotate --activate: $(cat "$TEST_DIR/activate.out")"
grep -q "2 lineage(s) are due" "$TEST_DIR/activate.out" || fail "activate does not say both lineages are due: $(cat "$TEST_DIR/activate.out")"
ck ca export internal >"$TEST_DIR/after.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/after.pem")" = 2 ] || fail "the retired root left the export while leaves still chain to it"
in_future +40h renew >"$TEST_DIR/renew.out" 2>&1 || fail "renew after activation: $(cat "$TEST_DIR/renew.out")"
ck ca export internal >"$TEST_DIR/root2.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/root2.pem")" = 1 ] || fail "the retired root is still exported after every leaf moved"
! cmp -s "$TEST_DIR/root2.pem" "$TEST_DIR/root1.pem" || fail "the exported root did not change"
for lineage in "$name" other.internal; do
  openssl verify -no_check_time -CAfile "$TEST_DIR/root2.pem" "$STATE/live/$lineage/cert.pem" >/dev/null ||
    fail "$lineage was not renewed onto the new root"
done
ck ca list --json | jq -e '.cas | length == 2 and .[0].state == "active" and .[1].state == "retired"' >/dev/null ||
  fail "ca list --json: $(ck ca list --json)"
pass "ca rotate exports both roots, signs with the old until --activate, then moves every leaf and drops the old root"
