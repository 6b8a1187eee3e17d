# shellcheck shell=bash
# Sourced by pebble-test/faults/*.sh (named .bash so the suite's *.sh glob does not take it for
# a test). Adds to cli-common.sh what the fault cases share: timing, a gated webroot server that
# holds Pebble's validator mid-order, restarting the harness's Pebble, and the checks every
# fault case ends with. Every process started here is stopped by its own PID on exit.
# shellcheck source-path=SCRIPTDIR source=../cli-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cli-common.sh"

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEBBLE_TEST_DIR=$(dirname "$FAULTS_DIR")

# Extra clean-up steps (shell commands), run before cli-common's cleanup_test on any exit.
FAULT_CLEANUPS=()
cleanup_fault_test() {
  local step
  for step in "${FAULT_CLEANUPS[@]}"; do eval "$step" || true; done
  cleanup_test
}
trap cleanup_fault_test EXIT

# On failure, show what certkeep and the helpers printed.
FAIL_LOGS+=("$TEST_DIR")

# A failed expectation that does not stop the test, so the invariants after it are still
# checked; finish_soft fails the test at the end if any was recorded.
SOFT_FAILURES=()
soft_fail() {
  echo "SOFT FAIL (the test goes on, and fails at the end): $*" >&2
  SOFT_FAILURES+=("$*")
}
finish_soft() {
  [ "${#SOFT_FAILURES[@]}" = 0 ] && return 0
  local message
  echo "FAIL: ${#SOFT_FAILURES[@]} expectation(s) failed:" >&2
  for message in "${SOFT_FAILURES[@]}"; do echo "  - $message" >&2; done
  exit 1
}

now_ms() { pt_now_ms; }
ms_to_s() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# Waits up to TIMEOUT_MS for PID (a child of this shell) to exit and sets EXIT_STATUS; fails
# (after killing it) when it is still running.
wait_exit() {
  local pid=$1 timeout_ms=$2 what=$3 end
  end=$(($(now_ms) + timeout_ms))
  while pt_pid_alive "$pid" && (($(now_ms) < end)); do sleep 0.05; done
  if pt_pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    fail "$what still running after $(ms_to_s "$timeout_ms") s"
  fi
  # shellcheck disable=SC2034 # EXIT_STATUS is read by the scripts
  EXIT_STATUS=0
  # shellcheck disable=SC2034
  wait "$pid" || EXIT_STATUS=$?
}

# ---- the webroot server --------------------------------------------------------------------
WEBROOT="$TEST_DIR/www"
GATE="$TEST_DIR/gate"
WEB_EVENTS="$TEST_DIR/web.log"

# start_web "$WEBROOT" "$GATE" "$WEB_EVENTS" serves the webroot; while $GATE exists it holds
# challenge requests open.
hold_challenges() { : >"$GATE"; }
release_challenges() { rm -f "$GATE"; }

# held_count: how many requests the webroot server has held so far.
held_count() { grep -c '^held /.well-known/acme-challenge/' "$WEB_EVENTS" 2>/dev/null || true; }

# start_renew_held_mid_order [NAME [RENEW ARGS...]]: starts `renew --force ARGS` in the
# background (renew_pid; output in renew.out/renew.err) and returns once Pebble's validator is
# held at the webroot server: the order is mid-flight. HELD_BEFORE is NAME's live fingerprint
# (default $NAME) taken just before that renewal. Pebble reuses a valid authorization 1% of the
# time even with PEBBLE_AUTHZREUSE=0 (it creates a new one only when rand.Intn(100) > percent);
# such a renewal has no challenge to hold and completes, so it is tried again (at most 3 times).
start_renew_held_mid_order() {
  local name=${1:-$NAME} attempt held_so_far end
  shift || true
  hold_challenges
  for attempt in 1 2 3; do
    # shellcheck disable=SC2034  # read by the calling case
    HELD_BEFORE=$(live_fingerprint "$name")
    held_so_far=$(held_count)
    "$CERTKEEP_BIN" --state-dir "$STATE" -v renew --force "$@" >"$TEST_DIR/renew.out" 2>"$TEST_DIR/renew.err" &
    renew_pid=$!
    TEST_PIDS+=("$renew_pid")
    end=$(($(now_ms) + 20000))
    while (($(held_count) <= held_so_far)) && pt_pid_alive "$renew_pid" && (($(now_ms) < end)); do sleep 0.05; done
    (($(held_count) > held_so_far)) && return 0
    pt_pid_alive "$renew_pid" && break
    wait "$renew_pid" 2>/dev/null || true
    echo "attempt $attempt: the renewal finished without a challenge (Pebble reused an authorization); again"
  done
  fail "Pebble's validator never reached the webroot server"
}
FAULT_CLEANUPS+=(release_challenges)

