#!/usr/bin/env bash
# pebble-cost: 45
# The migration path from certbot: a real `certbot certonly` (Debian's certbot) against Pebble
# makes a configuration directory with two lineages (ECDSA and RSA-3072, standalone, one with a
# deploy hook); `certkeep import --from-certbot DIR` adopts both with certbot's account, serves
# the same certificates, and renews them with that account (no new registration). A directory
# with a missing certificate, a broken account key or an authenticator certkeep lacks imports
# nothing and names the file.
source "$(dirname "$0")/../cli-common.sh"

command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps.sh installs it)"
CB="$TEST_DIR/certbot"
certbot_issue() {
  REQUESTS_CA_BUNDLE="$CERTKEEP_TEST_CA_BUNDLE" certbot certonly --standalone --non-interactive --agree-tos \
    -m ops@example.com --server "$CERTKEEP_TEST_DIRECTORY_URL" --http-01-port "$CERTKEEP_HTTP01_PORT" \
    --http-01-address 127.0.0.1 --config-dir "$CB/config" --work-dir "$CB/work" --logs-dir "$CB/logs" "$@" \
    >>"$TEST_DIR/certbot.out" 2>&1 || fail "certbot certonly $*: $(tail -n 20 "$TEST_DIR/certbot.out")"
}
certbot_issue -d one.example.com --deploy-hook "echo one deployed"
certbot_issue -d two.example.com -d www.two.example.com --key-type rsa --rsa-key-size 3072
account_url=$(jq -r .uri "$CB"/config/accounts/*/*/*/regr.json)
[ -n "$account_url" ] || fail "certbot left no account"

# ---- broken directories import nothing --------------------------------------------------------
# broken WHAT PATTERN SETUP: a copy of the directory changed by SETUP is refused.
broken() {
  local what=$1 pattern=$2 setup=$3 copy="$TEST_DIR/broken"
  rm -rf "$copy"
  cp -a "$CB/config" "$copy"
  # The confs name absolute paths inside the original directory: point them at the copy.
  sed -i "s|$CB/config|$copy|g" "$copy"/renewal/*.conf
  (cd "$copy" && eval "$setup")
  if ck import --from-certbot "$copy" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" >"$TEST_DIR/out" 2>&1; then fail "$what: the import succeeded"; fi
  grep -qE -- "$pattern" "$TEST_DIR/out" || fail "$what: the error does not match /$pattern/: $(cat "$TEST_DIR/out")"
  [ "$(ck list --json | jq ".lineages | length")" = 0 ] || fail "$what: something was imported: $(ck list)"
  [ "$(store_query 'SELECT count(*) FROM accounts')" = 0 ] || fail "$what: an account was stored"
  echo "refused ($what): $(grep -m1 error: "$TEST_DIR/out")"
}
broken "a missing certificate" "archive/two.example.com/cert1.pem.*cannot read it|live/two.example.com/cert.pem: cannot read it" \
  'rm archive/two.example.com/cert1.pem'
broken "a broken account key" "private_key.json" 'echo "{}" >accounts/*/*/*/private_key.json'
broken "an authenticator certkeep lacks" "authenticator nginx is not one certkeep has" \
  'sed -i "s/^authenticator = standalone/authenticator = nginx/" renewal/two.example.com.conf'
broken "not a certbot directory" "no \\*.conf" 'rm renewal/*.conf'
pass "a broken certbot directory imports nothing and the error names the file"

# ---- the real import -------------------------------------------------------------------------
ck import --from-certbot "$CB/config" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" >"$TEST_DIR/out" 2>&1 || fail "import --from-certbot: $(cat "$TEST_DIR/out")"
grep -q "2 lineage(s) adopted" "$TEST_DIR/out" || fail "import output: $(cat "$TEST_DIR/out")"
grep -q "RENEWED_LINEAGE" "$TEST_DIR/out" || fail "the hook note is missing: $(cat "$TEST_DIR/out")"
for name in one.example.com two.example.com; do
  cmp -s "$STATE/live/$name/cert.pem" "$CB/config/live/$name/cert.pem" || fail "$name: live/ is not certbot's certificate"
  [ "$(lineage_field "$name" status)" = valid ] || fail "$name: status $(lineage_field "$name" status)"
  [ "$(lineage_field "$name" issuer_kind)" = acme ] || fail "$name is not an ACME lineage"
  [ "$(event_count "$name" migrated)" = 1 ] || fail "$name: no migrated event"
done
assert_live two.example.com two.example.com www.two.example.com
[ "$(lineage_field one.example.com key_type)" = ec256 ] || fail "one: key type $(lineage_field one.example.com key_type)"
[ "$(lineage_field two.example.com key_type)" = rsa3072 ] || fail "two: key type $(lineage_field two.example.com key_type)"
[ "$(lineage_field one.example.com deploy_hook)" = "echo one deployed" ] || fail "the deploy hook was not kept"
[ "$(lineage_field one.example.com challenge)" = standalone ] || fail "the authenticator was not kept"
[ "$(store_query 'SELECT count(*) FROM accounts')" = 1 ] || fail "one certbot account should make one certkeep account"
[ "$(store_query 'SELECT account_url FROM accounts')" = "$account_url" ] || fail "the account URL is not certbot's"
if ck import --from-certbot "$CB/config" >"$TEST_DIR/out" 2>&1; then fail "a second import over the same lineages succeeded"; fi
grep -q "already has a lineage" "$TEST_DIR/out" || fail "second import: $(cat "$TEST_DIR/out")"
pass "import --from-certbot adopts both lineages: certificates, key types, hook, authenticator and certbot's account"

# ---- certkeep renews them with certbot's account ------------------------------------------------
before_one=$(lineage_serial one.example.com)
before_two=$(lineage_serial two.example.com)
ck renew --force >"$TEST_DIR/out" 2>&1 || fail "renew of the adopted lineages: $(cat "$TEST_DIR/out")"
[ "$(lineage_serial one.example.com)" != "$before_one" ] || fail "one.example.com was not renewed"
[ "$(lineage_serial two.example.com)" != "$before_two" ] || fail "two.example.com was not renewed"
assert_live one.example.com one.example.com
openssl x509 -in "$STATE/live/two.example.com/cert.pem" -noout -text | grep -q "Public-Key: (3072 bit)" ||
  fail "the renewed two.example.com key is not RSA-3072"
[ "$(store_query 'SELECT count(*) FROM accounts')" = 1 ] || fail "renewal registered a new account"
[ "$(store_query 'SELECT account_url FROM accounts')" = "$account_url" ] || fail "the account changed"
[ "$(event_count one.example.com hook_succeeded)" -ge 1 ] || fail "the kept hook did not run"
pass "certkeep renews the adopted lineages with certbot's account, its key types and its hook"
