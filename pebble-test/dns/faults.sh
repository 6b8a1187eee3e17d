#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# labels: faults
# pebble-cost: 50
# DNS faults, each a clear error with the server's rcode, exit 1, no certificate, no order left
# pending and no record left behind: a wrong TSIG secret (BADSIG, naming the key), an unknown
# key (BADKEY), a zone that refuses updates (REFUSED), a zone BIND is not authoritative for
# (NOTAUTH), and a key file others can read.
source "$(dirname "$0")/dns-common.bash"

mapfile -t ca < <(ca_flags)
# expect_refusal NAME PATTERN ISSUE-ARGS...: issue fails with PATTERN on stderr and leaves nothing.
expect_refusal() {
  local name=$1 pattern=$2 status=0
  shift 2
  ck issue "${ca[@]}" --name "$name" "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || status=$?
  [ "$status" = 1 ] || fail "$name: exit $status, want 1: $(cat "$TEST_DIR/err")"
  grep -qE -- "$pattern" "$TEST_DIR/err" || fail "$name: no '$pattern' in: $(cat "$TEST_DIR/err")"
  [ -z "$(lineage_serial "$name")" ] || fail "$name: a certificate was stored"
  [ "$(store_query "SELECT COUNT(*) FROM orders WHERE lineage = '$name';")" = 0 ] || fail "$name: an order was left pending"
  [ "$(pending_records)" = 0 ] || fail "$name: the store lists DNS records"
}

bad_key=$TEST_DIR/wrong-secret.key
sed 's/secret ".*"/secret "ZmFrZXNlY3JldGZha2VzZWNyZXRmYWtlc2VjcmV0MTI="/' "$BIND_KEY_FILE" >"$bad_key"
chmod 600 "$bad_key"
expect_refusal badsig "BADSIG.*\"$BIND_KEY_NAME\"|\"$BIND_KEY_NAME\".*BADSIG" -d www.a.test \
  --dns-rfc2136 "$BIND_SERVER" --tsig-key "$bad_key"
grep -q "$bad_key" "$TEST_DIR/err" || fail "the BADSIG error does not name the key file"
pass "wrong secret: BADSIG naming the key, nothing ordered"

unknown_key=$TEST_DIR/unknown.key
tsig-keygen nobody-knows-me >"$unknown_key"
chmod 600 "$unknown_key"
expect_refusal badkey 'BADKEY.*nobody-knows-me|nobody-knows-me.*BADKEY' -d www.a.test \
  --dns-rfc2136 "$BIND_SERVER" --tsig-key "$unknown_key"
pass "unknown key: BADKEY"

mapfile -t dns < <(dns_flags)
expect_refusal refused 'REFUSED' -d www.refused.test "${dns[@]}"
expect_refusal notauth 'NOTAUTH' -d www.notauth.test "${dns[@]}"
pass "REFUSED and NOTAUTH named"

chmod 644 "$unknown_key"
status=0
ck issue "${ca[@]}" -d www.a.test --dns-rfc2136 "$BIND_SERVER" --tsig-key "$unknown_key" >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 2 ] || fail "a world-readable key file: exit $status, want 2"
grep -q 'chmod 600' "$TEST_DIR/err" || fail "no chmod hint: $(cat "$TEST_DIR/err")"
pass "a key file others can read is refused before anything is stored"
