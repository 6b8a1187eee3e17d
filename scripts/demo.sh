#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds certkeep, starts a
# local Pebble (Let's Encrypt's test CA) on 127.0.0.1, issues a certificate, shows it, renews
# it, and shows a TLS terminator linking libcertkeep picking up the new certificate live.
# Usage: scripts/demo.sh      Environment: BUILD_DIR (default build), JOBS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${BUILD_DIR:-build}
bash scripts/install-deps.sh
echo "== build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-$(nproc)}" --target certkeep_cli certkeep_terminator

export CERTKEEP_BIN="$PWD/$build/certkeep"
export CERTKEEP_TERMINATOR_BIN="$PWD/$build/examples/terminator/certkeep_terminator"
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 exec bash pebble-test/with-pebble.sh bash scripts/demo-steps.sh
