#!/usr/bin/env bash
# The installed package works for a consumer: `cmake --install` into a temporary prefix, then
# (1) examples/terminator builds against it with find_package(certkeep) alone and, run against
# a real Pebble, issues and swaps a renewal live; (2) a tiny program builds with
# `pkg-config --cflags --libs certkeep` and runs.
# Usage: consumer_build.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/certkeep-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
[ -f "$work/prefix/lib/cmake/certkeep/certkeepConfig.cmake" ] || { echo "no CMake config installed"; exit 1; }
[ -f "$work/prefix/include/certkeep/manager.hpp" ] || { echo "no public headers installed"; exit 1; }
if find "$work/prefix/include" -name '*.hpp' -print0 | xargs -0 grep -lE '#include "(core|crypto|http|acme|challenge|store|deploy|lifecycle)/' ; then
  echo "an installed header includes a private src/ header"; exit 1
fi

cmake -S "$source_dir/examples/terminator" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" -j2 >/dev/null
"$work/consumer/certkeep_terminator" --help >/dev/null 2>&1 || [ $? -le 2 ] || { echo "terminator does not run"; exit 1; }
echo "ok: examples/terminator built against the installed package"
# The program built from the installed package gets a certificate from a real Pebble and
# swaps a renewal in live (examples/terminator/pebble_demo.sh checks both).
bash "$source_dir/pebble-test/with-pebble.sh" bash "$source_dir/examples/terminator/pebble_demo.sh" \
  "$work/consumer/certkeep_terminator" >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
grep '^ok:' "$work/demo.log"
echo "ok: the installed-package terminator serves Pebble's certificate and picks up a renewal live"

cat > "$work/main.cpp" <<'CPP'
#include <certkeep/certkeep.hpp>
#include <cstdio>
int main() {
  certkeep::ManagerOptions options;
  options.directory_url = "http://not-https.example";
  auto manager = certkeep::Manager::open(options);
  // A plain-http directory must be refused with a clear error: proof the library runs.
  if (manager) return 1;
  std::printf("%s\n", manager.error().to_string().c_str());
  return 0;
}
CPP
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
g++ -std=c++20 "$work/main.cpp" -o "$work/pkgconfig_consumer" $(pkg-config --cflags --libs certkeep)
"$work/pkgconfig_consumer"
echo "ok: a program built with pkg-config runs"
