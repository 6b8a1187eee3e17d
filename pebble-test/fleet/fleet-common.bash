# shellcheck shell=bash
# Sourced by pebble-test/fleet/*.sh (named .bash so the suite's *.sh glob does not take it for a
# test): a work directory, the fleet's processes (example terminators, `certkeep daemon`
# renewers, the loopback balancer) started in the background and stopped by PID on any exit,
# and the checks the fleet tests share.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${CERTKEEP_BIN:?}" "${CERTKEEP_TERMINATOR_BIN:?}"
: "${CERTKEEP_TEST_DIRECTORY_URL:?run under pebble-test/with-pebble.sh}"
: "${CERTKEEP_TEST_POSTGRES_URL:?run under pebble-test/with-postgres.sh}"

LEASE_TTL=${LEASE_TTL:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-fleet.XXXXXX")
# postgres-common.bash's helpers write their errors here.
TEST_DIR=$WORK
PIDS=()
declare -a TERMINATOR_PIDS
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if pt_pid_alive "$pid"; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  pt_release_ports "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT
FAIL_LOGS+=("$WORK")

pg() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$CERTKEEP_TEST_POSTGRES_URL" -c "$1"; }

# start_balancer LISTEN_PORT BACKEND_PORT...: the loopback balancer on LISTEN_PORT (the port
# Pebble's validator dials), handing each connection to the next backend in turn.
start_balancer() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/balancer.py" "$@" >"$WORK/balancer.log" 2>&1 &
  PIDS+=($!)
  wait_for_line --pid "$!" "$WORK/balancer.log" '^listening'
}

# start_terminator N HTTP_PORT HTTPS_PORT NAME...: example terminator N on the shared store, a
# lineage per name, no renewal thread (the renewers renew), and the names proved by
# FLEET_CHALLENGE (http-01 by default, or tls-alpn-01 on the HTTPS port). The first one started orders
# the certificates the store lacks. Its PID: TERMINATOR_PIDS[N]; its output: terminatorN.log.
start_terminator() {
  local n=$1 http=$2 https=$3 name
  shift 3
  local names=()
  for name in "$@"; do names+=(-d "$name"); done
  "$CERTKEEP_TERMINATOR_BIN" --state-dir "$WORK/t$n" --store "$CERTKEEP_TEST_POSTGRES_URL" \
    --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --email ops@example.com \
    --http-port "$http" --https-port "$https" --lineage-per-name 1 --renew 0 \
    --challenge "${FLEET_CHALLENGE:-http-01}" "${names[@]}" >"$WORK/terminator$n.log" 2>&1 &
  PIDS+=($!)
  TERMINATOR_PIDS[n]=$!
}

# start_renewer NAME [ENV...]: `certkeep daemon` NAME on the shared store, checking every second
# with RENEWER_CONCURRENCY (default 2) renewals at a time; its PID: ${PIDS[-1]}.
start_renewer() {
  local name=$1
  shift
  env "$@" "$CERTKEEP_BIN" --state-dir "$WORK/$name" --store "$CERTKEEP_TEST_POSTGRES_URL" \
    daemon --recheck 1 --concurrency "${RENEWER_CONCURRENCY:-2}" --lease-ttl "$LEASE_TTL" \
    >"$WORK/renewer-$name.log" 2>&1 &
  PIDS+=($!)
}

# The serial (hex, as the terminator prints it) of the certificate an HTTPS handshake for NAME
# gets from the terminator on PORT, the chain verified up to Pebble's root (unless a CURL_OPTION
# says --insecure).
terminator_serial() {
  local port=$1 name=$2 answer
  shift 2
  answer=$(curl -sS --max-time 5 --cacert "$CERTKEEP_TEST_PEBBLE_ROOT" "$@" \
    --resolve "$name:$port:127.0.0.1" "https://$name:$port/") || return 1
  [[ $answer =~ serial\ ([0-9A-Fa-f]+) ]] || return 1
  echo "${BASH_REMATCH[1]}"
}

# Fails when a lineage was renewed twice in one period: a certificate is due half-way through
# its life (less its jitter, a thirtieth of the life in whole seconds), so two commits of one
# lineage closer than that less 2 s mean one certificate renewed twice. Reads PostgreSQL's
# commit timestamps (the server runs with track_commit_timestamp=on).
assert_renewed_once_per_period() {
  local validity_ms twice_ms twice
  validity_ms=$((${PEBBLE_CERT_VALIDITY_SECONDS:?} * 1000))
  twice_ms=$((validity_ms / 2 - validity_ms / 30 - 2000))
  twice=$(pg "SELECT string_agg(lineage || ' ' || gap_ms || ' ms', ', ') FROM (
    SELECT lineage, (extract(epoch FROM pg_xact_commit_timestamp(xmin) -
      lag(pg_xact_commit_timestamp(xmin)) OVER (PARTITION BY lineage ORDER BY id)) * 1000)::bigint AS gap_ms
    FROM events WHERE kind IN ('issued', 'renewed')) t WHERE gap_ms < $twice_ms")
  [ -z "$twice" ] || fail "renewed twice in one period: $twice"
}

# SIGTERM to every terminator started; each must exit 0.
stop_terminators() {
  local n
  for n in "${!TERMINATOR_PIDS[@]}"; do
    kill -TERM "${TERMINATOR_PIDS[n]}"
    wait "${TERMINATOR_PIDS[n]}" || fail "terminator $n exited $? after SIGTERM"
  done
}
