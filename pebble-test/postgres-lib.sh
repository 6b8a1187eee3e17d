# shellcheck shell=bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, sourced by postgres.sh and
# with-postgres.sh (after lib.sh). Debian's postgresql-15 binaries run the cluster from a
# directory of its own: initdb and pg_ctl through `runuser -u postgres` when we are root
# (PostgreSQL refuses to run as root), `-A trust` because nothing but this run's clients can
# reach it: it listens on a Unix socket in that directory only (listen_addresses='').
#
# Layout of RUN_DIR (0711, so the postgres user can reach its own subdirectory):
#   RUN_DIR/pg/            owned by the server's user: data/, the socket, postgres.log
#   RUN_DIR/postgres.pid   the postmaster's PID
#   RUN_DIR/postgres-env   the variables to source (pt_pg_write_env)

PT_PG_BIN=${POSTGRES_BIN_DIR:-/usr/lib/postgresql/15/bin}
PT_PG_DATABASE=certkeep

# Runs a server program as the cluster's owner: the postgres user when we are root.
pt_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pt_pg_dir() { echo "$1/pg"; }

# The postmaster's PID from its own pid file ("" when there is none).
pt_pg_pid() {
  local pidfile
  pidfile="$(pt_pg_dir "$1")/data/postmaster.pid"
  [ -r "$pidfile" ] || return 0
  head -n 1 "$pidfile" 2>/dev/null || true
}

# True when PID runs the postgres server binary (guards against a recycled PID).
pt_pg_pid_is_server() {
  local pid=$1 exe
  pt_pid_alive "$pid" || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}
  [ "${exe##*/}" = postgres ]
}

# A freshly initialized cluster to copy, made once per user and server version: initdb takes
# seconds (most of a test's start on a busy machine), a copy a fraction of one. Made in a
# temporary directory and renamed into place, so a concurrent start sees all of it or none.
# --no-sync: a throwaway cluster; the server itself still syncs its commits. Prints its path.
pt_pg_template() {
  local run_dir=$1 version dir building
  version=$("$PT_PG_BIN/initdb" --version | awk '{print $3}')
  dir="${TMPDIR:-/tmp}/certkeep-postgres-template-$(id -u)-$version"
  if [ ! -f "$dir/complete" ]; then
    building=$(mktemp -d "$dir.XXXXXX")
    chmod 711 "$building"
    mkdir "$building/data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$building/data"
    # The database `certkeep` is made in single-user mode: CREATE DATABASE on a running server
    # takes longer than the whole copy.
    if ! pt_pg_as_owner "$PT_PG_BIN/initdb" -D "$building/data" -A trust -U postgres -E UTF8 --locale=C \
      --no-sync --no-instructions >"$run_dir/initdb.log" 2>&1 ||
      ! echo "CREATE DATABASE $PT_PG_DATABASE" |
      pt_pg_as_owner "$PT_PG_BIN/postgres" --single -D "$building/data" postgres >>"$run_dir/initdb.log" 2>&1; then
      cat "$run_dir/initdb.log" >&2
      rm -rf "$building"
      return 1
    fi
    : >"$building/complete"
    # Another start may have won the race: then its template is used and ours dropped.
    mv -T "$building" "$dir" 2>/dev/null || rm -rf "$building"
  fi
  [ -f "$dir/complete" ] || return 1
  echo "$dir"
}