# The issue flags for a webroot lineage.
webroot_flags() {
  printf '%s\n' --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
    --agree-tos --email ops@example.com --webroot "$WEBROOT"
}
issue_webroot() {
  local flags
  mapfile -t flags < <(webroot_flags)
  ck issue "${flags[@]}" "$@"
}

# issue (standalone responder) with debug logs on stderr.
issue_verbose() {
  local flags
  mapfile -t flags < <(pebble_flags)
  ck -v issue "${flags[@]}" "$@"
}

# ---- the harness's Pebble ------------------------------------------------------------------
# Restarts Pebble on the same ports (it forgets every account and order and makes a new root)
# and reloads its variables (PEBBLE_PID, CERTKEEP_TEST_PEBBLE_ROOT). Extra VAR=VALUE arguments
# are Pebble's environment for the new process (e.g. PEBBLE_WFE_NONCEREJECT=0).
restart_pebble() {
  env "$@" bash "$PEBBLE_TEST_DIR/pebble.sh" restart "$PEBBLE_RUN_DIR" >/dev/null 2>"$TEST_DIR/restart.err" ||
    fail "pebble.sh restart failed: $(cat "$TEST_DIR/restart.err")"
  # shellcheck source=/dev/null
  source "$PEBBLE_RUN_DIR/env"
}

# ---- what every fault case asserts ---------------------------------------------------------
# The lineage's last error, in `show NAME` and in `list --json`, matches the extended regex
# PATTERN (case-insensitive); `list`'s table shows the lineage with an error.
assert_error_recorded() {
  local name=$1 pattern=$2
  ck show "$name" >"$TEST_DIR/show.txt" 2>&1 || fail "show $name exited $?: $(cat "$TEST_DIR/show.txt")"
  grep -E "^ *last error" "$TEST_DIR/show.txt" | grep -qiE "$pattern" ||
    fail "show $name: last error does not match /$pattern/: $(grep -E '^ *(last error|status):' "$TEST_DIR/show.txt" | tr -s ' ' | tr '\n' ';')"
  ck list --json >"$TEST_DIR/list.json" 2>&1 || fail "list --json exited $?: $(cat "$TEST_DIR/list.json")"
  python3 - "$TEST_DIR/list.json" "$name" "$pattern" <<'PY' || fail "list --json: no last_error matching /$pattern/ for $name: $(cat "$TEST_DIR/list.json")"
import json, re, sys
row = next(r for r in json.load(open(sys.argv[1]))["lineages"] if r.get("name") == sys.argv[2])
sys.exit(0 if re.search(sys.argv[3], row.get("last_error", ""), re.I) else 1)
PY
  ck list >"$TEST_DIR/list.txt" 2>&1 || fail "list exited $?: $(cat "$TEST_DIR/list.txt")"
  awk -v n="$name" '$1 == n' "$TEST_DIR/list.txt" | grep -qE '[a-z-]+: ' ||
    fail "list's table shows no error for $name: $(cat "$TEST_DIR/list.txt")"
}

# assert_error_recorded as a soft failure: the test goes on to check the rest.
soft_error_recorded() {
  (assert_error_recorded "$@") >/dev/null 2>"$TEST_DIR/soft-check.txt" ||
    soft_fail "$(grep -m1 '^FAIL' "$TEST_DIR/soft-check.txt" | sed 's/^FAIL: //' | tr '\n' ' ')"
}

# Rows in the orders table for lineage NAME (an order in flight, resumable).
order_rows() {
  store_query "SELECT COUNT(*) FROM orders WHERE lineage='$1';"
}

# ---- the fake CA: fake_ca_proxy.py, a fault-injecting TLS proxy in front of Pebble ---------
FAKE_CA_CONTROL="$TEST_DIR/fake-ca.control"
FAKE_CA_EVENTS="$TEST_DIR/fake-ca.log"
FAKE_CA_PID=""
FAKE_CA_URL=""
FAKE_CA_MARK=0
FAKE_CA_SEQ=0

