#!/usr/bin/env bash
# pebble-cost: 30
# labels: haproxy
# HAProxy without reloads: a real HAProxy (Debian's, started here on loopback, stats socket
# `level admin` in the test's directory) serves the new serial after `renew --force` hands the
# certificate over its runtime API (`--deploy-haproxy SOCKET:CERTFILE`), its process id
# unchanged, while a stream of full handshakes (the handshake probe, verified up to Pebble's
# root) sees no failure; the confirm target then records `confirmed`. A hand-over HAProxy
# refuses (a certificate file its configuration does not load, a socket without level admin),
# or an absent socket, fails the renewal with an error naming the socket and quoting HAProxy's
# answer, and the new certificate stays owed.
source "$(dirname "$0")/../cli-common.sh"

FAIL_LOGS+=("$TEST_DIR")
command -v haproxy >/dev/null || fail "haproxy is not installed (scripts/install-deps.sh installs it)"
: "${CERTKEEP_HANDSHAKE_PROBE_BIN:?CERTKEEP_HANDSHAKE_PROBE_BIN must point at certkeep_handshake_probe}"
name=lb.example.com
issue -d "$name" >"$TEST_DIR/issue.out" 2>&1 || fail "issue: $(cat "$TEST_DIR/issue.out")"
first=$(lineage_serial "$name")

hap="$TEST_DIR/haproxy"
mkdir -p "$hap"
socket="$hap/admin.sock"
crt="$hap/site.pem"
cat "$STATE/live/$name/fullchain.pem" "$STATE/live/$name/privkey.pem" >"$crt"
chmod 600 "$crt"
port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
cat >"$hap/haproxy.cfg" <<CFG
global
  stats socket $socket mode 600 level admin
  stats socket $hap/user.sock mode 600 level user
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend tls
  bind 127.0.0.1:$port ssl crt $crt
  http-request return status 200 content-type text/plain string "ok"
CFG
haproxy -c -f "$hap/haproxy.cfg" >"$hap/check.log" 2>&1 || fail "haproxy -c: $(cat "$hap/check.log")"
haproxy -db -f "$hap/haproxy.cfg" >"$hap/haproxy.log" 2>&1 &
haproxy_pid=$!
TEST_PIDS+=("$haproxy_pid")
for _ in $(seq 200); do [ "$(served_serial "$port" "$name")" = "$first" ] && break; sleep 0.05; done
[ "$(served_serial "$port" "$name")" = "$first" ] || fail "haproxy does not serve $first: $(cat "$hap/haproxy.log")"
[ -S "$socket" ] || fail "no stats socket at $socket"
started=$(ps -o lstart= -p "$haproxy_pid")

ck edit "$name" --deploy-haproxy "$socket:$crt" --confirm "127.0.0.1:$port" >/dev/null || fail "edit --deploy-haproxy"

"$CERTKEEP_HANDSHAKE_PROBE_BIN" --port "$port" --name "$name" --cafile "$CERTKEEP_TEST_PEBBLE_ROOT" \
  --concurrency 2 --rate 200 --count 5000 --max-seconds 20 --progress 50 \
  --stop-after-change-ms 500 --stop-after-change-count 50 >"$TEST_DIR/probe.out" 2>"$TEST_DIR/probe.err" &
probe_pid=$!
TEST_PIDS+=("$probe_pid")
wait_for_line --timeout-ms 15000 --pid "$probe_pid" "$TEST_DIR/probe.out" '^progress'

