#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# B7: Pebble restarts between runs and forgets every account and order (and makes a new root).
#  1. A lineage with no order in flight: `renew` meets accountDoesNotExist, registers the stored
#     account key again (account URL changes, logged), and succeeds; the new chain verifies
#     against the NEW root.
#  2. A lineage whose stored order (left by a renewal SIGKILLed mid-order) is gone: `renew`
#     cannot resume it, starts a new order, and succeeds; the order row is cleared.
# Before each recovery, the failed/killed run left the old files byte for byte and a sound store.
source "$(dirname "$0")/fault-common.bash"

start_web "$WEBROOT" "$GATE" "$WEB_EVENTS"
issue_webroot -d plain.example.com >/dev/null 2>"$TEST_DIR/err.log" || fail "issue plain: $(cat "$TEST_DIR/err.log")"
issue_webroot -d stale.example.com >/dev/null 2>"$TEST_DIR/err.log" || fail "issue stale: $(cat "$TEST_DIR/err.log")"
# The account and the order in flight are internals no command shows.
account_url() { store_query 'SELECT account_url FROM accounts;'; }
[ "$(store_query 'SELECT COUNT(*) FROM accounts;')" = 1 ] || fail "want one account"
old_account=$(account_url)
old_root=$(cat "$CERTKEEP_TEST_PEBBLE_ROOT")
plain_before=$(live_fingerprint plain.example.com)
stale_before=$(live_fingerprint stale.example.com)

# Leave an order in flight for stale.example.com: SIGKILL its renewal while Pebble's validator
# waits on the webroot server.
start_renew_held_mid_order stale.example.com --name stale.example.com
killed_pid=$renew_pid
stale_before=$HELD_BEFORE
kill -KILL "$killed_pid"
wait "$killed_pid" 2>/dev/null || true
release_challenges
[ "$(order_rows stale.example.com)" = 1 ] || fail "no order row left by the killed renewal"
stale_order=$(store_query "SELECT order_url FROM orders WHERE lineage='stale.example.com';")
[ "$(live_fingerprint stale.example.com)" = "$stale_before" ] || fail "the killed renewal changed live files"
assert_store_ok
pass "renewal killed mid-order left its order row ($stale_order) and the old files"

# shellcheck disable=SC2119 # no extra Pebble settings
restart_pebble
[ "$(cat "$CERTKEEP_TEST_PEBBLE_ROOT")" != "$old_root" ] || fail "Pebble's root did not change on restart"
pass "Pebble restarted with a new root"

# 1. Forgotten account.
ck -v renew --force --name plain.example.com >"$TEST_DIR/plain.out" 2>"$TEST_DIR/plain.err" ||
  fail "renew after the restart (forgotten account) exited $?"
grep -qiE "does not know account|registering it again" "$TEST_DIR/plain.err" ||
  fail "the re-registration is not logged"
new_account=$(account_url)
{ [ -n "$new_account" ] && [ "$new_account" != "$old_account" ]; } || fail "account URL not replaced ($old_account -> $new_account)"
[ "$(store_query 'SELECT COUNT(*) FROM accounts;')" = 1 ] || fail "a second account row was made"
[ "$(live_fingerprint plain.example.com)" != "$plain_before" ] || fail "plain: files not switched"
assert_live plain.example.com plain.example.com # verifies against the new root
assert_store_ok
pass "forgotten account registered again ($old_account -> $new_account); renewal verifies against the new root"

# 2. Forgotten order (the account is known again by now).
ck -v renew --force --name stale.example.com >"$TEST_DIR/stale.out" 2>"$TEST_DIR/stale.err" ||
  fail "renew with a stored order the CA forgot exited $?"
grep -F "$stale_order" "$TEST_DIR/stale.err" | grep -qi "cannot be resumed" ||
  fail "the log does not say the stored order could not be resumed"
[ "$(order_rows stale.example.com)" = 0 ] || fail "the order row is left after a completed renewal"
[ "$(live_fingerprint stale.example.com)" != "$stale_before" ] || fail "stale: files not switched"
assert_live stale.example.com stale.example.com
assert_store_ok
for n in plain.example.com stale.example.com; do
  [ "$(event_count "$n" renewed)" = 1 ] || fail "$n: renewal not recorded exactly once"
done
pass "forgotten order replaced by a new order; renewal succeeds"
