#!/usr/bin/env bash
# run_if_ipv6.sh COMMAND ARGS...: runs COMMAND (the test cases that need the IPv6 loopback) when
# ::1 is configured, else exits 77, which CTest reports as "Skipped" (SKIP_RETURN_CODE).
set -euo pipefail
if ! grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
  echo "no IPv6 loopback (::1) on this machine: skipped"
  exit 77
fi
exec "$@"
