#!/usr/bin/env bash
# pebble-cost: 25
# CA checksums the way Rancher's agents compare them (CATTLE_CA_CHECKSUM: sha256 of the PEM
# text, trimmed, with one trailing newline), equal to `sha256sum` of the file; the kubeconfig
# certificate-authority-data (base64 of the same bytes); and pinning the ACME server: an
# issuance pinned to the checksum of Pebble's HTTPS CA succeeds and renews, one pinned to
# another CA fails before any order with an error naming both checksums. A renewal whose chain
# ends in another CA than the previous certificate's (Pebble restarted: new root and
# intermediate) records a root_changed event, and `show` names the CA the chain ends in.
source "$(dirname "$0")/../cli-common.sh"

sum_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- checksums --------------------------------------------------------------------------------
ck ca init >/dev/null || fail "ca init"
ck ca export >"$TEST_DIR/root.pem"
want=$(sum_of "$TEST_DIR/root.pem")
[ "$(ck ca checksum)" = "$want" ] || fail "ca checksum $(ck ca checksum) != sha256sum $want"
[ "$(ck ca checksum "$TEST_DIR/root.pem")" = "$want" ] || fail "ca checksum FILE differs from sha256sum"
# Rancher trims the value and appends one newline: blank lines around the PEM change nothing.
{ printf '\n  \n'; cat "$TEST_DIR/root.pem"; printf '\n\n'; } >"$TEST_DIR/padded.pem"
[ "$(ck ca checksum "$TEST_DIR/padded.pem")" = "$want" ] || fail "surrounding whitespace changed the checksum"
[ "$(ck ca checksum --kubeconfig)" = "$(base64 -w0 "$TEST_DIR/root.pem")" ] || fail "--kubeconfig is not base64 of the PEM"
ck ca checksum --kubeconfig | base64 -d | cmp -s - "$TEST_DIR/root.pem" || fail "certificate-authority-data does not decode to the root"
ck issue --ca certkeep-ca -d agent.internal >/dev/null || fail "issue --ca"
[ "$(ck ca checksum --lineage agent.internal)" = "$want" ] || fail "--lineage does not give the root its chain ends in"
[ "$(lineage_field agent.internal root_checksum)" = "$want" ] || fail "show --json root_checksum is not the root's"
ck show agent.internal | grep -q "chain ends in: *\"certkeep-ca\" (sha256 $want)" || fail "show does not name the root: $(ck show agent.internal)"
if ck ca checksum "$TEST_DIR/missing.pem" >"$TEST_DIR/out" 2>&1; then fail "a missing file got a checksum"; fi
grep -q "cannot read it" "$TEST_DIR/out" || fail "missing file: $(cat "$TEST_DIR/out")"
pebble_ca=$(sum_of "$CERTKEEP_TEST_CA_BUNDLE")
[ "$(ck ca checksum --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE")" = "$pebble_ca" ] ||
  fail "ca checksum --server is not the checksum of Pebble's HTTPS CA"
pass "ca checksum equals sha256sum (of a file, the private CA, a lineage's root, a server's CA); --kubeconfig is its base64"

# ---- pinning ----------------------------------------------------------------------------------
issue -d pinned.example.com --server-ca-checksum "${pebble_ca^^}" >"$TEST_DIR/out" 2>&1 ||
  fail "an issuance pinned to Pebble's CA failed: $(cat "$TEST_DIR/out")"
[ "$(lineage_field pinned.example.com server_ca_checksum)" = "$pebble_ca" ] || fail "the pin was not stored (lowercased)"
serial1=$(lineage_serial pinned.example.com)
if issue -d refused.example.com --server-ca-checksum "$want" >"$TEST_DIR/out" 2>&1; then
  fail "an issuance pinned to another CA succeeded"
fi
grep -q "ends in the CA with checksum $pebble_ca (certkeep test Pebble HTTPS CA), not the pinned $want" "$TEST_DIR/out" ||
  fail "the pin's error does not name both checksums: $(cat "$TEST_DIR/out")"
[ ! -e "$STATE/live/refused.example.com" ] || fail "a refused pinned issuance deployed files"
if issue -d bad.example.com --server-ca-checksum 1234 >"$TEST_DIR/out" 2>&1; then fail "a short checksum was accepted"; fi
grep -q -- "--server-ca-checksum must be 64 hex digits" "$TEST_DIR/out" || fail "bad checksum: $(cat "$TEST_DIR/out")"
pass "--server-ca-checksum accepts Pebble's CA and refuses another, naming both checksums"

# ---- a renewal onto another root ----------------------------------------------------------------
root_before=$(lineage_field pinned.example.com root_checksum)
bash "$(dirname "$0")/../pebble.sh" restart "$PEBBLE_RUN_DIR" >/dev/null 2>"$TEST_DIR/restart.err" ||
  fail "pebble.sh restart: $(cat "$TEST_DIR/restart.err")"
ck renew --force --name pinned.example.com >"$TEST_DIR/out" 2>&1 || fail "renew after Pebble's restart (pinned): $(cat "$TEST_DIR/out")"
[ "$(lineage_serial pinned.example.com)" != "$serial1" ] || fail "not renewed"
root_after=$(lineage_field pinned.example.com root_checksum)
{ [ -n "$root_after" ] && [ "$root_after" != "$root_before" ]; } || fail "the chain's CA did not change ($root_before)"
[ "$(event_count pinned.example.com root_changed)" = 1 ] || fail "no root_changed event: $(event_list pinned.example.com)"
ck show --json --events 0 pinned.example.com | jq -r '.events[] | select(.kind == "root_changed") | .detail' |
  grep -q "now ends in .*$root_after.*before in .*$root_before" || fail "the root_changed event does not name both CAs"
ck renew --force --name pinned.example.com >/dev/null 2>&1 || fail "a second renewal failed"
[ "$(event_count pinned.example.com root_changed)" = 1 ] || fail "a renewal onto the same CA recorded root_changed"
pass "a renewal whose chain ends in another CA records root_changed naming both; the same CA records nothing"
