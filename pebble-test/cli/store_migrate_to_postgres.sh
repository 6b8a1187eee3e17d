#!/usr/bin/env bash
# pebble-with: postgres
# pebble-cost: 20
# `certkeep store migrate --to postgresql://…`: a store with an ACME lineage (and its account),
# a private CA with a lineage it issued, an imported certificate and their events, copied from
# SQLite into an empty PostgreSQL database. The copy reports its counts; every lineage reads the
# same through both engines (`list --json`, `show --json --events 0`), and sqlite3's and psql's
# dumps of every table agree row by row and column by column; the SQLite file is unchanged; a
# second migrate into the now non-empty database is refused and changes nothing. Then
# `renew --force` on the PostgreSQL store renews against Pebble and `list` there shows it.
source "$(dirname "$0")/../cli-common.sh"
source "$(dirname "$0")/../postgres-common.bash"

ACME=acme.example.com
INTERNAL=app.internal
SHOP=shop.example.com
DB="$STATE/certkeep.db"

# ---- a SQLite store with one lineage of each issuer ---------------------------------------
issue -d "$ACME" --deploy-hook "true" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue $ACME: $(cat "$TEST_DIR/err.log")"
assert_live "$ACME" "$ACME"
ck ca init --cn "Migrate Test Root" >/dev/null 2>"$TEST_DIR/err.log" || fail "ca init: $(cat "$TEST_DIR/err.log")"
ck issue --ca certkeep-ca -d "$INTERNAL" --validity 30 >/dev/null 2>"$TEST_DIR/err.log" ||
  fail "issue --ca: $(cat "$TEST_DIR/err.log")"
PKI="$TEST_DIR/pki"
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/shop.key" -out "$PKI/shop.pem" \
  -subj "/CN=$SHOP" -days 60 -addext "subjectAltName=DNS:$SHOP" 2>/dev/null
ck import "$SHOP" --cert "$PKI/shop.pem" --key "$PKI/shop.key" >/dev/null 2>"$TEST_DIR/err.log" ||
  fail "import: $(cat "$TEST_DIR/err.log")"
[ "$(ck list --json | jq ".lineages | length")" = 3 ] || fail "want 3 lineages in SQLite: $(ck list)"
[ "$(store_query 'SELECT count(*) FROM accounts;')" = 1 ] || fail "want one ACME account in SQLite"
sqlite_sum=$(sha256sum "$DB" | cut -d' ' -f1)

# ---- migrate -------------------------------------------------------------------------------
ck store migrate --to "$PG_URL" --json >"$TEST_DIR/migrate.json" 2>"$TEST_DIR/migrate.err" ||
  fail "store migrate exited $?: $(cat "$TEST_DIR/migrate.err")"
echo "migrate: $(cat "$TEST_DIR/migrate.json")"
jq -e '.kind == "store-migrate" and .verified == true and .store_schema_version >= 4' "$TEST_DIR/migrate.json" >/dev/null ||
  fail "migrate did not report a verified copy at the current schema"
for table in accounts certificates events private_cas; do
  want=$(store_query "SELECT count(*) FROM $table;")
  got=$(jq -r --arg t "$table" '.tables[$t]' "$TEST_DIR/migrate.json")
  [ "$got" = "$want" ] || fail "migrate reported $got rows of $table, SQLite has $want"
  [ "$(pg_psql -c "SELECT count(*) FROM $table")" = "$want" ] || fail "PostgreSQL has other than $want rows of $table"
done
(($(jq -r '.tables.events' "$TEST_DIR/migrate.json") >= 5)) || fail "too few events were copied"
jq -r '.target' "$TEST_DIR/migrate.json" | grep -q 'PostgreSQL database "certkeep"' ||
  fail "the report does not name the target database"
[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$sqlite_sum" ] || fail "migrate changed the SQLite file"
pass "store migrate copied $(jq -c '.tables' "$TEST_DIR/migrate.json") and verified them"

# ---- the same store through both engines -----------------------------------------------------
[ "$(ck list --json)" = "$(ck_pg list --json)" ] || fail "list --json differs between SQLite and PostgreSQL"
for name in "$ACME" "$INTERNAL" "$SHOP"; do
  [ "$(ck show --json --events 0 "$name")" = "$(ck_pg show --json --events 0 "$name")" ] ||
    fail "show --json $name differs between SQLite and PostgreSQL"
done
[ "$(ck ca export)" = "$(ck_pg ca export)" ] || fail "the private CA's roots differ"
dump_sqlite "$DB" >"$TEST_DIR/sqlite.dump"
dump_postgres >"$TEST_DIR/postgres.dump"
diff "$TEST_DIR/sqlite.dump" "$TEST_DIR/postgres.dump" >"$TEST_DIR/dump.diff" ||
  fail "the table dumps differ: $(head -n 20 "$TEST_DIR/dump.diff")"
grep -q -- "-----BEGIN PRIVATE KEY-----" "$TEST_DIR/postgres.dump" || fail "the dump holds no keys: nothing was compared"
pass "both engines show the same lineages, events and CA; $(wc -l <"$TEST_DIR/postgres.dump") dump lines agree"

# ---- a second migrate into the non-empty database --------------------------------------------
if ck store migrate --to "$PG_URL" >"$TEST_DIR/again.out" 2>&1; then fail "a second migrate was accepted"; fi
grep -q "is not empty" "$TEST_DIR/again.out" || fail "the refusal does not say why: $(cat "$TEST_DIR/again.out")"
dump_postgres >"$TEST_DIR/postgres-again.dump"
cmp -s "$TEST_DIR/postgres.dump" "$TEST_DIR/postgres-again.dump" || fail "the refused migrate changed the target"
pass "a non-empty target is refused: $(grep -m1 error "$TEST_DIR/again.out")"

# ---- renewal on the PostgreSQL store ---------------------------------------------------------
old_serial=$(ck_pg show --json "$ACME" | jq -r '.lineage.serial')
ck_pg renew --force --name "$ACME" >"$TEST_DIR/renew.out" 2>"$TEST_DIR/renew.err" ||
  fail "renew --force on PostgreSQL exited $?: $(cat "$TEST_DIR/renew.err")"
new_serial=$(ck_pg list --json | jq -r --arg n "$ACME" '.lineages[] | select(.name == $n) | .serial')
if [ -z "$new_serial" ] || [ "$new_serial" = "$old_serial" ]; then fail "list on PostgreSQL shows no new serial"; fi
[ "$(serial_of "$STATE/live/$ACME/cert.pem")" = "$new_serial" ] || fail "live/ does not serve the renewed certificate"
assert_live "$ACME" "$ACME"
[ "$(ck_pg show --json --events 0 "$ACME" | jq '[.events[] | select(.kind == "renewed")] | length')" = 1 ] ||
  fail "the renewal is not in PostgreSQL's history"
[ "$(ck show --json "$ACME" | jq -r '.lineage.serial')" = "$old_serial" ] || fail "the renewal reached the SQLite file"
pass "renew --force on PostgreSQL renewed $ACME ($old_serial -> $new_serial)"
