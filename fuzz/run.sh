#!/usr/bin/env bash
# Runs every certkeep fuzz target for a while over a copy of its seed corpus, after replaying
# the saved regression inputs once. See fuzz/README.md.
#
#   fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET            # targets already built in BUILD_DIR
#   fuzz/run.sh --build BUILD_DIR SECONDS_PER_TARGET    # configure (clang) + build, then run
#   fuzz/run.sh --build BUILD_DIR 0                     # configure + build only
#
# Environment: FUZZ_TARGETS="token base64url" runs only those; FUZZ_JOBS (default 1) is the
# cmake --build parallelism for --build.
# Exit status: 0 when every regression input passes and no target found a crash, leak,
# timeout or out-of-memory; 1 otherwise (the crash files are named in the output); 2 on usage
# or build errors.
set -uo pipefail

usage() {
  echo "usage: $0 [--build] BUILD_DIR SECONDS_PER_TARGET" >&2
  exit 2
}

build=0
if [[ "${1:-}" == "--build" ]]; then
  build=1
  shift
fi
[[ $# -eq 2 ]] || usage
build_dir=$1
seconds=$2
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(dirname "$fuzz_dir")
targets=(acme_directory acme_order acme_authorization acme_problem acme_renewal_info acme_response
         http_headers pem_chain private_key http01_request token listen_address time_format
         cli_values base64url)
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
fi

if [[ $build -eq 1 ]]; then
  echo "== configure and build the fuzz targets in $build_dir"
  started=$(date +%s)
  CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$source_dir" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTKEEP_FUZZ=ON -DCERTKEEP_TESTS=OFF -DCERTKEEP_UNITY=ON \
    -DCERTKEEP_EXAMPLES=OFF -DCERTKEEP_BENCH=OFF >/dev/null || exit 2
  cmake --build "$build_dir" -j"${FUZZ_JOBS:-1}" --target certkeep_fuzz || exit 2
  echo "== build took $(($(date +%s) - started)) s"
  [[ $seconds -eq 0 ]] && exit 0
fi

build_dir=$(cd "$build_dir" && pwd) || exit 2
work_dir="$build_dir/fuzz-run"
mkdir -p "$work_dir"

# The dictionary that fits each target's input language, if any.
dictionary_for() {
  case "$1" in
    acme_directory | acme_order | acme_authorization | acme_problem | acme_renewal_info) echo acme_json ;;
    acme_response | http_headers | http01_request) echo http ;;
    pem_chain | private_key) echo pem ;;
    *) echo "" ;;
  esac
}

failed=0
failures=()
total_runs=0
printf '%-20s %12s %10s  %s\n' target executions exec/s result
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/${target}_fuzz"
  if [[ ! -x "$binary" ]]; then
    echo "missing $binary (build the certkeep_fuzz target, or use --build)" >&2
    exit 2
  fi
  target_dir="$work_dir/$target"
  rm -rf "$target_dir"
  mkdir -p "$target_dir/corpus" "$target_dir/artifacts"

  # 1. Regression inputs: each must run clean once.
  for input in "$fuzz_dir/regressions/$target"/*; do
    [[ -f "$input" ]] || continue
    log="$target_dir/regression-$(basename "$input").log"
    if ! "$binary" -rss_limit_mb=512 -timeout=10 "$input" >"$log" 2>&1; then
      failed=1
      failures+=("$target: regression input $input fails (log: $log)")
      grep -m1 -E "fuzz invariant failed|ERROR: |runtime error" "$log" | sed "s/^/    $target regression: /"
    fi
  done

  # 2. Fuzz over a copy of the seeds (the grown corpus stays in the build tree).
  if [[ -d "$fuzz_dir/corpus/$target" ]]; then
    cp -r "$fuzz_dir/corpus/$target/." "$target_dir/corpus/"
  fi
  args=(-max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -print_final_stats=1
        -artifact_prefix="$target_dir/artifacts/")
  dictionary=$(dictionary_for "$target")
  [[ -n "$dictionary" ]] && args+=(-dict="$fuzz_dir/dict/$dictionary.dict")
  "$binary" "${args[@]}" "$target_dir/corpus" >"$target_dir/fuzz.log" 2>&1
  status=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$target_dir/fuzz.log" | grep -Eo '[0-9]+$' | tail -1)
  rate=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$target_dir/fuzz.log" | grep -Eo '[0-9]+$' | tail -1)
  runs=${runs:-0}
  rate=${rate:-0}
  total_runs=$((total_runs + runs))
  result=ok
  if [[ $status -ne 0 ]]; then
    failed=1
    result="FAILED (exit $status)"
    found=0
    for artifact in "$target_dir"/artifacts/*; do
      [[ -e "$artifact" ]] || continue
      failures+=("$target: $artifact")
      found=1
    done
    [[ $found -eq 1 ]] || failures+=("$target: no crash file; see $target_dir/fuzz.log")
  fi
  printf '%-20s %12s %10s  %s\n' "$target" "$runs" "$rate" "$result"
  if [[ $status -ne 0 ]]; then
    grep -m1 -E "fuzz invariant failed|ERROR: |runtime error" "$target_dir/fuzz.log" | sed 's/^/    /'
  fi
done
printf '%-20s %12s\n' total "$total_runs"

if [[ $failed -ne 0 ]]; then
  echo "FAILURES (reproduce: <build>/fuzz/<target>_fuzz <file>):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo "all targets clean"
