# shellcheck shell=bash
# The BIND 9 harness (sourced by bind.sh, with-bind.sh and tests): Debian's `named` as an
# ordinary foreground process, authoritative for the test zones on 127.0.0.1 (and optionally a
# second server on 127.0.0.2) on one free port, accepting RFC 2136 updates signed with a TSIG
# key made by tsig-keygen. Every process is recorded in RUN_DIR/*.pid and stopped by exactly
# that PID. Needs lib.sh (ports, pid files).
#
# Zones (each with SOA, NS, an A record for its name server, A 127.0.0.1 at the apex and at `*`,
# and no AAAA, so Pebble's HTTP-01 and TLS-ALPN-01 names resolve to loopback):
#   a.test, b.test   updatable: `update-policy { grant KEY zonesub TXT; }`
#   refused.test     no update policy: every update is REFUSED
#   notauth.test     served to plain queries only (a view the key's requests do not see), so an
#                    update signed with the key gets NOTAUTH
# Options of bt_bind_start (also bind.sh start):
#   --second secondary  a second authoritative server for a.test and b.test on 127.0.0.2 (same
#                       port), a secondary that the primary notifies: records reach it
#   --second stale      the same, but serving a fixed copy: records never reach it
#   --refuse-updates    no zone accepts updates (every update is REFUSED)

BT_KEY_NAME=certkeep-test-key
BT_ZONES="a.test b.test refused.test notauth.test"

bt_zone_file() {
  local zone=$1 second=$2
  {
    echo "\$TTL 60"
    echo "@ IN SOA ns1.$zone. hostmaster.$zone. 1 60 60 600 60"
    echo "@ IN NS ns1.$zone."
    echo "ns1 IN A 127.0.0.1"
    if [ -n "$second" ]; then
      echo "@ IN NS ns2.$zone."
      echo "ns2 IN A 127.0.0.2"
    fi
    echo "@ IN A 127.0.0.1"
    echo "* IN A 127.0.0.1"
  }
}

# bt_write_config RUN_DIR PORT SECOND REFUSE: the primary's named.conf, its zone files, and the
# second server's when SECOND is "secondary" or "stale".
bt_write_config() {
  local run_dir=$1 port=$2 second=$3 refuse=$4 zone policy file second_for
  mkdir -p "$run_dir/zones" "$run_dir/zones2"
  policy="update-policy { grant $BT_KEY_NAME zonesub TXT; };"
  [ "$refuse" = 1 ] && policy=""
  {
    echo "include \"$run_dir/key.conf\";"
    echo "options {"
    echo "  directory \"$run_dir/zones\";"
    echo "  listen-on port $port { 127.0.0.1; };"
    echo "  listen-on-v6 { none; };"
    echo "  recursion no;"
    echo "  pid-file none;"
    echo "  session-keyfile none;"
    echo "  dnssec-validation no;"
    echo "  notify explicit;"
    echo "  notify-source 127.0.0.1;"  # the secondary takes NOTIFY only from its primary
    echo "};"
    echo "controls { };"  # no rndc channel: it would take port 953 for every instance
    # Requests signed with the key see the "keyed" view; everything else (Pebble, dig, the
    # propagation checks) the default view, which shares the keyed view's zones.
    echo "view keyed {"
    echo "  match-clients { key $BT_KEY_NAME; };"
    for zone in a.test b.test; do
      second_for=""
      [ "$second" = secondary ] && second_for="also-notify { 127.0.0.2 port $port; }; notify-delay 0; allow-transfer { any; };"
      echo "  zone \"$zone\" { type primary; file \"$zone.zone\"; $policy $second_for };"
    done
    echo "  zone \"refused.test\" { type primary; file \"refused.test.zone\"; };"
    echo "};"
    echo "view default {"
    echo "  match-clients { any; };"
    for zone in a.test b.test refused.test; do
      echo "  zone \"$zone\" { in-view keyed; };"
    done
    echo "  zone \"notauth.test\" { type primary; file \"notauth.test.zone\"; };"
    echo "};"
  } >"$run_dir/named.conf"
  for zone in $BT_ZONES; do
    file=$run_dir/zones/$zone.zone
    case $zone in a.test | b.test) bt_zone_file "$zone" "$second" >"$file" ;; *) bt_zone_file "$zone" "" >"$file" ;; esac
  done
  [ -n "$second" ] || return 0
  {
    echo "options {"
    echo "  directory \"$run_dir/zones2\";"
    echo "  listen-on port $port { 127.0.0.2; };"
    echo "  listen-on-v6 { none; };"
    echo "  recursion no;"
    echo "  pid-file none;"
    echo "  session-keyfile none;"
    echo "  dnssec-validation no;"
    echo "  notify no;"
    echo "};"
    echo "controls { };"
    for zone in a.test b.test; do
      if [ "$second" = secondary ]; then
        echo "zone \"$zone\" { type secondary; primaries { 127.0.0.1 port $port; }; file \"$zone.zone\"; };"
      else
        echo "zone \"$zone\" { type primary; file \"$zone.zone\"; };"
        bt_zone_file "$zone" "$second" >"$run_dir/zones2/$zone.zone"
      fi
    done
  } >"$run_dir/named2.conf"
}

