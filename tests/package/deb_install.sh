#!/usr/bin/env bash
# The Debian packages, built by `cpack -G DEB` from this build tree and installed for real
# (root, as CI runs): `certkeep --version`, `certkeep config check` on the shipped conffile,
# `systemd-analyze verify` on the installed units, the man page and completion files, the
# state directory made 0700; `dpkg -r` keeps /var/lib/certkeep and the conffile, `dpkg --purge`
# removes both. The packages carry this tree's binary (in CI the sanitized one): the test holds
# the package's layout and maintainer scripts; a release package is the same cpack run in a
# Release tree.
# Usage: deb_install.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-deb.XXXXXX")
installed=()
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || fail "dpkg -i needs root (CI runs as root)"
# Never clobber a certkeep this machine really uses.
for package in certkeep certkeep-dev; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    fail "$package is already installed here; this test installs and purges its own"
  fi
done
[ ! -e /var/lib/certkeep ] || fail "/var/lib/certkeep exists: a purge would delete it"
[ ! -e /etc/certkeep ] || fail "/etc/certkeep exists: the test would replace it"

cleanup() {
  local package
  for package in "${installed[@]}"; do dpkg --purge "$package" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# dpkg, waiting (bounded) for the lock another dpkg or apt may hold.
dpkg_run() {
  local try output
  for try in $(seq 60); do
    if output=$(dpkg "$@" 2>&1); then return 0; fi
    grep -q "lock" <<<"$output" || { echo "$output" >&2; return 1; }
    sleep $((try < 5 ? 1 : 2))
  done
  echo "$output" >&2
  return 1
}

started=$(date +%s)
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/packages" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB"; }
runtime=$(ls "$work"/packages/certkeep_*_*.deb)
dev=$(ls "$work"/packages/certkeep-dev_*_*.deb)
pass "cpack -G DEB built $(basename "$runtime") and $(basename "$dev") in $(($(date +%s) - started)) s"
dpkg-deb -I "$runtime" conffiles | grep -qx /etc/certkeep/certkeep.toml || fail "the config file is not a conffile"

installed=(certkeep-dev certkeep)
dpkg_run -i "$runtime" "$dev" || fail "dpkg -i"
version=$(certkeep --version)
[ "$version" = "certkeep $(dpkg-deb -f "$runtime" Version)" ] || fail "certkeep --version: $version"
[ "$(command -v certkeep)" = /usr/bin/certkeep ] || fail "certkeep is $(command -v certkeep)"
[ "$(stat -c %a /var/lib/certkeep)" = 700 ] || fail "/var/lib/certkeep is $(stat -c %a /var/lib/certkeep), want 700"
certkeep config check >"$work/check.out" 2>&1 || fail "config check: $(cat "$work/check.out")"
grep -qx "/etc/certkeep/certkeep.toml: ok" "$work/check.out" || fail "config check: $(cat "$work/check.out")"
pass "dpkg -i: certkeep --version says $version; config check accepts the shipped /etc/certkeep/certkeep.toml; /var/lib/certkeep is 0700"

units=(/usr/lib/systemd/system/certkeep.service /usr/lib/systemd/system/certkeep-renew.service
  /usr/lib/systemd/system/certkeep-renew.timer)
for unit in "${units[@]}"; do [ -f "$unit" ] || fail "$unit is not installed"; done
grep -q "^ExecStart=/usr/bin/certkeep daemon$" /usr/lib/systemd/system/certkeep.service ||
  fail "certkeep.service does not start /usr/bin/certkeep: $(grep ExecStart /usr/lib/systemd/system/certkeep.service)"
verify=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || fail "systemd-analyze verify: $verify"
if grep -qiE "warning|error|unknown|failed" <<<"$verify"; then fail "systemd-analyze verify: $verify"; fi
pass "systemd-analyze verify accepts the installed units (ExecStart /usr/bin/certkeep)"

[ "$(man -w certkeep)" = /usr/share/man/man1/certkeep.1.gz ] || fail "man -w certkeep: $(man -w certkeep 2>&1)"
zcat /usr/share/man/man1/certkeep.1.gz | grep -q '^\.SS "certkeep issue"' || fail "the man page lacks certkeep issue"
man_warnings=$(zcat /usr/share/man/man1/certkeep.1.gz | groff -man -Tutf8 -ww -z 2>&1) || true
[ -z "$man_warnings" ] || fail "groff warns about the man page: $man_warnings"
completed=$(bash -c 'source /usr/share/bash-completion/completions/certkeep
  COMP_WORDS=(certkeep ca i); COMP_CWORD=2; _certkeep; echo "${COMPREPLY[*]}"')
[ "$completed" = init ] || fail "bash completion of 'certkeep ca i': '$completed'"
zsh -n /usr/share/zsh/vendor-completions/_certkeep || fail "the zsh completion does not parse"
[ -f /usr/include/certkeep/manager.hpp ] || fail "certkeep-dev: no headers"
pkg-config --exists certkeep || fail "certkeep-dev: pkg-config does not find certkeep"
pass "man certkeep, bash and zsh completion, and certkeep-dev's headers and pkg-config file are installed"

# The state directory survives a removal; so does an edited conffile.
certkeep ca init >/dev/null || fail "certkeep ca init as root (the default state directory)"
[ -f /var/lib/certkeep/certkeep.db ] || fail "no store in /var/lib/certkeep"
echo "# edited by the package test" >>/etc/certkeep/certkeep.toml
dpkg_run -r certkeep-dev certkeep || fail "dpkg -r"
[ ! -e /usr/bin/certkeep ] || fail "dpkg -r left /usr/bin/certkeep"
[ -f /var/lib/certkeep/certkeep.db ] || fail "dpkg -r removed the state directory"
grep -q "edited by the package test" /etc/certkeep/certkeep.toml || fail "dpkg -r removed the edited conffile"
pass "dpkg -r removes the program and keeps /var/lib/certkeep (the store) and the edited conffile"

dpkg_run --purge certkeep-dev certkeep || fail "dpkg --purge"
installed=()
[ ! -e /var/lib/certkeep ] || fail "dpkg --purge left /var/lib/certkeep"
[ ! -e /etc/certkeep ] || fail "dpkg --purge left /etc/certkeep: $(ls -la /etc/certkeep)"
pass "dpkg --purge removes /var/lib/certkeep and /etc/certkeep"
