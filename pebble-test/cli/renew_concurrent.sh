#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600
# needs: failpoints
# Two `renew` runs started together over three due lineages renew each lineage exactly once.
# In the faked future every Pebble certificate is due, the fresh ones too, so a run that lists
# the lineages after the other has committed one would rightly renew it again. Each renewal
# therefore waits 3 s after choosing its key (failpoint key_chosen:sleep): the second run has
# listed long before the first commits, and the test checks the lease and the expected-serial
# check rather than how fast two processes start on a loaded machine.
source "$(dirname "$0")/../cli-common.sh"

for n in r1 r2 r3; do
  issue -d "$n.example.com" >/dev/null 2>"$TEST_DIR/err" || fail "issue $n: $(cat "$TEST_DIR/err")"
done
export CERTKEEP_FAILPOINT=key_chosen:sleep=3000
in_future +50m renew >"$TEST_DIR/a.out" 2>&1 & a=$!
in_future +50m renew >"$TEST_DIR/b.out" 2>&1 & b=$!
unset CERTKEEP_FAILPOINT
sa=0; sb=0
wait "$a" || sa=$?
wait "$b" || sb=$?
[[ "$sa" = 0 && "$sb" = 0 ]] || fail "renew exit codes $sa/$sb: $(cat "$TEST_DIR/a.out" "$TEST_DIR/b.out")"
for n in r1 r2 r3; do
  count=$(event_count "$n.example.com" renewed)
  [ "$count" = 1 ] || fail "$n renewed $count times: $(cat "$TEST_DIR/a.out" "$TEST_DIR/b.out")"
  assert_live "$n.example.com" "$n.example.com"
done
assert_store_ok
pass "each lineage renewed exactly once by two racing runs"
