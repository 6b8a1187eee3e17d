#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 40
# A wildcard and its apex in one certificate over DNS-01 through RFC 2136 to a real BIND that
# Pebble validates through: both names share _acme-challenge.a.test (two values, one UPDATE),
# the certificate has exactly both names, show names each identifier's method, and afterwards
# BIND holds no challenge record and the store no pending one. Names in two zones in one order.
source "$(dirname "$0")/dns-common.bash"

dns_issue -d a.test -d '*.a.test' >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "issue exited $?: $(cat "$TEST_DIR/err")"
assert_live a.test a.test '*.a.test'
assert_no_challenge_records a.test
[ "$(pending_records)" = 0 ] || fail "the store still lists $(pending_records) DNS record(s)"
[ "$(method_of a.test a.test)" = dns-01 ] || fail "show: a.test is proved by '$(method_of a.test a.test)'"
[ "$(method_of a.test '*.a.test')" = dns-01 ] || fail "show: *.a.test is proved by '$(method_of a.test '*.a.test')'"
ck show a.test | grep -q '\*\.a\.test.*dns-01' || fail "show does not name the wildcard's method"
pass "wildcard and apex in one certificate, records gone"

dns_issue -d www.a.test -d '*.b.test' -d b.test --name two-zones >/dev/null 2>"$TEST_DIR/err" ||
  fail "two zones: $(cat "$TEST_DIR/err")"
assert_live two-zones www.a.test '*.b.test' b.test
assert_no_challenge_records www.a.test b.test
pass "names in two zones"
