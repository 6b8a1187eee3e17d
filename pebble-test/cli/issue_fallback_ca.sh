#!/usr/bin/env bash
# pebble-env: PEBBLE_SECOND=1 PEBBLE_AUTHZREUSE=0
# pebble-cost: 15
# A fallback CA through two real Pebbles (the second on its own ports and with its own roots).
# Lineages name the second as their fallback (`--fallback URL,ca-bundle=FILE`) and are issued by
# the first while it is up; `show` says which issued. Then the first is stopped:
#  - with the default --fallback-after (a day), a renewal fails at the first CA and schedules a
#    retry there: no fall-over yet;
#  - a day later (libfaketime) the same renewal falls over to the second;
#  - with --fallback-after 0 the renewal falls over at once;
# each fall-over is a fell_back event naming both CAs, the certificate chains to the second
# Pebble's root, `show` names the second as its issuer, and the second CA has its own account.
source "$(dirname "$0")/../cli-common.sh"
: "${CERTKEEP_TEST_DIRECTORY_URL_2:?needs PEBBLE_SECOND=1}"

first=$CERTKEEP_TEST_DIRECTORY_URL second=$CERTKEEP_TEST_DIRECTORY_URL_2
fallback="$second,ca-bundle=$CERTKEEP_TEST_CA_BUNDLE_2"
issue -d patient.example.com --fallback "$fallback" >/dev/null 2>"$TEST_DIR/err" || fail "issue patient: $(cat "$TEST_DIR/err")"
issue -d eager.example.com --fallback "$fallback" --fallback-after 0 >/dev/null 2>"$TEST_DIR/err" ||
  fail "issue eager: $(cat "$TEST_DIR/err")"
for name in patient.example.com eager.example.com; do
  [ "$(ck show --json "$name" | jq -r .lineage.issued_by)" = "$first" ] || fail "$name was not issued by the first CA"
done
ck show eager.example.com | grep -qE "fallback 1: +$second" || fail "show does not list the fallback: $(ck show eager.example.com)"
pass "issued by the first CA while it is up; the fallback listed"

pt_pebble_stop "$PEBBLE_RUN_DIR"
status=0
ck renew --force --name patient.example.com >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 1 ] || fail "patient: renew with the first CA down exited $status: $(cat "$TEST_DIR/err")"
[ "$(event_count patient.example.com fell_back)" = 0 ] || fail "patient fell over before fallback_after"
[ "$(ck show --json patient.example.com | jq -r .lineage.issued_by)" = "$first" ] || fail "patient changed issuer"
[ -n "$(ck show --json patient.example.com | jq -r '.lineage.next_attempt_at // empty')" ] || fail "no retry scheduled"
pass "first CA unreachable, within fallback_after: a retry at the same CA, no fall-over"

check_fell_over() {
  local name=$1 detail
  [ "$(ck show --json "$name" | jq -r .lineage.issued_by)" = "$second" ] || fail "$name: show does not name the second CA"
  ck show "$name" | grep -qE "issued by: +$second" || fail "$name: show (text) does not say which CA issued"
  detail=$(ck show --json --events 0 "$name" | jq -r '[.events[] | select(.kind == "fell_back")] | last | .detail')
  [[ $detail == *"$first"*"$second"* ]] || fail "$name: the fell_back event does not name both CAs: $detail"
  openssl verify -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT_2" -untrusted "$STATE/live/$name/chain.pem" \
    "$STATE/live/$name/cert.pem" >/dev/null || fail "$name: the certificate does not chain to the second Pebble"
}
ck renew --force --name eager.example.com >/dev/null 2>"$TEST_DIR/err" ||
  fail "eager: renew with the first CA down: $(cat "$TEST_DIR/err")"
check_fell_over eager.example.com
[ "$(ck account list --json | jq -r '[.accounts[].server] | unique | length')" = 2 ] ||
  fail "no account of its own at the second CA: $(ck account list --json)"
pass "--fallback-after 0: the second CA issued at once; the event names both"

in_future +25h renew --force --name patient.example.com >/dev/null 2>"$TEST_DIR/err" ||
  fail "patient a day later: $(cat "$TEST_DIR/err")"
check_fell_over patient.example.com
assert_store_ok
pass "unreachable past fallback_after: the second CA issued"
