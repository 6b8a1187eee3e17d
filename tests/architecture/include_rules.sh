#!/usr/bin/env bash
# Holds src/ and include/certkeep/ to the module table, src/modules.txt (docs/architecture.md
# explains the layering): a module includes only itself, the modules its row names and
# certkeep/; a third-party header root named in the table only where the table allows it; a
# directory of src/ the table does not name fails. The public headers include only the
# standard library, certkeep/ and tl/expected.hpp; OpenSSL only in certkeep/openssl.hpp.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
table=src/modules.txt
[ -f "$table" ] || { echo "forbidden: $table is missing"; exit 1; }

declare -A uses=()     # module -> the project modules it may include
declare -A owners=()   # third-party root -> "module" or "module:file,file" entries
modules=()
while IFS='|' read -r module used _links headers; do
  module=${module//[[:space:]]/}
  [ -n "$module" ] || continue
  modules+=("$module")
  read -r -a used_list <<<"$used"
  uses[$module]="${used_list[*]}"
  for entry in $headers; do
    lib=${entry%%:*}
    files=""
    [[ "$entry" == *:* ]] && files=${entry#*:}
    owners[$lib]="${owners[$lib]:-} $module${files:+:$files}"
  done
done < <(grep -E '^[a-z]' "$table")

# C and POSIX headers any module may include; any other header root that is neither a module
# nor named in the table is a library the table does not know.
posix_roots=" sys arpa netinet net poll fcntl signal spawn string strings unistd errno pthread dirent
  pwd grp sched stdlib stdio limits time termios syslog dlfcn ifaddrs netdb linux "

include_pattern='#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"]'
# The include lines are read from a regular file: bash reads a pipe one byte per read(2) call
# (130,000 calls here), a file in blocks.
includes=$(mktemp "${TMPDIR:-/tmp}/certkeep-includes-XXXXXX")
trap 'rm -f "$includes"' EXIT
status=0
forbid() { echo "forbidden: $*"; status=1; }

# Every directory of src/ is a module of the table.
for dir in src/*/; do
  dir=${dir%/}
  name=${dir#src/}
  [[ " ${modules[*]} " == *" $name "* ]] || forbid "$dir is not a module of $table (add a row for it)"
done

# The module (and file) allowed to include third-party root `lib`: true when `module`/`file` is.
may_use_library() {
  local lib=$1 module=$2 file=$3 entry
  for entry in ${owners[$lib]}; do
    if [ "${entry%%:*}" = "$module" ]; then
      [[ "$entry" != *:* ]] && return 0
      [[ ",${entry#*:}," == *",$file,"* ]] && return 0
    fi
  done
  return 1
}

for module in "${modules[@]}"; do
  [ -d "src/$module" ] || continue
  grep -HE '^\s*#\s*include' src/"$module"/*.[ch]pp >"$includes" 2>/dev/null || true
  while IFS= read -r line; do
    path=${line%%:*}
    file=${path##*/}
    [[ $line =~ $include_pattern ]] || continue
    header=${BASH_REMATCH[1]}
    top=${header%%/*}
    if [ "$top" != "$header" ] && [ -d "src/$top" ] && [ "$top" != "$module" ]; then
      case " ${uses[$module]} " in *" $top "*) ;; *)
        forbid "$path includes $header (module $module may not depend on $top)";; esac
    fi
    # A root is a directory (<openssl/ssl.h>) or a lone header (<sqlite3.h>, <spdlog.hpp>).
    lib=$top
    [ "$top" = "$header" ] && lib=${header%.h} && lib=${lib%.hpp}
    if [ -n "${owners[$lib]:-}" ]; then
      may_use_library "$lib" "$module" "$file" || forbid "$path includes $header (only${owners[$lib]} may use $lib)"
    elif [ "$top" != "$header" ] || [[ "$header" == *.* ]]; then
      [ -d "src/$top" ] || [ "$top" = certkeep ] || [ "$header" = tl/expected.hpp ] ||
        [[ "$posix_roots" == *" $lib "* ]] ||
        forbid "$path includes $header (a library src/modules.txt does not name)"
    fi
  done <"$includes"
done

# The public headers: what a terminator's build sees.
grep -HE '^\s*#\s*include' include/certkeep/*.hpp >"$includes" 2>/dev/null || true
while IFS= read -r line; do
  path=${line%%:*}
  [[ $line =~ $include_pattern ]] || continue
  header=${BASH_REMATCH[1]}
  case "$header" in
    certkeep/*|tl/expected.hpp) ;;
    openssl/*) [ "$path" = include/certkeep/openssl.hpp ] ||
      forbid "$path includes $header (OpenSSL only in include/certkeep/openssl.hpp)";;
    */*|*.*) forbid "$path includes $header (public headers use the standard library, certkeep/ and tl/expected.hpp)";;
  esac
done <"$includes"

[ $status -eq 0 ] && echo "include rules hold"
exit $status