# Creates the cluster in RUN_DIR (once) and starts it; then creates the database `certkeep`
# (once) and writes RUN_DIR/postgres-env. Extra server settings: POSTGRES_OPTIONS (e.g.
# "-c fsync=off").
pt_pg_start() {
  local run_dir=$1 pg data pid template status=0
  [ -x "$PT_PG_BIN/initdb" ] || pt_die "$PT_PG_BIN/initdb is missing (Debian package postgresql-15)"
  pg=$(pt_pg_dir "$run_dir")
  data=$pg/data
  mkdir -p "$run_dir"
  chmod 711 "$run_dir"
  pid=$(pt_pg_pid "$run_dir")
  if [ -n "$pid" ] && pt_pg_pid_is_server "$pid"; then
    pt_die "a PostgreSQL already runs for $run_dir (PID $pid; stop it first)"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg"
    chmod 700 "$pg"
    template=$(pt_pg_template "$run_dir") || pt_die "no cluster template (see $run_dir/initdb.log)"
    pt_pg_as_owner cp -a "$template/data" "$data" || pt_die "cannot copy the cluster template $template"
  fi
  # -k: the socket in our own directory; listen_addresses='': no TCP at all.
  # shellcheck disable=SC2086 # POSTGRES_OPTIONS is a list of server options
  pt_pg_as_owner "$PT_PG_BIN/pg_ctl" -D "$data" -l "$pg/postgres.log" -w -t "$PT_START_DEADLINE" \
    -o "-k $pg -c listen_addresses='' -c unix_socket_permissions=0700 ${POSTGRES_OPTIONS:-}" \
    start >"$run_dir/pg_ctl.log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    cat "$run_dir/pg_ctl.log" >&2
    tail -n 40 "$pg/postgres.log" >&2 2>/dev/null || true
    pt_die "PostgreSQL did not start (pg_ctl exited $status)"
  fi
  pid=$(pt_pg_pid "$run_dir")
  pt_pg_pid_is_server "$pid" || pt_die "PostgreSQL started but its pid file names no server"
  echo "$pid" >"$run_dir/postgres.pid"
  if [ "$(pt_pg_psql "$run_dir" postgres -tAc \
    "SELECT count(*) FROM pg_database WHERE datname = '$PT_PG_DATABASE'")" != 1 ]; then
    pt_pg_psql "$run_dir" postgres -qc "CREATE DATABASE $PT_PG_DATABASE" >/dev/null ||
      pt_die "could not create database $PT_PG_DATABASE"
  fi
  pt_pg_write_env "$run_dir"
}

# psql on RUN_DIR's cluster as the superuser: pt_pg_psql RUN_DIR DATABASE [PSQL_ARGS...].
pt_pg_psql() {
  local run_dir=$1 database=$2
  shift 2
  psql -X -v ON_ERROR_STOP=1 -h "$(pt_pg_dir "$run_dir")" -U postgres -d "$database" "$@"
}

# The libpq connection URI of the database `certkeep`: the socket directory as `host`.
pt_pg_url() { echo "postgresql:///$PT_PG_DATABASE?host=$(pt_pg_dir "$1")&user=postgres"; }

pt_pg_write_env() {
  local run_dir=$1
  {
    echo "# Written by pebble-test/postgres.sh: source it to talk to this PostgreSQL."
    printf 'export %s=%q\n' \
      CERTKEEP_TEST_POSTGRES_URL "$(pt_pg_url "$run_dir")" \
      POSTGRES_RUN_DIR "$run_dir" \
      POSTGRES_SOCKET_DIR "$(pt_pg_dir "$run_dir")" \
      POSTGRES_PID "$(cat "$run_dir/postgres.pid")"
  } >"$run_dir/postgres-env.tmp"
  mv -f "$run_dir/postgres-env.tmp" "$run_dir/postgres-env"
}

# Stops RUN_DIR's server: a fast shutdown (clients disconnected, everything committed kept),
# then SIGKILL to exactly its PID if it is still there after 10 s.
pt_pg_stop() {
  local run_dir=$1 pid end
  pid=$(pt_pg_pid "$run_dir")
  [ -n "$pid" ] || pid=$(cat "$run_dir/postgres.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && pt_pg_pid_is_server "$pid"; then
    pt_pg_as_owner "$PT_PG_BIN/pg_ctl" -D "$(pt_pg_dir "$run_dir")/data" -m fast -w -t 10 stop \
      >>"$run_dir/pg_ctl.log" 2>&1 || true
    end=$(($(pt_now_ms) + 10000))
    while pt_pg_pid_is_server "$pid" && (($(pt_now_ms) < end)); do sleep 0.05; done
    if pt_pg_pid_is_server "$pid"; then
      pt_log "PostgreSQL (PID $pid) did not stop; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$run_dir/postgres.pid"
}

# The end of the server's log, on stderr.
pt_pg_show_log() {
  local log
  log="$(pt_pg_dir "$1")/postgres.log"
  [ -f "$log" ] || return 0
  pt_log "---- $log (last 40 lines)"
  tail -n 40 "$log" >&2
}
