#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 cluster listening only on a Unix socket in its run
# directory (see postgres-lib.sh and pebble-test/README.md).
#
#   postgres.sh start [RUN_DIR]   create the cluster (first time) and start it; prints RUN_DIR
#                                 (a new temp dir unless given); RUN_DIR/postgres-env has the URL
#   postgres.sh stop  [RUN_DIR]   stop exactly the server recorded in RUN_DIR (the data stays)
#   postgres.sh env   [RUN_DIR]   print the variables to source
#
# RUN_DIR defaults to $POSTGRES_RUN_DIR. A stopped cluster starts again with its data, so a
# fault test can stop and restart the server under a running client.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=postgres-lib.sh
source "$here/postgres-lib.sh"

usage() {
  echo "usage: $0 start|stop|env [RUN_DIR]" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
command=$1
run_dir=${2:-${POSTGRES_RUN_DIR:-}}

case $command in
  start)
    if [ -z "$run_dir" ]; then
      run_dir=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-postgres.XXXXXX")
    fi
    run_dir=$(cd "$run_dir" 2>/dev/null && pwd || echo "$run_dir")
    pt_pg_start "$run_dir"
    pt_log "PostgreSQL runs at $(pt_pg_url "$run_dir"); source $run_dir/postgres-env"
    echo "$run_dir"
    ;;
  stop | env)
    [ -n "$run_dir" ] || pt_die "$command needs RUN_DIR (argument or POSTGRES_RUN_DIR)"
    [ -d "$run_dir" ] || pt_die "no such run directory: $run_dir"
    case $command in
      stop) pt_pg_stop "$run_dir" ;;
      env) cat "$run_dir/postgres-env" ;;
    esac
    ;;
  *) usage ;;
esac
