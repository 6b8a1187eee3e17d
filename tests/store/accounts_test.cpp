// SPDX-License-Identifier: Apache-2.0
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

AccountRecord account_for(const std::string& url, const std::string& key) {
  AccountRecord account;
  account.directory_url = url;
  account.key_pem = core::Secret(key);
  account.contact = "mailto:ops@example.com";
  account.created_at = t0();
  return account;
}

TEST_CASE("accounts: save assigns an id, get and find return what was saved", "[store][accounts]") {
  auto store = memory_store();
  CHECK_FALSE(store->find_account("https://ca.test/dir").value().has_value());
  auto saved = store->save_account(account_for("https://ca.test/dir", "KEY-1")).value();
  CHECK(saved.id > 0);
  auto got = store->get_account(saved.id).value();
  CHECK(got.directory_url == "https://ca.test/dir");
  CHECK(got.key_pem.view() == "KEY-1");
  CHECK(got.contact == "mailto:ops@example.com");
  CHECK(got.status == AccountStatus::Valid);
  CHECK(got.account_url.empty());
  CHECK(got.created_at == t0());
  auto found = store->find_account("https://ca.test/dir").value();
  REQUIRE(found);
  CHECK(found->id == saved.id);
  CHECK_FALSE(store->find_account("https://other.test/dir").value().has_value());
}

TEST_CASE("accounts: saving with an id updates in place, find returns the newest for a URL",
          "[store][accounts]") {
  auto store = memory_store();
  auto first = store->save_account(account_for("https://ca.test/dir", "KEY-1")).value();
  first.account_url = "https://ca.test/acct/1";
  first.status = AccountStatus::Deactivated;
  auto updated = store->save_account(first).value();
  CHECK(updated.id == first.id);
  CHECK(store->get_account(first.id).value().account_url == "https://ca.test/acct/1");
  CHECK(store->get_account(first.id).value().status == AccountStatus::Deactivated);
  auto second = store->save_account(account_for("https://ca.test/dir", "KEY-2")).value();
  CHECK(second.id != first.id);
  CHECK(store->find_account("https://ca.test/dir").value()->key_pem.view() == "KEY-2");
}

TEST_CASE("accounts: unknown ids are NotFound, incomplete records InvalidArgument", "[store][accounts]") {
  auto store = memory_store();
  auto missing = store->get_account(42);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::NotFound);
  AccountRecord ghost = account_for("https://ca.test/dir", "KEY");
  ghost.id = 42;
  auto update = store->save_account(ghost);
  REQUIRE_FALSE(update);
  CHECK(update.error().code() == Errc::NotFound);
  auto keyless = store->save_account(account_for("https://ca.test/dir", ""));
  REQUIRE_FALSE(keyless);
  CHECK(keyless.error().code() == Errc::InvalidArgument);
}

}  // namespace
}  // namespace certkeep::store
