#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# C6 through the CLI: a FAKE CA (fake_ca_proxy.py in front of Pebble) answers 429 rateLimited or
# 503 serverInternal with Retry-After. certkeep's design (src/acme/client.cpp, issuance.cpp,
# lifecycle/retry_policy.cpp): a 429/503 is never retried within a run, on a POST, a POST-as-GET
# poll or the directory GET alike; the run fails at once with exit 1 and the problem shown, and
# the lineage's next attempt is scheduled no earlier than the CA's Retry-After (at least the
# backoff: 60 s after a first failure, at most a day). Retry-After on a *successful* poll sets
# the poll interval, which Pebble never sends. Each time the old files stay, the store is sound,
# the error is recorded, and the next run succeeds.
source "$(dirname "$0")/fault-common.bash"

NAME=ratelimited.example.com
start_fake_ca_with_lineage "$NAME"

# Checks the lineage's next attempt was LOW..HIGH seconds away when the last run ended (the
# checks between take seconds of a sanitized build on a loaded machine: they are added back).
expect_next_attempt() {
  local what=$1 low=$2 high=$3 in
  in=$(next_attempt_in "$NAME")
  [ -z "$in" ] || in=$((in + $(date +%s) - RUN_ENDED_S))
  echo "$what: next attempt in ${in:-(none)} s"
  if [ -z "$in" ] || ((in < low || in > high)); then
    fail "$what: next attempt in ${in:-(none)} s, want $low-$high s"
  fi
}

# 1. 429 on new-order, Retry-After two hours: fails at once (one new-order, no retry in the
# run), the problem and the Retry-After shown, the next attempt two hours away.
fake_ca_fault new-order status:429 retry_after=7200
run_ck renew --force
RUN_ENDED_S=$(date +%s)
assert_refused "429 on new-order" "$NAME" "$BEFORE" "$STORED" \
  'new-order: POST https://127\.0\.0\.1:[0-9]+/order-plz: .*urn:ietf:params:acme:error:rateLimited.*HTTP 429.*retry after 7200 s'
[ "$(fake_ca_fired)" = 1 ] || fail "429 on new-order: $(fake_ca_fired) new-order requests in one run, want 1 (no retry within a run)"
((RUN_MS < 10000)) || fail "429 on new-order took $(ms_to_s "$RUN_MS") s"
expect_next_attempt "429 on new-order" 7000 7300
[ "$(event_count "$NAME" renewed)" = 0 ] || fail "a renewal was recorded"
recover_and_renew "$NAME" "$NAME"
pass "429 rateLimited on new-order: exit 1, Retry-After shown and scheduled, old files kept; next run succeeds"

# 2. 503 on the order poll (a POST-as-GET), Retry-After 1 s, for one request only: certkeep
# does not retry the poll within the run, so it fails; the next attempt is the first backoff
# step (60 s, longer than the Retry-After). Then the same fault, exhausted, passes through and
# the next run succeeds.
fake_ca_fault order status:503 retry_after=1 times=1
run_ck renew --force
RUN_ENDED_S=$(date +%s)
assert_refused "503 on the order poll" "$NAME" "$BEFORE" "$STORED" \
  'poll order: POST https://127\.0\.0\.1:[0-9]+/my-order/[^:]*: .*urn:ietf:params:acme:error:serverInternal.*HTTP 503.*retry after 1 s'
expect_next_attempt "503 on the order poll" 50 70
# A temporary refusal keeps the order, so the next run resumes it instead of spending a new one.
[ "$(order_rows "$NAME")" = 1 ] || fail "503 on the order poll: the order row was not kept for resuming"
run_ck renew --force --name "$NAME"
[ "$RUN_STATUS" = 0 ] || fail "renew once the single 503 was spent exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
[ "$(fake_ca_fired)" = 1 ] || fail "the 503 fired $(fake_ca_fired) times, want 1"
[ "$(live_fingerprint "$NAME")" != "$BEFORE" ] || fail "the renewal after the 503 did not switch files"
assert_live "$NAME" "$NAME"
assert_store_ok
BEFORE=$(live_fingerprint "$NAME")
STORED=$(store_cert_state "$NAME")
pass "503 serverInternal on a poll: exit 1, not retried within the run, order kept, 60 s backoff; next run succeeds"

# 3. 503 on the directory, Retry-After two hours: fails at once naming the directory. The
# Retry-After is shown and scheduled like any other CA answer.
fake_ca_fault directory status:503 retry_after=7200
run_ck renew --force
RUN_ENDED_S=$(date +%s)
assert_refused "503 on the directory" "$NAME" "$BEFORE" "$STORED" \
  'fetch directory https://127\.0\.0\.1:[0-9]+/dir: .*urn:ietf:params:acme:error:serverInternal.*HTTP 503'
grep -q 'retry after 7200 s' "$TEST_DIR/run.err" ||
  fail "503 on the directory: the error does not show the CA's Retry-After (retry after 7200 s)"
expect_next_attempt "503 on the directory" 7000 7300
recover_and_renew "$NAME" "$NAME"
[ "$(event_count "$NAME" renewed)" = 3 ] || fail "$(event_count "$NAME" renewed) renewals recorded, want 3"
pass "503 serverInternal on the directory: exit 1, Retry-After shown and scheduled, old files kept; next run succeeds"

finish_soft
