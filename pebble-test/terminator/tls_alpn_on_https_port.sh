#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 30
# TLS-ALPN-01 on the terminator's own HTTPS port (the library's TLS helper, RFC 8737): the
# example terminator with --challenge tls-alpn-01 listens for HTTPS on the port Pebble's
# validator dials and has no HTTP-01 path at all. It gets its certificate, then renews while a
# stream of ordinary handshakes to the same port runs: no ordinary handshake fails, none ever
# sees a validation certificate, and the renewed serial is served.
# shellcheck source-path=SCRIPTDIR source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

name=alpn.example.com
HTTPS_PORT=$CERTKEEP_TLSALPN_PORT
# An HTTP port nobody dials: HTTP-01 is not in play.
http_port=$(pt_reserve_port "$WORK") || fail "no free port"
"$CERTKEEP_TERMINATOR_BIN" --state-dir "$WORK/state" --server "$CERTKEEP_TEST_DIRECTORY_URL" \
  --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --email ops@example.com --challenge tls-alpn-01 \
  --http-port "$http_port" --https-port "$HTTPS_PORT" -d "$name" >"$TERMINATOR_LOG" 2>&1 &
TERMINATOR_PID=$!
wait_for_terminator_line "$TERMINATOR_LOG" '^ready'
first=$(ready_serial)
[ -n "$first" ] || fail "no serial on the ready line"
pass "issued over TLS-ALPN-01 on the HTTPS port (serial $first)"

probe --name "$name" --concurrency 2 --rate 200 --count 5000 --max-seconds 20 --progress 100 \
  --stop-after-change-ms 1000 --stop-after-change-count 100 --json >"$WORK/probe.out" 2>"$WORK/probe.err" &
probe_pid=$!
OWN_PIDS+=("$probe_pid")
wait_for_terminator_line --timeout-ms 15000 "$WORK/probe.out" '^progress'
kill -USR1 "$TERMINATOR_PID"
wait_for_terminator_line "$TERMINATOR_LOG" '^event renewed'
renewed=$(sed -n 's/^event renewed [^ ]* serial \([0-9A-F][0-9A-F]*\) at_ms=.*/\1/p' "$TERMINATOR_LOG" | head -n 1)
[ -n "$renewed" ] || fail "no serial on the renewal event"
[ "$renewed" != "$first" ] || fail "the renewal kept serial $first"
probe_status=0
wait "$probe_pid" || probe_status=$?
OWN_PIDS=()
total=$(probe_field "$WORK/probe.out" handshakes)
failed=$(probe_field "$WORK/probe.out" failed)
[ "$failed" = 0 ] || fail "$failed of $total ordinary handshakes failed: $(probe_field "$WORK/probe.out" first_error)"
[ "$probe_status" = 0 ] || fail "the probe exited $probe_status"
mapfile -t serials < <(probe_serials "$WORK/probe.out")
[ "${serials[*]}" = "$first $renewed" ] || fail "ordinary handshakes saw serials ${serials[*]}, want $first then $renewed"
pass "$total ordinary handshakes during the TLS-ALPN-01 renewal, none failed, only real certificates served"

stop_terminator
pass "SIGTERM stops the terminator cleanly"
