#!/usr/bin/env bash
# Private keys never leave their files: not in -v logs, --json output, list/show, or a deploy
# hook's recorded output, across an issuance, a forced renewal and a dry run. A private CA's
# key never leaves the store: not in `ca` output, events, or a hook's environment.
source "$(dirname "$0")/../cli-common.sh"

name=secret.example.com
mapfile -t flags < <(pebble_flags)
# shellcheck disable=SC2016 # the hook's shell expands $CERTKEEP_KEY, not this one
ck -v issue "${flags[@]}" --json -d "$name" --deploy-hook 'echo "hook sees $CERTKEEP_KEY"' >"$TEST_DIR/out" 2>&1 ||
  fail "issue: $(cat "$TEST_DIR/out")"
ck -v renew --force --json >>"$TEST_DIR/out" 2>&1 || fail "renew: $(cat "$TEST_DIR/out")"
ck -v renew --force --json --name "$name" --dry-run >>"$TEST_DIR/out" 2>&1 || true
# shellcheck disable=SC2016 # the hook's shell expands $CERTKEEP_KEY, not this one
{
  ck -v ca init
  ck -v ca rotate
  ck ca list --json
  ck ca list
  ck ca export
  ck -v issue --ca certkeep-ca --json -d internal.test --deploy-hook 'env | grep ^CERTKEEP_; echo "ca hook sees $CERTKEEP_KEY"'
  ck -v renew --force --json --name internal.test
  ck show --json internal.test
  ck list --json
  ck show "$name"
  ck list
  # Every event in full, the hook's recorded output included.
  ck show --json "$name"
} >>"$TEST_DIR/out" 2>&1

keys=("$STATE/live/$name/privkey.pem")
mapfile -t -O 1 keys < <(find "$STATE/archive" -name privkey.pem)
# Both generations of the private CA's key, from the store.
for generation in 1 2; do
  store_query "SELECT key_pem FROM private_cas WHERE generation = $generation" >"$TEST_DIR/ca-key-$generation.pem"
  grep -q "PRIVATE KEY" "$TEST_DIR/ca-key-$generation.pem" || fail "no CA key generation $generation in the store"
  keys+=("$TEST_DIR/ca-key-$generation.pem")
done
# True when FILE holds a PEM key header or any 40-character run of a key's base64 body.
leaks() {
  local file=$1 key chunk
  grep -q "PRIVATE KEY" "$file" && return 0
  for key in "${keys[@]}"; do
    while read -r chunk; do
      [ "${#chunk}" -eq 40 ] && grep -qF -- "$chunk" "$file" && return 0
    done < <(grep -v -- "-----" "$key" | tr -d '\n' | fold -w 40; echo)
  done
  return 1
}
grep -v -- "-----" "${keys[0]}" >"$TEST_DIR/body-only"
leaks "$TEST_DIR/body-only" || fail "the leak detector does not see a key's own body"
if leaks "$TEST_DIR/out"; then fail "key material appears in the output"; fi
grep -q "hook sees $STATE/live/$name/privkey.pem" "$TEST_DIR/out" || fail "the hook's recorded output is missing: the test saw nothing"
grep -q "ca hook sees $STATE/live/internal.test/privkey.pem" "$TEST_DIR/out" || fail "the private-CA lineage's hook output is missing"
grep -q "CERTKEEP_NAME=internal.test" "$TEST_DIR/out" || fail "the hook's environment is missing from the output"
pass "no key material in logs, JSON, list, show or events"
