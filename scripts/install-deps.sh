#!/usr/bin/env bash
# Installs the Debian 12 packages certkeep needs to build and test, and only those missing.
# Idempotent and quick (one dpkg-query) when everything is present; runs `apt-get update` only
# when something has to be installed. Works as root, or through sudo when that is available.
# Usage: install-deps.sh [--with-analysis]   (adds cppcheck and clang/libFuzzer for the full
# test run: static analysis and the fuzz smoke run)
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  # libraries (the README names each)
  ca-certificates openssl libssl-dev libcurl4-openssl-dev rapidjson-dev
  libsqlitecpp-dev libsqlite3-dev catch2 libcli11-dev libspdlog-dev libfmt-dev
  libexpected-dev libcpp-httplib-dev libpq-dev libtomlplusplus-dev libldns-dev
  # tests: Pebble, systemd-analyze, the sqlite3 CLI, process and port tools, curl, libfaketime
  # python3 (the CLI tests' webroot server), strace (the order of fsyncs and renames), jq (the
  # shell tests read `certkeep show --json`), shellcheck (the lint of every shell file), nginx
  # (a real terminator reloaded by a deploy hook), certbot (the migration test's source),
  # PostgreSQL 15 (the store's second engine: pebble-test/postgres.sh runs a throwaway cluster;
  # the client package brings psql), haproxy (the runtime API deployer), prometheus (promtool
  # and a real scraper), zsh and groff (the generated completion and man page), dpkg-dev and
  # lintian (the Debian packages), BIND 9 with its tools (DNS-01: named, tsig-keygen, nsupdate,
  # dig)
  systemd pebble sqlite3 procps psmisc iproute2 curl faketime python3 strace jq shellcheck nginx-light
  certbot postgresql-15 postgresql-client-15 haproxy prometheus zsh groff-base dpkg-dev lintian
  bind9 bind9-utils bind9-dnsutils
)
case "${1:-}" in
  --with-analysis) packages+=(cppcheck clang libfuzzer-14-dev) ;;
  "") ;;
  *) echo "usage: $0 [--with-analysis]" >&2; exit 2 ;;
esac

# One dpkg-query for all: it prints a status line for each known package and complains on
# stderr (exit 1) about unknown ones, which simply count as missing.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null |
  awk '$NF == "installed" && $(NF-1) == "ok" { print $1 }' || true)

missing=()
for package in "${packages[@]}"; do
  if ! grep -qxF -- "$package" <<<"$installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "all dependencies present"
  exit 0
fi

echo "installing: ${missing[*]}"

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: not root and no sudo; install these packages by hand: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
