# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600
# SIGKILL at twenty random moments of a renewal: every time the store opens and passes its
# integrity check, the live key matches the live certificate, and afterwards a renewal completes.
source "$(dirname "$0")/../cli-common.sh"

issue -d crash.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"

# How long one forced renewal takes here, to aim the kills inside it.
start=$(date +%s%N)
ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "timing renewal: $(cat "$TEST_DIR/err")"
span_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$span_ms" -gt 0 ] || span_ms=1
echo "one renewal takes ${span_ms} ms; killing at random points inside it"

killed=0
for i in $(seq 1 20); do
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
echo "killed $killed of 20 runs mid-renewal"
[ "$killed" -ge 10 ] || fail "only $killed runs were still going when killed; the test did not exercise crashes"

ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renewal after the crashes failed: $(cat "$TEST_DIR/err")"
assert_live crash.example.com crash.example.com
ck show crash.example.com >/dev/null || fail "show after crashes"
pass "twenty SIGKILLs survived"
