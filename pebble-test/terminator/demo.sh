#!/usr/bin/env bash
# Registers examples/terminator/pebble_demo.sh (the README's live-swap demo) as the ctest test
# terminator.demo: the demo itself, run on the built terminator.
set -euo pipefail
: "${CERTKEEP_TERMINATOR_BIN:?CERTKEEP_TERMINATOR_BIN must point at certkeep_terminator}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../examples/terminator/pebble_demo.sh" "$CERTKEEP_TERMINATOR_BIN"
