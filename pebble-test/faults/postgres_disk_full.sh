#!/usr/bin/env bash
# pebble-with: postgres
# pebble-cost: 40
# A PostgreSQL store whose disk is full (RELIABILITY.md "New surfaces": PostgreSQL fleet,
# "database read-only or full"). PostgreSQL has no quota, so the disk really fills: the test's
# server is restarted inside a private mount namespace, the database `certkeep` moved to a
# tablespace on a 32 MiB tmpfs (the write-ahead log stays on the main disk, as on a server
# with a separate WAL volume), and the tmpfs filled to the last page. Inserts then succeed
# while a page has room and fail once a table or index must grow: the server refuses with its
# own words ("could not extend file …: No space left on device", SQLSTATE 53100).
#
# `renew --force` over four lineages runs on the full disk until a run fails (bounded). After
# every run, whatever it did:
#   - each lineage's live files are complete and serve exactly the serial the store holds
#     (a renewal is committed and deployed whole, or not at all);
#   - every event stored before the run is still there (nothing lost), and the `renewed`
#     events added equal the lineages whose files switched.
# The failed run exits 1 saying the store is out of disk space, with the server's words, and
# leaves at least one lineage serving its previous certificate byte for byte. Space freed, the
# next `renew --force` renews every lineage and leaves no order in flight.
if [ -z "${CERTKEEP_FAULT_MOUNT_NS:-}" ]; then
  # The server must run inside the namespace to see the tmpfs: stop the harness's server here,
  # start it again (same data directory) in there.
  : "${POSTGRES_RUN_DIR:?run under pebble-test/with-postgres.sh}"
  bash "$(dirname "$0")/../postgres.sh" stop "$POSTGRES_RUN_DIR" >/dev/null
  CERTKEEP_FAULT_MOUNT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/fault-common.bash"
source "$(dirname "$0")/../postgres-common.bash"

MAX_FULL_RUNS=15
NAMES=(pgfull-a.example.com pgfull-b.example.com pgfull-c.example.com pgfull-d.example.com)

# ---- the database on a small disk of its own ------------------------------------------------
DISK="$POSTGRES_RUN_DIR/small-disk"
FILLER="$DISK/filler"
mkdir -p "$DISK"
mount -t tmpfs -o "size=32m,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" tmpfs "$DISK" ||
  fail "mount -t tmpfs is not permitted here"
# Stopped before the namespace goes: the server keeps it alive otherwise, and with-postgres.sh
# would stop it by PID anyway.
FAULT_CLEANUPS=("rm -f '$FILLER'" "postgres_stop" "${FAULT_CLEANUPS[@]}")
postgres_start
mkdir "$DISK/tablespace"
chown postgres:postgres "$DISK/tablespace"
pg_admin -c "CREATE TABLESPACE small_disk LOCATION '$DISK/tablespace'" \
  -c "ALTER DATABASE certkeep SET TABLESPACE small_disk" >/dev/null
use_postgres_store

for name in "${NAMES[@]}"; do
  issue -d "$name" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue $name: $(cat "$TEST_DIR/err.log")"
  assert_live "$name" "$name"
