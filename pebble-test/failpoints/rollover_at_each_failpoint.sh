#!/usr/bin/env bash
# pebble-cost: 30
# SIGKILL at each step of an account key rollover (`--list-failpoints rollover`; a build with
# CERTKEEP_FAILPOINTS=ON). The new key is stored beside the old one before Pebble is asked and
# becomes the account's key only once Pebble confirmed, so after every kill the store holds a
# key Pebble accepts: the next use of the account (a renewal) finds which, finishes the
# rollover, and orders with the same account (its URL unchanged, nothing registered anew).
# Then a plain `account rollover` works from there.
source "$(dirname "$0")/../faults/fault-common.bash"

mapfile -t points < <("$CERTKEEP_BIN" --list-failpoints rollover) || fail "--list-failpoints rollover"
[ "${#points[@]}" -ge 3 ] || fail "only ${#points[@]} rollover failpoints: ${points[*]}"
NAME=rollover.example.com
issue -d "$NAME" --account main >/dev/null 2>"$TEST_DIR/err" || fail "issue: $(cat "$TEST_DIR/err")"
url=$(ck account show --json main | jq -r .account.account_url)
[[ $url == https://* ]] || fail "no account URL: $(ck account show --json main)"

account_field() { ck account show --json main | jq -r ".account.$1"; }
for point in "${points[@]}"; do
  thumb=$(account_field key_thumbprint)
  CERTKEEP_FAILPOINT="$point:kill" run_ck account rollover main
  [ "$RUN_STATUS" = 137 ] || fail "$point: rollover exited $RUN_STATUS, not killed: $(cat "$TEST_DIR/run.err")"
  assert_store_ok
  [ "$(account_field account_url)" = "$url" ] || fail "$point: the account URL changed"
  case $point in
    rollover_committed)
      [ "$(account_field rollover_pending)" = false ] || fail "$point: a rollover is still pending"
      [ "$(account_field key_thumbprint)" != "$thumb" ] || fail "$point: the new key is not the account's" ;;
    *)
      [ "$(account_field rollover_pending)" = true ] || fail "$point: the new key was not kept beside the old"
      [ "$(account_field key_thumbprint)" = "$thumb" ] || fail "$point: the old key was dropped before Pebble confirmed" ;;
  esac

  # The next use of the account settles the rollover and orders with the same account.
  serial=$(lineage_serial "$NAME")
  ck -v renew --force --name "$NAME" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" ||
    fail "$point: renew after the kill: $(cat "$TEST_DIR/run.err")"
  [ "$(lineage_serial "$NAME")" != "$serial" ] || fail "$point: no new certificate"
  grep -q "registered" "$TEST_DIR/run.err" && fail "$point: an account was registered anew: $(cat "$TEST_DIR/run.err")"
  [ "$(account_field account_url)" = "$url" ] || fail "$point: the renewal changed the account"
  [ "$(account_field rollover_pending)" = false ] || fail "$point: the renewal left the rollover pending"
  [ "$(account_field key_thumbprint)" != "$thumb" ] || fail "$point: the rollover was not finished"
  [ "$(store_query "SELECT count(*) FROM accounts")" = 1 ] || fail "$point: more than one account row"
  echo "$point: killed; the store kept a key Pebble accepts; the renewal finished the rollover"
done
# And a plain rollover from there works, and Pebble takes orders signed with its key.
thumb=$(account_field key_thumbprint)
ck account rollover main >/dev/null 2>"$TEST_DIR/err" || fail "rollover after the recoveries: $(cat "$TEST_DIR/err")"
[ "$(account_field key_thumbprint)" != "$thumb" ] || fail "the last rollover did not change the key"
ck renew --force --name "$NAME" >/dev/null 2>"$TEST_DIR/err" || fail "final renew: $(cat "$TEST_DIR/err")"
[ "$(account_field account_url)" = "$url" ] || fail "the account changed at the end"
assert_store_ok
pass "a rollover killed at each of ${#points[@]} failpoints never lost the account"
