#!/usr/bin/env bash
# The README's main job (scripts/demo.sh) as a test: issue, show, an external server reloaded by
# the deploy hook, renew, and the linked terminator swapping live. demo.sh builds and starts
# Pebble itself; here the test's build and Pebble are used.
: "${CERTKEEP_BIN:?}" "${CERTKEEP_TERMINATOR_BIN:?}"
exec bash "$(dirname "$0")/../../scripts/demo-steps.sh"
