#!/usr/bin/env bash
# pebble-env: PEBBLE_EAB=1
# pebble-cost: 12
# A CA that requires External Account Binding (Pebble with externalAccountBindingRequired and
# the pebble package's example MAC keys kid-1 and kid-2):
#  - no binding: a clear error naming the flags, exit 2, after the directory and no other request;
#  - a wrong MAC key: Pebble's refusal shown, exit 1, nothing issued;
#  - the right key from a file (0600), from CERTKEEP_EAB_HMAC_KEY, and HS512 on the command line:
#    certificates issued, and renewed with the bound account;
#  - the MAC key never appears in any output, `show --json`, `list --json` or the events.
source "$(dirname "$0")/../cli-common.sh"
: "${CERTKEEP_TEST_EAB_KID:?needs PEBBLE_EAB=1}"

# No binding: refused before any request but the directory's GET (--stats counts them).
run_issue() {
  local status=0
  issue "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || status=$?
  echo "$status"
}
status=$(run_issue -d no-eab.example.com)
[ "$status" = 2 ] || fail "issue without EAB exited $status, want 2: $(cat "$TEST_DIR/err")"
grep -q "requires External Account Binding" "$TEST_DIR/err" || fail "no clear EAB error: $(cat "$TEST_DIR/err")"
grep -q -- "--eab-kid" "$TEST_DIR/err" || fail "the error does not name the flags"
mapfile -t flags < <(pebble_flags)
ck --stats issue "${flags[@]}" -d no-eab.example.com >/dev/null 2>"$TEST_DIR/stats.err" || true
grep -q "certkeep-stats: requests=1 " "$TEST_DIR/stats.err" ||
  fail "a run without EAB sent more than the directory request: $(grep certkeep-stats "$TEST_DIR/stats.err")"
[ ! -e "$STATE/live/no-eab.example.com" ] || fail "something was deployed without an account"
pass "no binding: a clear error, exit 2, only the directory fetched"

# A wrong MAC key (kid-2's key under kid-1): Pebble's own words.
status=$(run_issue -d wrong.example.com --eab-kid "$CERTKEEP_TEST_EAB_KID" --eab-hmac-key "$CERTKEEP_TEST_EAB_HMAC_KEY_2")
[ "$status" = 1 ] || fail "issue with a wrong MAC key exited $status: $(cat "$TEST_DIR/err")"
grep -q "external account binding JWS verification error" "$TEST_DIR/err" ||
  fail "Pebble's refusal is not shown: $(cat "$TEST_DIR/err")"
[ ! -e "$STATE/live/wrong.example.com" ] || fail "a certificate was deployed with a wrong MAC key"
pass "a wrong MAC key: Pebble's refusal shown, exit 1"

# The right key from a 0600 file: issued; renewed with the bound account.
key_file="$TEST_DIR/eab.key"
(umask 077 && printf '%s\n' "$CERTKEEP_TEST_EAB_HMAC_KEY" >"$key_file")
issue -d eab.example.com --eab-kid "$CERTKEEP_TEST_EAB_KID" --eab-hmac-key-file "$key_file" \
  >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue with EAB from a file: $(cat "$TEST_DIR/err")"
assert_live eab.example.com eab.example.com
grep -qi "readable by others" "$TEST_DIR/err" && fail "a 0600 key file was called readable"
serial=$(serial_of "$STATE/live/eab.example.com/cert.pem")
ck renew --force --name eab.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$STATE/live/eab.example.com/cert.pem")" != "$serial" ] || fail "renew did not replace the certificate"
pass "the right key from a file: issued and renewed"

# From the environment, into a second state directory (a new account), with a readable file warned about.
STATE="$TEST_DIR/state-env"
# The deploy hook records its environment: the variable is gone once certkeep has read it.
CERTKEEP_EAB_HMAC_KEY=$CERTKEEP_TEST_EAB_HMAC_KEY issue -d env.example.com --eab-kid "$CERTKEEP_TEST_EAB_KID" \
  --deploy-hook "env >'$TEST_DIR/hook.env'" \
  >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue with the key in CERTKEEP_EAB_HMAC_KEY: $(cat "$TEST_DIR/err")"
assert_live env.example.com env.example.com
[ -s "$TEST_DIR/hook.env" ] || fail "the deploy hook did not run"
grep -q '^CERTKEEP_SERIAL=' "$TEST_DIR/hook.env" || fail "the hook's environment was not recorded"
# (The harness's own CERTKEEP_TEST_ variables hold the key too, and are not certkeep's doing.)
! grep -v '^CERTKEEP_TEST_' "$TEST_DIR/hook.env" | grep -qF "$CERTKEEP_TEST_EAB_HMAC_KEY" ||
  fail "the deploy hook inherited the MAC key: $(grep -v '^CERTKEEP_TEST_' "$TEST_DIR/hook.env" | grep -F "$CERTKEEP_TEST_EAB_HMAC_KEY" | cut -d= -f1)"
pass "the right key from CERTKEEP_EAB_HMAC_KEY, not passed on to the hook"

STATE="$TEST_DIR/state-hs512"
chmod 644 "$key_file"
issue -d hs512.example.com --eab-kid "$CERTKEEP_TEST_EAB_KID" --eab-hmac-key-file "$key_file" --eab-alg hs512 \
  >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue with HS512: $(cat "$TEST_DIR/err")"
assert_live hs512.example.com hs512.example.com
grep -q "readable by others" "$TEST_DIR/err" || fail "a world-readable key file was not warned about"
pass "HS512, and a readable key file warned about"

# The MAC key is nowhere in what certkeep prints or records.
for state in "$TEST_DIR/state" "$TEST_DIR/state-env" "$TEST_DIR/state-hs512"; do
  STATE=$state
  for name in $(ck list --json | jq -r '.lineages[].name'); do
    ck show --json --events 0 "$name"
    ck show "$name"
  done >"$TEST_DIR/printed" 2>&1
  ck list >>"$TEST_DIR/printed" 2>&1
  ck list --json >>"$TEST_DIR/printed" 2>&1
  ! grep -qF "$CERTKEEP_TEST_EAB_HMAC_KEY" "$TEST_DIR/printed" "$TEST_DIR/out" "$TEST_DIR/err" ||
    fail "the MAC key appears in certkeep's output"
done
pass "the MAC key is never printed"