done
where=$(store_query "SELECT pg_relation_filepath('certificates')")
[[ $where == pg_tblspc/* ]] || fail "the certificates table is not on the small disk: $where"

# ---- helpers ------------------------------------------------------------------------------------
fill_disk() {
  local avail
  avail=$(df -k --output=avail "$DISK" | tail -n 1 | tr -d ' ')
  dd if=/dev/zero of="$FILLER" bs=1k count="$avail" status=none 2>/dev/null || true
  avail=$(df -k --output=avail "$DISK" | tail -n 1 | tr -d ' ')
  [ "$avail" = 0 ] || fail "the small disk still has $avail KiB free after filling"
}
renewed_total() { store_query "SELECT count(*) FROM events WHERE kind = 'renewed'"; }
all_events() { store_query "SELECT id, lineage, kind, serial FROM events ORDER BY id"; }
upper() { tr 'a-f' 'A-F'; }

declare -A BEFORE
# Records each lineage's live files and the stored events before a run.
snapshot() {
  local name
  for name in "${NAMES[@]}"; do BEFORE[$name]=$(live_fingerprint "$name"); done
  all_events >"$TEST_DIR/events.before"
  RENEWED_BEFORE=$(renewed_total)
}
# After a run: every lineage whole and serving what the store holds; no stored event lost; one
# `renewed` event per lineage whose files switched. Sets SWITCHED and KEPT (counts).
assert_consistent() {
  local what=$1 name served stored lost renewed
  SWITCHED=0
  KEPT=0
  for name in "${NAMES[@]}"; do
    assert_live "$name" "$name"
    served=$(serial_of "$STATE/live/$name/cert.pem" | upper)
    stored=$(lineage_serial "$name" | upper)
    [ "$served" = "$stored" ] || fail "$what: $name serves $served but the store holds $stored"
    if [ "$(live_fingerprint "$name")" = "${BEFORE[$name]}" ]; then
      KEPT=$((KEPT + 1))
    else
      SWITCHED=$((SWITCHED + 1))
    fi
  done
  all_events >"$TEST_DIR/events.after"
  lost=$(comm -23 <(sort "$TEST_DIR/events.before") <(sort "$TEST_DIR/events.after"))
  [ -z "$lost" ] || fail "$what: stored events are gone: $lost"
  renewed=$(($(renewed_total) - RENEWED_BEFORE))
  [ "$renewed" = "$SWITCHED" ] || fail "$what: $renewed renewed events for $SWITCHED switched lineages"
}

# ---- renewals on the full disk ----------------------------------------------------------------
fill_disk
failed_run=""
for ((run = 1; run <= MAX_FULL_RUNS; run++)); do
  snapshot
  status=0
  ck renew --force >"$TEST_DIR/renew.out" 2>"$TEST_DIR/renew.err" || status=$?
  assert_consistent "full-disk run $run"
  echo "full-disk run $run: exit $status, $SWITCHED renewed, $KEPT kept"
  if [ "$status" = 0 ]; then
    # Every write still fitted in pages the tables already had.
    [ "$SWITCHED" = "${#NAMES[@]}" ] || fail "run $run exited 0 but only $SWITCHED lineages were renewed"
    continue
  fi
  [ "$status" = 1 ] || fail "run $run on the full disk exited $status, want 1: $(cat "$TEST_DIR/renew.err")"
  failed_run=$run
  break
done
[ -n "$failed_run" ] || fail "$MAX_FULL_RUNS renewals of ${#NAMES[@]} lineages never outgrew the full disk's pages"
message=$(grep -m1 'out of disk space' "$TEST_DIR/renew.err" || true)
[ -n "$message" ] || fail "the error does not say the store is out of disk space: $(grep -m3 error "$TEST_DIR/renew.err")"
grep -q "No space left on device" <<<"$message" || fail "the error does not quote the server: $message"
grep -q "PostgreSQL database \"certkeep\" on $POSTGRES_SOCKET_DIR" <<<"$message" ||
  fail "the error does not name the server: $message"
[ "$KEPT" -ge 1 ] || fail "run $failed_run failed but every lineage switched"
pass "full disk: run $failed_run exited 1 ($SWITCHED renewed whole, $KEPT kept their files): $message"

# ---- space freed: everything renews -------------------------------------------------------------
rm -f "$FILLER"
snapshot
ck renew --force >"$TEST_DIR/freed.out" 2>"$TEST_DIR/freed.err" ||
  fail "renew once space is freed: $(cat "$TEST_DIR/freed.err")"
assert_consistent "the run after freeing space"
[ "$SWITCHED" = "${#NAMES[@]}" ] || fail "only $SWITCHED of ${#NAMES[@]} lineages renewed once space was freed"
for name in "${NAMES[@]}"; do
  [ "$(order_rows "$name")" = 0 ] || fail "$name has an order left in flight"
done
assert_store_ok
pass "space freed: every lineage renewed, no order left in flight, nothing lost"
