#!/usr/bin/env bash
# The include rule test must fail on each violation it exists for: plants one at a time in a
# copy of src/ and include/, and checks the rule test fails naming it (and passes the clean copy).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
rules="$root/tests/architecture/include_rules.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-rules-XXXXXX")
trap 'rm -rf "$work"' EXIT

failures=0
mkdir -p "$work/tree"
cp -R "$root/src" "$root/include" "$work/tree/"

# expect_violation DESCRIPTION EXPECTED_TEXT FILE LINE: appends LINE to FILE in the copy, runs
# the rule test, and puts the copy back as it was (the file, or no file and no new directory).
expect_violation() {
  local description=$1 expected=$2 file=$3 line=$4 output
  local planted="$work/tree/$file" directory
  directory=$(dirname "$planted")
  local made_directory=false
  [ -d "$directory" ] || { mkdir -p "$directory"; made_directory=true; }
  [ -e "$planted" ] && cp -p "$planted" "$work/original"
  printf '%s\n' "$line" >>"$planted"
  if output=$(bash "$rules" "$work/tree" 2>&1); then
    echo "FAIL: $description: the rule test passed"
    failures=$((failures + 1))
  elif [[ "$output" != *"$expected"* ]]; then
    echo "FAIL: $description: expected \"$expected\" in: $output"
    failures=$((failures + 1))
  else
    echo "ok: $description -> $(grep -F -- "$expected" <<<"$output" | head -n 1)"
  fi
  if [ -e "$work/original" ]; then mv "$work/original" "$planted"; else rm -f "$planted"; fi
  if $made_directory; then rm -r "$directory"; fi
}

if ! output=$(bash "$rules" "$work/tree" 2>&1); then
  echo "FAIL: the clean tree breaks the rules: $output"
  exit 1
fi

expect_violation "a src/ directory the table does not name" "src/unlisted is not a module" \
  src/unlisted/resolver.cpp '#include "core/log.hpp"'
expect_violation "a module including one it may not use" "module store may not depend on acme" \
  src/store/schema.cpp '#include "acme/client.hpp"'
expect_violation "spdlog outside the logging file" "only core:log.cpp may use spdlog" \
  src/core/strings.cpp '#include <spdlog/spdlog.h>'
expect_violation "fmt outside the logging file" "only core:log.cpp may use fmt" \
  src/lifecycle/app.cpp '#include <fmt/format.h>'
expect_violation "OpenSSL in http/" "src/http/transport.hpp includes openssl/ssl.h" \
  src/http/transport.hpp '#include <openssl/ssl.h>'
expect_violation "OpenSSL in deploy/ outside the TLS swap" "src/deploy/hook_runner.cpp includes openssl/x509.h" \
  src/deploy/hook_runner.cpp '#include <openssl/x509.h>'
expect_violation "SQLite outside the SQLite engine" "only sqlite may use sqlite3" \
  src/lifecycle/app.cpp '#include <sqlite3.h>'
expect_violation "SQLite in the engine-neutral store" "only sqlite may use SQLiteCpp" \
  src/store/lineages.cpp '#include <SQLiteCpp/Database.h>'
expect_violation "libpq outside the PostgreSQL engine" "only postgres may use libpq-fe" \
  src/sqlite/sqlite_connection.cpp '#include <libpq-fe.h>'
expect_violation "an engine depending on the store above it" "module postgres may not depend on store" \
  src/postgres/pg_connection.cpp '#include "store/records.hpp"'
expect_violation "a library the table does not name" "a library src/modules.txt does not name" \
  src/challenge/token.cpp '#include <httplib.h>'
expect_violation "OpenSSL in a public header other than openssl.hpp" "OpenSSL only in include/certkeep/openssl.hpp" \
  include/certkeep/manager.hpp '#include <openssl/ssl.h>'
expect_violation "a third-party header in a public header" "public headers use the standard library" \
  include/certkeep/result.hpp '#include <spdlog/spdlog.h>'
expect_violation "a private header in a public header" "public headers use the standard library" \
  include/certkeep/event.hpp '#include "core/clock.hpp"'
expect_violation "toml++ outside config/" "only config may use toml++" \
  src/cli/settings.cpp '#include <toml++/toml.h>'
expect_violation "the library depending on the command line's config module" "module lifecycle may not depend on config" \
  src/lifecycle/app.cpp '#include "config/toml_document.hpp"'
expect_violation "the metrics format depending on another module" "module metrics may not depend on core" \
  src/metrics/registry.cpp '#include "core/log.hpp"'
expect_violation "OpenSSL in deploy/ outside the TLS swap and the probe" "src/deploy/haproxy_runtime.cpp includes openssl/ssl.h" \
  src/deploy/haproxy_runtime.cpp '#include <openssl/ssl.h>'
expect_violation "ldns outside the DNS wire file" "only dns:wire.cpp may use ldns" \
  src/dns/client.cpp '#include <ldns/ldns.h>'
expect_violation "DNS below the lifecycle" "module store may not depend on dns" \
  src/store/dns_records.cpp '#include "dns/record_ledger.hpp"'
expect_violation "OpenSSL in challenge/ outside the TLS-ALPN-01 server" "src/challenge/token.cpp includes openssl/ssl.h" \
  src/challenge/token.cpp '#include <openssl/ssl.h>'

if [ "$failures" -ne 0 ]; then
  echo "$failures planted violations went unnoticed"
  exit 1
fi
echo "the include rule test fails on every planted violation"
