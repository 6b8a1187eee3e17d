#!/usr/bin/env bash
# pebble-cost: 10
# ACME profiles through a FAKE CA (fake_ca_proxy.py --profiles in front of Pebble: Debian's
# Pebble 2.4.0 has none). `certkeep profiles` lists what the directory offers; `issue --profile`
# checks the name against meta.profiles and sends it in the newOrder, and every renewal sends
# it again; a profile the CA does not offer is refused before any order, the error listing the
# offered ones; a lineage without --profile sends none.
source "$(dirname "$0")/fault-common.bash"

FAKE_CA_OPTIONS=(--profiles "classic=The same profile as always;shortlived=Six-day certificates")
start_fake_ca
profile_lines() { grep -c "^profile $1\$" "$FAKE_CA_EVENTS" || true; }
new_orders() { grep -c '^req POST /order-plz' "$FAKE_CA_EVENTS" || true; }

ck profiles --server "$FAKE_CA_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" >"$TEST_DIR/out" 2>"$TEST_DIR/err" ||
  fail "profiles: $(cat "$TEST_DIR/err")"
grep -q "shortlived.*Six-day certificates" "$TEST_DIR/out" || fail "profiles does not list shortlived: $(cat "$TEST_DIR/out")"
grep -q "classic" "$TEST_DIR/out" || fail "profiles does not list classic"
ck profiles --server "$FAKE_CA_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" --json >"$TEST_DIR/out.json" ||
  fail "profiles --json"
jq -e '[.profiles[].name] | sort == ["classic", "shortlived"]' "$TEST_DIR/out.json" >/dev/null ||
  fail "profiles --json: $(cat "$TEST_DIR/out.json")"
pass "certkeep profiles lists the fake CA's profiles"

issue_fake_ca -d short.example.com --profile shortlived >/dev/null 2>"$TEST_DIR/err" ||
  fail "issue --profile shortlived: $(cat "$TEST_DIR/err")"
assert_live short.example.com short.example.com
[ "$(profile_lines shortlived)" = 1 ] || fail "the newOrder did not carry profile shortlived: $(grep ^profile "$FAKE_CA_EVENTS")"
[ "$(ck show --json short.example.com | jq -r .lineage.profile)" = shortlived ] || fail "show does not give the profile"
ck renew --force --name short.example.com >/dev/null 2>"$TEST_DIR/err" || fail "renew: $(cat "$TEST_DIR/err")"
[ "$(profile_lines shortlived)" = 2 ] || fail "the renewal's newOrder did not carry the profile"
pass "--profile is sent in the first order and in the renewal's"

orders=$(new_orders)
status=0
issue_fake_ca -d unknown.example.com --profile sixdays >/dev/null 2>"$TEST_DIR/err" || status=$?
[ "$status" = 2 ] || fail "an unknown profile: exit $status, want 2: $(cat "$TEST_DIR/err")"
for word in sixdays classic shortlived; do
  grep -q "$word" "$TEST_DIR/err" || fail "the error does not name the profile and the offered ones: $(cat "$TEST_DIR/err")"
done
[ "$(new_orders)" = "$orders" ] || fail "an order was sent for a profile the CA does not offer"
[ ! -e "$STATE/live/unknown.example.com" ] || fail "something was deployed"
pass "an unknown profile: refused before any order, listing the offered ones"

issue_fake_ca -d plain.example.com >/dev/null 2>"$TEST_DIR/err" || fail "issue without profile: $(cat "$TEST_DIR/err")"
[ "$(profile_lines -)" -ge 1 ] || fail "an order without --profile carried one"
assert_store_ok
pass "no --profile: no profile sent"
