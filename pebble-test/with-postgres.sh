#!/usr/bin/env bash
# with-postgres.sh CMD [ARG...]: starts a throwaway PostgreSQL in a fresh run directory, runs
# CMD with its variables in the environment (CERTKEEP_TEST_POSTGRES_URL, POSTGRES_RUN_DIR, …;
# see README.md), then always stops it and removes the directory. Exits with CMD's status
# (128+N when stopped by signal N). Nests with with-pebble.sh in either order.
#
# pg_ctl detaches the server, so a detached watchdog stops it and removes the run directory
# when this script is SIGKILLed (a ctest timeout). POSTGRES_KEEP_RUN_DIR=1 keeps the directory.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=postgres-lib.sh
source "$here/postgres-lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }

pt_wrapper_begin postgres pt_pg_stop POSTGRES_KEEP_RUN_DIR

pt_start_watchdog $$ "$run_dir" pt_pg_stop POSTGRES_KEEP_RUN_DIR
pt_pg_start "$run_dir"
# shellcheck source=/dev/null
source "$run_dir/postgres-env"

# CMD runs in the background so a signal to this script is handled at once, not after CMD ends.
status=0
"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid" || status=$?
cmd_pid=""
if [ "$status" != 0 ]; then
  pt_log "command exited $status; PostgreSQL's log follows"
  pt_pg_show_log "$run_dir"
fi
exit "$status"
