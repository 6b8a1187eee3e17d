#!/usr/bin/env bash
# SNI with two names. The example terminator manages its -d names as ONE lineage (a single
# Manager::manage call), so both names share one certificate whose SAN lists both. What the
# library documents (certkeep/openssl.hpp, CertificateSource::certificate) and this test holds
# it to:
# - each name, in any case, gets that certificate, verified up to Pebble's root with the
#   name checked against its SAN;
# - a handshake without SNI gets the default certificate (the first lineage);
# - an unknown name has no certificate: the terminator's SSL_CTX has no fallback, so the
#   handshake fails with a TLS alert, and the terminator keeps serving the known names;
# - a renewal replaces the certificate for both names at once.
# shellcheck source-path=SCRIPTDIR source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

a=alpha.example.com
b=beta.example.com
start_terminator -d "$a" -d "$b"
wait_for_terminator_line "$TERMINATOR_LOG" '^ready'
first=$(ready_serial)
[ -n "$first" ] || fail "no serial on the ready line"

# probe_one NAME LABEL [ARG...]: a short probe run (output in $WORK/LABEL.out), its exit status in
# PROBE_STATUS.
probe_one() {
  local sni=$1 label=$2
  shift 2
  PROBE_STATUS=0
  probe --name "$sni" --count 20 --concurrency 2 --max-seconds 10 "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" ||
    PROBE_STATUS=$?
}
# assert_serves NAME SERIAL LABEL: every handshake with SNI NAME succeeds and gets SERIAL.
assert_serves() {
  local sni=$1 serial=$2 label=$3
  probe_one "$sni" "$label" --request
  [ "$PROBE_STATUS" = 0 ] ||
    fail "SNI $sni: probe exited $PROBE_STATUS: $(probe_field "$WORK/$label.out" first_error)"
  [ "$(probe_serials "$WORK/$label.out")" = "$serial" ] ||
    fail "SNI $sni got $(probe_serials "$WORK/$label.out" | tr '\n' ' '), want $serial"
}

assert_serves "$a" "$first" a
assert_serves "$b" "$first" b
assert_serves "${b^^}" "$first" b-upper
pass "SNI $a, $b and ${b^^} all get serial $first (hostname verified against the SAN)"

# The SAN of the served certificate lists exactly the two names.
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$b" -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" \
  -verify_return_error </dev/null 2>"$WORK/s_client.err" | openssl x509 -noout -ext subjectAltName >"$WORK/san.txt" ||
  fail "openssl s_client could not fetch the certificate for $b: $(cat "$WORK/s_client.err")"
sans=$(tail -n +2 "$WORK/san.txt" | tr ',' '\n' | sed -E 's/^ *DNS://; /^ *$/d' | sort | tr '\n' ' ')
[ "$sans" = "$a $b " ] || fail "SAN is '$sans', want '$a $b '"
pass "one certificate, SAN = $a, $b"

# No SNI: the default certificate.
serial=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -noservername -CAfile "$CERTKEEP_TEST_PEBBLE_ROOT" \
  </dev/null 2>"$WORK/s_client.err" | openssl x509 -noout -serial | cut -d= -f2) ||
  fail "a handshake without SNI failed: $(cat "$WORK/s_client.err")"
[ "$serial" = "$first" ] || fail "without SNI the terminator served '$serial', want the default $first"
pass "no SNI: the default certificate ($serial)"

# An unknown name: the handshake fails cleanly (a TLS alert, not a hang or a dropped socket).
probe_one unknown.example.com unknown --count 5
[ "$PROBE_STATUS" = 1 ] || fail "SNI unknown.example.com: probe exited $PROBE_STATUS, want 1 (failed handshakes)"
[ "$(probe_field "$WORK/unknown.out" ok)" = 0 ] || fail "a handshake for an unknown name succeeded"
first_error=$(sed -n 's/^first_error //p' "$WORK/unknown.out")
case $first_error in
  "handshake: "*alert*) ;;
  *) fail "an unknown name should fail the handshake with an alert, got: $first_error" ;;
esac
pt_pid_alive "$TERMINATOR_PID" || fail "the terminator died on an unknown name"
assert_serves "$a" "$first" a-again
pass "unknown SNI: the handshake fails with an alert ($first_error); known names still served"

# One renewal renews the shared certificate: both names switch together.
kill -USR1 "$TERMINATOR_PID"
wait_for_terminator_line "$TERMINATOR_LOG" '^event renewed'
renewed=$(sed -n 's/^event renewed [^ ]* serial \([0-9A-F][0-9A-F]*\) .*/\1/p' "$TERMINATOR_LOG" | head -n 1)
[[ -n "$renewed" && "$renewed" != "$first" ]] || fail "no new serial after SIGUSR1"
wait_for_terminator_line "$TERMINATOR_LOG" "^renewed $a serial $renewed\$" # renew_all's report: every lineage done
[ "$(grep -c '^event renewed' "$TERMINATOR_LOG")" = 1 ] || fail "one lineage, yet more than one renewal event"
assert_serves "$a" "$renewed" a-renewed
assert_serves "$b" "$renewed" b-renewed
pass "SIGUSR1: $a and $b both get the renewed serial $renewed"

stop_terminator
pass "SIGTERM stops the terminator cleanly"
