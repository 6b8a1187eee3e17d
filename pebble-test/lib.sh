# shellcheck shell=bash
# Shared functions of the Pebble harness, sourced by pebble.sh, with-pebble.sh and the
# self-test. Everything binds to 127.0.0.1 only; every process it starts is recorded in
# RUN_DIR/*.pid and stopped by exactly that PID (never by name).
#
# Ports are chosen at random below the kernel's ephemeral range and reserved with a lock
# directory per port (/tmp/certkeep-pebble-ports-<uid>/<port>), so two harnesses started at
# the same moment (ctest -j) never pick the same port, and an outgoing connection cannot
# take a chosen port before Pebble binds it.

PT_PORT_LOCKS=${CERTKEEP_PORT_LOCK_DIR:-/tmp/certkeep-pebble-ports-$(id -u)}
PT_START_DEADLINE=${PEBBLE_START_DEADLINE:-20}

pt_log() { printf '[pebble-test] %s\n' "$*" >&2; }
pt_die() { pt_log "error: $*"; exit 1; }

# Milliseconds since the epoch (bash 5's EPOCHREALTIME, no fork).
pt_now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((10#$t / 1000))
}

# True while PID runs; a zombie (exited, not yet reaped) counts as gone.
pt_pid_alive() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# True when some socket (TCP or UDP, listening or not, any address) uses local PORT.
pt_port_busy() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Htuan "( sport = :$port )" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# The range free ports are drawn from: below the ephemeral range when it leaves room, else above.
pt_port_range() {
  local low=32768 high=60999
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
    read -r low high </proc/sys/net/ipv4/ip_local_port_range
  fi
  if ((low - 1 > 12000)); then
    echo "10000 $((low - 1))"
  elif ((high + 1 < 63000)); then
    echo "$((high + 1)) 65535"
  else
    echo "10000 65535"
  fi
}

# A reservation is stale when its owner's run directory is gone, no longer lists the port, or
# none of its processes runs; a fresh one (under a minute) is never stale, as its owner may
# still be starting.
pt_reservation_stale() {
  local lock=$1 port=${1##*/} owner age pidfile
  age=$(($(date +%s) - $(stat -c %Y "$lock" 2>/dev/null || echo 0)))
  ((age >= 60)) || return 1
  owner=$(cat "$lock/owner" 2>/dev/null) || return 0
  [ -d "$owner" ] || return 0
  grep -qx "$port" "$owner/reserved-ports" 2>/dev/null || return 0
  for pidfile in "$owner"/*.pid; do
    [ -e "$pidfile" ] || continue
    pt_pid_alive "$(cat "$pidfile" 2>/dev/null)" && return 1
  done
  return 0
}

# Prints a free 127.0.0.1 port reserved for OWNER_DIR (a run directory) until pt_release_ports.
pt_reserve_port() {
  local owner=$1 low high port lock attempt
  read -r low high < <(pt_port_range)
  mkdir -p "$PT_PORT_LOCKS"
  chmod 700 "$PT_PORT_LOCKS" 2>/dev/null || true
  for ((attempt = 0; attempt < 500; attempt++)); do
    port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
    lock=$PT_PORT_LOCKS/$port
    if mkdir "$lock" 2>/dev/null; then
      printf '%s\n' "$owner" >"$lock/owner"
      if pt_port_busy "$port"; then
        rm -rf "$lock"
        continue
      fi
      printf '%s\n' "$port" >>"$owner/reserved-ports"
      echo "$port"
      return 0
    elif pt_reservation_stale "$lock"; then
      rm -rf "$lock"
    fi
  done
  pt_log "no free port found in $low-$high"
  return 1
}

# Drops every reservation OWNER_DIR holds.
pt_release_ports() {
  local owner=$1 port
  [ -f "$owner/reserved-ports" ] || return 0
  while read -r port; do
    [ -n "$port" ] || continue
    if [ "$(cat "$PT_PORT_LOCKS/$port/owner" 2>/dev/null)" = "$owner" ]; then
      rm -rf "${PT_PORT_LOCKS:?}/$port"
    fi
  done <"$owner/reserved-ports"
  rm -f "$owner/reserved-ports"
}

# Waits until URL answers. Options: --cacert FILE (HTTPS trust), --any-status (any HTTP answer
# counts, else only 2xx), --deadline-ms N, --pid PID (give up early when PID exits).
# Returns 0 when it answered, 1 at the deadline, 2 when a watched process died.
pt_wait_url() {
  local url="" cacert="" any=0 deadline_ms=$((PT_START_DEADLINE * 1000)) pids=() end pid
  while [ $# -gt 0 ]; do
    case $1 in
      --cacert) cacert=$2; shift 2 ;;
      --any-status) any=1; shift ;;
      --deadline-ms) deadline_ms=$2; shift 2 ;;
      --pid) pids+=("$2"); shift 2 ;;
      *) url=$1; shift ;;
    esac
  done
  local args=(-s -o /dev/null --noproxy '*' --max-time 2)
  [ -n "$cacert" ] && args+=(--cacert "$cacert")
  [ "$any" = 1 ] || args+=(-f)
  end=$(($(pt_now_ms) + deadline_ms))
  while :; do
    curl "${args[@]}" "$url" && return 0
    for pid in "${pids[@]}"; do
      pt_pid_alive "$pid" || return 2
    done
    (($(pt_now_ms) < end)) || return 1
    sleep 0.05
  done
}

# May this shell signal PID from a pid file? Only when it is one of ours: a Pebble or BIND binary
# (or setpriv about to exec one), or a child of this shell. Guards against a recycled PID.
pt_pid_is_ours() {
  local pid=$1 exe stat ppid
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}
  case ${exe##*/} in pebble | pebble-challtestsrv | named | setpriv) return 0 ;; esac
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  read -r _ ppid _ <<<"$stat"
  [ "$ppid" = "$$" ]
}

