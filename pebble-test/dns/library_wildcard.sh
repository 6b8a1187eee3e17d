#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 25
# The library: Manager::manage of a wildcard and its apex with DNS-01 (ManagerOptions::dns01,
# RFC 2136 to a real BIND) — the example terminator gets its certificate from Pebble validating
# through BIND, serves it to any name under the wildcard, renews it, and leaves no record.
source "$(dirname "$0")/dns-common.bash"
: "${CERTKEEP_TERMINATOR_BIN:?}" "${CERTKEEP_HANDSHAKE_PROBE_BIN:?}"

https_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
http_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
FAIL_LOGS+=("$TEST_DIR/terminator.log")
"$CERTKEEP_TERMINATOR_BIN" --state-dir "$TEST_DIR/lib-state" --server "$CERTKEEP_TEST_DIRECTORY_URL" \
  --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --email ops@example.com --http-port "$http_port" --https-port "$https_port" \
  --challenge dns-01 --dns-rfc2136 "$BIND_SERVER" --tsig-key "$BIND_KEY_FILE" --dns-propagation-timeout 20 \
  -d '*.a.test' -d a.test >"$TEST_DIR/terminator.log" 2>&1 &
terminator_pid=$!
TEST_PIDS+=("$terminator_pid")
wait_for_line --pid "$terminator_pid" "$TEST_DIR/terminator.log" '^ready'
first=$(sed -n 's/^ready .* serial \([0-9A-F][0-9A-F]*\)$/\1/p' "$TEST_DIR/terminator.log" | head -n 1)
[ -n "$first" ] || fail "no serial on the ready line: $(cat "$TEST_DIR/terminator.log")"
assert_no_challenge_records a.test
for host in www.a.test api.a.test a.test; do
  "$CERTKEEP_HANDSHAKE_PROBE_BIN" --port "$https_port" --cafile "$CERTKEEP_TEST_PEBBLE_ROOT" --name "$host" \
    --count 3 >"$TEST_DIR/probe-$host.out" 2>&1 || fail "handshake as $host: $(cat "$TEST_DIR/probe-$host.out")"
  grep -q "serial 1 $first" "$TEST_DIR/probe-$host.out" || fail "$host was not served $first: $(cat "$TEST_DIR/probe-$host.out")"
done
pass "Manager::manage issued *.a.test + a.test over DNS-01; served to www, api and the apex"

kill -USR1 "$terminator_pid"
wait_for_line --pid "$terminator_pid" "$TEST_DIR/terminator.log" '^event renewed'
assert_no_challenge_records a.test
kill -TERM "$terminator_pid"
wait "$terminator_pid" || fail "the terminator exited $? after SIGTERM"
pass "renewed through the Manager; no record left"
