#!/usr/bin/env bash
# A deploy hook reloads an external TLS server after a renewal: the server (a stand-in for
# nginx: examples/external-server, re-reads its files on SIGHUP) serves the first certificate,
# `renew --force` runs the stored hook `kill -HUP …`, and the server then serves the new serial
# without a restart. The hook's command text holds no certificate data.
source "$(dirname "$0")/../cli-common.sh"
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

name=ext.example.com
pidfile="$TEST_DIR/server.pid"
hook="if [ -f $pidfile ]; then kill -HUP \"\$(cat $pidfile)\"; fi"
issue -d "$name" --deploy-hook "$hook" >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
stored_hook=$(lineage_field "$name" deploy_hook)
[ "$stored_hook" = "$hook" ] || fail "stored hook differs: $stored_hook"
grep -q "BEGIN CERTIFICATE\|$(serial_of "$STATE/live/$name/cert.pem")" <<<"$stored_hook" && fail "certificate data in the hook's command"

port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
python3 "$(dirname "$0")/../../examples/external-server/reloading_https_server.py" \
  "$STATE/live/$name/fullchain.pem" "$STATE/live/$name/privkey.pem" "$port" "$pidfile" >"$TEST_DIR/server.log" 2>&1 &
TEST_PIDS+=("$!")
for _ in $(seq 200); do grep -q listening "$TEST_DIR/server.log" 2>/dev/null && break; sleep 0.05; done
grep -q listening "$TEST_DIR/server.log" || fail "external server did not start: $(cat "$TEST_DIR/server.log")"

served_serial() {
  echo | openssl s_client -connect "127.0.0.1:$port" -servername "$name" -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" \
    -verify_return_error 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
first=$(serial_of "$STATE/live/$name/cert.pem")
[ "$(served_serial)" = "$first" ] || fail "the external server does not serve the issued certificate $first"

ck renew --force >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
second=$(serial_of "$STATE/live/$name/cert.pem")
[ "$second" != "$first" ] || fail "renewal did not change the certificate"
# The hook's kill -HUP returns before the server has handled the signal (as with nginx): wait
# for its "reloaded" line, boundedly.
for _ in $(seq 100); do grep -q reloaded "$TEST_DIR/server.log" && break; sleep 0.05; done
grep -q reloaded "$TEST_DIR/server.log" || fail "the hook did not reload the server: $(cat "$TEST_DIR/server.log")"
[ "$(served_serial)" = "$second" ] || fail "the external server still serves $(served_serial), want $second"
ck show "$name" | grep -q "hook_succeeded" || fail "no hook_succeeded event: $(ck show "$name")"
pt_release_ports "$TEST_DIR"
pass "the deploy hook reloaded the external server: serial $first -> $second, no restart"
