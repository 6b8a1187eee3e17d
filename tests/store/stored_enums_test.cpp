// SPDX-License-Identifier: Apache-2.0
// The closed sets the store keeps as text (key type, challenge method, account status) are
// parsed at the store's edge: every value round-trips, and a row holding text this release
// does not know is refused with an error naming the row, never guessed at.
#include "store/lineage_state.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("stored enums: every key type and challenge method round-trips through a lineage row",
          "[store][enums]") {
  auto store = memory_store();
  for (KeyType key_type :
       {KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096}) {
    for (ChallengeMethod method :
         {ChallengeMethod::Standalone, ChallengeMethod::Webroot, ChallengeMethod::Memory}) {
      const std::string name =
          std::string(to_string(key_type)) + "." + std::string(to_string(method)) + ".test";
      LineageRecord lineage = pending_lineage(name);
      lineage.settings.key_type = key_type;
      lineage.settings.challenge_method = method;
      REQUIRE(store->upsert_lineage(lineage));
      const LineageRecord found = store->find_lineage(name).value().value();
      CHECK(found.settings.key_type == key_type);
      CHECK(found.settings.challenge_method == method);
    }
  }
}

TEST_CASE("stored enums: the text forms are the ones earlier releases wrote", "[store][enums]") {
  CHECK(to_string(ChallengeMethod::Standalone) == "standalone");
  CHECK(to_string(ChallengeMethod::Webroot) == "webroot");
  CHECK(to_string(ChallengeMethod::Memory) == "memory");
  CHECK(to_string(AccountStatus::Valid) == "valid");
  CHECK(to_string(AccountStatus::Deactivated) == "deactivated");
  CHECK(to_string(AccountStatus::Revoked) == "revoked");
  for (AccountStatus status : {AccountStatus::Valid, AccountStatus::Deactivated, AccountStatus::Revoked})
    CHECK(parse_account_status(to_string(status)) == status);
  CHECK_FALSE(parse_challenge_method("Webroot").has_value());
  CHECK_FALSE(parse_account_status("").has_value());
}

TEST_CASE("stored enums: a row with unknown text is refused with the row and the text named",
          "[store][enums]") {
  TempDir dir;
  auto store = open_store(dir.store());
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  AccountRecord account;
  account.directory_url = "https://ca.test/dir";
  account.key_pem = core::Secret("KEY");
  const std::int64_t id = store->save_account(account).value().id;

  struct Case {
    const char* sql;
    const char* expected;
  };
  for (const Case& c :
       {Case{"UPDATE certificates SET challenge_method = 'dns-02'", "unknown challenge method \"dns-02\""},
        Case{"UPDATE certificates SET key_type = 'ec521'", "unknown key type \"ec521\""},
        Case{"UPDATE certificates SET status = 'renewing'", "unknown status \"renewing\""}}) {
    CAPTURE(c.sql);
    {
      auto raw = raw_connection(dir.store());
      raw_execute(
          *raw,
          "UPDATE certificates SET challenge_method = 'standalone', key_type = 'ec256', status = 'pending'");
      raw_execute(*raw, c.sql);
    }
    auto found = store->find_lineage("example.com");
    REQUIRE_FALSE(found);
    CHECK(found.error().code() == Errc::Store);
    CHECK_THAT(found.error().message(), Catch::Contains("example.com") && Catch::Contains(c.expected));
  }

  {
    auto raw = raw_connection(dir.store());
    raw_execute(*raw, "UPDATE accounts SET status = 'suspended'");
  }
  auto got = store->get_account(id);
  REQUIRE_FALSE(got);
  CHECK(got.error().code() == Errc::Store);
  CHECK_THAT(got.error().message(), Catch::Contains("unknown status \"suspended\""));
}

}  // namespace
}  // namespace certkeep::store
