# shellcheck shell=bash
# Sourced by pebble-test/cli/*.sh: drives the real certkeep binary against the Pebble that
# with-pebble.sh started (its variables: CERTKEEP_TEST_DIRECTORY_URL, CERTKEEP_TEST_CA_BUNDLE,
# CERTKEEP_TEST_PEBBLE_ROOT, CERTKEEP_HTTP01_PORT) and asserts on files, exit codes and output.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${CERTKEEP_BIN:?CERTKEEP_BIN must point at the certkeep binary}"
: "${CERTKEEP_TEST_DIRECTORY_URL:?run under pebble-test/with-pebble.sh}"

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-cli.XXXXXX")
STATE="$TEST_DIR/state"
# Test-owned background processes, stopped by PID on exit.
TEST_PIDS=()
cleanup_test() {
  local pid
  for pid in "${TEST_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${TEST_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TEST_DIR"
}
trap cleanup_test EXIT

# Runs certkeep OFFSET in the future (e.g. +50m) through libfaketime, preloaded directly rather
# than through the faketime wrapper, so the certkeep process is the one that gets signals and
# whose PID $! names. The monotonic clock is left alone: timed waits on it would hang.
# For a background run: env $(future_env +50m) "$CERTKEEP_BIN" … &  (env execs, so $! is certkeep).
future_env() {
  local lib
  lib=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketimeMT\.so\.1$' || true)
  [ -n "$lib" ] || fail "libfaketime is not installed"
  # A sanitized build must not insist on coming first in the library list: libfaketime does.
  printf '%s\n' "LD_PRELOAD=$lib" "FAKETIME=$1" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}
in_future() {
  local offset=$1; shift
  local settings
  settings=$(future_env "$offset")
  # shellcheck disable=SC2086 # one assignment per line, none with spaces
  env $settings "$CERTKEEP_BIN" --state-dir "$STATE" "$@"
}

# certkeep with this test's state directory.
ck() { "$CERTKEEP_BIN" --state-dir "$STATE" "$@"; }

# The flags every issuance against the test Pebble needs (standalone responder on the port
# Pebble's VA dials). SERVER: another directory URL trusted through the same bundle.
# shellcheck disable=SC2120  # faults/fault-common.bash passes the fake CA's URL
pebble_flags() {
  printf '%s\n' --server "${1:-$CERTKEEP_TEST_DIRECTORY_URL}" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
    --agree-tos --email ops@example.com --standalone --http-listen "127.0.0.1:$CERTKEEP_HTTP01_PORT"
}
issue() {
  local flags
  # shellcheck disable=SC2119  # Pebble's own URL here
  mapfile -t flags < <(pebble_flags)
  ck issue "${flags[@]}" "$@"
}

file_mode() { stat -c %a "$1"; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# The DNS names of a certificate's SAN, sorted, one per line.
san_names() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr ',' '\n' |
    sed -E 's/^ *DNS://' | sed '/^ *$/d' | sort
}

# Every promise about live/<name>: the four files, modes, the chain verifying up to Pebble's
# root, the key matching the certificate and the SANs exactly the names given.
assert_live() {
  local name=$1; shift
  local live="$STATE/live/$name"
  local f
  for f in cert chain fullchain privkey; do
    [ -s "$live/$f.pem" ] || fail "$live/$f.pem missing or empty"
  done
  [ "$(file_mode "$live/privkey.pem")" = 600 ] || fail "privkey.pem mode $(file_mode "$live/privkey.pem"), want 600"
  [ "$(file_mode "$(readlink -f "$live")")" = 700 ] || fail "live directory not 0700"
  [ "$(file_mode "$STATE")" = 700 ] || fail "state directory not 0700"
  [ "$(cat "$live/cert.pem" "$live/chain.pem")" = "$(cat "$live/fullchain.pem")" ] ||
    fail "fullchain.pem is not cert.pem + chain.pem"
  openssl verify -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null ||
    fail "chain does not verify against Pebble's root"
  [ "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$live/privkey.pem" -pubout)" ] ||
    fail "private key does not match the certificate"
  local want
  want=$(printf '%s\n' "$@" | sort)
  [ "$(san_names "$live/cert.pem")" = "$want" ] ||
    fail "SANs $(san_names "$live/cert.pem" | tr '\n' ' ') != $(echo "$want" | tr '\n' ' ')"
}