# True once SERVER:PORT answers the SOA of ZONE authoritatively.
bt_answers() {
  local server=$1 port=$2 zone=$3
  dig +norec +time=1 +tries=1 -p "$port" "@$server" SOA "$zone" 2>/dev/null | grep -q 'flags: qr aa'
}

# bt_spawn_named RUN_DIR NAME CONF: named in the foreground (-g), one worker thread, its log in
# RUN_DIR/NAME.log. As root, `-u root` keeps the user (named would switch to `bind`, which
# cannot write the journal into RUN_DIR).
bt_spawn_named() {
  local run_dir=$1 name=$2 conf=$3
  local user=()
  [ "$(id -u)" = 0 ] && user=(-u root)
  pt_spawn "$run_dir/$name.pid" "$run_dir/$name.log" named -g -n 1 "${user[@]}" -c "$conf"
}

bt_wait_named() {
  local run_dir=$1 name=$2 server=$3 port=$4 zone=$5 end
  end=$(($(pt_now_ms) + PT_START_DEADLINE * 1000))
  until bt_answers "$server" "$port" "$zone"; do
    if ! pt_pid_alive "$(cat "$run_dir/$name.pid")"; then
      tail -n 20 "$run_dir/$name.log" >&2
      pt_die "named ($name) exited during start"
    fi
    (($(pt_now_ms) < end)) || { tail -n 20 "$run_dir/$name.log" >&2; pt_die "named ($name) did not answer within ${PT_START_DEADLINE} s"; }
    sleep 0.05
  done
}

bt_write_env() {
  local run_dir=$1 port=$2 second=$3
  {
    echo "# Written by pebble-test/bind.sh: source it to talk to this BIND."
    printf 'export %s=%q\n' \
      BIND_RUN_DIR "$run_dir" \
      BIND_PORT "$port" \
      BIND_SERVER "127.0.0.1:$port" \
      BIND_KEY_FILE "$run_dir/key.conf" \
      BIND_KEY_NAME "$BT_KEY_NAME" \
      BIND_SECOND "$second" \
      BIND_PID "$(cat "$run_dir/named.pid")" \
      PEBBLE_DNS_SERVER "127.0.0.1:$port"
  } >"$run_dir/bind-env.tmp"
  mv -f "$run_dir/bind-env.tmp" "$run_dir/bind-env"
}

# named listens only on addresses an interface has, and Linux gives lo just 127.0.0.1 (the rest
# of 127.0.0.0/8 is routed to it, but not "configured"): the second server needs 127.0.0.2 on lo.
# Added once (root), never removed: it is loopback-only and other tests may be using it.
bt_ensure_loopback_alias() {
  ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.0\.0\.2/' && return 0
  ip addr add 127.0.0.2/32 dev lo 2>/dev/null ||
    ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.0\.0\.2/' ||
    pt_die "the second BIND needs 127.0.0.2 on lo; as root: ip addr add 127.0.0.2/32 dev lo"
}

# bt_bind_start RUN_DIR [--second secondary|stale] [--refuse-updates]
bt_bind_start() {
  local run_dir=$1 second="" refuse=0 port
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --second) second=$2; shift 2 ;;
      --refuse-updates) refuse=1; shift ;;
      *) pt_die "bind: unknown option $1" ;;
    esac
  done
  case $second in "" | secondary | stale) ;; *) pt_die "bind: --second takes secondary or stale" ;; esac
  mkdir -p "$run_dir"
  chmod 700 "$run_dir"
  port=$(pt_reserve_port "$run_dir") || pt_die "no free port"
  (umask 077 && tsig-keygen "$BT_KEY_NAME" >"$run_dir/key.conf") || pt_die "tsig-keygen failed"
  echo "$second $refuse" >"$run_dir/bind-mode"
  bt_write_config "$run_dir" "$port" "$second" "$refuse"
  named-checkconf "$run_dir/named.conf" || pt_die "named-checkconf refused $run_dir/named.conf"
  bt_spawn_named "$run_dir" named "$run_dir/named.conf"
  bt_wait_named "$run_dir" named 127.0.0.1 "$port" a.test
  if [ -n "$second" ]; then
    bt_ensure_loopback_alias
    bt_spawn_named "$run_dir" named2 "$run_dir/named2.conf"
    bt_wait_named "$run_dir" named2 127.0.0.2 "$port" a.test
  fi
  bt_write_env "$run_dir" "$port" "$second"
}

# bt_bind_stop RUN_DIR [--keep-port]: stops both servers; frees the port unless asked to keep it
# (bt_bind_restart).
bt_bind_stop() {
  local run_dir=$1
  pt_kill_pidfiles "$run_dir/named.pid" "$run_dir/named2.pid"
  [ "${2:-}" = --keep-port ] || pt_release_ports "$run_dir"
}

# bt_bind_restart RUN_DIR: the primary again on the same port, with its zones as they were
# (the journal keeps the updates).
bt_bind_restart() {
  local run_dir=$1 port
  port=$(sed -n 's/^export BIND_PORT=//p' "$run_dir/bind-env")
  pt_kill_pidfiles "$run_dir/named.pid"
  bt_spawn_named "$run_dir" named "$run_dir/named.conf"
  bt_wait_named "$run_dir" named 127.0.0.1 "$port" a.test
  bt_write_env "$run_dir" "$port" "$(cut -d' ' -f1 "$run_dir/bind-mode")"
}
