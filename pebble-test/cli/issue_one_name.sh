#!/usr/bin/env bash
# One name, default ECDSA P-256 key: files, modes, chain, key, SANs, exit 0; the account is
# reused by a second issuance.
source "$(dirname "$0")/../cli-common.sh"

issue -d one.example.com > "$TEST_DIR/out" 2> "$TEST_DIR/err" || fail "issue exited $?: $(cat "$TEST_DIR/err")"
assert_live one.example.com one.example.com
openssl pkey -in "$STATE/live/one.example.com/privkey.pem" -noout -text | grep -q "prime256v1\|P-256" ||
  fail "default key is not ECDSA P-256"
grep -q "one.example.com" "$TEST_DIR/out" || fail "no result line on stdout"
pass "issued one name"

# No command lists accounts: the store's row count says the second issuance made none.
accounts_before=$(store_query 'SELECT COUNT(*) FROM accounts;')
issue -d two.example.com >/dev/null 2>&1 || fail "second issue failed"
accounts_after=$(store_query 'SELECT COUNT(*) FROM accounts;')
[[ "$accounts_before" = 1 && "$accounts_after" = 1 ]] || fail "account not reused ($accounts_before → $accounts_after)"
assert_live two.example.com two.example.com
pass "account reused"

ck show one.example.com --json > "$TEST_DIR/show.json" || fail "show failed"
grep -q "\"$(serial_of "$STATE/live/one.example.com/cert.pem")\"" "$TEST_DIR/show.json" ||
  grep -qi "$(serial_of "$STATE/live/one.example.com/cert.pem")" "$TEST_DIR/show.json" || fail "show does not give the serial"
assert_store_ok
pass "show and store"