# Stops the processes of the given pid files: TERM, up to 5 s, then KILL. Removes the files.
pt_kill_pidfiles() {
  local file pid pids=() end
  for file in "$@"; do
    [ -f "$file" ] || continue
    pid=$(cat "$file" 2>/dev/null || true)
    if pt_pid_alive "$pid" && pt_pid_is_ours "$pid"; then
      pids+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  end=$(($(pt_now_ms) + 5000))
  for pid in "${pids[@]}"; do
    while pt_pid_alive "$pid" && (($(pt_now_ms) < end)); do sleep 0.05; done
    if pt_pid_alive "$pid"; then
      pt_log "PID $pid ignored SIGTERM for 5 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while pt_pid_alive "$pid"; do sleep 0.05; done
    fi
    wait "$pid" 2>/dev/null || true # reap it when it is our child
  done
  rm -f "$@"
}

# The last lines of each log of RUN_DIR, on stderr.
pt_show_logs() {
  local run_dir=$1 log
  for log in "$run_dir"/*.log; do
    [ -f "$log" ] || continue
    pt_log "---- $log (last 40 lines)"
    tail -n 40 "$log" >&2
  done
}

# A throwaway CA and a server certificate for Pebble's own HTTPS (SANs IP:127.0.0.1 and
# DNS:localhost). The CA is what clients pass as --ca-bundle.
pt_make_tls() {
  local dir=$1
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/pebble-ca.key" -out "$dir/pebble-ca.pem" -days 3650 \
      -subj "/CN=certkeep test Pebble HTTPS CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" &&
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/pebble-server.key" -out "$dir/pebble-server.csr" -subj "/CN=localhost" &&
      printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$dir/pebble-server.ext" &&
      openssl x509 -req -in "$dir/pebble-server.csr" -CA "$dir/pebble-ca.pem" \
        -CAkey "$dir/pebble-ca.key" -CAcreateserial -days 3650 \
        -extfile "$dir/pebble-server.ext" -out "$dir/pebble-server.pem"
  ) >"$dir/openssl.log" 2>&1 || {
    cat "$dir/openssl.log" >&2
    pt_die "openssl could not make Pebble's TLS certificate"
  }
  chmod 644 "$dir/pebble-ca.pem" "$dir/pebble-server.pem"
}

# External Account Binding (PEBBLE_EAB=1): the two MAC keys of the pebble package's example
# configuration (/usr/share/doc/pebble/examples/pebble-config-external-account-bindings.json),
# as Pebble takes them: unpadded base64url. They are public test values.
PT_EAB_KID_1=kid-1
PT_EAB_KEY_1=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
PT_EAB_KID_2=kid-2
PT_EAB_KEY_2=b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH

pt_write_config() {
  local run_dir=$1 validity="" eab="false" mac_keys=""
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  if [ -n "${PEBBLE_CERT_VALIDITY_SECONDS:-}" ]; then
    [[ $PEBBLE_CERT_VALIDITY_SECONDS =~ ^[1-9][0-9]*$ ]] ||
      pt_die "PEBBLE_CERT_VALIDITY_SECONDS must be a positive integer, not '$PEBBLE_CERT_VALIDITY_SECONDS'"
    validity=",
    \"certificateValidityPeriod\": $PEBBLE_CERT_VALIDITY_SECONDS"
  fi
  case ${PEBBLE_EAB:-0} in
    0) ;;
    1)
      eab=true
      mac_keys=",
    \"externalAccountMACKeys\": {\"$PT_EAB_KID_1\": \"$PT_EAB_KEY_1\", \"$PT_EAB_KID_2\": \"$PT_EAB_KEY_2\"}"
      ;;
    *) pt_die "PEBBLE_EAB must be 0 or 1, not '$PEBBLE_EAB'" ;;
  esac
  cat >"$run_dir/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$ACME_PORT",
    "managementListenAddress": "127.0.0.1:$MGMT_PORT",
    "certificate": "$run_dir/pebble-server.pem",
    "privateKey": "$run_dir/pebble-server.key",
    "httpPort": $HTTP01_PORT,
    "tlsPort": $TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $eab$mac_keys$validity
  }
}
EOF
}

# Starts a background process with output to LOG and its PID in PIDFILE. With PT_TIE_TO_PARENT=1
# it gets SIGTERM when this shell dies, even by SIGKILL (a ctest timeout), so nothing leaks.
pt_spawn() {
  local pidfile=$1 log=$2
  shift 2
  local tie=()
  if [ "${PT_TIE_TO_PARENT:-0}" = 1 ] && command -v setpriv >/dev/null 2>&1; then
    tie=(setpriv --pdeathsig TERM --)
  fi
  "${tie[@]}" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

pt_spawn_challtestsrv() {
  local run_dir=$1
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  # Its own HTTP-01/HTTPS/TLS-ALPN responders are disabled (they would take :5002 etc. on all
  # interfaces); its DNS answers A with 127.0.0.1 and AAAA with nothing, so Pebble's VA dials
  # 127.0.0.1 where certkeep's responder listens.
  pt_spawn "$run_dir/challtestsrv.pid" "$run_dir/challtestsrv.log" \
    pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CTS_MGMT_PORT" \
    -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 ""
}

pt_spawn_pebble() {
  local run_dir=$1 strict=()
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  [ "${PEBBLE_STRICT:-1}" = 1 ] && strict=(-strict)
  # No random validation sleeps and no rejected nonces unless the caller asks for them.
  # PEBBLE_DNS_SERVER (with-bind.sh sets it) makes Pebble resolve through a BIND instead.
  PEBBLE_VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-1} PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
    pt_spawn "$run_dir/pebble.pid" "$run_dir/pebble.log" \
    pebble -config "$run_dir/pebble-config.json" -dnsserver "${PEBBLE_DNS_SERVER:-127.0.0.1:$DNS_PORT}" "${strict[@]}"
}

# Waits for Pebble's directory; returns pt_wait_url's status.
pt_wait_pebble() {
  local run_dir=$1
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  pt_wait_url "https://127.0.0.1:$ACME_PORT/dir" --cacert "$run_dir/pebble-ca.pem" \
    --pid "$(cat "$run_dir/pebble.pid")"
}

# Fetches the root of the certificates Pebble issues (new on every Pebble start).
pt_fetch_root() {
  local run_dir=$1
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  curl -fsS --noproxy '*' --max-time 10 --cacert "$run_dir/pebble-ca.pem" \
    -o "$run_dir/pebble-root.pem.tmp" "https://127.0.0.1:$MGMT_PORT/roots/0" ||
    pt_die "could not fetch Pebble's root from its management interface"
  openssl x509 -in "$run_dir/pebble-root.pem.tmp" -noout 2>/dev/null ||
    pt_die "Pebble's /roots/0 is not a PEM certificate"
  mv -f "$run_dir/pebble-root.pem.tmp" "$run_dir/pebble-root.pem"
}

pt_write_env() {
  local run_dir=$1 no_proxy_list
  # shellcheck source=/dev/null
  source "$run_dir/ports"
  no_proxy_list="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
  {
    echo "# Written by pebble-test/pebble.sh: source it to talk to this Pebble."
    printf 'export %s=%q\n' \
      CERTKEEP_TEST_DIRECTORY_URL "https://127.0.0.1:$ACME_PORT/dir" \
      CERTKEEP_TEST_CA_BUNDLE "$run_dir/pebble-ca.pem" \
      CERTKEEP_TEST_PEBBLE_ROOT "$run_dir/pebble-root.pem" \
      CERTKEEP_HTTP01_PORT "$HTTP01_PORT" \
      CERTKEEP_TLSALPN_PORT "$TLS_PORT" \
      PEBBLE_MGMT_URL "https://127.0.0.1:$MGMT_PORT" \
      PEBBLE_CHALLTESTSRV_URL "http://127.0.0.1:$CTS_MGMT_PORT" \
      PEBBLE_RUN_DIR "$run_dir" \
      PEBBLE_PID "$(cat "$run_dir/pebble.pid")" \
      PEBBLE_VA_NOSLEEP "${PEBBLE_VA_NOSLEEP:-1}" \
      PEBBLE_WFE_NONCEREJECT "${PEBBLE_WFE_NONCEREJECT:-0}" \
      no_proxy "$no_proxy_list" \
      NO_PROXY "$no_proxy_list"
    if [ "${PEBBLE_EAB:-0}" = 1 ]; then
      printf 'export %s=%q\n' \
        CERTKEEP_TEST_EAB_KID "$PT_EAB_KID_1" CERTKEEP_TEST_EAB_HMAC_KEY "$PT_EAB_KEY_1" \
        CERTKEEP_TEST_EAB_KID_2 "$PT_EAB_KID_2" CERTKEEP_TEST_EAB_HMAC_KEY_2 "$PT_EAB_KEY_2"
    fi
  } >"$run_dir/env.tmp"
  mv -f "$run_dir/env.tmp" "$run_dir/env"
}

# Starts pebble-challtestsrv and Pebble for RUN_DIR (created if needed) and writes RUN_DIR/env.
# Retries with other ports when a port was taken between the check and the bind.
pt_pebble_start() {
  local run_dir=$1 attempt status http01 pid log
  mkdir -p "$run_dir"
  chmod 700 "$run_dir"
  for pid in "$run_dir"/*.pid; do
    [ -e "$pid" ] || continue
    pt_pid_alive "$(cat "$pid")" && pt_die "a Pebble already runs for $run_dir (stop it first)"
  done
  pt_make_tls "$run_dir"
  for attempt in 1 2 3; do
    if [ -n "${CERTKEEP_HTTP01_PORT:-}" ]; then
      http01=$CERTKEEP_HTTP01_PORT
    else
      http01=$(pt_reserve_port "$run_dir") || pt_die "no free port"
    fi
    tls=${CERTKEEP_TLSALPN_PORT:-}
    [ -n "$tls" ] || tls=$(pt_reserve_port "$run_dir") || pt_die "no free port"
    {
      echo "ACME_PORT=$(pt_reserve_port "$run_dir")"
      echo "MGMT_PORT=$(pt_reserve_port "$run_dir")"
      echo "TLS_PORT=$tls"
      echo "DNS_PORT=$(pt_reserve_port "$run_dir")"
      echo "CTS_MGMT_PORT=$(pt_reserve_port "$run_dir")"
      echo "HTTP01_PORT=$http01"
    } >"$run_dir/ports"
    grep -q '=$' "$run_dir/ports" && pt_die "no free port"
    pt_write_config "$run_dir"
    # shellcheck source=/dev/null
    source "$run_dir/ports"

    pt_spawn_challtestsrv "$run_dir"
    pt_spawn_pebble "$run_dir"
    status=0
    pt_wait_url "http://127.0.0.1:$CTS_MGMT_PORT/" --any-status \
      --pid "$(cat "$run_dir/challtestsrv.pid")" || status=$?
    [ "$status" = 0 ] && { pt_wait_pebble "$run_dir" || status=$?; }
    [ "$status" = 0 ] && break

    pt_kill_pidfiles "$run_dir/pebble.pid" "$run_dir/challtestsrv.pid"
    pt_release_ports "$run_dir"
    if [ "$status" = 2 ] && [ "$attempt" -lt 3 ] && grep -qs "address already in use" "$run_dir"/*.log; then
      pt_log "a port was taken before Pebble bound it; retrying with other ports"
      for log in "$run_dir"/*.log; do mv -f "$log" "$log.attempt$attempt"; done
      continue
    fi
    pt_show_logs "$run_dir"
    if [ "$status" = 1 ]; then
      pt_die "Pebble did not answer within ${PT_START_DEADLINE} s"
    fi
    pt_die "Pebble or pebble-challtestsrv exited during start"
  done
  pt_fetch_root "$run_dir"
  pt_write_env "$run_dir"
}

# Stops the processes of RUN_DIR and frees its ports (the directory itself stays).
pt_pebble_stop() {
  local run_dir=$1
  pt_kill_pidfiles "$run_dir/pebble.pid" "$run_dir/challtestsrv.pid"
  pt_release_ports "$run_dir"
}

# A second Pebble (PEBBLE_SECOND=1, for the fallback tests) lives in RUN_DIR/second, on its own
# ports but with the same HTTP-01 port, so one standalone responder answers both CAs.
pt_second_start() {
  local run_dir=$1 second=$1/second
  CERTKEEP_HTTP01_PORT=$(sed -n 's/^HTTP01_PORT=//p' "$run_dir/ports") pt_pebble_start "$second"
  # shellcheck source=/dev/null
  source "$second/ports"
  {
    printf 'export %s=%q\n' \
      CERTKEEP_TEST_DIRECTORY_URL_2 "https://127.0.0.1:$ACME_PORT/dir" \
      CERTKEEP_TEST_CA_BUNDLE_2 "$second/pebble-ca.pem" \
      CERTKEEP_TEST_PEBBLE_ROOT_2 "$second/pebble-root.pem" \
      PEBBLE_RUN_DIR_2 "$second" \
      PEBBLE_PID_2 "$(cat "$second/pebble.pid")"
  } >>"$run_dir/env"
}

# Stops RUN_DIR's Pebble and a second one in RUN_DIR/second, if any.
pt_pebble_stop_all() {
  local run_dir=$1
  [ -d "$run_dir/second" ] && pt_pebble_stop "$run_dir/second"
  pt_pebble_stop "$run_dir"
}

# Restarts Pebble alone on the same ports (it forgets every account, order and its root).
pt_pebble_restart() {
  local run_dir=$1 status=0
  [ -f "$run_dir/ports" ] || pt_die "no Pebble was started in $run_dir"
  pt_kill_pidfiles "$run_dir/pebble.pid"
  pt_write_config "$run_dir"
  pt_spawn_pebble "$run_dir"
  pt_wait_pebble "$run_dir" || status=$?
  if [ "$status" != 0 ]; then
    pt_show_logs "$run_dir"
    pt_die "Pebble did not come back after the restart"
  fi
  pt_fetch_root "$run_dir"
  pt_write_env "$run_dir"
}

# A detached watchdog: once OWNER_PID is gone, stops RUN_DIR's processes (whoever started them,
# e.g. a Pebble that `pebble.sh restart` left as an orphan), frees its ports and removes it.
# It covers a harness killed by SIGKILL (a ctest timeout), which has no chance to clean up;
# after a normal exit it finds RUN_DIR gone and just ends. Detached (double fork, standard
# streams closed) so neither ctest's process-tree kill nor its output pipes wait on it.
# STOP_FUNCTION (default pt_pebble_stop) stops RUN_DIR's servers; KEEP_VARIABLE (default
# PEBBLE_KEEP_RUN_DIR) names the variable that keeps the directory when set to 1.
pt_start_watchdog() {
  local owner=$1 run_dir=$2 stop=${3:-pt_pebble_stop} keep=${4:-PEBBLE_KEEP_RUN_DIR}
  (
    exec </dev/null >/dev/null 2>&1
    set +e
    (
      trap '' INT HUP
      while pt_pid_alive "$owner"; do sleep 1; done
      if [ -d "$run_dir" ]; then
        "$stop" "$run_dir"
        [ "${!keep:-0}" = 1 ] || rm -rf "$run_dir"
      fi
    ) &
  )
}

# ---- helpers of the test, bench and demo scripts ---------------------------------------------
# One pass/fail/wait_for_line/start_web for every script (the cli, fault and terminator tests,
# the benchmarks, the demo).

# The logs fail() shows the tail of: files, or directories for their *.out, *.err and *.log
# files. Each script (or its common file) adds its own.
FAIL_LOGS=()

pass() { echo "ok: $*"; }

fail() {
  echo "FAIL: $*" >&2
  local entry file
  local -a files
  for entry in "${FAIL_LOGS[@]}"; do
    if [ -d "$entry" ]; then files=("$entry"/*.out "$entry"/*.err "$entry"/*.log); else files=("$entry"); fi
    for file in "${files[@]}"; do
      [ -s "$file" ] || continue
      echo "---- ${file##*/} (last 25 lines)" >&2
      tail -n 25 "$file" >&2
    done
  done
  exit 1
}

