#!/usr/bin/env bash
# Enforces the module dependency table of STYLE.md §2: each src/ module may include only the
# project modules and third-party headers listed for it. A forbidden include fails the tests.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

# module -> allowed project modules (besides itself and certkeep/)
declare -A allowed=(
  [core]=""
  [crypto]="core"
  [http]="core"
  [acme]="core crypto http"
  [challenge]="core"
  [store]="core"
  [deploy]="core crypto"
  [lifecycle]="core crypto http acme challenge store deploy"
  [cli]="core lifecycle"
)
# module -> third-party header patterns it alone may include
declare -A third_party=(
  [openssl]="crypto deploy http"
  [curl]="http"
  [rapidjson]="acme"
  [SQLiteCpp]="store"
  [sqlite3]="store"
  [httplib]="challenge"
  [spdlog]="core"
  [CLI]="cli"
  [systemd]="cli"
)
status=0
for module in "${!allowed[@]}"; do
  [ -d "src/$module" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    header=$(sed -E 's/.*#include [<"]([^>"]+)[>"].*/\1/' <<<"$line")
    top=${header%%/*}
    if [ -d "src/$top" ] && [ "$top" != "$module" ]; then
      case " ${allowed[$module]} " in *" $top "*) ;; *)
        echo "forbidden: $file includes $header (module $module may not depend on $top)"; status=1;; esac
    fi
    for lib in "${!third_party[@]}"; do
      if [[ "$top" == "$lib" || "$header" == "$lib.h" || "$header" == "$lib.hpp" ]]; then
        case " ${third_party[$lib]} " in *" $module "*) ;; *)
          echo "forbidden: $file includes $header (only ${third_party[$lib]} may use $lib)"; status=1;; esac
      fi
    done
  done < <(grep -HE '^\s*#include' src/"$module"/*.[ch]pp 2>/dev/null || true)
done
# OpenSSL inside http/ only where curl's SSL context gets the extra trust roots.
if grep -lE '#include <openssl/' src/http/*.[ch]pp 2>/dev/null | grep -v 'trust_roots' ; then
  echo "forbidden: http/ includes OpenSSL outside trust_roots"; status=1
fi
# OpenSSL inside deploy/ only in the TLS swap.
if grep -lE '#include <openssl/' src/deploy/*.[ch]pp 2>/dev/null | grep -v 'tls_swap' ; then
  echo "forbidden: deploy/ includes OpenSSL outside tls_swap"; status=1
fi
[ $status -eq 0 ] && echo "include rules hold"
exit $status
