#!/usr/bin/env bash
# Starts and stops a Pebble ACME test CA (and the pebble-challtestsrv DNS it resolves through)
# on free 127.0.0.1 ports. See pebble-test/README.md.
#
#   pebble.sh start   [RUN_DIR]   start; prints RUN_DIR (a new temp dir unless given)
#   pebble.sh stop    [RUN_DIR]   stop exactly the processes recorded in RUN_DIR
#   pebble.sh restart [RUN_DIR]   restart Pebble alone on the same ports (it forgets all state)
#   pebble.sh env     [RUN_DIR]   print the variables to source (RUN_DIR/env)
#
# RUN_DIR defaults to $PEBBLE_RUN_DIR. Pebble's own variables (PEBBLE_VA_NOSLEEP, default 1;
# PEBBLE_WFE_NONCEREJECT, default 0; PEBBLE_AUTHZREUSE, PEBBLE_VA_ALWAYS_VALID, ...) pass
# through; PEBBLE_CERT_VALIDITY_SECONDS sets the lifetime of issued certificates.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 start|stop|restart|env [RUN_DIR]" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
command=$1
run_dir=${2:-${PEBBLE_RUN_DIR:-}}

case $command in
  start)
    if [ -z "$run_dir" ]; then
      run_dir=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-pebble.XXXXXX")
    fi
    run_dir=$(cd "$run_dir" 2>/dev/null && pwd || echo "$run_dir")
    pt_pebble_start "$run_dir"
    pt_log "Pebble runs at https://127.0.0.1:$(sed -n "s/^ACME_PORT=//p" "$run_dir/ports")/dir; source $run_dir/env"
    echo "$run_dir"
    ;;
  stop | restart | env)
    [ -n "$run_dir" ] || pt_die "$command needs RUN_DIR (argument or PEBBLE_RUN_DIR)"
    [ -d "$run_dir" ] || pt_die "no such run directory: $run_dir"
    case $command in
      stop) pt_pebble_stop "$run_dir" ;;
      restart) pt_pebble_restart "$run_dir" ;;
      env) cat "$run_dir/env" ;;
    esac
    ;;
  *) usage ;;
esac
