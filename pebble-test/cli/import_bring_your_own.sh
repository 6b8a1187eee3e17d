#!/usr/bin/env bash
# pebble-cost: 15
# Bring your own certificate: `certkeep import` accepts a good certificate, key and chain made by
# openssl, deploys and hooks it like any other lineage, never renews it, warns as its end nears
# (list, the daemon's log, one event, renew's exit code 1), and replaces it on a second import.
# Each bad input is refused with an error naming the file and what is wrong, and changes nothing.
source "$(dirname "$0")/../cli-common.sh"

PKI="$TEST_DIR/pki"
mkdir -p "$PKI"
# A root, an intermediate it signs, and leaves the intermediate signs (DAYS of life).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/root.key" -out "$PKI/root.pem" \
  -subj "/CN=BYO Root" -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/int.key" -out "$PKI/int.csr" -subj "/CN=BYO Intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >"$PKI/int.ext"
openssl x509 -req -in "$PKI/int.csr" -CA "$PKI/root.pem" -CAkey "$PKI/root.key" -CAcreateserial -days 30 \
  -extfile "$PKI/int.ext" -out "$PKI/int.pem" 2>/dev/null
# make_leaf NAME DAYS [faketime offset]: $PKI/NAME.{key,pem}
make_leaf() {
  local leaf=$1 days=$2 settings=""
  [ -z "${3:-}" ] || settings=$(future_env "$3")
  printf 'subjectAltName=DNS:%s,DNS:www.%s\n' "$leaf" "$leaf" >"$PKI/$leaf.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$leaf.key" -out "$PKI/$leaf.csr" \
    -subj "/CN=$leaf" 2>/dev/null
  # shellcheck disable=SC2086 # one assignment per line, none with spaces
  env $settings openssl x509 -req -in "$PKI/$leaf.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" -CAcreateserial \
    -days "$days" -extfile "$PKI/$leaf.ext" -out "$PKI/$leaf.pem" 2>/dev/null
}
make_leaf byo.example 60
make_leaf other.example 60
make_leaf expired.example 10 -30d

# ---- bad input: each refused, naming the file, nothing stored ------------------------------
# refused WHAT PATTERN ARGS...: `import ARGS` exits 1 with an error matching PATTERN.
refused() {
  local what=$1 pattern=$2
  shift 2
  if ck import "$@" >"$TEST_DIR/out" 2>&1; then fail "$what: import accepted it"; fi
  grep -qE -- "$pattern" "$TEST_DIR/out" || fail "$what: the error does not match /$pattern/: $(cat "$TEST_DIR/out")"
  [ ! -e "$STATE/live/bad" ] || fail "$what: live/bad was written"
  [ "$(ck list --json | jq ".lineages | length")" = 0 ] || fail "$what: a lineage was stored: $(ck list)"
  echo "refused ($what): $(grep -m1 error: "$TEST_DIR/out")"
}
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' >"$PKI/garbage.pem"
openssl pkey -in "$PKI/byo.example.key" -aes256 -passout pass:secret -out "$PKI/encrypted.key" 2>/dev/null
cat "$PKI/root.pem" "$PKI/int.pem" >"$PKI/reversed.pem"
refused "garbage PEM" "--cert $PKI/garbage.pem: no PEM certificate" bad --cert "$PKI/garbage.pem" --key "$PKI/byo.example.key"
refused "missing file" "--cert $PKI/none.pem: cannot read it" bad --cert "$PKI/none.pem" --key "$PKI/byo.example.key"
refused "encrypted key" "--key $PKI/encrypted.key: the key is encrypted" bad --cert "$PKI/byo.example.pem" --key "$PKI/encrypted.key"
refused "key of another certificate" "--key $PKI/other.example.key: not the key of the certificate" \
  bad --cert "$PKI/byo.example.pem" --key "$PKI/other.example.key"
refused "reversed chain" "--chain $PKI/reversed.pem: the chain is out of order" \
  bad --cert "$PKI/byo.example.pem" --key "$PKI/byo.example.key" --chain "$PKI/reversed.pem"
refused "expired certificate" "--cert $PKI/expired.example.pem: the certificate expired on" \
  bad --cert "$PKI/expired.example.pem" --key "$PKI/expired.example.key" --chain "$PKI/int.pem"
pass "import refuses a garbage PEM, a missing file, an encrypted key, another certificate's key, a reversed chain and an expired certificate"

# ---- a good import ----------------------------------------------------------------------------
# shellcheck disable=SC2016 # the hook's shell expands these
hook='echo "$CERTKEEP_NAME $(openssl x509 -in "$CERTKEEP_CERT" -noout -serial)" >>'"$TEST_DIR/hook.log"
ck import byo --cert "$PKI/byo.example.pem" --key "$PKI/byo.example.key" --chain "$PKI/int.pem" \
  --deploy-hook "$hook" >"$TEST_DIR/out" 2>&1 || fail "import: $(cat "$TEST_DIR/out")"
