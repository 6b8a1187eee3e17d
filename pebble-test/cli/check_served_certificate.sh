#!/usr/bin/env bash
# pebble-cost: 10
# labels: nginx
# `certkeep check NAME --connect HOST:PORT`: a TLS handshake with a real nginx (started here on
# loopback) says whether it serves the stored certificate (exit 0) or another one (exit 1, both
# serials shown) — after a renewal without a reload it is stale, after `nginx -s reload` it is
# confirmed. A server that accepts and never answers costs the timeout, not a hang; a closed
# port is reported; a malformed target is bad usage.
source "$(dirname "$0")/../cli-common.sh"

FAIL_LOGS+=("$TEST_DIR")
name=check.example.com
issue -d "$name" >"$TEST_DIR/issue.out" 2>&1 || fail "issue: $(cat "$TEST_DIR/issue.out")"
start_nginx "$name"
first=$(lineage_serial "$name")

ck check "$name" --connect "127.0.0.1:$NGINX_PORT" >"$TEST_DIR/check.out" 2>&1 || fail "check: $(cat "$TEST_DIR/check.out")"
grep -qx "confirmed: 127.0.0.1:$NGINX_PORT serves $first, the stored certificate of $name" "$TEST_DIR/check.out" ||
  fail "check output: $(cat "$TEST_DIR/check.out")"
pass "check: nginx serves the stored serial $first (exit 0)"

ck renew --force --name "$name" >"$TEST_DIR/renew.out" 2>&1 || fail "renew: $(cat "$TEST_DIR/renew.out")"
second=$(lineage_serial "$name")
[ "$second" != "$first" ] || fail "the renewal kept the serial"
status=0
ck check "$name" --connect "127.0.0.1:$NGINX_PORT" >"$TEST_DIR/stale.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "check of a stale server exited $status: $(cat "$TEST_DIR/stale.out")"
grep -qx "stale: 127.0.0.1:$NGINX_PORT serves $first; the store holds $second for $name" "$TEST_DIR/stale.out" ||
  fail "stale output: $(cat "$TEST_DIR/stale.out")"
status=0
ck --json check "$name" --connect "127.0.0.1:$NGINX_PORT/$name" >"$TEST_DIR/stale.json" 2>/dev/null || status=$?
[ "$status" = 1 ] || fail "check --json of a stale server exited $status"
jq -e --arg old "$first" --arg new "$second" \
  '.kind == "check" and .serial == $new and .confirmed == false and .results[0].state == "stale" and .results[0].served_serial == $old' \
  "$TEST_DIR/stale.json" >/dev/null || fail "check --json: $(cat "$TEST_DIR/stale.json")"
pass "check after a renewal without reload: stale, serving $first while the store holds $second (exit 1)"

$NGINX_RELOAD || fail "nginx -s reload"
for _ in $(seq 100); do [ "$(served_serial "$NGINX_PORT" "$name")" = "$second" ] && break; sleep 0.05; done
ck check "$name" --connect "127.0.0.1:$NGINX_PORT" >/dev/null 2>&1 || fail "check after the reload is not confirmed"
pass "after nginx -s reload: confirmed"

# A server that accepts and stays silent: bounded by --timeout.
silent_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); print("listening", flush=True)
held = []
while True:
    held.append(s.accept()[0])
' "$silent_port" >"$TEST_DIR/silent.log" 2>&1 &
TEST_PIDS+=("$!")
wait_for_line "$TEST_DIR/silent.log" listening
started=$(pt_now_ms)
status=0
ck check "$name" --connect "127.0.0.1:$silent_port" --timeout 2 >"$TEST_DIR/silent.out" 2>&1 || status=$?
took=$(($(pt_now_ms) - started))
[ "$status" = 1 ] || fail "check of a silent server exited $status: $(cat "$TEST_DIR/silent.out")"
((took < 6000)) || fail "check of a silent server took $took ms with --timeout 2"
grep -q "unreachable: 127.0.0.1:$silent_port: the TLS handshake did not finish within 2000 ms" "$TEST_DIR/silent.out" ||
  fail "silent server output: $(cat "$TEST_DIR/silent.out")"
pass "a server that never answers the handshake: unreachable after $took ms (--timeout 2), exit 1"

closed_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
status=0
ck check "$name" --connect "127.0.0.1:$closed_port" >"$TEST_DIR/closed.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "check of a closed port exited $status"
grep -qi "unreachable: 127.0.0.1:$closed_port: connection refused" "$TEST_DIR/closed.out" ||
  fail "closed port output: $(cat "$TEST_DIR/closed.out")"
for bad in "127.0.0.1" "127.0.0.1:0" "127.0.0.1:99999" "::1:443" "host:443/bad sni"; do
  status=0
  ck check "$name" --connect "$bad" >"$TEST_DIR/bad.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "--connect '$bad' exited $status, want 2: $(cat "$TEST_DIR/bad.out")"
done
status=0
ck check "$name" >"$TEST_DIR/none.out" 2>&1 || status=$?
[ "$status" = 2 ] || fail "check without a target exited $status"
grep -q -- "--confirm" "$TEST_DIR/none.out" || fail "no hint: $(cat "$TEST_DIR/none.out")"
pass "a closed port is unreachable (exit 1); malformed targets and no target are bad usage (exit 2)"
pt_release_ports "$TEST_DIR"
