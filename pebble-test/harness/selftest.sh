#!/usr/bin/env bash
# Self-test of the Pebble harness (ctest: pebble.harness_selftest). Checks that with-pebble.sh
# gives a working Pebble on 127.0.0.1 only, cleans up after itself in every way it can end
# (success, failure, SIGTERM, SIGKILL), that two harnesses at once get distinct ports, and that
# pebble.sh start/restart/stop and the environment pass-through work.
#
#   selftest.sh                          run every check
#   selftest.sh --inside RECORD [MODE]   (internal) the checks run under with-pebble.sh
set -euo pipefail
HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PT=$(dirname "$HARNESS")
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$PT/lib.sh"


# ---------------------------------------------------------------------------------------------
# Inside a harness: the Pebble it describes works and listens on 127.0.0.1 only.

# Every socket of PID is bound to 127.0.0.1 (and it has at least one).
assert_loopback_only() {
  local pid=$1 what=$2 sockets
  sockets=$(ss -Htulnp 2>/dev/null | grep "pid=$pid," || true)
  [ -n "$sockets" ] || fail "$what (PID $pid) has no listening socket"
  if awk '$5 !~ /^127\.0\.0\.1:[0-9]+$/ { bad = 1 } END { exit !bad }' <<<"$sockets"; then
    fail "$what binds beyond 127.0.0.1: $sockets"
  fi
}

