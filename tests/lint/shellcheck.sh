#!/usr/bin/env bash
# Every shell file of the tree passes shellcheck (Debian's `shellcheck`; the settings are in
# .shellcheckrc): files named *.sh or *.bash, and any other file whose first line runs bash or sh.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (scripts/install-deps.sh installs it)"; exit 1; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t candidates < <(git ls-files --cached --others --exclude-standard)
else
  mapfile -t candidates < <(find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||')
fi
files=()
for file in "${candidates[@]}"; do
  [ -f "$file" ] || continue
  case $file in
    *.sh | *.bash) files+=("$file") ;;
    *.*) ;;
    *) head -n 1 "$file" | grep -qE '^#!.*\b(ba)?sh\b' && files+=("$file") ;;
  esac
done
[ "${#files[@]}" -gt 0 ] || { echo "no shell files found under $root"; exit 1; }
# A few files per shellcheck process, one process per CPU: the lint takes seconds, not a minute.
printf '%s\0' "${files[@]}" | xargs -0 -n 6 -P "$(nproc)" shellcheck
echo "shellcheck: ${#files[@]} files clean"
