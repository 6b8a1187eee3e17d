#!/usr/bin/env bash
# pebble-cost: 20
# labels: nginx
# Deployment confirmation against a real nginx (started here on loopback) and the notify hook.
# A lineage with a confirm target and a reload hook that fails (it names a config file nginx
# does not have): after `renew --force` nginx still serves the old serial, so `stale` is
# recorded (event, `list`, `show --json`, the metric) and the notify hook runs with
# CERTKEEP_EVENT=stale and the deploy hooks' variables, no secret among them. With the working
# reload hook the owed hand-over runs again and `confirmed` is recorded. Then a private-CA
# certificate in its last 7 days (libfaketime) makes the notify hook run once, not twice.
source "$(dirname "$0")/../cli-common.sh"

FAIL_LOGS+=("$TEST_DIR")
name=confirm.example.com
issue -d "$name" >"$TEST_DIR/issue.out" 2>&1 || fail "issue: $(cat "$TEST_DIR/issue.out")"
start_nginx "$name"
first=$(lineage_serial "$name")

notify="$TEST_DIR/notify.sh"
cat >"$notify" <<'HOOK'
#!/bin/sh
{
  echo "event=$CERTKEEP_EVENT name=$CERTKEEP_NAME serial=$CERTKEEP_SERIAL"
  echo "reason=$CERTKEEP_REASON"
  echo "vars=$(env | sed -n 's/^\(CERTKEEP_[A-Z_]*\)=.*/\1/p' | sort | tr '\n' ' ')"
  if env | grep -q 'PRIVATE KEY'; then echo "secret=yes"; fi
} >>"$NOTIFY_LOG"
HOOK
chmod +x "$notify"
export NOTIFY_LOG="$TEST_DIR/notified.log"
: >"$NOTIFY_LOG"

broken_reload="nginx -p $NGINX_DIR -c $NGINX_DIR/missing.conf -s reload"
ck edit "$name" --confirm "127.0.0.1:$NGINX_PORT" --deploy-hook "$broken_reload" >/dev/null ||
  fail "edit --confirm"
ck show --json "$name" | jq -e --arg t "127.0.0.1:$NGINX_PORT" '.lineage.confirm_targets == [$t]' >/dev/null ||
  fail "the confirm target is not stored: $(ck show --json "$name")"

status=0
ck --notify-hook "$notify" --confirm-timeout 1 renew --force --name "$name" >"$TEST_DIR/renew1.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "renew with a failing reload hook exited $status, want 1: $(cat "$TEST_DIR/renew1.out")"
second=$(lineage_serial "$name")
[ "$second" != "$first" ] || fail "the renewal kept the serial"
[ "$(served_serial "$NGINX_PORT" "$name")" = "$first" ] || fail "nginx serves another serial than the old one"
ck show --json "$name" >"$TEST_DIR/show1.json"
jq -e --arg s "$second" '.lineage.confirmation.state == "stale" and .lineage.confirmation.serial == $s' \
  "$TEST_DIR/show1.json" >/dev/null || fail "no stale confirmation: $(jq .lineage.confirmation "$TEST_DIR/show1.json")"
jq -r '.lineage.confirmation.detail' "$TEST_DIR/show1.json" | grep -q "serves $first" ||
  fail "the stale detail does not name the served serial: $(jq .lineage.confirmation "$TEST_DIR/show1.json")"
event_list "$name" | grep -qx "stale $second" || fail "no stale event: $(event_list "$name")"
ck list | grep "$name" | grep -q "stale" || fail "list does not show stale: $(ck list)"
grep -q "^event=stale name=$name serial=$second\$" "$NOTIFY_LOG" || fail "notify hook not run for stale: $(cat "$NOTIFY_LOG")"
grep -q "^reason=.*127.0.0.1:$NGINX_PORT.*$first" "$NOTIFY_LOG" || fail "the stale reason: $(cat "$NOTIFY_LOG")"
for var in CERTKEEP_NAME CERTKEEP_DOMAINS CERTKEEP_CERT CERTKEEP_FULLCHAIN CERTKEEP_KEY CERTKEEP_SERIAL \
  CERTKEEP_EVENT CERTKEEP_REASON; do
  grep -q "^vars=.*\b$var\b" "$NOTIFY_LOG" || fail "the notify hook lacks $var: $(grep '^vars=' "$NOTIFY_LOG")"
