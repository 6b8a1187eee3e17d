#!/usr/bin/env bash
# Three names on one RSA-2048 certificate, under a lineage name of our choosing.
source "$(dirname "$0")/../cli-common.sh"

issue -d a.example.com -d b.example.com -d c.example.org --name multi --key-type rsa2048 \
  >/dev/null 2>"$TEST_DIR/err" || fail "issue exited $?: $(cat "$TEST_DIR/err")"
assert_live multi a.example.com b.example.com c.example.org
openssl pkey -in "$STATE/live/multi/privkey.pem" -noout -text | grep -q "Private-Key: (2048 bit" ||
  fail "key is not RSA 2048"
subject=$(openssl x509 -in "$STATE/live/multi/cert.pem" -noout -subject -nameopt multiline)
grep -qE '^ *commonName *= a\.example\.com$' <<<"$subject" || fail "the subject is not CN=a.example.com (the first name): $subject"
pass "three names, RSA 2048"