inside() {
  local record=$1 mode=${2:-} var dir port
  for var in CERTKEEP_TEST_DIRECTORY_URL CERTKEEP_TEST_CA_BUNDLE CERTKEEP_TEST_PEBBLE_ROOT \
    CERTKEEP_HTTP01_PORT PEBBLE_MGMT_URL PEBBLE_RUN_DIR PEBBLE_PID; do
    [ -n "${!var:-}" ] || fail "$var is not set under with-pebble.sh"
  done
  [[ $CERTKEEP_TEST_DIRECTORY_URL =~ ^https://127\.0\.0\.1:([0-9]+)/dir$ ]] ||
    fail "directory URL $CERTKEEP_TEST_DIRECTORY_URL is not https://127.0.0.1:PORT/dir"
  port=${BASH_REMATCH[1]}
  [ "$PEBBLE_WFE_NONCEREJECT" = "${EXPECT_NONCEREJECT:-0}" ] ||
    fail "PEBBLE_WFE_NONCEREJECT=$PEBBLE_WFE_NONCEREJECT, want ${EXPECT_NONCEREJECT:-0}"
  [ "$PEBBLE_VA_NOSLEEP" = 1 ] || fail "PEBBLE_VA_NOSLEEP=$PEBBLE_VA_NOSLEEP, want 1"

  # The directory, fetched with the harness's CA only, names the three resources a client needs.
  dir=$(curl -fsS --noproxy '*' --cacert "$CERTKEEP_TEST_CA_BUNDLE" "$CERTKEEP_TEST_DIRECTORY_URL") ||
    fail "GET directory failed"
  python3 - "$dir" "$port" <<'EOF' || fail "directory JSON lacks newNonce/newAccount/newOrder: $dir"
import json, sys
d = json.loads(sys.argv[1])
prefix = "https://127.0.0.1:%s/" % sys.argv[2]
sys.exit(0 if all(str(d.get(k, "")).startswith(prefix) for k in ("newNonce", "newAccount", "newOrder")) else 1)
EOF
  pass "directory has newNonce, newAccount, newOrder"

  # Pebble's certificate is also valid for localhost (the second SAN).
  curl -fsS --noproxy '*' --cacert "$CERTKEEP_TEST_CA_BUNDLE" -o /dev/null \
    "https://localhost:$port/dir" --resolve "localhost:$port:127.0.0.1" ||
    fail "Pebble's TLS certificate does not verify for localhost"

  # HEAD newNonce returns a Replay-Nonce.
  local nonce_url headers
  nonce_url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["newNonce"])' "$dir")
  headers=$(curl -fsS --noproxy '*' --cacert "$CERTKEEP_TEST_CA_BUNDLE" -I "$nonce_url") ||
    fail "HEAD newNonce failed"
  grep -qiE '^replay-nonce: *[A-Za-z0-9_-]{8,}' <<<"$headers" || fail "no Replay-Nonce in: $headers"
  pass "HEAD newNonce gives a Replay-Nonce"

  # The root of issued certificates parses and is a CA.
  openssl x509 -in "$CERTKEEP_TEST_PEBBLE_ROOT" -noout -text >"$record.root.txt" 2>&1 ||
    fail "pebble-root.pem does not parse"
  grep -q "CA:TRUE" "$record.root.txt" || fail "pebble-root.pem is not a CA certificate"
  pass "Pebble's root parses as a CA certificate"

  local cts_pid
  cts_pid=$(cat "$PEBBLE_RUN_DIR/challtestsrv.pid")
  assert_loopback_only "$PEBBLE_PID" pebble
  assert_loopback_only "$cts_pid" pebble-challtestsrv
  pass "Pebble and pebble-challtestsrv listen on 127.0.0.1 only"

  local started="$PEBBLE_PID $cts_pid"
  if [[ ,$mode, == *,restart,* ]]; then
    local old_pid=$PEBBLE_PID old_root
    old_root=$(cat "$CERTKEEP_TEST_PEBBLE_ROOT")
    bash "$PT/pebble.sh" restart >/dev/null || fail "pebble.sh restart failed"
    # shellcheck source=/dev/null
    source "$PEBBLE_RUN_DIR/env"
    [ "$PEBBLE_PID" != "$old_pid" ] || fail "restart kept the same PID"
    pt_pid_alive "$old_pid" && fail "the old Pebble (PID $old_pid) still runs after restart"
    [[ $CERTKEEP_TEST_DIRECTORY_URL == "https://127.0.0.1:$port/dir" ]] || fail "restart changed the port"
    curl -fsS --noproxy '*' --cacert "$CERTKEEP_TEST_CA_BUNDLE" -o /dev/null "$CERTKEEP_TEST_DIRECTORY_URL" ||
      fail "directory does not answer after restart"
    openssl x509 -in "$CERTKEEP_TEST_PEBBLE_ROOT" -noout || fail "root after restart does not parse"
    [ "$(cat "$CERTKEEP_TEST_PEBBLE_ROOT")" != "$old_root" ] || fail "root file not refreshed after restart"
    assert_loopback_only "$PEBBLE_PID" "restarted pebble"
    started="$started $PEBBLE_PID"
    pass "restart: new process, same port, new root"
  fi

  {
    echo "PIDS='$started $$'"
    echo "PORTS='$(tr '\n' ' ' <"$PEBBLE_RUN_DIR/reserved-ports")'"
    echo "RUN_DIR='$PEBBLE_RUN_DIR'"
  } >"$record.tmp"
  mv "$record.tmp" "$record"

  case ${mode##*,} in
    peer:*) # Hold Pebble until the other harness has recorded its own.
      local peer=${mode##*peer:} i
      for ((i = 0; i < 600; i++)); do [ -f "$peer" ] && return 0; sleep 0.05; done
      fail "the other harness never came up" ;;
    hold) # Wait to be stopped; give up when with-pebble.sh is gone.
      local parent=$PPID i
      for ((i = 0; i < 1200; i++)); do pt_pid_alive "$parent" || exit 0; sleep 0.05; done
      fail "nobody stopped the held harness" ;;
  esac
}

if [ "${1:-}" = --inside ]; then
  inside "$2" "${3:-}"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Outside: how each way of ending leaves the machine.

# The checks below expect the harness's defaults, whatever the caller's environment holds.
unset PEBBLE_RUN_DIR PEBBLE_WFE_NONCEREJECT PEBBLE_VA_NOSLEEP PEBBLE_CERT_VALIDITY_SECONDS \
  PEBBLE_AUTHZREUSE CERTKEEP_HTTP01_PORT PEBBLE_KEEP_RUN_DIR PEBBLE_STRICT

WORK=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-selftest.XXXXXX")
BG_PIDS=()
cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Loads RECORD and asserts that everything it names is gone: processes, ports, reservations
# and the run directory. WAIT_MS allows for a watchdog's delay.
# shellcheck disable=SC2153 # PIDS and RUN_DIR come from the record it sources
assert_all_gone() {
  local record=$1 what=$2 wait_ms=${3:-0} pid port end
  [ -f "$record" ] || fail "$what: nothing was recorded"
  # shellcheck source=/dev/null
  source "$record"
  end=$(($(pt_now_ms) + wait_ms))
  for pid in $PIDS; do
    while pt_pid_alive "$pid" && (($(pt_now_ms) < end)); do sleep 0.05; done
  done
  while [ -e "$RUN_DIR" ] && (($(pt_now_ms) < end)); do sleep 0.05; done
  for pid in $PIDS; do
    if pt_pid_alive "$pid"; then
      pt_pebble_stop "$RUN_DIR"
      fail "$what: PID $pid still runs"
    fi
  done
  for port in $PORTS; do
    pt_port_busy "$port" && fail "$what: port $port still in use"
    [ ! -e "$PT_PORT_LOCKS/$port" ] || fail "$what: port $port still reserved"
  done
  [ ! -e "$RUN_DIR" ] || fail "$what: run directory $RUN_DIR left behind"
  return 0
}

wait_for_file() {
  local file=$1 i
  for ((i = 0; i < 600; i++)); do [ -f "$file" ] && return 0; sleep 0.05; done
  fail "$file did not appear within 30 s"
}

echo "== one harness: checks inside, restart, then everything gone"
bash "$PT/with-pebble.sh" bash "$HARNESS/selftest.sh" --inside "$WORK/one" restart ||
  fail "with-pebble.sh exited $? for a passing command"
assert_all_gone "$WORK/one" "after a normal exit"
pass "after exit: processes gone, ports free, run directory removed"

echo "== the command's status is with-pebble.sh's status"
status=0
bash "$PT/with-pebble.sh" bash -c 'exit 7' 2>"$WORK/seven.err" || status=$?
[ "$status" = 7 ] || fail "with-pebble.sh exited $status for a command that exited 7"
grep -q "pebble.log" "$WORK/seven.err" || fail "a failing command does not show Pebble's log"
pass "exit status 7 passed through, logs shown on failure"

echo "== two harnesses at once get distinct ports"
bash "$PT/with-pebble.sh" bash "$HARNESS/selftest.sh" --inside "$WORK/a" "peer:$WORK/b" >"$WORK/a.out" 2>&1 &
pid_a=$!
bash "$PT/with-pebble.sh" bash "$HARNESS/selftest.sh" --inside "$WORK/b" "peer:$WORK/a" >"$WORK/b.out" 2>&1 &
pid_b=$!
BG_PIDS+=("$pid_a" "$pid_b")
status_a=0 status_b=0
wait "$pid_a" || status_a=$?
wait "$pid_b" || status_b=$?
[ "$status_a" = 0 ] || fail "first concurrent harness exited $status_a: $(cat "$WORK/a.out")"
[ "$status_b" = 0 ] || fail "second concurrent harness exited $status_b: $(cat "$WORK/b.out")"
# shellcheck source=/dev/null
ports_a=$(source "$WORK/a" && echo "$PORTS")
# shellcheck source=/dev/null
ports_b=$(source "$WORK/b" && echo "$PORTS")
shared=$(comm -12 <(tr ' ' '\n' <<<"$ports_a" | sed '/^$/d' | sort) <(tr ' ' '\n' <<<"$ports_b" | sed '/^$/d' | sort))
[ -z "$shared" ] || fail "both harnesses used port(s) $shared"
[ "$(wc -w <<<"$ports_a")" -ge 5 ] || fail "too few ports recorded: $ports_a"
assert_all_gone "$WORK/a" "first concurrent harness"
assert_all_gone "$WORK/b" "second concurrent harness"
pass "concurrent harnesses: ports $ports_a | $ports_b"

echo "== SIGTERM to with-pebble.sh stops the command and Pebble"
bash "$PT/with-pebble.sh" bash "$HARNESS/selftest.sh" --inside "$WORK/term" hold >"$WORK/term.out" 2>&1 &
pid=$!
BG_PIDS+=("$pid")
wait_for_file "$WORK/term"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 143 ] || fail "with-pebble.sh exited $status after SIGTERM, want 143: $(cat "$WORK/term.out")"
assert_all_gone "$WORK/term" "after SIGTERM"
pass "SIGTERM: exit 143, everything stopped"

