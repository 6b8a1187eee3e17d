#!/usr/bin/env bash
# pebble_demo.sh TERMINATOR: runs certkeep_terminator against the Pebble that
# pebble-test/with-pebble.sh started and checks the live swap end to end:
#
#   pebble-test/with-pebble.sh bash examples/terminator/pebble_demo.sh \
#       build/examples/terminator/certkeep_terminator
#
# 1. the first certificate is issued through the terminator's own HTTP port (HTTP-01);
# 2. HTTPS answers "hello, serial <X>" with that certificate, verified up to Pebble's root;
# 3. GET /.certkeep/renew and SIGUSR1 each renew it, and the next connection gets the new
#    serial without a restart; 4. SIGTERM stops it cleanly.
set -euo pipefail
# shellcheck source=../../pebble-test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../pebble-test/lib.sh"

bin=${1:?usage: pebble_demo.sh path/to/certkeep_terminator}
: "${CERTKEEP_TEST_DIRECTORY_URL:?run under pebble-test/with-pebble.sh}"
name=demo.example.com
work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-terminator.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ] && pt_pid_alive "$pid"; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pt_release_ports "$work"
  rm -rf "$work"
}
trap cleanup EXIT
# A failure shows the terminator's log (pebble-test/lib.sh's fail).
FAIL_LOGS+=("$work/log")

https_port=$(pt_reserve_port "$work")
"$bin" --state-dir "$work/state" --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
  --email ops@example.com --http-port "$CERTKEEP_HTTP01_PORT" --https-port "$https_port" -d "$name" \
  >"$work/log" 2>&1 &
pid=$!

hello() {
  curl -sS --fail --noproxy '*' --max-time 10 --cacert "$CERTKEEP_TEST_PEBBLE_ROOT" \
    --resolve "$name:$https_port:127.0.0.1" "https://$name:$https_port/"
}
serial_of_hello() { hello | sed -n 's/^hello, serial \([0-9A-F]*\)$/\1/p'; }

wait_for_line --pid "$pid" "$work/log" '^ready'
first=$(sed -n 's/^ready .* serial \([0-9A-F]*\)$/\1/p' "$work/log")
[ -n "$first" ] || fail "no serial on the ready line"
[ "$(serial_of_hello)" = "$first" ] || fail "HTTPS does not serve the issued certificate $first"
echo "ok: issued through the terminator's HTTP port and served over HTTPS (serial $first)"

code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$CERTKEEP_HTTP01_PORT/.well-known/acme-challenge/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
[ "$code" = 404 ] || fail "an unknown challenge token got HTTP $code"
echo "ok: an unknown challenge token gets 404"

curl -sS --fail --noproxy '*' --max-time 120 "http://127.0.0.1:$CERTKEEP_HTTP01_PORT/.certkeep/renew" >"$work/renew.out" ||
  fail "the control URL did not renew"
second=$(serial_of_hello)
[[ -n "$second" && "$second" != "$first" ]] || fail "after /.certkeep/renew HTTPS still serves $first"
grep -q "serial $second" "$work/renew.out" || fail "the control URL's answer does not name $second"
echo "ok: GET /.certkeep/renew swapped the certificate live (serial $second)"

kill -USR1 "$pid"
wait_for_line --count 2 --pid "$pid" "$work/log" '^event renewed'
third=$(serial_of_hello)
[[ -n "$third" && "$third" != "$second" ]] || fail "after SIGUSR1 HTTPS still serves $second"
echo "ok: SIGUSR1 swapped the certificate live (serial $third)"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
echo "ok: SIGTERM stops it (exit 0)"
