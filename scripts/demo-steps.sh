#!/usr/bin/env bash
# The steps of scripts/demo.sh, run inside pebble-test/with-pebble.sh (which provides
# CERTKEEP_TEST_DIRECTORY_URL, CERTKEEP_TEST_CA_BUNDLE, CERTKEEP_HTTP01_PORT).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

demo=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-demo.XXXXXX")
state="$demo/state"
terminator_pid=""
server_pid=""
finish() {
  if [ -n "$terminator_pid" ]; then kill "$terminator_pid" 2>/dev/null || true; wait "$terminator_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$demo"
}
trap finish EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
ck() { "$CERTKEEP_BIN" --state-dir "$state" "$@"; }
cert_summary() {
  openssl x509 -in "$1" -noout -subject -issuer -serial -enddate -ext subjectAltName | sed 's/^/    /'
}
served_serial() {  # the serial served on 127.0.0.1:$2 for SNI name $1 (empty if none)
  # s_client exits 1 when a server closes without close_notify (Python's does): under pipefail
  # that must not end the script; an empty answer is caught by the caller's comparison.
  echo | openssl s_client -connect "127.0.0.1:$2" -servername "$1" -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" \
    2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2 || true
}

step "1. issue a certificate from the local Pebble (HTTP-01 answered by certkeep's own responder)"
# The deploy hook reloads an external HTTPS server (a stand-in for nginx) once it runs; its
# command text names no certificate data, only the CERTKEEP_* environment does.
cat > "$demo/hook.sh" <<'HOOK'
echo "    deploy hook: $CERTKEEP_NAME now has serial $CERTKEEP_SERIAL (files in $(dirname "$CERTKEEP_CERT"))"
if [ -f "$DEMO_SERVER_PIDFILE" ]; then kill -HUP "$(cat "$DEMO_SERVER_PIDFILE")"; echo "    deploy hook: sent SIGHUP to the external server"; fi
HOOK
run "$CERTKEEP_BIN" --state-dir "$state" issue -d demo.example.com -d www.demo.example.com \
  --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
  --agree-tos --email ops@example.com --http-listen "127.0.0.1:$CERTKEEP_HTTP01_PORT" \
  --deploy-hook "DEMO_SERVER_PIDFILE=$demo/server.pid sh $demo/hook.sh"

step "2. show it"
run ls -l "$state/live/demo.example.com/"
cert_summary "$state/live/demo.example.com/cert.pem"
run "$CERTKEEP_BIN" --state-dir "$state" list
run "$CERTKEEP_BIN" --state-dir "$state" show demo.example.com
old_serial=$(openssl x509 -in "$state/live/demo.example.com/cert.pem" -noout -serial | cut -d= -f2)

step "2b. an external HTTPS server (nginx's role) serves the deployed files"
server_port=$(source "$here/../pebble-test/lib.sh"; pt_reserve_port "$PEBBLE_RUN_DIR")
python3 "$here/../examples/external-server/reloading_https_server.py" \
  "$state/live/demo.example.com/fullchain.pem" "$state/live/demo.example.com/privkey.pem" "$server_port" \
  "$demo/server.pid" >"$demo/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do grep -q listening "$demo/server.log" 2>/dev/null && break; sleep 0.05; done
echo "    external server (pid $server_pid) on 127.0.0.1:$server_port serves serial $(served_serial demo.example.com "$server_port")"

step "3. renew it (nothing is due, then forced): the stored settings are reused, no flags needed"
run "$CERTKEEP_BIN" --state-dir "$state" renew
run "$CERTKEEP_BIN" --state-dir "$state" renew --force
new_serial=$(openssl x509 -in "$state/live/demo.example.com/cert.pem" -noout -serial | cut -d= -f2)
echo "    serial before: $old_serial"
echo "    serial after:  $new_serial"
[ "$old_serial" != "$new_serial" ] || { echo "renewal did not change the certificate" >&2; exit 1; }
# The hook's kill -HUP returns before the server has handled it (as with nginx): wait for its
# "reloaded" line, boundedly, then ask it.
for _ in $(seq 100); do grep -q reloaded "$demo/server.log" 2>/dev/null && break; sleep 0.05; done
external=$(served_serial demo.example.com "$server_port")
echo "    external server (same pid $server_pid) now serves serial $external"
[ "$external" = "$new_serial" ] || { echo "the deploy hook did not reload the external server" >&2; exit 1; }

step "4. a TLS terminator that links libcertkeep picks up a renewal live, without a restart"
https_port=$(source "$here/../pebble-test/lib.sh"; pt_reserve_port "$PEBBLE_RUN_DIR")
"$CERTKEEP_TERMINATOR_BIN" --state-dir "$demo/terminator" --server "$CERTKEEP_TEST_DIRECTORY_URL" \
  --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --http-port "$CERTKEEP_HTTP01_PORT" --https-port "$https_port" \
  -d app.example.com >"$demo/terminator.log" 2>&1 &
terminator_pid=$!
first=""
for _ in $(seq 1 300); do
  first=$(served_serial app.example.com "$https_port" || true)
  [ -n "$first" ] && break
  kill -0 "$terminator_pid" 2>/dev/null || { cat "$demo/terminator.log"; exit 1; }
  sleep 0.1
done
[ -n "$first" ] || { echo "terminator never served a certificate" >&2; cat "$demo/terminator.log"; exit 1; }
echo "    terminator (pid $terminator_pid) serves serial $first"
echo "$ kill -USR1 $terminator_pid    # ask it to renew now"
kill -USR1 "$terminator_pid"
second="$first"
for _ in $(seq 1 300); do
  second=$(served_serial app.example.com "$https_port" || true)
  [ -n "$second" ] && [ "$second" != "$first" ] && break
  sleep 0.1
done
[ "$second" != "$first" ] || { echo "terminator did not pick up the renewal" >&2; cat "$demo/terminator.log"; exit 1; }
kill -0 "$terminator_pid" || { echo "terminator restarted?" >&2; exit 1; }
echo "    terminator (same pid $terminator_pid) now serves serial $second"
sed 's/^/    log: /' "$demo/terminator.log" | tail -n 8

step "done: issued, shown, renewed, reloaded into an external server by the deploy hook, and hot-swapped in a running terminator"
