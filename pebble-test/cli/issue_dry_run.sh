#!/usr/bin/env bash
# pebble-cost: 6
# `issue --dry-run`: a whole issuance against a test directory (here Pebble, named with
# --dry-run-server) that stores nothing, deploys nothing and runs no hook: the state directory,
# its store included, is unchanged byte for byte, and a state directory that does not exist is
# not created. A dry run that fails says why and still leaves nothing.
source "$(dirname "$0")/../cli-common.sh"

FAIL_LOGS+=("$TEST_DIR")
issue -d kept.example.com >"$TEST_DIR/issue.out" 2>&1 || fail "issue: $(cat "$TEST_DIR/issue.out")"
state_fingerprint() { (cd "$STATE" && find . -print0 | sort -z | xargs -0 -I{} sh -c 'if [ -f "{}" ]; then sha256sum "{}"; else echo "dir {}"; fi'); }
before=$(state_fingerprint)
mapfile -t flags < <(pebble_flags)

ck issue "${flags[@]}" -d dry.example.com --dry-run --dry-run-server "$CERTKEEP_TEST_DIRECTORY_URL" \
  --deploy-hook "touch $TEST_DIR/hook-ran" >"$TEST_DIR/dry.out" 2>&1 || fail "dry run: $(cat "$TEST_DIR/dry.out")"
grep -qE "^dry run: https://127\.0\.0\.1:[0-9]+/dir issued a certificate for dry\.example\.com \(serial [0-9A-F]+, .*nothing was stored or deployed, no hook ran" \
  "$TEST_DIR/dry.out" || fail "dry run output: $(cat "$TEST_DIR/dry.out")"
ck --json issue "${flags[@]}" -d dry.example.com --dry-run --dry-run-server "$CERTKEEP_TEST_DIRECTORY_URL" \
  >"$TEST_DIR/dry.json" 2>"$TEST_DIR/dry.err" || fail "dry run --json: $(cat "$TEST_DIR/dry.err")"
jq -e '.schema_version == 1 and .kind == "issue" and .dry_run == true and (.serial | test("^[0-9A-F]+$")) and .names == ["dry.example.com"]' \
  "$TEST_DIR/dry.json" >/dev/null || fail "dry run JSON: $(cat "$TEST_DIR/dry.json")"
[ "$(state_fingerprint)" = "$before" ] || fail "the state directory changed: $(diff <(echo "$before") <(state_fingerprint))"
[ ! -e "$TEST_DIR/hook-ran" ] || fail "the deploy hook ran in a dry run"
pass "issue --dry-run issued from the test directory; the state directory is unchanged byte for byte, no hook ran"

# Failing: Pebble cannot validate (the responder listens where Pebble does not dial).
dead_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
mapfile -t dead < <(pebble_flags | sed "s/^127\.0\.0\.1:$CERTKEEP_HTTP01_PORT\$/127.0.0.1:$dead_port/")
status=0
ck issue "${dead[@]}" -d fail.example.com --dry-run --dry-run-server "$CERTKEEP_TEST_DIRECTORY_URL" \
  >"$TEST_DIR/fail.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a failing dry run exited $status: $(cat "$TEST_DIR/fail.out")"
grep -q "dry run: fail.example.com: .*urn:ietf:params:acme:error" "$TEST_DIR/fail.out" ||
  fail "the failing dry run does not show the CA's problem: $(cat "$TEST_DIR/fail.out")"
[ "$(state_fingerprint)" = "$before" ] || fail "a failing dry run changed the state directory"
pass "a failing dry run exits 1 with the CA's problem and leaves nothing"

# A CA without a known staging directory needs --dry-run-server; no state directory appears.
status=0
"$CERTKEEP_BIN" --state-dir "$TEST_DIR/never" issue "${flags[@]}" -d x.example.com --dry-run >"$TEST_DIR/usage.out" 2>&1 ||
  status=$?
[ "$status" = 2 ] || fail "--dry-run without a staging directory exited $status"
grep -q -- "--dry-run-server" "$TEST_DIR/usage.out" || fail "no hint at --dry-run-server: $(cat "$TEST_DIR/usage.out")"
"$CERTKEEP_BIN" --state-dir "$TEST_DIR/never" issue "${flags[@]}" -d x.example.com --dry-run \
  --dry-run-server "$CERTKEEP_TEST_DIRECTORY_URL" >/dev/null 2>&1 || fail "dry run with a fresh state directory"
[ ! -e "$TEST_DIR/never" ] || fail "a dry run created the state directory"
pass "--dry-run needs a staging directory it knows or --dry-run-server, and creates no state directory"
pt_release_ports "$TEST_DIR"
