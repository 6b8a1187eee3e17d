#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=3600
# Two `renew` runs started together over three due lineages renew each lineage exactly once.
source "$(dirname "$0")/../cli-common.sh"

for n in r1 r2 r3; do
  issue -d "$n.example.com" >/dev/null 2>"$TEST_DIR/err" || fail "issue $n: $(cat "$TEST_DIR/err")"
done
in_future +50m renew >"$TEST_DIR/a.out" 2>&1 & a=$!
in_future +50m renew >"$TEST_DIR/b.out" 2>&1 & b=$!
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