# wait_for_line [--count N] [--timeout-ms MS] [--pid PID] FILE PATTERN: waits until FILE has N
# (default 1) lines matching the extended regex PATTERN. Fails at the timeout (default 60 s),
# or as soon as PID, the process that writes FILE, has exited.
wait_for_line() {
  local count=1 timeout_ms=60000 pid=""
  while [ $# -gt 2 ]; do
    case $1 in
      --count) count=$2 ;;
      --timeout-ms) timeout_ms=$2 ;;
      --pid) pid=$2 ;;
      *) fail "wait_for_line: unknown option $1" ;;
    esac
    shift 2
  done
  local file=$1 pattern=$2 end found
  end=$(($(pt_now_ms) + timeout_ms))
  while :; do
    # The file may not exist yet: a background process's redirection is made in its own fork.
    found=$(grep -cE -- "$pattern" "$file" 2>/dev/null) || true
    ((${found:-0} >= count)) && return 0
    if [ -n "$pid" ] && ! pt_pid_alive "$pid"; then
      fail "process $pid exited while waiting for '$pattern' in ${file##*/}"
    fi
    (($(pt_now_ms) < end)) || fail "no '$pattern' in ${file##*/} after $((timeout_ms / 1000)) s"
    sleep 0.02
  done
}

# start_web DIR [GATE EVENTS]: serves DIR on 127.0.0.1:$CERTKEEP_HTTP01_PORT, the port Pebble's
# VA dials for HTTP-01, and sets WEB_PID (also added to TEST_PIDS, which the test's cleanup
# stops). While the file GATE exists the server holds challenge requests open, and it logs each
# request to EVENTS (faults/gated_http.py). Its own output goes to $TEST_DIR/web.log.
start_web() {
  local dir=$1 gate=${2:-$TEST_DIR/no-gate} events=${3:-$TEST_DIR/web-requests.log} _
  mkdir -p "$dir"
  python3 "$(dirname "${BASH_SOURCE[0]}")/faults/gated_http.py" "$CERTKEEP_HTTP01_PORT" "$dir" "$gate" \
    "$events" >>"$TEST_DIR/web.log" 2>&1 &
  WEB_PID=$!
  TEST_PIDS+=("$WEB_PID")
  for _ in $(seq 200); do
    curl -s -o /dev/null --noproxy '*' "http://127.0.0.1:$CERTKEEP_HTTP01_PORT/" && return 0
    pt_pid_alive "$WEB_PID" || break
    sleep 0.05
  done
  fail "the web server for $dir did not start"
}

