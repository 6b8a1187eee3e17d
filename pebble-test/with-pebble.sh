#!/usr/bin/env bash
# with-pebble.sh CMD [ARG...]: starts a Pebble in a fresh run directory, runs CMD with that
# Pebble's variables in its environment (see README.md), then always stops Pebble and removes
# the directory. Exits with CMD's status (128+N when stopped by signal N).
#
# Pebble is a child of this script and is tied to it (SIGTERM when this script dies, even by
# SIGKILL), and a detached watchdog stops whatever still runs (a Pebble restarted by
# `pebble.sh restart`) and removes the run directory when this script is SIGKILLed, so a ctest
# timeout leaves nothing behind. PEBBLE_KEEP_RUN_DIR=1 keeps the run directory and its logs.
# PEBBLE_SECOND=1 starts a second Pebble too (RUN_DIR/second, its variables end in _2).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }

pt_wrapper_begin pebble pt_pebble_stop_all PEBBLE_KEEP_RUN_DIR

pt_start_watchdog $$ "$run_dir" pt_pebble_stop_all
PT_TIE_TO_PARENT=1 pt_pebble_start "$run_dir"
case ${PEBBLE_SECOND:-0} in
  0) ;;
  1) PT_TIE_TO_PARENT=1 pt_second_start "$run_dir" ;;
  *) pt_die "PEBBLE_SECOND must be 0 or 1, not '$PEBBLE_SECOND'" ;;
esac
# shellcheck source=/dev/null
source "$run_dir/env"

# CMD runs in the background so a signal to this script is handled at once, not after CMD ends.
status=0
"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid" || status=$?
cmd_pid=""
if [ "$status" != 0 ]; then
  pt_log "command exited $status; Pebble's logs follow"
  pt_show_logs "$run_dir"
fi
exit "$status"
