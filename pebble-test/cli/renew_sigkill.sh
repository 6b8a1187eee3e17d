#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600 PEBBLE_AUTHZREUSE=0
# pebble-cost: 25
# SIGKILL at twenty random moments of a renewal: every time the store opens and passes its
# integrity check, the live key matches the live certificate, and afterwards a renewal completes.
# (faults.kill_at_each_failpoint kills at each named step; this covers the moments in between.)
source "$(dirname "$0")/../cli-common.sh"

issue -d crash.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"

# How long a forced renewal takes here, to aim the kills inside it: the shortest of three, so a
# slow first run on a loaded machine does not aim most kills past the end (every renewal
# validates a challenge: PEBBLE_AUTHZREUSE=0).
span_ms=""
for _ in 1 2 3; do
  start=$(date +%s%N)
  ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "timing renewal: $(cat "$TEST_DIR/err")"
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ -z "$span_ms" ] || [ "$took" -lt "$span_ms" ]; then span_ms=$took; fi
done
[ "$span_ms" -gt 0 ] || span_ms=1
echo "one renewal takes at least ${span_ms} ms; killing at random points inside it"

# Twenty kills that land inside a renewal, out of at most sixty tries.
killed=0
tries=0
while [ "$killed" -lt 20 ] && [ "$tries" -lt 60 ]; do
  tries=$((tries + 1))
  # The binary itself in the background (not the ck function, whose subshell would take the
  # signal while certkeep ran on).
  "$CERTKEEP_BIN" --state-dir "$STATE" renew --force >/dev/null 2>&1 &
  pid=$!
  delay_ms=$(( RANDOM % span_ms ))
  sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  assert_store_ok
  assert_live crash.example.com crash.example.com
done
echo "killed $killed runs mid-renewal in $tries tries"
[ "$killed" -ge 20 ] || fail "only $killed of $tries runs were still going when killed; the test did not exercise crashes"

ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renewal after the crashes failed: $(cat "$TEST_DIR/err")"
assert_live crash.example.com crash.example.com
ck show crash.example.com >/dev/null || fail "show after crashes"
pass "twenty SIGKILLs survived"