ck renew --force --name "$name" >"$TEST_DIR/renew.out" 2>&1 || fail "renew: $(cat "$TEST_DIR/renew.out")"
second=$(lineage_serial "$name")
[ "$second" != "$first" ] || fail "the renewal kept the serial"
probe_status=0
wait "$probe_pid" || probe_status=$?
total=$(probe_field "$TEST_DIR/probe.out" handshakes)
failed=$(probe_field "$TEST_DIR/probe.out" failed)
[ "$failed" = 0 ] || fail "$failed of $total handshakes failed; first: $(probe_field "$TEST_DIR/probe.out" first_error)"
[ "$probe_status" = 0 ] || fail "the probe exited $probe_status: $(cat "$TEST_DIR/probe.err")"
mapfile -t serials < <(probe_serials "$TEST_DIR/probe.out")
[ "${serials[*]}" = "$first $second" ] || fail "the probe saw serials ${serials[*]}, want $first then $second"
[ "$(probe_field "$TEST_DIR/probe.out" stale_after_swap)" = 0 ] || fail "an old serial came back after the swap"
[ "$(served_serial "$port" "$name")" = "$second" ] || fail "haproxy does not serve $second"
pt_pid_alive "$haproxy_pid" || fail "haproxy exited"
[ "$(ps -o lstart= -p "$haproxy_pid")" = "$started" ] || fail "haproxy's process $haproxy_pid was replaced"
[ "$(pgrep -f -c "haproxy -db -f $hap/haproxy.cfg")" = 1 ] || fail "more than one haproxy runs this test's configuration"
cmp -s <(openssl x509 -in "$crt" -noout -serial) <(openssl x509 -in "$STATE/live/$name/cert.pem" -noout -serial) ||
  fail "the crt file on disk does not hold the new certificate (a restart would serve the old one)"
[ "$(file_mode "$crt")" = 600 ] || fail "the crt file is mode $(file_mode "$crt")"
jq -e --arg s "$second" '.lineage.confirmation.state == "confirmed" and .lineage.confirmation.serial == $s' \
  <(ck show --json "$name") >/dev/null || fail "not confirmed: $(ck show --json "$name" | jq .lineage.confirmation)"
pass "renewal handed $second to haproxy (pid $haproxy_pid unchanged); $total handshakes, none failed; confirmed"

# HAProxy refuses: a crt file its configuration does not load.
ck edit "$name" --deploy-haproxy "$socket:$hap/unknown.pem" --confirm "" >/dev/null || fail "edit to a bad target"
status=0
ck renew --force --name "$name" >"$TEST_DIR/refused.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a refused hand-over exited $status: $(cat "$TEST_DIR/refused.out")"
grep -q "$socket" "$TEST_DIR/refused.out" || fail "the error does not name the socket: $(cat "$TEST_DIR/refused.out")"
grep -qi "haproxy.*\"[^\"]*unknown.pem[^\"]*\"" "$TEST_DIR/refused.out" ||
  fail "the error does not quote HAProxy's answer: $(cat "$TEST_DIR/refused.out")"
echo "refused: $(cat "$TEST_DIR/refused.out")"
third=$(lineage_serial "$name")
[ "$(served_serial "$port" "$name")" = "$second" ] || fail "haproxy stopped serving $second"
ck show --json "$name" | jq -e '.lineage.hook_pending == true' >/dev/null ||
  fail "the refused hand-over is not owed: $(ck show --json "$name" | jq .lineage)"
pass "HAProxy's refusal is an error naming $socket and quoting its answer; $third stays owed, $second keeps serving"

# A socket without admin level: HAProxy's "Permission denied" quoted.
ck edit "$name" --deploy-haproxy "$hap/user.sock:$crt" >/dev/null || fail "edit to the user-level socket"
status=0
ck renew --name "$name" >"$TEST_DIR/user.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a user-level socket exited $status"
grep -q "$hap/user.sock" "$TEST_DIR/user.out" || fail "the error does not name the socket: $(cat "$TEST_DIR/user.out")"
grep -qi "permission denied" "$TEST_DIR/user.out" || fail "HAProxy's answer is not quoted: $(cat "$TEST_DIR/user.out")"
echo "user-level socket: $(cat "$TEST_DIR/user.out")"
pass "a socket without level admin: exit 1 quoting HAProxy's refusal"

# A socket nobody listens on: named too.
ck edit "$name" --deploy-haproxy "$hap/none.sock:$crt" >/dev/null || fail "edit to a missing socket"
status=0
ck renew --name "$name" >"$TEST_DIR/nosocket.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a missing socket exited $status"
grep -q "$hap/none.sock" "$TEST_DIR/nosocket.out" || fail "the error does not name the socket: $(cat "$TEST_DIR/nosocket.out")"
pass "a missing socket: exit 1 naming it"
pt_release_ports "$TEST_DIR"
