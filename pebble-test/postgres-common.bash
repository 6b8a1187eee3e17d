# shellcheck shell=bash
# Sourced (after cli-common.sh or faults/fault-common.bash) by the tests that run certkeep on a
# PostgreSQL store: their script says `# pebble-with: postgres`, so ctest runs them under
# with-postgres.sh inside with-pebble.sh and this test has a throwaway server of its own.
# After use_postgres_store, certkeep's store is that database (CERTKEEP_STORE, which --store
# reads; live/, archive/ and the locks stay in $STATE), and store_query and assert_store_ok
# read it with psql.
: "${CERTKEEP_TEST_POSTGRES_URL:?run under pebble-test/with-postgres.sh}"
: "${POSTGRES_RUN_DIR:?run under pebble-test/with-postgres.sh}"

PG_URL=$CERTKEEP_TEST_POSTGRES_URL

# certkeep with the PostgreSQL store, whatever the test's default.
ck_pg() { CERTKEEP_STORE=$PG_URL ck "$@"; }

# shellcheck disable=SC2317 # the functions defined inside are called by the sourcing test
use_postgres_store() {
  export CERTKEEP_STORE=$PG_URL
  store_query() { pg_psql -c "$1"; }
  # The store answers and its rows read back through certkeep.
  assert_store_ok() {
    pg_psql -c "SELECT count(*) FROM certificates" >/dev/null || fail "the PostgreSQL store does not answer"
    ck list --json >/dev/null 2>"$TEST_DIR/list.err" || fail "list on PostgreSQL: $(cat "$TEST_DIR/list.err")"
  }
}

# psql on the store's database: unaligned, no headers, stop at the first error.
pg_psql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_URL" "$@"; }
# psql as the superuser on the maintenance database (ALTER DATABASE, pg_terminate_backend).
pg_admin() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$POSTGRES_SOCKET_DIR" -U postgres -d postgres "$@"; }

# Every table of a store, rows in key order, one line per row ('|' between columns): SQLite
# through sqlite3 (FILE), PostgreSQL through psql, so two engines' dumps compare line by line.
STORE_TABLES=("accounts id" "certificates name" "orders lineage" "events id" "leases name" "private_cas name, generation")
dump_sqlite() {
  local file=$1 entry
  for entry in "${STORE_TABLES[@]}"; do
    echo "== ${entry%% *}"
    sqlite3 -readonly -noheader -separator '|' "$file" "SELECT * FROM ${entry%% *} ORDER BY ${entry#* };"
  done
}
dump_postgres() {
  local entry
  for entry in "${STORE_TABLES[@]}"; do
    echo "== ${entry%% *}"
    pg_psql -F '|' -c "SELECT * FROM ${entry%% *} ORDER BY ${entry#* };"
  done
}

# Stops and starts the test's server (its data stays).
postgres_stop() { bash "$(dirname "${BASH_SOURCE[0]}")/postgres.sh" stop "$POSTGRES_RUN_DIR" >/dev/null; }
postgres_start() {
  bash "$(dirname "${BASH_SOURCE[0]}")/postgres.sh" start "$POSTGRES_RUN_DIR" >/dev/null 2>"$TEST_DIR/pg-start.err" ||
    fail "postgres.sh start: $(cat "$TEST_DIR/pg-start.err")"
}