# Starts the proxy on a free 127.0.0.1 port with Pebble's own HTTPS certificate (so
# $CERTKEEP_TEST_CA_BUNDLE trusts it) and sets FAKE_CA_URL, its directory URL. No fault yet.
# FAKE_CA_OPTIONS holds extra arguments for the proxy (e.g. --profiles "classic=…;shortlived=…").
FAKE_CA_OPTIONS=()
start_fake_ca() {
  : >"$FAKE_CA_CONTROL"
  python3 "$FAULTS_DIR/fake_ca_proxy.py" "${FAKE_CA_OPTIONS[@]}" --upstream "$CERTKEEP_TEST_DIRECTORY_URL" \
    --upstream-ca "$CERTKEEP_TEST_CA_BUNDLE" \
    --cert "$PEBBLE_RUN_DIR/pebble-server.pem" --key "$PEBBLE_RUN_DIR/pebble-server.key" \
    --port-file "$TEST_DIR/fake-ca.port" --control "$FAKE_CA_CONTROL" --events "$FAKE_CA_EVENTS" \
    >>"$TEST_DIR/fake-ca-stderr.log" 2>&1 &
  FAKE_CA_PID=$!
  TEST_PIDS+=("$FAKE_CA_PID")
  local _
  for _ in $(seq 200); do
    [ -s "$TEST_DIR/fake-ca.port" ] && break
    pt_pid_alive "$FAKE_CA_PID" || break
    sleep 0.05
  done
  [ -s "$TEST_DIR/fake-ca.port" ] || fail "fake_ca_proxy.py did not start"
  FAKE_CA_URL="https://127.0.0.1:$(cat "$TEST_DIR/fake-ca.port")/dir"
  pt_wait_url "$FAKE_CA_URL" --cacert "$CERTKEEP_TEST_CA_BUNDLE" --pid "$FAKE_CA_PID" \
    --deadline-ms 10000 || fail "the fake CA does not answer at $FAKE_CA_URL"
}

# Turns a fault on: the arguments are one control line (see fake_ca_proxy.py), e.g.
# `cert swap_cert:FILE` or `new-order status:429 retry_after=7200`. Its counters start at zero
# and fake_ca_fired counts from here.
fake_ca_fault() {
  FAKE_CA_MARK=$(wc -l <"$FAKE_CA_EVENTS" 2>/dev/null || echo 0)
  FAKE_CA_SEQ=$((FAKE_CA_SEQ + 1))
  # The sequence number makes the content new, so a repeated fault restarts its counters.
  printf '# fault %d\n%s\n' "$FAKE_CA_SEQ" "$*" >"$FAKE_CA_CONTROL"
}
fake_ca_clear() { : >"$FAKE_CA_CONTROL"; }

# How many times the fault set by the last fake_ca_fault was applied.
fake_ca_fired() {
  tail -n +$((FAKE_CA_MARK + 1)) "$FAKE_CA_EVENTS" | grep -c '^fault ' || true
}

# The issue flags for a lineage whose CA is the fake (standalone responder).
fake_ca_flags() { pebble_flags "$FAKE_CA_URL"; }
issue_fake_ca() {
  local flags
  mapfile -t flags < <(fake_ca_flags)
  ck issue "${flags[@]}" "$@"
}

# Runs certkeep with this test's state directory; sets RUN_STATUS and RUN_MS (wall time);
# stdout in run.out, stderr in run.err.
run_ck() {
  local started
  started=$(now_ms)
  RUN_STATUS=0
  ck "$@" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || RUN_STATUS=$?
  RUN_MS=$(($(now_ms) - started))
}

# What the store holds for lineage NAME's current certificate (serial, deployed serial, the
# PEMs): equal before and after means nothing was committed.
store_cert_state() {
  store_query "SELECT serial, deployed_serial, cert_pem, chain_pem, key_pem FROM certificates WHERE name='$1';" |
    sha256sum
}

