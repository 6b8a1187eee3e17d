#!/usr/bin/env bash
# pebble-with: postgres
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 30
# A PostgreSQL store that fails under certkeep (RELIABILITY.md "New surfaces": PostgreSQL
# fleet), each time with the error naming the server (never the URL's password), the old
# certificate serving byte for byte, and the next run after the fault completing:
#   0. a URL libpq cannot parse: exit 1, no state directory made; a login the server refuses
#      (a wrong password): exit 1 naming the server and the user;
#   1. the server stopped before `renew --force`: exit 1 at once; restarted, the renewal works;
#   2. the server stopped while the renewal waits for Pebble's validator: the renewal cannot
#      commit and exits 1; restarted, the next run finishes it;
#   3. the database read-only (ALTER DATABASE … SET default_transaction_read_only = on): exit 1
#      with "read-only", and every table's rows stay as they were; writable again, it renews.
source "$(dirname "$0")/fault-common.bash"
source "$(dirname "$0")/../postgres-common.bash"

# A password the trust-authenticated test server never asks for: it must appear in no output.
PG_URL="$CERTKEEP_TEST_POSTGRES_URL&password=never-print-this-pw"
use_postgres_store

NAME=pgfault.example.com
start_web "$WEBROOT" "$GATE" "$WEB_EVENTS"
issue_webroot -d "$NAME" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"
[ "$(store_query "SELECT count(*) FROM certificates WHERE name = '$NAME'")" = 1 ] ||
  fail "the lineage is not in PostgreSQL"
[ ! -e "$STATE/certkeep.db" ] || fail "an SQLite store was created next to the PostgreSQL one"

# assert_names_server FILE: the error names the PostgreSQL server and not the password.
assert_names_server() {
  grep -q "PostgreSQL database \"certkeep\" on $POSTGRES_SOCKET_DIR" "$1" ||
    fail "the error does not name the server: $(grep -m2 error "$1")"
  if grep -q "never-print-this-pw" "$1"; then fail "the password was printed: $(grep -m1 never-print "$1")"; fi
}

# ---- 0. a URL libpq cannot parse: refused, nothing made, no password shown ------------------------
status=0
"$CERTKEEP_BIN" --state-dir "$TEST_DIR/fresh" --store "postgresql://fleet:never-print-this-pw@[bad" list \
  >"$TEST_DIR/bad.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a malformed URL exited $status, want 1"
grep -q "malformed" "$TEST_DIR/bad.out" || fail "the error does not say the URL is malformed: $(cat "$TEST_DIR/bad.out")"
if grep -q "never-print-this-pw" "$TEST_DIR/bad.out"; then fail "the password was printed: $(cat "$TEST_DIR/bad.out")"; fi
[ ! -e "$TEST_DIR/fresh" ] || fail "a state directory was made for a store that could not be opened"
pass "a malformed URL: exit 1, nothing made: $(cat "$TEST_DIR/bad.out")"

# ---- 0b. a login the server refuses (a wrong password): the error names server and user ----------
hba="$POSTGRES_SOCKET_DIR/data/pg_hba.conf"
{ echo "local all certkeep_pw scram-sha-256"; cat "$hba"; } >"$TEST_DIR/pg_hba.conf"
cat "$TEST_DIR/pg_hba.conf" >"$hba" # keeps the file's owner and mode
pg_admin -c "CREATE ROLE certkeep_pw LOGIN PASSWORD 'the-right-one'" -c "SELECT pg_reload_conf()" >/dev/null
wrong_url="postgresql:///certkeep?host=$POSTGRES_SOCKET_DIR&user=certkeep_pw&password=never-print-this-pw"
status=0
"$CERTKEEP_BIN" --state-dir "$STATE" --store "$wrong_url" list >"$TEST_DIR/login.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a refused login exited $status, want 1"
grep -q "password authentication failed for user \"certkeep_pw\"" "$TEST_DIR/login.out" ||
  fail "the error does not say the login was refused: $(cat "$TEST_DIR/login.out")"
assert_names_server "$TEST_DIR/login.out"
pass "a refused login: exit 1: $(cat "$TEST_DIR/login.out")"

