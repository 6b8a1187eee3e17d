#!/usr/bin/env bash
# Private keys never leave their files: not in -v logs, --json output, list/show, or a deploy
# hook's recorded output, across an issuance, a forced renewal and a dry run.
source "$(dirname "$0")/../cli-common.sh"

name=secret.example.com
mapfile -t flags < <(pebble_flags)
# shellcheck disable=SC2016 # the hook's shell expands $CERTKEEP_KEY, not this one
ck -v issue "${flags[@]}" --json -d "$name" --deploy-hook 'echo "hook sees $CERTKEEP_KEY"' >"$TEST_DIR/out" 2>&1 ||
  fail "issue: $(cat "$TEST_DIR/out")"
ck -v renew --force --json >>"$TEST_DIR/out" 2>&1 || fail "renew: $(cat "$TEST_DIR/out")"
ck -v renew --force --json --name "$name" --dry-run >>"$TEST_DIR/out" 2>&1 || true
{
  ck list --json
  ck show "$name"
  ck list
  # Every event in full, the hook's recorded output included.
  ck show --json "$name"
} >>"$TEST_DIR/out" 2>&1

keys=("$STATE/live/$name/privkey.pem")
mapfile -t -O 1 keys < <(find "$STATE/archive" -name privkey.pem)
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
pass "no key material in logs, JSON, list, show or events"
