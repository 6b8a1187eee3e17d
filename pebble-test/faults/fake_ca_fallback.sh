#!/usr/bin/env bash
# pebble-env: PEBBLE_SECOND=1 PEBBLE_AUTHZREUSE=0
# pebble-cost: 12
# The fallback rule against a FAKE CA (fake_ca_proxy.py in front of the first Pebble) with a
# real second Pebble as the fallback: a rate limit (429 rateLimited with Retry-After) is the CA
# asking to wait, so the retry is scheduled at the same CA at its Retry-After and nothing falls
# over; a refusal (403 unauthorized) is not worth retrying there, so the renewal falls over at
# once (with the default fallback_after of a day), the event naming both CAs and the refusal.
source "$(dirname "$0")/fault-common.bash"
: "${CERTKEEP_TEST_DIRECTORY_URL_2:?needs PEBBLE_SECOND=1}"

NAME=fallback.example.com
second=$CERTKEEP_TEST_DIRECTORY_URL_2
start_fake_ca
issue_fake_ca -d "$NAME" --fallback "$second,ca-bundle=$CERTKEEP_TEST_CA_BUNDLE_2" >/dev/null 2>"$TEST_DIR/err" ||
  fail "issue: $(cat "$TEST_DIR/err")"
[ "$(ck show --json "$NAME" | jq -r .lineage.issued_by)" = "$FAKE_CA_URL" ] || fail "not issued by the fake CA"

fake_ca_fault new-order status:429 retry_after=3600
run_ck renew --force --name "$NAME"
[ "$RUN_STATUS" = 1 ] || fail "429: renew exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
grep -q "rateLimited" "$TEST_DIR/run.err" || fail "429: the CA's problem is not shown: $(cat "$TEST_DIR/run.err")"
[ "$(event_count "$NAME" fell_back)" = 0 ] || fail "429: the lineage fell over"
[ "$(ck show --json "$NAME" | jq -r .lineage.issued_by)" = "$FAKE_CA_URL" ] || fail "429: the issuer changed"
in=$(next_attempt_in "$NAME")
if [ -z "$in" ] || ((in < 3500 || in > 3700)); then
  fail "429: next attempt in '${in}' s, want the Retry-After (3600 s)"
fi
pass "429 rateLimited: a retry at the same CA at its Retry-After, no fall-over"

fake_ca_fault new-order status:403
run_ck renew --force --name "$NAME"
[ "$RUN_STATUS" = 0 ] || fail "403: renew exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
[ "$(ck show --json "$NAME" | jq -r .lineage.issued_by)" = "$second" ] || fail "403: not issued by the second CA"
detail=$(ck show --json --events 0 "$NAME" | jq -r '[.events[] | select(.kind == "fell_back")] | last | .detail')
[[ $detail == *"$FAKE_CA_URL"*"unauthorized"*"$second"* ]] || fail "403: the event does not name both CAs and the refusal: $detail"
openssl verify -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT_2" -untrusted "$STATE/live/$NAME/chain.pem" \
  "$STATE/live/$NAME/cert.pem" >/dev/null || fail "403: the certificate does not chain to the second Pebble"
assert_store_ok
pass "403 unauthorized: fell over at once to the second CA; the event names both"