# A checksum of everything a failed run must leave untouched.
live_fingerprint() {
  local name=$1
  (cd "$STATE/live/$name" && sha256sum cert.pem chain.pem fullchain.pem privkey.pem)
}

# ---- what the store holds ---------------------------------------------------------------
# Tests read lineages and their events the way a script would, through `show --json` and
# `list --json` (jq).

# FIELD of lineage NAME's record in `show --json` ("" when null).
lineage_field() {
  ck show --json "$1" | jq -r --arg field "$2" '.lineage[$field] | if . == null then "" else . end'
}
# The serial of NAME's stored certificate; "" when there is none, or no lineage NAME at all.
lineage_serial() { { ck show --json "$1" 2>/dev/null || echo '{}'; } | jq -r '.lineage.serial // ""'; }
# The number of NAME's events of KIND (every event: `show --events 0`).
event_count() {
  ck show --json --events 0 "$1" | jq --arg kind "$2" '[.events[] | select(.kind == $kind)] | length'
}
# "KIND SERIAL" of each of NAME's events, oldest first, one per line.
event_list() { ck show --json --events 0 "$1" | jq -r '.events[] | "\(.kind) \(.serial)"'; }
# The serial of NAME's latest event of KIND.
event_serial() {
  ck show --json --events 0 "$1" | jq -r --arg kind "$2" '[.events[] | select(.kind == $kind)] | last | .serial // ""'
}
# The number of events of KIND over every lineage.
event_count_all() {
  local name total=0
  for name in $(ck list --json | jq -r '.lineages[].name'); do total=$((total + $(event_count "$name" "$1"))); done
  echo "$total"
}

# What no command shows (the accounts, orders in flight, leases, the stored PEMs, the
# integrity check): the crash and fault tests check these internals on purpose, read-only,
# through the sqlite3 CLI.
store_query() { sqlite3 -cmd ".timeout 5000" "$STATE/certkeep.db" "$1"; }

# Runs the store's integrity check.
assert_store_ok() {
  local result
  result=$(store_query 'PRAGMA integrity_check;')
  [ "$result" = ok ] || fail "store integrity_check: $result"
}

# ---- a real nginx -----------------------------------------------------------------------
# start_nginx NAME: starts Debian's nginx on a free 127.0.0.1 port (NGINX_PORT) with its own
# config, pid file and logs under $TEST_DIR/nginx, serving live/NAME/ over TLS, in the
# foreground (a child of this test, stopped with it). NGINX_RELOAD is the command that reloads
# it (for a deploy hook). Waits until it serves.
start_nginx() {
  local name=$1
  command -v nginx >/dev/null || fail "nginx is not installed (scripts/install-deps.sh installs nginx-light)"
  NGINX_DIR="$TEST_DIR/nginx"
  mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/tmp"
  NGINX_PORT=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
  cat >"$NGINX_DIR/nginx.conf" <<CONF
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $STATE/live/$name/fullchain.pem;
    ssl_certificate_key $STATE/live/$name/privkey.pem;
    location / { return 200 "ok\n"; }
  }
}
CONF
  # shellcheck disable=SC2034 # read by the tests that call start_nginx
  NGINX_RELOAD="nginx -p $NGINX_DIR -c $NGINX_DIR/nginx.conf -s reload"
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' >"$NGINX_DIR/logs/stdout" 2>&1 &
  TEST_PIDS+=("$!")
  local _
  for _ in $(seq 200); do
    [ -n "$(served_serial "$NGINX_PORT" "$name")" ] && return 0
    sleep 0.05
  done
  fail "nginx does not serve on 127.0.0.1:$NGINX_PORT: $(cat "$NGINX_DIR/logs/error.log")"
}

# served_serial PORT SNI: the serial of the leaf 127.0.0.1:PORT serves for SNI ("" when none).
served_serial() {
  echo | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername "$2" 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
