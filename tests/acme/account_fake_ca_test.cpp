// SPDX-License-Identifier: Apache-2.0
// Account operations against the fake CA: External Account Binding (required, right, wrong),
// look-up by key, contact update, key change (RFC 8555 §7.3.5) and deactivation (§7.3.6).
// Pebble holds the same paths in pebble-test/cli/account_*.sh; the fake shows what Pebble
// cannot: exactly which requests were sent.
#include <catch2/catch.hpp>

#include "acme/account.hpp"
#include "acme/fake_acme_ca.hpp"
#include "core/base64url.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::acme;

namespace {

std::shared_ptr<const crypto::Signer> new_signer() {
  return std::make_shared<const crypto::Signer>(
      crypto::Signer::create(crypto::PrivateKey::generate(KeyType::EcdsaP256).value()).value());
}

struct AccountFixture {
  explicit AccountFixture(testing::FakeCaOptions options = {}) : ca(std::move(options)) {}

  std::unique_ptr<Client> client(std::shared_ptr<const crypto::Signer> signer = new_signer()) {
    auto connected = Client::connect(ca, testing::FakeAcmeCa::kDirectoryUrl, clock);
    REQUIRE(connected);
    (*connected)->set_account(std::move(signer), "");
    return std::move(*connected);
  }

  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
};

const std::string kMacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

testing::FakeCaOptions eab_required() {
  testing::FakeCaOptions options;
  options.external_account_required = true;
  options.eab_keys["kid-1"] = core::base64url_decode(kMacKey).value();
  return options;
}

ExternalAccountBinding binding(std::string kid, const std::string& key_text,
                               MacAlgorithm algorithm = MacAlgorithm::Hs256) {
  return ExternalAccountBinding{std::move(kid), decode_mac_key(key_text).value(), algorithm};
}

}  // namespace

TEST_CASE("fake CA: EAB required and none given fails before any request but the directory",
          "[acme][account][eab][fake-ca]") {
  AccountFixture f(eab_required());
  auto client = f.client();
  auto account = new_account(*client, {.terms_of_service_agreed = true});
  REQUIRE_FALSE(account);
  CHECK(account.error().code() == Errc::InvalidArgument);
  CHECK_THAT(account.error().message(),
             Catch::Contains("External Account Binding") && Catch::Contains("--eab-kid"));
  CHECK(f.ca.count("new-nonce") == 0);
  CHECK(f.ca.count("new-account") == 0);
}

TEST_CASE("fake CA: a binding with the right key makes an account bound to its kid, for each MAC algorithm",
          "[acme][account][eab][fake-ca]") {
  auto algorithm = GENERATE(MacAlgorithm::Hs256, MacAlgorithm::Hs384, MacAlgorithm::Hs512);
  AccountFixture f(eab_required());
  auto client = f.client();
  auto account = new_account(
      *client, {.terms_of_service_agreed = true, .external_account = binding("kid-1", kMacKey, algorithm)});
  REQUIRE(account);
  CHECK(f.ca.binding_of(account->url) == "kid-1");
  CHECK(client->kid() == account->url);
}

TEST_CASE("fake CA: a wrong MAC key or an unknown kid shows the CA's refusal",
          "[acme][account][eab][fake-ca]") {
  AccountFixture f(eab_required());
  auto wrong_key = new_account(
      *f.client(),
      {.terms_of_service_agreed = true, .external_account = binding("kid-1", "b10lLJs8l1GPIzsLP0s6pMt8")});
  REQUIRE_FALSE(wrong_key);
  CHECK(wrong_key.error().code() == Errc::CaProblem);
  CHECK_THAT(wrong_key.error().to_string(), Catch::Contains("verification error"));
  auto unknown = new_account(
      *f.client(), {.terms_of_service_agreed = true, .external_account = binding("kid-9", kMacKey)});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().to_string(), Catch::Contains("not known"));
}

TEST_CASE("fake CA: onlyReturnExisting finds the account of a key, and only that",
          "[acme][account][fake-ca]") {
  AccountFixture f;
  auto signer = new_signer();
  auto created = new_account(*f.client(signer), {.terms_of_service_agreed = true});
  REQUIRE(created);
  auto found = new_account(*f.client(signer), {.only_return_existing = true});
  REQUIRE(found);
  CHECK(found->url == created->url);
  auto missing = new_account(*f.client(), {.only_return_existing = true});
  REQUIRE_FALSE(missing);
  REQUIRE(missing.error().problem());
  CHECK(missing.error().problem()->is("accountDoesNotExist"));
}

TEST_CASE("fake CA: an account is fetched and its contact replaced", "[acme][account][fake-ca]") {
  AccountFixture f;
  auto client = f.client();
  REQUIRE(new_account(*client, {.contact = {"mailto:a@example.com"}, .terms_of_service_agreed = true}));
  auto fetched = fetch_account(*client);
  REQUIRE(fetched);
  CHECK(fetched->status == AccountStatus::Valid);
  CHECK(fetched->contact == std::vector<std::string>{"mailto:a@example.com"});
  auto updated = update_account_contact(*client, {"mailto:b@example.com"});
  REQUIRE(updated);
  CHECK(updated->contact == std::vector<std::string>{"mailto:b@example.com"});
}

TEST_CASE("fake CA: a key change binds the new key, and the old key finds no account",
          "[acme][account][fake-ca]") {
  AccountFixture f;
  auto old_key = new_signer();
  auto client = f.client(old_key);
  auto account = new_account(*client, {.terms_of_service_agreed = true});
  REQUIRE(account);
  auto new_key = new_signer();
  REQUIRE(change_account_key(*client, new_key));
  CHECK(f.ca.key_changes() == 1);
  CHECK(client->signer() == new_key.get());
  CHECK(client->kid() == account->url);
  CHECK(f.ca.account_of_key(new_key->jwk_json()) == account->url);
  CHECK(f.ca.account_of_key(old_key->jwk_json()).empty());
  // The client goes on working as the same account.
  CHECK(fetch_account(*client));
}

TEST_CASE("fake CA: a key change to another account's key is refused naming that account",
          "[acme][account][fake-ca]") {
  AccountFixture f;
  auto taken = new_signer();
  auto other = new_account(*f.client(taken), {.terms_of_service_agreed = true});
  REQUIRE(other);
  auto client = f.client();
  REQUIRE(new_account(*client, {.terms_of_service_agreed = true}));
  auto changed = change_account_key(*client, taken);
  REQUIRE_FALSE(changed);
  CHECK_THAT(changed.error().message(), Catch::Contains("already belongs to account " + other->url));
  CHECK(client->signer() != taken.get());
  CHECK(f.ca.key_changes() == 0);
}

TEST_CASE("fake CA: a deactivated account is refused with the CA's words, and known as such",
          "[acme][account][fake-ca]") {
  AccountFixture f;
  auto signer = new_signer();
  auto client = f.client(signer);
  auto account = new_account(*client, {.terms_of_service_agreed = true});
  REQUIRE(account);
  auto deactivated = deactivate_account(*client);
  REQUIRE(deactivated);
  CHECK(deactivated->status == AccountStatus::Deactivated);
  CHECK(f.ca.account_status(account->url) == "deactivated");
  auto used = fetch_account(*client);
  REQUIRE_FALSE(used);
  CHECK(is_deactivated_account(used.error()));
  auto again = new_account(*f.client(signer), {.terms_of_service_agreed = true});
  REQUIRE_FALSE(again);
  CHECK(is_deactivated_account(again.error()));
}
