#!/usr/bin/env bash
# bind-options: --second secondary
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 20
# a.test has two authoritative servers; the record reaches the secondary (NOTIFY, IXFR) and
# certkeep tells the CA only once both answer it.
source "$(dirname "$0")/dns-common.bash"

mapfile -t flags < <(ca_flags; dns_flags)
ck -v issue "${flags[@]}" -d www.a.test >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
assert_live www.a.test www.a.test
grep -q 'every authoritative server (2)' "$TEST_DIR/err" || fail "did not wait for both servers: $(cat "$TEST_DIR/err")"
assert_no_challenge_records www.a.test
pass "issued once both authoritative servers answered"
