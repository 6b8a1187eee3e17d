# shellcheck shell=bash
# Sourced by pebble-test/terminator/*.sh (named .bash so the suite's *.sh glob does not take it
# for a test): runs the example terminator (CERTKEEP_TERMINATOR_BIN) against the Pebble that
# with-pebble.sh started and probes its HTTPS port with CERTKEEP_HANDSHAKE_PROBE_BIN. Every
# process it starts is stopped by its own PID on exit; only 127.0.0.1 is used.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

: "${CERTKEEP_TERMINATOR_BIN:?CERTKEEP_TERMINATOR_BIN must point at certkeep_terminator}"
: "${CERTKEEP_HANDSHAKE_PROBE_BIN:?CERTKEEP_HANDSHAKE_PROBE_BIN must point at certkeep_handshake_probe}"
: "${CERTKEEP_TEST_DIRECTORY_URL:?run under pebble-test/with-pebble.sh}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-terminator-test.XXXXXX")
TERMINATOR_LOG=$WORK/terminator.log
TERMINATOR_PID=""
HTTPS_PORT=""
OWN_PIDS=() # background processes of this test besides the terminator

cleanup_terminator_test() {
  local pid
  for pid in "${OWN_PIDS[@]}" $TERMINATOR_PID; do
    if pt_pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${OWN_PIDS[@]}" $TERMINATOR_PID; do wait "$pid" 2>/dev/null || true; done
  pt_release_ports "$WORK"
  rm -rf "$WORK"
}
trap cleanup_terminator_test EXIT

FAIL_LOGS+=("$TERMINATOR_LOG" "$WORK")

# start_terminator -d NAME [-d NAME...]: starts the terminator on a reserved HTTPS port and
# Pebble's HTTP-01 port; sets TERMINATOR_PID and HTTPS_PORT.
start_terminator() {
  HTTPS_PORT=$(pt_reserve_port "$WORK") || fail "no free port"
  "$CERTKEEP_TERMINATOR_BIN" --state-dir "$WORK/state" --server "$CERTKEEP_TEST_DIRECTORY_URL" \
    --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --email ops@example.com \
    --http-port "$CERTKEEP_HTTP01_PORT" --https-port "$HTTPS_PORT" "$@" >"$TERMINATOR_LOG" 2>&1 &
  TERMINATOR_PID=$!
}

# The terminator writes the lines the tests wait for: waiting stops when it exits.
wait_for_terminator_line() { wait_for_line --pid "$TERMINATOR_PID" "$@"; }

# The serial on the terminator's ready line (after wait_for_terminator_line "$TERMINATOR_LOG" '^ready').
ready_serial() { sed -n 's/^ready .* serial \([0-9A-F][0-9A-F]*\)$/\1/p' "$TERMINATOR_LOG" | head -n 1; }

# probe ARG...: the handshake probe against the terminator's HTTPS port, verifying up to
# Pebble's root.
probe() {
  "$CERTKEEP_HANDSHAKE_PROBE_BIN" --port "$HTTPS_PORT" --cafile "$CERTKEEP_TEST_PEBBLE_ROOT" "$@"
}

# stop_terminator: SIGTERM, and fails unless it exits 0 (a sanitizer report makes it non-zero).
stop_terminator() {
  local status=0
  kill -TERM "$TERMINATOR_PID"
  wait "$TERMINATOR_PID" || status=$?
  TERMINATOR_PID=""
  [ "$status" = 0 ] || fail "the terminator exited $status after SIGTERM"
}
