#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# pebble-cost: 32
# C1/C3 through the CLI: a FAKE CA (fake_ca_proxy.py in front of Pebble) that answers broken
# bodies: finalize's JSON cut in half, an order poll answered as text/html, an authorization
# padded past certkeep's 256 KiB JSON cap (Content-Length declared), a certificate chain
# streamed chunked past the 1 MiB certificate cap (src/acme/client.hpp kMaxJsonBody,
# kMaxCertificateBody; enforced in src/http/curl_transport.cpp), the chain served as text/html,
# and, on a first issuance, new-order answered with JSON that does not parse. Each is refused
# with exit 1 and an error saying what was wrong; the old files stay byte for byte and nothing
# is committed; a first issuance writes nothing; the store is sound, the error is recorded, and
# the next run succeeds. A protocol error drops the stored order (it cannot be completed).
source "$(dirname "$0")/fault-common.bash"

NAME=malformed.example.com
FIRST=first-malformed.example.com
JSON_CAP=262144
CERT_CAP=1048576
start_fake_ca_with_lineage "$NAME"

# FAULT PATTERN WHAT: one renewal under FAULT, refused with an error matching PATTERN; then the
# fault is cleared and the next renewal succeeds.
# Pebble reuses a valid authorization 1% of the time even with PEBBLE_AUTHZREUSE=0; a renewal
# that then never fetched the faulted authorization succeeds, and is tried again (at most 3).
REUSED_RENEWALS=0
expect_refused_renewal() {
  local fault=$1 pattern=$2 what=$3 attempt
  for attempt in 1 2 3; do
    fake_ca_fault "$fault"
    run_ck renew --force
    if [ "$(fake_ca_fired)" != 0 ] || [ "$RUN_STATUS" != 0 ]; then break; fi
    echo "$what, attempt $attempt: the renewal never reached the fault (Pebble reused an authorization); again"
    REUSED_RENEWALS=$((REUSED_RENEWALS + 1))
    BEFORE=$(live_fingerprint "$NAME")
    STORED=$(store_cert_state "$NAME")
  done
  assert_refused "$what" "$NAME" "$BEFORE" "$STORED" "$pattern"
  ((RUN_MS < 10000)) || fail "$what: took $(ms_to_s "$RUN_MS") s"
  [ "$(order_rows "$NAME")" = 0 ] || fail "$what: the order row of an order that cannot complete was kept"
  recover_and_renew "$NAME" "$NAME"
  pass "$what: refused, old files kept, error recorded; next run succeeds"
}

expect_refused_renewal "finalize truncate_json" \
  'answer from https://127\.0\.0\.1:[0-9]+/finalize-order/[^:]*: malformed response from CA: order: invalid JSON at offset [0-9]+' \
  "finalize answer cut in half"
expect_refused_renewal "order content_type:text/html" \
  'answer from https://127\.0\.0\.1:[0-9]+/my-order/[^:]*: malformed response from CA: order: Content-Type is "text/html", expected application/json' \
  "order poll answered as text/html"
expect_refused_renewal "authz oversize" \
  "fetch authorization: POST https://127\.0\.0\.1:[0-9]+/authZ/[^ ]*: response body exceeds $JSON_CAP bytes" \
  "authorization larger than the JSON cap"
expect_refused_renewal "cert oversize_chunked" \
  "download certificate: POST https://127\.0\.0\.1:[0-9]+/certZ/[0-9a-f]+: response body exceeds $CERT_CAP bytes" \
  "certificate chain streamed past the certificate cap"
expect_refused_renewal "cert content_type:text/html" \
  'malformed response from CA: certificate: Content-Type is "text/html", expected application/pem-certificate-chain' \
  "certificate chain answered as text/html"
want_renewed=$((5 + REUSED_RENEWALS))
[ "$(event_count "$NAME" renewed)" = "$want_renewed" ] ||
  fail "$(event_count "$NAME" renewed) renewals recorded, want $want_renewed"

# A first issuance whose new-order answer is not JSON: nothing written.
expect_first_issue_refused "$FIRST" "new-order malformed_json" "new-order answered with malformed JSON (first issuance)" \
  'answer from https://127\.0\.0\.1:[0-9]+/order-plz: malformed response from CA: order: invalid JSON at offset [0-9]+'
