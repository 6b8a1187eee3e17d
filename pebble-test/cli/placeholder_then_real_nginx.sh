#!/usr/bin/env bash
# pebble-cost: 20
# labels: nginx
# A terminator that reads live/<name>/ can start before the first issuance: `issue
# --placeholder` deploys a 7-day certificate from private CA certkeep-ca at once (the CA's
# validation fails here, on purpose), a real nginx (Debian's, started by this test on loopback
# with its own config and pid file) starts on it, and once the CA answers the real certificate
# replaces it and the deploy hook's `nginx -s reload` makes nginx serve the ACME serial. The
# hook runs for both certificates; list marks the placeholder while it is deployed.
source "$(dirname "$0")/../cli-common.sh"

name=web.example.com
live="$STATE/live/$name"
dead_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
# The hook reloads nginx when it runs (not yet at the placeholder's hook) and logs each serial.
hook="serial=\$(openssl x509 -in \"\$CERTKEEP_CERT\" -noout -serial); echo \"\$serial\" >>$TEST_DIR/hook.log; \
if [ -s $TEST_DIR/nginx/nginx.pid ]; then nginx -p $TEST_DIR/nginx -c $TEST_DIR/nginx/nginx.conf -s reload; fi"
served_serial_here() { served_serial "$NGINX_PORT" "$name"; }

# 1. The CA cannot validate (the responder listens where Pebble does not dial): the issuance
#    fails, the placeholder stays deployed.
flags=()
mapfile -t flags < <(pebble_flags | sed "s/^127\.0\.0\.1:$CERTKEEP_HTTP01_PORT\$/127.0.0.1:$dead_port/")
if ck issue "${flags[@]}" -d "$name" --placeholder --deploy-hook "$hook" \
  >"$TEST_DIR/out" 2>&1; then
  fail "the issuance succeeded although Pebble could not validate"
fi
[ -s "$live/fullchain.pem" ] || fail "no placeholder deployed: $(cat "$TEST_DIR/out")"
placeholder=$(serial_of "$live/cert.pem")
ck ca export >"$TEST_DIR/ca.pem"
openssl verify -CAfile "$TEST_DIR/ca.pem" "$live/cert.pem" >/dev/null || fail "the placeholder is not from private CA certkeep-ca"
[ "$(lineage_field "$name" placeholder)" = true ] || fail "show --json does not mark the placeholder"
ck list | grep "^$name " | grep -q "(placeholder)" || fail "list does not mark the placeholder: $(ck list)"
grep -qx "serial=$placeholder" "$TEST_DIR/hook.log" || fail "the deploy hook did not run for the placeholder"
[ "$(event_count "$name" placeholder)" = 1 ] || fail "no placeholder event"

# 2. nginx starts on the placeholder.
start_nginx "$name"
[ "$(served_serial_here)" = "$placeholder" ] || fail "nginx serves '$(served_serial_here)', want the placeholder $placeholder: $(cat "$NGINX_DIR/logs/error.log")"
pass "issue --placeholder: a private-CA placeholder is deployed and hooked at once, and nginx starts on it"

# 3. The CA answers now: the real certificate replaces the placeholder and nginx reloads.
issue -d "$name" --placeholder --deploy-hook "$hook" >"$TEST_DIR/out" 2>&1 || fail "the real issuance: $(cat "$TEST_DIR/out")"
real=$(serial_of "$live/cert.pem")
[ "$real" != "$placeholder" ] || fail "live/ still holds the placeholder"
assert_live "$name" "$name"
[ "$(event_count "$name" placeholder)" = 1 ] || fail "a second placeholder was made for a lineage that had a certificate"
for _ in $(seq 100); do [ "$(served_serial_here)" = "$real" ] && break; sleep 0.05; done
[ "$(served_serial_here)" = "$real" ] || fail "nginx still serves $(served_serial_here), want the ACME serial $real"
[ "$(lineage_field "$name" placeholder)" = false ] || fail "the real certificate is still marked a placeholder"
ck list | grep "^$name " | grep -q "(placeholder)" && fail "list still marks a placeholder"
grep -qx "serial=$real" "$TEST_DIR/hook.log" || fail "the deploy hook did not run for the real certificate"
[ "$(event_count "$name" issued)" = 1 ] || fail "the real certificate is not recorded as issued: $(event_list "$name")"
kill -0 "$(cat "$NGINX_DIR/nginx.pid")" || fail "nginx died"
pass "the CA's certificate replaces the placeholder; the hook's nginx -s reload serves serial $real"
pt_release_ports "$TEST_DIR"
