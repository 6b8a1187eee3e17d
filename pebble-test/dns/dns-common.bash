# shellcheck shell=bash
# Sourced by pebble-test/dns/*.sh (named .bash so the suite's *.sh glob does not take it for a
# test): the real certkeep binary against a Pebble that validates through a real BIND 9
# (with-bind.sh with-pebble.sh …). Adds to cli-common.sh the flags of an RFC 2136 issuance and
# dig-based checks of what BIND serves.
# shellcheck source-path=SCRIPTDIR source=../cli-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cli-common.sh"

: "${BIND_SERVER:?run under pebble-test/with-bind.sh}"
[ "${PEBBLE_DNS_SERVER:-}" = "$BIND_SERVER" ] || fail "Pebble does not resolve through this BIND"
FAIL_LOGS+=("$TEST_DIR" "$BIND_RUN_DIR/named.log")

# The flags of an issuance against the test Pebble with no challenge method (the test adds it).
ca_flags() {
  printf '%s\n' --server "$CERTKEEP_TEST_DIRECTORY_URL" --ca-bundle "$CERTKEEP_TEST_CA_BUNDLE" \
    --agree-tos --email ops@example.com
}
# DNS-01 through RFC 2136 to this BIND.
dns_flags() {
  printf '%s\n' --dns-rfc2136 "$BIND_SERVER" --tsig-key "$BIND_KEY_FILE" --dns-propagation-timeout 20
}
dns_issue() {
  local flags
  mapfile -t flags < <(ca_flags; dns_flags)
  ck issue "${flags[@]}" "$@"
}

# The TXT values BIND serves for NAME (from SERVER, default the primary), sorted.
txt_values() {
  dig +short +norec +time=2 +tries=2 -p "$BIND_PORT" "@${2:-127.0.0.1}" TXT "$1" | tr -d '"' | sort
}
# Fails unless BIND serves no TXT record at any _acme-challenge name of the given names.
assert_no_challenge_records() {
  local name values
  for name in "$@"; do
    name=${name#\*.}
    values=$(txt_values "_acme-challenge.$name")
    [ -z "$values" ] || fail "_acme-challenge.$name still holds: $values"
  done
}
# The challenge type `show --json` gives NAME's identifier ID.
method_of() { ck show --json "$1" | jq -r --arg id "$2" '.lineage.challenges[$id] // ""'; }
# Rows of the store's table of DNS records added and not yet removed.
pending_records() { store_query 'SELECT COUNT(*) FROM dns_records;'; }
