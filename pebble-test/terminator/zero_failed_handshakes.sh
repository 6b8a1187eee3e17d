#!/usr/bin/env bash
# The live swap drops no handshake: the example terminator serves a steady stream of full TLS
# handshakes (the handshake probe, 2 threads, ~250/s, verified up to Pebble's root; at least
# 100 before the swap and 100 after it) while a renewal (SIGUSR1) replaces its certificate.
# Every handshake must succeed; the stream must show exactly the first serial, then the
# renewed one, never the old one again after the new one appeared; and the new serial must be
# the one the terminator reports as renewed, served no earlier than the moment the Manager
# stamped the renewal.
# shellcheck source-path=SCRIPTDIR source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

name=swap.example.com
start_terminator -d "$name"
wait_for_terminator_line "$TERMINATOR_LOG" '^ready'
first=$(ready_serial)
[ -n "$first" ] || fail "no serial on the ready line"
pass "issued through the terminator's HTTP port (serial $first)"

# Bounded: at most 5000 handshakes and 20 s. It stops once the new serial has been served for
# 1 s and by 100 handshakes; the renewal comes after the first 100 handshakes.
probe --name "$name" --concurrency 2 --rate 250 --count 5000 --max-seconds 20 --progress 100 \
  --stop-after-change-ms 1000 --stop-after-change-count 100 --records "$WORK/records.txt" --json \
  >"$WORK/probe.out" 2>"$WORK/probe.err" &
probe_pid=$!
OWN_PIDS+=("$probe_pid")
wait_for_terminator_line --timeout-ms 15000 "$WORK/probe.out" '^progress'

kill -USR1 "$TERMINATOR_PID"
wait_for_terminator_line "$TERMINATOR_LOG" '^event renewed'
event=$(grep -m1 '^event renewed' "$TERMINATOR_LOG")
renewed=$(sed -n 's/^event renewed [^ ]* serial \([0-9A-F][0-9A-F]*\) at_ms=.*/\1/p' <<<"$event")
at_ms=$(sed -n 's/.* at_ms=\([0-9][0-9]*\).*/\1/p' <<<"$event")
[[ -n "$renewed" && -n "$at_ms" ]] || fail "cannot read the serial and at_ms of: $event"
[ "$renewed" != "$first" ] || fail "the renewal kept serial $first"
wait_for_terminator_line "$TERMINATOR_LOG" "^renewed $name serial $renewed\$"

probe_status=0
wait "$probe_pid" || probe_status=$?
OWN_PIDS=()

total=$(probe_field "$WORK/probe.out" handshakes)
failed=$(probe_field "$WORK/probe.out" failed)
[ "$failed" = 0 ] || fail "$failed of $total handshakes failed; first: $(probe_field "$WORK/probe.out" first_error)"
[ "$probe_status" = 0 ] || fail "the probe exited $probe_status"
pass "$total handshakes across the renewal, none failed"

mapfile -t serials < <(probe_serials "$WORK/probe.out")
[ "${#serials[@]}" = 2 ] || fail "the probe saw ${#serials[@]} serials (${serials[*]}), want exactly 2"
[ "${serials[0]}" = "$first" ] || fail "the first serial served was ${serials[0]}, the ready line says $first"
[ "${serials[1]}" = "$renewed" ] || fail "the serial served after the swap is ${serials[1]}, the renewal logged $renewed"
pass "served $first, then $renewed (the renewed serial)"

before=$(probe_serial_field "$WORK/probe.out" "$first" count)
after=$(probe_serial_field "$WORK/probe.out" "$renewed" count)
((before >= 100 && after >= 100)) ||
  fail "the stream did not straddle the swap: $before handshakes before, $after after"
stale=$(probe_field "$WORK/probe.out" stale_after_swap)
[ "$stale" = 0 ] || fail "$stale handshakes begun after the new serial appeared still got the old one"
first_seen=$(probe_serial_field "$WORK/probe.out" "$renewed" first_ms)
delay=$((first_seen - at_ms))
((delay >= 0)) || fail "the new serial was served ${delay#-} ms before the Manager stamped the renewal"
((delay < 5000)) || fail "the new serial was first served $delay ms after the renewal"
max_gap=$(probe_field "$WORK/probe.out" max_gap_ms)
awk -v g="$max_gap" 'BEGIN { exit !(g < 3000) }' || fail "the handshake stream stalled for $max_gap ms"
pass "$before handshakes on the old certificate, $after on the new; none went back; new one first served $delay ms after the renewal was stamped; longest gap $max_gap ms"

stop_terminator
pass "SIGTERM stops the terminator cleanly"
