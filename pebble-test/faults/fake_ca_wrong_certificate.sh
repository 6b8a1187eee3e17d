#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 23
# C7/C8 through the CLI: a FAKE CA (fake_ca_proxy.py in front of Pebble) that serves, at the
# certificate download, a chain certkeep must not deploy: (1) a real Pebble certificate for
# other names, (2) one for the right names but another key, (3) the right leaf with the
# intermediate replaced by a self-signed certificate carrying the intermediate's own name (so
# only the signature check can catch it), (4) the same with another name. The certificates
# come from other lineages issued earlier in the test. Each renewal exits 1 with an error
# saying what is wrong; nothing is deployed or committed (the store still carries the old
# serial), the store is sound, the error is recorded. (5) a first issuance served a foreign
# certificate writes nothing. Once the CA is honest again the next run succeeds.
source "$(dirname "$0")/fault-common.bash"

NAME=victim.example.com
OTHER=other.example.com
TWIN=twin # same names as $NAME, its own key
FIRST=first-victim.example.com
start_fake_ca
mapfile -t flags < <(fake_ca_flags)
for args in "-d $NAME" "-d $OTHER" "--name $TWIN -d $NAME"; do
  # shellcheck disable=SC2086 # word splitting wanted
  ck issue "${flags[@]}" $args >/dev/null 2>"$TEST_DIR/err.log" || fail "issue $args: $(cat "$TEST_DIR/err.log")"
done
assert_live "$NAME" "$NAME"
assert_live "$OTHER" "$OTHER"
assert_live "$TWIN" "$NAME"
BEFORE=$(live_fingerprint "$NAME")
STORED=$(store_cert_state "$NAME")

# Self-signed stand-ins for Pebble's intermediate, made with the openssl CLI.
intermediate_subject=$(openssl x509 -in "$STATE/live/$NAME/chain.pem" -noout -subject -nameopt RFC2253)
intermediate_subject=${intermediate_subject#subject=}
make_self_signed() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$TEST_DIR/$1.key" -out "$TEST_DIR/$1.pem" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >"$TEST_DIR/openssl.txt" 2>&1 || fail "openssl: $(cat "$TEST_DIR/openssl.txt")"
}
make_self_signed impostor "/$intermediate_subject"
make_self_signed stranger "/CN=certkeep test stranger CA"
[ "$(openssl x509 -in "$TEST_DIR/impostor.pem" -noout -subject)" = "$(openssl x509 -in "$STATE/live/$NAME/chain.pem" -noout -subject)" ] ||
  fail "the impostor does not carry the intermediate's name"

# FAULT PATTERN WHAT [SERIAL]: one renewal of $NAME under FAULT (at the certificate download),
# refused with PATTERN; the foreign SERIAL is not recorded for the lineage (store, events).
expect_refused_chain() {
  local fault=$1 pattern=$2 what=$3 foreign=${4:-} archived
  archived=$(ls "$STATE/archive/$NAME")
  fake_ca_fault "$fault"
  run_ck renew --force --name "$NAME"
  assert_refused "$what" "$NAME" "$BEFORE" "$STORED" "$pattern"
  [ "$(ls "$STATE/archive/$NAME")" = "$archived" ] || fail "$what: something was archived"
  [ "$(lineage_field "$NAME" serial)" = "$(lineage_field "$NAME" deployed_serial)" ] ||
    fail "$what: the store's serial is not the deployed one"
  [ "$(serial_of "$STATE/live/$NAME/cert.pem")" = "$(lineage_serial "$NAME")" ] ||
    fail "$what: the store's serial is not the old certificate's"
  if [ -n "$foreign" ]; then
    [ "$(lineage_serial "$NAME")" != "$foreign" ] || fail "$what: the foreign serial $foreign is stored for $NAME"
    if event_list "$NAME" | grep -qF " $foreign"; then fail "$what: an event of $NAME names the foreign serial $foreign"; fi
  fi
  [ "$(order_rows "$NAME")" = 0 ] || fail "$what: the order row of an order that cannot complete was kept"
  ((RUN_MS < 10000)) || fail "$what: took $(ms_to_s "$RUN_MS") s"
  pass "$what: refused, nothing deployed or committed, old serial kept, error recorded"
}

expect_refused_chain "cert swap_cert:$STATE/live/$OTHER/fullchain.pem" \
  "the CA's certificate names \($OTHER\) differ from the requested names \($NAME\) \(https://127\.0\.0\.1:[0-9]+/certZ/[0-9a-f]+\)" \
  "certificate for other names" "$(serial_of "$STATE/live/$OTHER/cert.pem")"
expect_refused_chain "cert swap_cert:$STATE/live/$TWIN/fullchain.pem" \
  "the CA's certificate is not for our key \(https://127\.0\.0\.1:[0-9]+/certZ/[0-9a-f]+\)" \
  "certificate for another key" "$(serial_of "$STATE/live/$TWIN/cert.pem")"
expect_refused_chain "cert bad_chain:$TEST_DIR/impostor.pem" \
  "the CA's chain does not verify: certificate 0 of the chain is not signed by the next one" \
  "intermediate replaced by a self-signed certificate with its name"
expect_refused_chain "cert bad_chain:$TEST_DIR/stranger.pem" \
  "the CA's chain does not verify: certificate 0 of the chain is not issued by the next one" \
  "intermediate replaced by an unrelated self-signed certificate"
[ "$(event_count "$NAME" renewed)" = 0 ] || fail "a renewal was recorded"

recover_and_renew "$NAME" "$NAME"
[ "$(event_count "$NAME" renewed)" = 1 ] || fail "the renewal is not recorded once"
pass "next renewal succeeds once the CA serves the right chain"

# A first issuance served somebody else's certificate: nothing written.
expect_first_issue_refused "$FIRST" "cert swap_cert:$STATE/live/$OTHER/fullchain.pem" \
  "first issuance served a certificate for other names" \
  "the CA's certificate names \($OTHER\) differ from the requested names"
