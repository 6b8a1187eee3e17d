#!/usr/bin/env bash
# pebble-cost: 30
# `certkeep account …` against Pebble: several accounts of one CA, each named; a lineage names
# the account it orders with and `show` says which; `rollover` changes the key at Pebble
# (keyChange) and the account keeps its URL and goes on ordering; `deactivate` asks (refused
# off a terminal without --yes), deactivates at Pebble, marks the lineages that used it, and a
# later use is refused before any request but the directory's, naming the account. A copy of
# the store from before the deactivation still believes in the account: Pebble's refusal is
# turned into the same clear error, and that store learns it. Keys are never printed.
source "$(dirname "$0")/../cli-common.sh"
mapfile -t server_flags < <(pebble_flags | head -4)  # --server URL --ca-bundle FILE

ck account register --name first "${server_flags[@]}" --agree-tos --email ops@example.com \
  >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "account register first: $(cat "$TEST_DIR/err")"
grep -q "account first registered: https://" "$TEST_DIR/out" || fail "no result line: $(cat "$TEST_DIR/out")"
ck account register --name second "${server_flags[@]}" --agree-tos --json >"$TEST_DIR/second.json" 2>"$TEST_DIR/err" ||
  fail "account register second: $(cat "$TEST_DIR/err")"
[ "$(jq -r .account.name "$TEST_DIR/second.json")" = second ] || fail "register --json: $(cat "$TEST_DIR/second.json")"
status=0
ck account register --name first "${server_flags[@]}" --agree-tos >/dev/null 2>"$TEST_DIR/err" || status=$?
if [ "$status" != 2 ] || ! grep -q "an account named first exists already" "$TEST_DIR/err"; then
  fail "a taken name: exit $status, $(cat "$TEST_DIR/err")"
fi
[ "$(ck account list --json | jq -r '[.accounts[].name] | join(",")')" = first,second ] || fail "list: $(ck account list --json)"
url_first=$(ck account show --json first | jq -r .account.account_url)
url_second=$(ck account show --json second | jq -r .account.account_url)
[[ $url_first == https://127.0.0.1:* && $url_first != "$url_second" ]] || fail "account URLs '$url_first' '$url_second'"
pass "two named accounts at one CA, listed and shown"

issue -d one.example.com --account first >/dev/null 2>"$TEST_DIR/err" || fail "issue --account first: $(cat "$TEST_DIR/err")"
issue -d two.example.com --account second >/dev/null 2>"$TEST_DIR/err" || fail "issue --account second: $(cat "$TEST_DIR/err")"
[ "$(ck show --json one.example.com | jq -r .lineage.account)" = first ] || fail "show does not name account first"
ck show two.example.com | grep -qE '^ *account: +second$' || fail "show (text) does not name account second: $(ck show two.example.com)"
[ "$(ck account show --json first | jq -r '.account.lineages | join(",")')" = one.example.com ] ||
  fail "account show first does not list its lineage: $(ck account show --json first)"
ck account list | grep -qE '^first +valid +1 ' || fail "account list: $(ck account list)"
pass "each lineage orders with the account it names; show and account show say so"

# Rollover: a new key at Pebble, the same account (URL), which goes on ordering.
thumb=$(ck account show --json first | jq -r .account.key_thumbprint)
ck account rollover first >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "account rollover: $(cat "$TEST_DIR/err")"
after=$(ck account show --json first)
[ "$(jq -r .account.key_thumbprint <<<"$after")" != "$thumb" ] || fail "the key did not change"
[ "$(jq -r .account.account_url <<<"$after")" = "$url_first" ] || fail "the account URL changed: $after"
[ "$(jq -r .account.rollover_pending <<<"$after")" = false ] || fail "a rollover is left pending: $after"
serial=$(serial_of "$STATE/live/one.example.com/cert.pem")
ck -v renew --force --name one.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew after rollover: $(cat "$TEST_DIR/err")"
[ "$(serial_of "$STATE/live/one.example.com/cert.pem")" != "$serial" ] || fail "no new certificate after rollover"
grep -q "registered" "$TEST_DIR/err" && fail "a new account was registered after the rollover: $(cat "$TEST_DIR/err")"
[ "$(ck account show --json first | jq -r .account.account_url)" = "$url_first" ] || fail "the renewal changed the account"
pass "rollover: new key, same account URL, Pebble takes orders signed with it"

# Deactivation: asked for; refused off a terminal without --yes.
cp -a "$STATE" "$TEST_DIR/state-copy"
status=0
ck account deactivate first </dev/null >/dev/null 2>"$TEST_DIR/err" || status=$?
if [ "$status" != 2 ] || ! grep -q -- "--yes" "$TEST_DIR/err"; then
  fail "deactivate without --yes: exit $status, $(cat "$TEST_DIR/err")"
fi
[ "$(ck account show --json first | jq -r .account.status)" = valid ] || fail "deactivated without confirmation"
ck account deactivate --yes first >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "deactivate --yes: $(cat "$TEST_DIR/err")"
grep -q "one.example.com" "$TEST_DIR/out" || fail "the lineages that used it are not named: $(cat "$TEST_DIR/out")"
[ "$(ck account show --json first | jq -r .account.status)" = deactivated ] || fail "the store does not say deactivated"
[ "$(event_count one.example.com account_deactivated)" = 1 ] || fail "the lineage has no account_deactivated event"
[ "$(event_count two.example.com account_deactivated)" = 0 ] || fail "the other account's lineage was marked"
pass "deactivate: confirmation needed, then done at Pebble and the lineage marked"

# Used again: refused before any request but the directory's, naming the account.
status=0
ck --stats renew --force --name one.example.com >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" != 0 ] || fail "renewing with a deactivated account succeeded"
grep -q "account first (.*) is deactivated" "$TEST_DIR/err" || fail "no clear error naming the account: $(cat "$TEST_DIR/err")"
grep -q "certkeep-stats: requests=1 " "$TEST_DIR/err" || fail "requests were sent: $(grep certkeep-stats "$TEST_DIR/err")"
ck renew --force --name two.example.com >/dev/null 2>"$TEST_DIR/err" || fail "the other account stopped working: $(cat "$TEST_DIR/err")"
pass "a deactivated account is refused before any request, naming it; the other still orders"

# A store that did not hear of it: Pebble refuses, the error names the account, the store learns.
STATE="$TEST_DIR/state-copy"
status=0
ck renew --force --name one.example.com >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" != 0 ] || fail "Pebble took an order from a deactivated account"
grep -q "account first (.*) is deactivated" "$TEST_DIR/err" || fail "Pebble's refusal is not explained: $(cat "$TEST_DIR/err")"
grep -q "urn:ietf:params:acme:error:unauthorized.*(HTTP 403)" "$TEST_DIR/err" || fail "Pebble's refusal is not shown: $(cat "$TEST_DIR/err")"
[ "$(ck account show --json first | jq -r .account.status)" = deactivated ] || fail "the copy did not record the deactivation"
pass "Pebble's refusal of a deactivated account: the same clear error, and recorded"

for state in "$TEST_DIR/state" "$TEST_DIR/state-copy"; do
  STATE=$state
  { ck account list; ck account list --json; ck account show first; ck account show --json first; } >"$TEST_DIR/printed" 2>&1
  grep -q "PRIVATE KEY" "$TEST_DIR/printed" && fail "an account key was printed"
done
assert_store_ok
pass "no key in any account output"
