#!/usr/bin/env bash
# with-bind.sh [--second secondary|stale] [--refuse-updates] CMD [ARG...]: starts a BIND 9 test
# server in a fresh run directory, runs CMD with its variables (BIND_SERVER, BIND_PORT,
# BIND_KEY_FILE, BIND_KEY_NAME, BIND_RUN_DIR, and PEBBLE_DNS_SERVER, which makes a Pebble started
# inside CMD resolve through it), then always stops it and removes the directory. Exits with
# CMD's status. `with-bind.sh with-pebble.sh bash test.sh` gives a test both, Pebble validating
# through BIND. BIND_KEEP_RUN_DIR=1 keeps the directory and its logs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bind-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bind-lib.sh"

options=()
while [ $# -gt 0 ]; do
  case $1 in
    --second) options+=("$1" "$2"); shift 2 ;;
    --refuse-updates) options+=("$1"); shift ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--second secondary|stale] [--refuse-updates] CMD [ARG...]" >&2; exit 2; }

pt_wrapper_begin bind bt_bind_stop BIND_KEEP_RUN_DIR

PT_TIE_TO_PARENT=1 bt_bind_start "$run_dir" "${options[@]}"
# shellcheck source=/dev/null
source "$run_dir/bind-env"

status=0
"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid" || status=$?
cmd_pid=""
if [ "$status" != 0 ]; then
  pt_log "command exited $status; BIND's logs follow"
  for log in "$run_dir"/named*.log; do
    [ -f "$log" ] || continue
    pt_log "---- $log (last 30 lines)"
    tail -n 30 "$log" >&2
  done
fi
exit "$status"
