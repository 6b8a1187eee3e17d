#!/usr/bin/env bash
# Starts and stops a BIND 9 test server (named as an ordinary process) authoritative for the
# test zones on 127.0.0.1 on a free port, with a TSIG key for RFC 2136 updates. See
# pebble-test/README.md ("BIND") and bind-lib.sh for the zones and options.
#
#   bind.sh start   [RUN_DIR] [--second secondary|stale] [--refuse-updates]
#                                 start; prints RUN_DIR (a new temp dir unless given)
#   bind.sh stop    RUN_DIR [--keep-port]
#                                 stop exactly the processes recorded in RUN_DIR (keeping the
#                                 port reserved for a restart)
#   bind.sh restart RUN_DIR       the primary again on the same port, its zones as they were
#   bind.sh env     RUN_DIR       print the variables to source (RUN_DIR/bind-env)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bind-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bind-lib.sh"

usage() {
  echo "usage: $0 start [RUN_DIR] [--second secondary|stale] [--refuse-updates] | stop|restart|env RUN_DIR" >&2
  exit 2
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
  start)
    run_dir=""
    if [ $# -gt 0 ] && [[ $1 != --* ]]; then
      run_dir=$1
      shift
    fi
    [ -n "$run_dir" ] || run_dir=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-bind.XXXXXX")
    run_dir=$(cd "$run_dir" 2>/dev/null && pwd || echo "$run_dir")
    bt_bind_start "$run_dir" "$@"
    pt_log "BIND answers on $(sed -n 's/^export BIND_SERVER=//p' "$run_dir/bind-env"); source $run_dir/bind-env"
    echo "$run_dir"
    ;;
  stop | restart | env)
    [ $# -ge 1 ] || usage
    run_dir=$1
    [ -d "$run_dir" ] || pt_die "no such run directory: $run_dir"
    case $command in
      stop) bt_bind_stop "$run_dir" "${2:-}" ;;
      restart) bt_bind_restart "$run_dir" ;;
      env) cat "$run_dir/bind-env" ;;
    esac
    ;;
  *) usage ;;
esac
