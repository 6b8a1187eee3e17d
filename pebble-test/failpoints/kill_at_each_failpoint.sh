#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 50
# SIGKILL at each named step of a renewal (failpoints: a build with CERTKEEP_FAILPOINTS=ON,
# docs/reliability.md A), where renew_sigkill.sh kills at random moments. After every kill: the
# store passes its integrity check; live/ holds a complete, matching certificate and key; a
# kill before the store commit leaves live/ and the stored certificate byte for byte as they
# were; a kill after the commit leaves the new certificate committed, and the next plain
# `renew` deploys it (and runs the deploy hook) without a new order; a kill once live/ was
# switched leaves the new certificate served. A kill between the CA's order and the commit
# leaves the order (and its key) stored, and the next run resumes it (unless Pebble failed the
# challenge the dead process no longer answered). Then `renew --force` succeeds. Then the same
# at each step of a first issuance (A3): running `issue` again finishes it with one certificate
# (the committed one when the kill came after the commit).
source "$(dirname "$0")/../faults/fault-common.bash"

NAME=steps.example.com
HOOK_LOG="$TEST_DIR/hook.log"
mapfile -t points < <("$CERTKEEP_BIN" --list-failpoints) || fail "--list-failpoints"
[ "${#points[@]}" -ge 16 ] || fail "only ${#points[@]} failpoints listed: ${points[*]}"

# The hook appends the serial it was given, so each run of it is counted.
issue -d "$NAME" --deploy-hook "echo \"\$CERTKEEP_SERIAL\" >> '$HOOK_LOG'" >/dev/null 2>"$TEST_DIR/err.log" ||
  fail "issue: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"

stored_serial() { lineage_serial "$NAME"; }
live_serial_of() { serial_of "$STATE/live/$1/cert.pem"; }
live_serial() { live_serial_of "$NAME"; }
mapfile -t ISSUE_FLAGS < <(pebble_flags)
hook_runs() { if [ -f "$HOOK_LOG" ]; then wc -l <"$HOOK_LOG"; else echo 0; fi; }
# The points after which the new certificate is committed, and after which live/ serves it.
committed_from=store_committed
switched_from=deploy_link_switched

committed=false switched=false
for point in "${points[@]}"; do
  [ "$point" = "$committed_from" ] && committed=true
  [ "$point" = "$switched_from" ] && switched=true
  before=$(live_fingerprint "$NAME")
  stored=$(store_cert_state "$NAME")
  old_serial=$(stored_serial)
  renewed_before=$(event_count "$NAME" renewed)

  # With PEBBLE_AUTHZREUSE=0 Pebble still reuses a valid authorization 1 time in 100, and
  # then no challenge is answered: try again (each try is a complete renewal).
  for attempt in 1 2 3; do
    CERTKEEP_FAILPOINT="$point:kill" run_ck renew --force
    [ "$RUN_STATUS" = 137 ] && break
    if [ "$RUN_STATUS" != 0 ] || ! [[ $point == challenge_answered || $point == authorization_valid ]]; then break; fi
    echo "$point: Pebble reused an authorization; again"
    before=$(live_fingerprint "$NAME")
    stored=$(store_cert_state "$NAME")
    old_serial=$(stored_serial)
    renewed_before=$(event_count "$NAME" renewed)
  done
  [ "$RUN_STATUS" = 137 ] || fail "$point: renew exited $RUN_STATUS, not killed at the failpoint"

  assert_store_ok
  assert_live "$NAME" "$NAME"
  if ! $committed; then
    [ "$(live_fingerprint "$NAME")" = "$before" ] || fail "$point: live/ changed before the commit"
    [ "$(store_cert_state "$NAME")" = "$stored" ] || fail "$point: the stored certificate changed before the commit"
    if [ "$point" != key_chosen ]; then
      # The CA's order is in the store with the new key: the next run resumes it.
      [ "$(order_rows "$NAME")" = 1 ] || fail "$point: the order row was not kept"
      ck -v renew --force >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" ||
        fail "$point: renew --force after the kill failed: $(cat "$TEST_DIR/run.err")"
      if [ "$point" = challenge_answered ]; then
        # The responder died with the process while Pebble validated: the authorization may
        # have failed, and then the order is dead and a new one is the right answer.
        grep -qE "resume order |cannot be resumed; new order" "$TEST_DIR/run.err" ||
          fail "$point: the next run neither resumed the stored order nor said why not"
      else
        grep -q "resume order " "$TEST_DIR/run.err" || fail "$point: the next run did not resume the stored order"
      fi
      [ "$(order_rows "$NAME")" = 0 ] || fail "$point: an order row is left after the renewal"
    fi
  else
    [ "$(stored_serial)" != "$old_serial" ] || fail "$point: the new certificate is not committed"
    if $switched; then
      [ "$(live_serial)" = "$(stored_serial)" ] || fail "$point: live/ does not serve the committed certificate"
    else
      [ "$(live_fingerprint "$NAME")" = "$before" ] || fail "$point: live/ changed before the switch"
    fi
    # The next plain run finishes the job: files, record and hook, without a new order.
    hooks=$(hook_runs)
    run_ck renew
    [ "$RUN_STATUS" = 0 ] || fail "$point: renew after the kill exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
    [ "$(event_count "$NAME" renewed)" = "$((renewed_before + 1))" ] || fail "$point: the recovery renewed again"
    [ "$(live_serial)" = "$(stored_serial)" ] || fail "$point: the recovery did not deploy the committed certificate"
    [ "$(lineage_field "$NAME" deployed_serial)" = "$(stored_serial)" ] ||
      fail "$point: deployed_serial not recorded after the recovery"
    # Every kill from the commit on came before the hook, so the recovery runs it, once.
    [ "$(hook_runs)" = "$((hooks + 1))" ] || fail "$point: the recovery ran the deploy hook $(($(hook_runs) - hooks)) times, want 1"
    [ "$(tail -n 1 "$HOOK_LOG")" = "$(stored_serial)" ] || fail "$point: the hook's last run was not for the new serial"
    assert_live "$NAME" "$NAME"
  fi

  run_ck renew --force
  [ "$RUN_STATUS" = 0 ] || fail "$point: renew --force after the kill exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
  assert_live "$NAME" "$NAME"
  [ "$(live_serial)" = "$(stored_serial)" ] || fail "$point: live/ does not serve the stored certificate"
  [ "$(tail -n 1 "$HOOK_LOG")" = "$(stored_serial)" ] || fail "$point: the hook did not run for the new serial"
  if $committed; then
    outcome="committed, deployed by the next run"
  elif [ "$point" = key_chosen ]; then
    outcome="nothing changed"
  else
    outcome="nothing changed, the order kept and taken up by the next run"
  fi
  echo "$point: killed; $outcome; renew --force then succeeded"
