#!/usr/bin/env bash
# Static analysis of src/ and include/ with cppcheck; any finding fails the test.
# Checks: warning, performance, portability and style, minus two that only restate what the
# compiler already checks or prefer another spelling: useStlAlgorithm (a plain loop is often
# the clearer one) and shadowFunction (-Wshadow covers real shadowing). A false positive is
# silenced where it occurs with `// cppcheck-suppress <id>` and a comment saying why.
# Usage: cppcheck.sh SOURCE_DIR
set -euo pipefail
source_dir=${1:?usage: cppcheck.sh SOURCE_DIR}
cd "$source_dir"
command -v cppcheck >/dev/null || { echo "cppcheck is not installed (scripts/install-deps.sh installs it)"; exit 1; }
cppcheck --std=c++20 --language=c++ --enable=warning,performance,portability,style \
  --suppress=useStlAlgorithm --suppress=shadowFunction --suppress=missingIncludeSystem \
  --inline-suppr --error-exitcode=1 --quiet -j"$(nproc)" -I include -I src src
echo "cppcheck: no findings in src/"