# Seconds from now until lineage NAME's next_attempt_at (from `list --json`); empty when unset.
next_attempt_in() {
  ck list --json | python3 -c '
import datetime, json, sys
row = next(r for r in json.load(sys.stdin)["lineages"] if r["name"] == sys.argv[1])
at = row.get("next_attempt_at")
if at:
    when = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    print(int((when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
' "$1"
}

# expect_first_issue_refused NAME FAULT WHAT PATTERN: a first issuance of NAME under FAULT
# is refused (nothing written, error matching PATTERN recorded, printed after NAME); with the
# fault cleared the next issue succeeds.
expect_first_issue_refused() {
  local name=$1 fault=$2 what=$3 pattern=$4 flags
  mapfile -t flags < <(fake_ca_flags)
  fake_ca_fault "$fault"
  run_ck issue "${flags[@]}" -d "$name"
  assert_first_issue_refused "$what" "$name" "$pattern"
  grep -qF "error: $name: " "$TEST_DIR/run.err" || fail "$what: the error does not start with the lineage's name"
  fake_ca_clear
  run_ck issue "${flags[@]}" -d "$name"
  [ "$RUN_STATUS" = 0 ] || fail "issue after the fault exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
  assert_live "$name" "$name"
  assert_store_ok
  pass "$what: nothing written, error recorded; the next issue succeeds"
}

# start_fake_ca_with_lineage NAME: starts the fake CA and issues NAME through it, checked;
# BEFORE and STORED hold its live fingerprint and stored certificate for the checks after a fault.
start_fake_ca_with_lineage() {
  start_fake_ca
  issue_fake_ca -d "$1" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue: $(cat "$TEST_DIR/err.log")"
  assert_live "$1" "$1"
  BEFORE=$(live_fingerprint "$1")
  STORED=$(store_cert_state "$1")
}

# After a run under a fake-CA fault that must fail: exit 1, the fault fired, stderr matches the
# extended regex PATTERN (case-insensitive), live/NAME is still BEFORE (a live_fingerprint) and
# the store's certificate still STORED (a store_cert_state), the store is sound, the error is
# recorded. WHAT names the sub-case in messages.
assert_refused() {
  local what=$1 name=$2 before=$3 stored=$4 pattern=$5
  assert_failed_run "$what" "$pattern"
  [ "$(live_fingerprint "$name")" = "$before" ] || fail "$what: live/$name changed"
  [ "$(store_cert_state "$name")" = "$stored" ] || fail "$what: the store's certificate for $name changed"
  assert_store_ok
  assert_error_text_recorded "$name" "$pattern"
}

# The same for a first issuance of NAME: nothing in live/ or archive/, no certificate stored.
assert_first_issue_refused() {
  local what=$1 name=$2 pattern=$3
  assert_failed_run "$what" "$pattern"
  [ ! -e "$STATE/live/$name" ] || fail "$what: live/$name exists after a refused first issuance"
  [ ! -e "$STATE/archive/$name" ] || fail "$what: archive/$name exists after a refused first issuance"
  [ -z "$(lineage_serial "$name")" ] ||
    fail "$what: a certificate was stored for $name"
  assert_store_ok
  assert_error_text_recorded "$name" "$pattern"
}

# Like assert_error_recorded (show's last error and list --json's last_error match PATTERN),
# with `list`'s table checked to show the start of that error, whatever its wording (an error
# such as "the CA's certificate is not for our key" has no "context: " prefix).
assert_error_text_recorded() {
  local name=$1 pattern=$2 head
  ck show "$name" >"$TEST_DIR/show.txt" 2>&1 || fail "show $name exited $?: $(cat "$TEST_DIR/show.txt")"
  grep -E "^ *last error" "$TEST_DIR/show.txt" | grep -qiE "$pattern" ||
    fail "show $name: last error does not match /$pattern/: $(grep -E '^ *last error:' "$TEST_DIR/show.txt" | tr -s ' ')"
  ck list --json >"$TEST_DIR/list.json" 2>&1 || fail "list --json exited $?: $(cat "$TEST_DIR/list.json")"
  head=$(python3 - "$TEST_DIR/list.json" "$name" "$pattern" <<'PY'
import json, re, sys
row = next(r for r in json.load(open(sys.argv[1]))["lineages"] if r.get("name") == sys.argv[2])
error = row.get("last_error", "")
if not re.search(sys.argv[3], error, re.I):
    sys.exit(1)
print(error[:30])
PY
  ) || fail "list --json: no last_error matching /$pattern/ for $name: $(cat "$TEST_DIR/list.json")"
  ck list >"$TEST_DIR/list.txt" 2>&1 || fail "list exited $?: $(cat "$TEST_DIR/list.txt")"
  awk -v n="$name" '$1 == n' "$TEST_DIR/list.txt" | grep -qF -- "$head" ||
    fail "list's table does not show the error of $name (\"$head…\"): $(cat "$TEST_DIR/list.txt")"
}

# Shared by the two above: the fault fired, exit 1, stderr matches PATTERN.
assert_failed_run() {
  local what=$1 pattern=$2 fired
  fired=$(fake_ca_fired)
  echo "$what: exit $RUN_STATUS after $(ms_to_s "$RUN_MS") s, fault applied $fired time(s): $(grep -m1 '^error:' "$TEST_DIR/run.err" || tail -n 1 "$TEST_DIR/run.err")"
  ((fired >= 1)) || fail "$what: the fault never fired (fake CA log: $(tail -n 5 "$FAKE_CA_EVENTS" | tr '\n' ';'))"
  [ "$RUN_STATUS" = 1 ] || fail "$what: certkeep exited $RUN_STATUS, want 1"
  grep -qiE "$pattern" "$TEST_DIR/run.err" || fail "$what: the error does not match /$pattern/"
}

# The fault is cleared; `renew --force [--name NAME]` succeeds, switches live/NAME to a new
# certificate for NAMES... that verifies against Pebble's root. Sets BEFORE and STORED to the
# new state for the next sub-case.
recover_and_renew() {
  local name=$1
  shift
  fake_ca_clear
  run_ck renew --force --name "$name"
  [ "$RUN_STATUS" = 0 ] || fail "renew after the fault was cleared exited $RUN_STATUS: $(cat "$TEST_DIR/run.err")"
  [ "$(live_fingerprint "$name")" != "$BEFORE" ] || fail "the renewal after the fault did not switch live/$name"
  assert_live "$name" "$@"
  assert_store_ok
  BEFORE=$(live_fingerprint "$name")
  # shellcheck disable=SC2034 # read by the scripts
  STORED=$(store_cert_state "$name")
}