echo "== SIGKILL to with-pebble.sh (a ctest timeout) still stops everything, a restarted Pebble too"
bash "$PT/with-pebble.sh" bash "$HARNESS/selftest.sh" --inside "$WORK/kill" restart,hold >"$WORK/kill.out" 2>&1 &
pid=$!
BG_PIDS+=("$pid")
wait_for_file "$WORK/kill"
exec 3>&2 2>/dev/null # no "Killed" job notice
kill -KILL "$pid"
wait "$pid" || true
exec 2>&3 3>&-
# Pebble gets SIGTERM from its parent-death signal, the watchdog (polling every second)
# stops the restarted Pebble, which is nobody's child, frees the ports and removes RUN_DIR.
assert_all_gone "$WORK/kill" "after SIGKILL" 10000
pass "SIGKILL: processes, ports and run directory cleaned up by the watchdog"

echo "== pebble.sh start/env/stop by hand, with Pebble's variables passed through"
run_dir="$WORK/manual"
mkdir "$run_dir"
printed=$(PEBBLE_RUN_DIR="$run_dir" PEBBLE_CERT_VALIDITY_SECONDS=3600 PEBBLE_WFE_NONCEREJECT=50 \
  PEBBLE_AUTHZREUSE=100 bash "$PT/pebble.sh" start 2>"$WORK/manual.err") ||
  fail "pebble.sh start failed: $(cat "$WORK/manual.err")"
