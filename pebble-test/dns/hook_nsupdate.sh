#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 40
# DNS-01 through a hook: a test hook that writes through nsupdate to the same BIND, with the
# record only in CERTKEEP_DNS_*. certkeep waits until the zone's servers (found through BIND as
# the resolver) answer, the hook's runs land in the lineage's events, cleanup removes the record,
# and a renewal runs the stored hook without flags.
source "$(dirname "$0")/dns-common.bash"

hook=$TEST_DIR/hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
[ "\$1" = "\$CERTKEEP_DNS_ACTION" ] || exit 4
case "\$CERTKEEP_DNS_ACTION" in present) op=add ;; cleanup) op=delete ;; *) exit 2 ;; esac
echo "\$1 \$CERTKEEP_DNS_RECORD" >>"$TEST_DIR/hook.log"
printf 'server 127.0.0.1 $BIND_PORT\nupdate %s %s 60 TXT "%s"\nsend\n' "\$op" "\$CERTKEEP_DNS_FQDN" "\$CERTKEEP_DNS_VALUE" |
  nsupdate -k "$BIND_KEY_FILE"
HOOK
chmod 755 "$hook"
mapfile -t ca < <(ca_flags)
# The action reaches the script as the command text's "$1" (README, "DNS-01 through a hook").
ck issue "${ca[@]}" --dns-hook "$hook \"\$1\"" --dns-resolver "$BIND_SERVER" -d '*.b.test' -d b.test \
  >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
assert_live b.test '*.b.test' b.test
assert_no_challenge_records b.test
[ "$(grep -c '^present _acme-challenge.b.test$' "$TEST_DIR/hook.log")" = 2 ] || fail "hook log: $(cat "$TEST_DIR/hook.log")"
[ "$(grep -c '^cleanup _acme-challenge.b.test$' "$TEST_DIR/hook.log")" = 2 ] || fail "hook log: $(cat "$TEST_DIR/hook.log")"
[ "$(event_count b.test dns_hook_succeeded)" = 4 ] || fail "events: $(event_list b.test)"
pass "hook presented and cleaned up both values; its runs are events"

ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
[ "$(grep -c '^present' "$TEST_DIR/hook.log")" = 4 ] || fail "the renewal did not run the stored hook"
assert_no_challenge_records b.test
pass "renewal ran the stored hook"

failing=$TEST_DIR/failing.sh
printf '#!/bin/sh\necho "provider API said 403" >&2\nexit 3\n' >"$failing"
chmod 755 "$failing"
status=0
ck issue "${ca[@]}" --dns-hook "$failing" -d www.a.test >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 1 ] || fail "a failing hook: exit $status"
grep -q 'exit 3' "$TEST_DIR/err" || fail "no exit code: $(cat "$TEST_DIR/err")"
grep -q 'provider API said 403' "$TEST_DIR/err" || fail "no output: $(cat "$TEST_DIR/err")"
[ "$(event_count www.a.test dns_hook_failed)" -ge 1 ] || fail "no dns_hook_failed event: $(event_list www.a.test)"
pass "a failing hook's exit code and output are shown and recorded"
