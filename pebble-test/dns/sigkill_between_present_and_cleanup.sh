#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# needs: failpoints
# labels: faults
# pebble-cost: 35
# SIGKILL once the TXT records are published and the CA told to look (failpoint
# challenge_answered): the records stay in BIND and in the store's table; the next run removes
# exactly them — a record of someone else at the same name stays — and issues. Needs a build
# with CERTKEEP_FAILPOINTS=ON.
source "$(dirname "$0")/dns-common.bash"

"$CERTKEEP_BIN" --list-failpoints | grep -qx challenge_answered || fail "this certkeep has no failpoints"
nsupdate -k "$BIND_KEY_FILE" <<<"server 127.0.0.1 $BIND_PORT
zone a.test
update add _acme-challenge.a.test 60 TXT \"someone-elses\"
send" || fail "nsupdate"

status=0
CERTKEEP_FAILPOINT=challenge_answered:kill dns_issue -d a.test -d '*.a.test' >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 137 ] || fail "issue was not killed at the failpoint (exit $status): $(cat "$TEST_DIR/err")"
left=$(txt_values _acme-challenge.a.test | grep -vc someone-elses || true)
[ "$left" = 2 ] || fail "expected our 2 records in BIND after the kill, found $left"
[ "$(pending_records)" = 2 ] || fail "the store lists $(pending_records) records, want 2"
pass "killed with 2 records published and noted"

dns_issue -d a.test -d '*.a.test' >/dev/null 2>"$TEST_DIR/err" || fail "the next issue: $(cat "$TEST_DIR/err")"
assert_live a.test a.test '*.a.test'
[ "$(txt_values _acme-challenge.a.test)" = someone-elses ] ||
  fail "after the next run _acme-challenge.a.test holds: $(txt_values _acme-challenge.a.test)"
[ "$(pending_records)" = 0 ] || fail "the store still lists $(pending_records) records"
pass "the next run removed exactly our records and issued"

CERTKEEP_FAILPOINT=challenge_answered:kill ck renew --force >/dev/null 2>&1 && fail "renew was not killed"
[ "$(pending_records)" -ge 1 ] || fail "no record noted after the killed renewal"
ck renew >/dev/null 2>"$TEST_DIR/err" || true  # nothing due: it still repairs
[ "$(txt_values _acme-challenge.a.test)" = someone-elses ] || fail "renew left: $(txt_values _acme-challenge.a.test)"
[ "$(pending_records)" = 0 ] || fail "renew did not clear the store's records"
pass "a plain renew (nothing due) removes what a killed renewal left"