[ "$printed" = "$run_dir" ] || fail "pebble.sh start printed '$printed', want the run directory"
grep -q '"certificateValidityPeriod": 3600' "$run_dir/pebble-config.json" ||
  fail "PEBBLE_CERT_VALIDITY_SECONDS did not reach the config"
env_text=$(bash "$PT/pebble.sh" env "$run_dir")
grep -q "PEBBLE_WFE_NONCEREJECT=50" <<<"$env_text" || fail "env does not carry PEBBLE_WFE_NONCEREJECT=50"
manual_pid=$(cat "$run_dir/pebble.pid")
manual_cts=$(cat "$run_dir/challtestsrv.pid")
tr '\0' '\n' <"/proc/$manual_pid/environ" | grep -qx "PEBBLE_WFE_NONCEREJECT=50" ||
  fail "Pebble did not get PEBBLE_WFE_NONCEREJECT=50"
tr '\0' '\n' <"/proc/$manual_pid/environ" | grep -qx "PEBBLE_AUTHZREUSE=100" ||
  fail "Pebble did not get PEBBLE_AUTHZREUSE=100"
(
  # shellcheck source=/dev/null
  source "$run_dir/env"
  EXPECT_NONCEREJECT=50 bash "$HARNESS/selftest.sh" --inside "$WORK/manual.record"
) || fail "checks against the hand-started Pebble failed"
manual_ports=$(cat "$run_dir/reserved-ports")
bash "$PT/pebble.sh" stop "$run_dir" || fail "pebble.sh stop failed"
for p in "$manual_pid" "$manual_cts"; do
  pt_pid_alive "$p" && fail "PID $p still runs after pebble.sh stop"
done
for port in $manual_ports; do
  pt_port_busy "$port" && fail "port $port still in use after pebble.sh stop"
  [ ! -e "$PT_PORT_LOCKS/$port" ] || fail "port $port still reserved after pebble.sh stop"
done
[ -d "$run_dir" ] || fail "pebble.sh stop removed a run directory it was given"
pass "pebble.sh start/env/stop"

echo "all harness checks passed"