# ---- 1. stopped before the run ---------------------------------------------------------------
before=$(live_fingerprint "$NAME")
postgres_stop
status=0
ck renew --force >"$TEST_DIR/down.out" 2>"$TEST_DIR/down.err" || status=$?
echo "renew with the server stopped exited $status: $(grep -m1 error "$TEST_DIR/down.err")"
[ "$status" = 1 ] || fail "renew with PostgreSQL stopped exited $status, want 1"
assert_names_server "$TEST_DIR/down.err"
grep -qiE "cannot connect|connection" "$TEST_DIR/down.err" || fail "the error does not say it cannot connect"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed while the store was down"
postgres_start
ck renew --force >"$TEST_DIR/up.out" 2>"$TEST_DIR/up.err" || fail "renew after the restart: $(cat "$TEST_DIR/up.err")"
[ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the renewal after the restart did not switch files"
assert_live "$NAME" "$NAME"
assert_store_ok
pass "server stopped before renew: exit 1 naming the server; after the restart the renewal completes"

# ---- 2. stopped during the renewal ------------------------------------------------------------
renewed_before=$(event_count "$NAME" renewed)
start_renew_held_mid_order "$NAME"
before=$HELD_BEFORE
postgres_stop
release_challenges
wait_exit "$renew_pid" 60000 "renew after PostgreSQL stopped"
echo "renew exited $EXIT_STATUS with the server stopped mid-order: $(grep -v ' debug ' "$TEST_DIR/renew.err" | grep -m1 error)"
[ "$EXIT_STATUS" = 1 ] || fail "renew exited $EXIT_STATUS, want 1"
assert_names_server "$TEST_DIR/renew.err"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed by the renewal that could not commit"
openssl x509 -in "$STATE/live/$NAME/cert.pem" -noout -checkend 0 >/dev/null || fail "the live certificate expired"
postgres_start
[ "$(event_count "$NAME" renewed)" = "$renewed_before" ] || fail "a renewal was committed though the server was down"
ck renew --force >"$TEST_DIR/next.out" 2>"$TEST_DIR/next.err" || fail "the next renew: $(cat "$TEST_DIR/next.err")"
[ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the next run did not renew"
assert_live "$NAME" "$NAME"
[ "$(event_count "$NAME" renewed)" = $((renewed_before + 1)) ] || fail "the next run's renewal is not recorded once"
[ "$(order_rows "$NAME")" = 0 ] || fail "an order row is left after the renewal"
pass "server stopped mid-renewal: exit 1 naming the server, old files served; after the restart the next run renews"

# ---- 3. read-only ---------------------------------------------------------------------------------
before=$(live_fingerprint "$NAME")
dump_postgres >"$TEST_DIR/before.dump"
pg_admin -c "ALTER DATABASE certkeep SET default_transaction_read_only = on"
status=0
ck renew --force >"$TEST_DIR/ro.out" 2>"$TEST_DIR/ro.err" || status=$?
echo "renew on a read-only database exited $status: $(grep -m1 error "$TEST_DIR/ro.err")"
[ "$status" = 1 ] || fail "renew on a read-only database exited $status, want 1"
grep -q "is read-only" "$TEST_DIR/ro.err" || fail "the error does not say read-only: $(cat "$TEST_DIR/ro.err")"
assert_names_server "$TEST_DIR/ro.err"
[ "$(live_fingerprint "$NAME")" = "$before" ] || fail "live files changed on a read-only store"
dump_postgres >"$TEST_DIR/after.dump"
cmp -s "$TEST_DIR/before.dump" "$TEST_DIR/after.dump" || fail "rows changed in the read-only database"
ck list >/dev/null 2>"$TEST_DIR/ro-list.err" || fail "list on a read-only database: $(cat "$TEST_DIR/ro-list.err")"
pg_admin -c "ALTER DATABASE certkeep RESET default_transaction_read_only"
ck renew --force >"$TEST_DIR/rw.out" 2>"$TEST_DIR/rw.err" || fail "renew once writable: $(cat "$TEST_DIR/rw.err")"
[ "$(live_fingerprint "$NAME")" != "$before" ] || fail "the renewal once writable did not switch files"
assert_live "$NAME" "$NAME"
pass "read-only database: exit 1 saying read-only, nothing changed; writable again, it renews"