live="$STATE/live/byo"
cmp -s "$live/cert.pem" "$PKI/byo.example.pem" || fail "live/byo/cert.pem is not the imported certificate"
openssl verify -CAfile "$PKI/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null || fail "the deployed chain does not verify"
[ "$(file_mode "$live/privkey.pem")" = 600 ] || fail "privkey.pem is not 0600"
[ "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$live/privkey.pem" -pubout)" ] || fail "the deployed key is not the certificate's"
serial1=$(serial_of "$live/cert.pem")
grep -qx "byo serial=$serial1" "$TEST_DIR/hook.log" || fail "the deploy hook did not run for the import: $(cat "$TEST_DIR/hook.log" 2>/dev/null)"
[ "$(lineage_field byo issuer_kind)" = imported ] || fail "show --json does not say imported"
[ "$(lineage_field byo status)" = imported ] || fail "status is $(lineage_field byo status)"
ck show --json byo | jq -e '.lineage.names == ["byo.example", "www.byo.example"]' >/dev/null || fail "the names are not the certificate's SANs"
[ "$(event_count byo imported)" = 1 ] || fail "no imported event"
ck renew >"$TEST_DIR/renew.out" 2>&1 || fail "renew with a fresh imported certificate exited $?: $(cat "$TEST_DIR/renew.out")"
if ck renew --force --name byo >"$TEST_DIR/renew.out" 2>&1; then fail "renew --force renewed an imported certificate"; fi
grep -q "imported certificate, which certkeep does not renew" "$TEST_DIR/renew.out" || fail "renew --force: $(cat "$TEST_DIR/renew.out")"
in_future +30d renew >"$TEST_DIR/renew.out" 2>&1 || fail "renew 30 days on (still outside the 14-day warning) exited $?"
[ "$(serial_of "$live/cert.pem")" = "$serial1" ] || fail "renew touched an imported certificate"
pass "import deploys a good pair and chain, runs the hook, and renew never renews it"

# ---- the warning: 50 days on, 10 are left (fewer than 14) --------------------------------------
status=0
in_future +50d renew >"$TEST_DIR/renew.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "renew with an expiring imported certificate exited $status, want 1: $(cat "$TEST_DIR/renew.out")"
grep -q "warning: byo: imported certificate $serial1 expires" "$TEST_DIR/renew.out" || fail "renew does not warn: $(cat "$TEST_DIR/renew.out")"
in_future +50d renew >/dev/null 2>&1 || true
[ "$(event_count byo expiring)" = 1 ] || fail "$(event_count byo expiring) expiring events, want one per serial"
in_future +50d list | grep "^byo " | grep -q "expiring" || fail "list does not flag the expiring certificate: $(in_future +50d list)"
# shellcheck disable=SC2046 # future_env prints one assignment per line
env $(future_env +50d) "$CERTKEEP_BIN" --state-dir "$STATE" daemon --recheck 60 >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")
wait_for_line --timeout-ms 20000 --pid "$daemon_pid" "$TEST_DIR/daemon.log" "byo: imported certificate $serial1 expires"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? on SIGTERM"
pass "fewer than 14 days left: renew warns and exits 1, list flags it, the daemon logs it, one event per serial"

# ---- a second import replaces it: a new archive version, live/ switched, the hook again ---------
make_leaf byo.example 90
cat "$PKI/byo.example.pem" "$PKI/int.pem" >"$PKI/byo-fullchain.pem"
ck import byo --cert "$PKI/byo-fullchain.pem" --key "$PKI/byo.example.key" --warn-days 30 >"$TEST_DIR/out" 2>&1 ||
  fail "the second import: $(cat "$TEST_DIR/out")"
serial2=$(serial_of "$live/cert.pem")
[ "$serial2" != "$serial1" ] || fail "live/byo was not switched to the new certificate"
openssl verify -CAfile "$PKI/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null || fail "the chain from the fullchain file does not verify"
[ "$(find "$STATE/archive/byo" -name cert.pem | wc -l)" = 2 ] || fail "archive/byo does not hold both versions"
grep -qx "byo serial=$serial2" "$TEST_DIR/hook.log" || fail "the hook did not run for the second import"
[ "$(ck show --json byo | jq .lineage.expiry_warning_days)" = 30 ] || fail "--warn-days was not stored"
ck renew >/dev/null 2>&1 || fail "renew after the replacement still fails"
ck ca init >/dev/null || fail "ca init failed"
ck issue --ca certkeep-ca -d own.internal >/dev/null || fail "private-CA issue failed"
if ck import own.internal --cert "$PKI/other.example.pem" --key "$PKI/other.example.key" >"$TEST_DIR/out" 2>&1; then
  fail "import replaced a lineage certkeep issues"
fi
grep -q "own.internal is issued by private-ca" "$TEST_DIR/out" || fail "import over another issuer: $(cat "$TEST_DIR/out")"
[ "$(lineage_field own.internal issuer_kind)" = private-ca ] || fail "the refused import changed own.internal"
assert_store_ok
pass "a second import replaces the certificate atomically, keeps the old version in archive/, and runs the hook"