done
if grep -q '^secret=' "$NOTIFY_LOG"; then fail "a key reached the notify hook's environment"; fi
pass "a failing reload hook: nginx still serves $first, stale recorded for $second and notified"

# The owed hand-over runs again (the hook still fails) and its confirmation probes again: one
# second of probing is enough to see the old serial, where the default would wait 30.
ck --confirm-timeout 1 renew --name "$name" --metrics-file "$TEST_DIR/stale.prom" >/dev/null 2>&1 || true
grep -q "^certkeep_certificate_confirmation_status{name=\"$name\",.*state=\"stale\"} 1" "$TEST_DIR/stale.prom" ||
  fail "no stale metric: $(grep confirmation "$TEST_DIR/stale.prom")"
promtool check metrics <"$TEST_DIR/stale.prom" >"$TEST_DIR/promtool.out" 2>&1 ||
  fail "promtool: $(cat "$TEST_DIR/promtool.out")"
pass "the stale confirmation is exported (certkeep_certificate_confirmation_status, promtool accepts it)"

: >"$NOTIFY_LOG"
ck edit "$name" --deploy-hook "$NGINX_RELOAD" >/dev/null || fail "edit --deploy-hook"
ck --notify-hook "$notify" renew --name "$name" >"$TEST_DIR/renew2.out" 2>&1 ||
  fail "renew with the working hook: $(cat "$TEST_DIR/renew2.out")"
[ "$(lineage_serial "$name")" = "$second" ] || fail "a renewal that was not due renewed"
ck show --json "$name" >"$TEST_DIR/show2.json"
jq -e --arg s "$second" '.lineage.confirmation.state == "confirmed" and .lineage.confirmation.serial == $s' \
  "$TEST_DIR/show2.json" >/dev/null || fail "not confirmed: $(jq .lineage.confirmation "$TEST_DIR/show2.json")"
event_list "$name" | grep -qx "confirmed $second" || fail "no confirmed event: $(event_list "$name")"
[ "$(served_serial "$NGINX_PORT" "$name")" = "$second" ] || fail "nginx does not serve $second"
if grep -q '^event=' "$NOTIFY_LOG"; then fail "a confirmed deployment notified: $(cat "$NOTIFY_LOG")"; fi
if ck list | grep "$name" | grep -q stale; then fail "list still shows stale"; fi
pass "the owed hand-over with the working reload hook: nginx serves $second, confirmed"

# A certificate entering its last 7 days: told once per certificate.
ck ca init --name internal >/dev/null 2>&1 || fail "ca init"
ck issue --ca internal -d near.internal --validity 9 >/dev/null 2>&1 || fail "issue --ca"
: >"$NOTIFY_LOG"
in_future +2d --notify-hook "$notify" renew >"$TEST_DIR/near1.out" 2>&1 || fail "renew in 2 days: $(cat "$TEST_DIR/near1.out")"
grep -q "^event=expiring name=near.internal " "$NOTIFY_LOG" || fail "no expiring notice: $(cat "$NOTIFY_LOG")"
grep -q "^reason=expires in 6 days" "$NOTIFY_LOG" || fail "the expiring reason: $(cat "$NOTIFY_LOG")"
in_future +2d --notify-hook "$notify" renew >/dev/null 2>&1 || fail "renew in 2 days, again"
[ "$(grep -c '^event=expiring' "$NOTIFY_LOG")" = 1 ] || fail "the expiring notice ran more than once: $(cat "$NOTIFY_LOG")"
pass "a certificate in its last 7 days: the notify hook ran once (CERTKEEP_EVENT=expiring)"
pt_release_ports "$TEST_DIR"