done
assert_store_ok

# The same for a first issuance (docs/reliability.md A): nothing half-made is ever served, and
# running the same `issue` again finishes the job with one certificate, never a second one.
committed=false switched=false
for point in "${points[@]}"; do
  [ "$point" = "$committed_from" ] && committed=true
  [ "$point" = "$switched_from" ] && switched=true
  first="first-${point//_/-}.example.com"
  hook="echo \"\$CERTKEEP_SERIAL\" >> '$HOOK_LOG'"
  for attempt in 1 2 3; do
    CERTKEEP_FAILPOINT="$point:kill" run_ck issue "${ISSUE_FLAGS[@]}" -d "$first" --deploy-hook "$hook"
    [ "$RUN_STATUS" = 137 ] && break
    if [ "$RUN_STATUS" != 0 ] || ! [[ $point == challenge_answered || $point == authorization_valid ]]; then break; fi
    first="again$attempt-$first"  # Pebble reused an authorization: a fresh name, a fresh try
  done
  [ "$RUN_STATUS" = 137 ] || fail "first issue, $point: exited $RUN_STATUS, not killed at the failpoint"
  assert_store_ok
  if $switched; then
    assert_live "$first" "$first"
  else
    [ ! -e "$STATE/live/$first" ] || fail "first issue, $point: live/$first exists before the switch"
  fi
  serial_before=$(lineage_serial "$first")
  if $committed; then
    [ -n "$serial_before" ] || fail "first issue, $point: nothing committed"
  fi

  ck -v issue "${ISSUE_FLAGS[@]}" -d "$first" --deploy-hook "$hook" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" ||
    fail "first issue, $point: running issue again failed: $(tail -n 3 "$TEST_DIR/run.err")"
  assert_live "$first" "$first"
  [ "$(event_count "$first" issued)" = 1 ] || fail "first issue, $point: $(event_count "$first" issued) certificates committed, want 1"
  [ "$(event_count "$first" renewed)" = 0 ] || fail "first issue, $point: the second run renewed"
  if $committed; then
    [ "$(live_serial_of "$first")" = "$serial_before" ] || fail "first issue, $point: the committed certificate was not the one deployed"
  elif [ "$point" != key_chosen ] && [ "$point" != challenge_answered ]; then
    grep -q "resume order " "$TEST_DIR/run.err" || fail "first issue, $point: the stored order was not resumed"
  fi
  [ "$(tail -n 1 "$HOOK_LOG")" = "$(live_serial_of "$first")" ] || fail "first issue, $point: the hook did not run for the deployed serial"
  echo "first issue, $point: killed; issue run again finished it with one certificate"
done
assert_store_ok
pass "killed at each of ${#points[@]} failpoints, renewing and issuing; every time consistent and recovered"