# ---- the handshake probe (tests/tools/handshake_probe.cpp) summary -----------------------
# probe_field FILE KEY: the value after KEY on the probe summary line that has it
# ("handshakes N ok N failed N …", "max_gap_ms G stale_after_swap N …").
probe_field() {
  awk -v key="$2" '$1 != "seen" && $1 != "serial" { for (i = 1; i < NF; i++) if ($i == key) { print $(i + 1); exit } }' "$1"
}

# The serials of the probe's summary, in order of first appearance, one per line.
probe_serials() { awk '$1 == "serial" && $2 ~ /^[0-9]+$/ { print $3 }' "$1"; }

# probe_serial_field FILE SERIAL KEY: first_ms, last_ms or count of one serial.
probe_serial_field() {
  awk -v serial="$2" -v key="$3" '$1 == "serial" && $3 == serial { for (i = 4; i < NF; i++) if ($i == key) print $(i + 1) }' "$1"
}

# A wrapper script's lifetime (with-pebble.sh, with-bind.sh, with-postgres.sh): makes the run
# directory (global run_dir), and on exit or INT/TERM stops the command (global cmd_pid, set by
# the caller while it runs), then the server with STOP_FN RUN_DIR, then removes the directory
# unless the variable KEEP_VAR is 1.
pt_wrapper_begin() {
  local kind=$1
  PT_WRAPPER_STOP=$2
  PT_WRAPPER_KEEP=$3
  PT_WRAPPER_CLEANED=0
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-$kind.XXXXXX")
  cmd_pid=""
  trap pt_wrapper_cleanup EXIT
  trap 'pt_wrapper_signal INT 2' INT
  trap 'pt_wrapper_signal TERM 15' TERM
}

# shellcheck disable=SC2317 # called from traps
pt_wrapper_cleanup() {
  [ "$PT_WRAPPER_CLEANED" = 1 ] && return
  PT_WRAPPER_CLEANED=1
  if [ -n "$cmd_pid" ] && pt_pid_alive "$cmd_pid"; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
    wait "$cmd_pid" 2>/dev/null || true
  fi
  "$PT_WRAPPER_STOP" "$run_dir"
  if [ "${!PT_WRAPPER_KEEP:-0}" = 1 ]; then
    pt_log "kept $run_dir"
  else
    rm -rf "$run_dir"
  fi
}

# shellcheck disable=SC2317
pt_wrapper_signal() {
  trap - INT TERM
  pt_log "stopped by SIG$1"
  pt_wrapper_cleanup
  exit $((128 + $2))
}
