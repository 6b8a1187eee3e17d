#!/usr/bin/env bash
# D3: live/ is read-only (a read-only bind mount: the tests run as root, who ignores mode bits,
# so chmod would prove nothing). `renew` gets the new certificate and commits it in the store,
# but cannot switch live/<name>: exit 1 with an error naming the directory, the old files stay
# deployed byte for byte, the deploy hook does not run, the store is sound and records the
# error. Once live/ is writable again, the next plain `renew` deploys the committed certificate
# without a new order, and the hook runs.
# The mount lives in a private mount namespace, so it vanishes with the test whatever happens.
if [ -z "${CERTKEEP_FAULT_MOUNT_NS:-}" ]; then
  CERTKEEP_FAULT_MOUNT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/fault-common.bash"

NAME=readonly.example.com
HOOK_LOG="$TEST_DIR/hook-runs.txt"
issue -d "$NAME" --deploy-hook "echo \"\$CERTKEEP_NAME\" >>'$HOOK_LOG'" >/dev/null 2>"$TEST_DIR/err.log" ||
  fail "issue: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"
hook_runs() { if [ -f "$HOOK_LOG" ]; then wc -l <"$HOOK_LOG"; else echo 0; fi; }
[ "$(hook_runs)" = 1 ] || fail "the deploy hook did not run once for the issuance (ran $(hook_runs) times)"
[ "$(cat "$HOOK_LOG")" = "$NAME" ] || fail "the hook's CERTKEEP_NAME was '$(cat "$HOOK_LOG")', want $NAME"
before=$(live_fingerprint "$NAME")
old_serial=$(serial_of "$STATE/live/$NAME/cert.pem")
db_serials() { ck show --json "$NAME" | jq -r '"\(.lineage.serial) \(.lineage.deployed_serial)"'; }

mount --bind "$STATE/live" "$STATE/live" || fail "mount --bind is not permitted here"
FAULT_CLEANUPS=("umount '$STATE/live' 2>/dev/null" "${FAULT_CLEANUPS[@]}")
mount -o remount,bind,ro "$STATE/live" || fail "cannot remount live/ read-only"
if touch "$STATE/live/probe" 2>/dev/null; then fail "live/ is still writable after the read-only remount"; fi
pass "live/ is a read-only bind mount"

status=0
ck renew --force >"$TEST_DIR/renew.out" 2>"$TEST_DIR/renew.err" || status=$?
echo "renew exited $status: $(grep -i error "$TEST_DIR/renew.err" | head -n 2)"
[ "$status" = 1 ] || fail "renew with a read-only live/ exited $status, want 1"
grep -qF "$STATE/live" "$TEST_DIR/renew.err" || fail "the error does not name the live directory"
grep -qiE "read-only" "$TEST_DIR/renew.err" || fail "the error does not give the cause (read-only file system)"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed"
[ "$(hook_runs)" = 1 ] || fail "the deploy hook ran although nothing was deployed"
assert_store_ok
read -r new_serial deployed_serial <<<"$(db_serials)"
{ [ -n "$new_serial" ] && [ "$new_serial" != "$old_serial" ]; } || fail "the new certificate was not committed in the store ($(db_serials))"
[ "$deployed_serial" = "$old_serial" ] || fail "deployed_serial is $deployed_serial, want the old $old_serial"
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "the committed renewal is not recorded once"
soft_error_recorded "$NAME" "read-only|live"
pass "read-only live/: exit 1, committed ($new_serial) but not deployed, old files kept, hook not run"

umount "$STATE/live" || fail "umount live/"
ck renew >"$TEST_DIR/renew2.out" 2>"$TEST_DIR/renew2.err" || fail "renew once live/ is writable exited $?: $(cat "$TEST_DIR/renew2.err")"
[ "$(serial_of "$STATE/live/$NAME/cert.pem" | tr 'a-f' 'A-F')" = "$(echo "$new_serial" | tr 'a-f' 'A-F')" ] ||
  fail "live cert serial $(serial_of "$STATE/live/$NAME/cert.pem") is not the committed $new_serial (reissued?)"
assert_live "$NAME" "$NAME"
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "the deploy reissued the certificate"
[ "$(hook_runs)" = 2 ] || fail "the deploy hook did not run once for the late deploy (ran $(hook_runs) times in all)"
[ "$(tail -n 1 "$HOOK_LOG")" = "$NAME" ] || fail "the late deploy's CERTKEEP_NAME was '$(tail -n 1 "$HOOK_LOG")'"
read -r s d <<<"$(db_serials)"
[ "$s" = "$d" ] || fail "deployed_serial $d != serial $s after the late deploy"
assert_store_ok
pass "writable again: the committed certificate is deployed without reissuing, hook ran"
finish_soft
