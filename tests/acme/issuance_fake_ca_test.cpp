// SPDX-License-Identifier: Apache-2.0
// The whole order flow against the fake CA (in-process, no network): what Pebble cannot show
// (exact request counts, Retry-After, badNonce storms, hostile answers) is checked here.
#include <catch2/catch.hpp>

#include "acme/account.hpp"
#include "acme/fake_acme_ca.hpp"
#include "acme/issuance.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/token.hpp"
#include "crypto/certificate.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::acme;
using namespace std::chrono_literals;

namespace {

struct IssuanceFixture {
  explicit IssuanceFixture(testing::FakeCaOptions options = {}) : ca(std::move(options)) {
    ca.serve = [this](const std::string&, const std::string& token) {
      return solver.answer(std::string(challenge::kChallengePathPrefix) + token);
    };
  }

  Result<std::unique_ptr<Client>> connect_with_account() {
    auto client = Client::connect(ca, testing::FakeAcmeCa::kDirectoryUrl, clock);
    if (!client) return client;
    auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256);
    (*client)->set_account(std::make_shared<const crypto::Signer>(crypto::Signer::create(*key).value()), "");
    auto account =
        new_account(**client, {.contact = {"mailto:ops@example.com"}, .terms_of_service_agreed = true});
    if (!account) return fail(account.error());
    return client;
  }

  IssuanceRequest request(std::vector<std::string> names) {
    return IssuanceRequest{.names = std::move(names),
                           .certificate_key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value()};
  }

  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
  challenge::MemorySolver solver;
};

}  // namespace

TEST_CASE("fake CA: one issuance uses the protocol minimum of requests", "[acme][issuance][fake-ca]") {
  IssuanceFixture f;
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com", "b.example.com"}));
  REQUIRE(issued);
  CHECK(issued->leaf.dns_names.size() == 2);
  // One HEAD newNonce for the first signed request, none after: every reply refills the pool.
  CHECK(f.ca.count("new-nonce") == 1);
  CHECK((*client)->stats().nonce_fetches == 1);
  CHECK(f.ca.count("challenge") == 2);
  CHECK(f.solver.pending() == 0);  // every presented challenge cleaned up
  CHECK(crypto::verify_chain(issued->chain.leaf_pem, issued->chain.chain_pem, f.ca.root_pem()));
}

TEST_CASE("fake CA: the first poll comes within tens of milliseconds and backs off",
          "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.finalize_processing_polls = 4;
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  REQUIRE(issue_certificate(**client, f.solver, f.request({"a.example.com"})));
  auto sleeps = f.clock.sleeps();
  REQUIRE(sleeps.size() >= 4);
  CHECK(sleeps.front() <= 100ms);
  CHECK(sleeps.back() > sleeps.front());
}

TEST_CASE("fake CA: Retry-After while processing is honoured", "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.finalize_processing_polls = 2;
  options.processing_retry_after = "3";
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  REQUIRE(issue_certificate(**client, f.solver, f.request({"a.example.com"})));
  auto sleeps = f.clock.sleeps();
  CHECK(std::count(sleeps.begin(), sleeps.end(), 3000ms) >= 1);
}

TEST_CASE("fake CA: a badNonce storm is retried with fresh nonces", "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.bad_nonces = 15;
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  REQUIRE(issue_certificate(**client, f.solver, f.request({"a.example.com"})));
  CHECK((*client)->stats().bad_nonce_retries == 15);
}

TEST_CASE("fake CA: endless badNonce fails in bounded attempts with the problem shown",
          "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.bad_nonces = 1'000'000;
  IssuanceFixture f(options);
  auto client = Client::connect(f.ca, testing::FakeAcmeCa::kDirectoryUrl, f.clock);
  REQUIRE(client);
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256);
  (*client)->set_account(std::make_shared<const crypto::Signer>(crypto::Signer::create(*key).value()), "");
  auto account = new_account(**client, {{}, true, false});
  REQUIRE_FALSE(account);
  REQUIRE(account.error().problem());
  CHECK(account.error().problem()->is("badNonce"));
  CHECK(f.ca.count("new-account") <= 30);
}

TEST_CASE("fake CA: a failed validation returns the CA's problem for that name",
          "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.validation_fails = true;
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  REQUIRE(issued.error().problem());
  CHECK(issued.error().problem()->is("unauthorized"));
  CHECK(issued.error().to_string().find("a.example.com") != std::string::npos);
  CHECK(f.solver.pending() == 0);
}

TEST_CASE("fake CA: valid authorizations are not answered again", "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.authorizations_valid = true;
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  REQUIRE(issue_certificate(**client, f.solver, f.request({"a.example.com", "b.example.com"})));
  CHECK(f.ca.count("challenge") == 0);
}

TEST_CASE("fake CA: an order for other names than asked is refused", "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.tamper = [](std::string_view kind, http::Response& response) {
    if (kind != "new-order") return;
    auto at = response.body.find("a.example.com");
    if (at != std::string::npos) response.body.replace(at, 13, "evil.example");
  };
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Protocol);
  CHECK(issued.error().message().find("differ from the requested names") != std::string::npos);
}

TEST_CASE("fake CA: a certificate for another key is refused", "[acme][issuance][fake-ca]") {
  IssuanceFixture f;
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto other = crypto::create_private_ca("Other", std::chrono::days(10)).value();
  auto other_leaf_key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  auto now = std::chrono::system_clock::now();
  std::string foreign =
      crypto::issue_leaf_certificate(other, other_leaf_key, {"a.example.com"}, now, now + 24h).value();
  f.ca.options().tamper = [&](std::string_view kind, http::Response& response) {
    if (kind == "certificate") response.body = foreign;
  };
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().message().find("not for our key") != std::string::npos);
}

TEST_CASE("fake CA: a location on another host or over http is refused",
          "[acme][issuance][fake-ca][security]") {
  auto location = GENERATE(as<std::string>{}, "http://ca.fake.test/order/1", "https://evil.test/order/1");
  testing::FakeCaOptions options;
  options.tamper = [location](std::string_view kind, http::Response& response) {
    if (kind != "new-order") return;
    http::Headers headers;
    for (auto& [name, value] : response.headers.entries())
      headers.add(name, name == "Location" ? location : value);
    response.headers = headers;
  };
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Protocol);
}

TEST_CASE("fake CA: a wrong content type on an order is refused", "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.tamper = [](std::string_view kind, http::Response& response) {
    if (kind != "authorization") return;
    http::Headers headers;
    headers.add("Content-Type", "text/html");
    response.headers = headers;
  };
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().message().find("Content-Type") != std::string::npos);
}

TEST_CASE("fake CA: an order stuck in processing gives up at the poll deadline",
          "[acme][issuance][fake-ca]") {
  testing::FakeCaOptions options;
  options.finalize_processing_polls = 1'000'000;
  IssuanceFixture f(options);
  auto client = f.connect_with_account();
  REQUIRE(client);
  IssuanceOptions short_deadline;
  short_deadline.poll_deadline = 30s;
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}), short_deadline);
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Timeout);
}

TEST_CASE("the certificate key may not be the account key", "[acme][issuance]") {
  IssuanceFixture f;
  auto client = f.connect_with_account();
  REQUIRE(client);
  IssuanceRequest request = f.request({"a.example.com"});
  request.certificate_key = (*client)->signer()->key();
  auto issued = issue_certificate(**client, f.solver, request);
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::InvalidArgument);
  CHECK(f.ca.count("new-order") == 0);
}

TEST_CASE("fake CA: a chain whose intermediate did not sign the leaf is refused",
          "[acme][issuance][fake-ca]") {
  IssuanceFixture f;
  auto client = f.connect_with_account();
  REQUIRE(client);
  auto other =
      crypto::create_private_ca("Fake ACME Root", std::chrono::days(10)).value();  // same name, other key
  f.ca.options().tamper = [&](std::string_view kind, http::Response& response) {
    if (kind != "certificate") return;
    const std::size_t second = response.body.find("-----BEGIN CERTIFICATE-----", 1);
    response.body = response.body.substr(0, second) + other.cert_pem;
  };
  auto issued = issue_certificate(**client, f.solver, f.request({"a.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Protocol);
  CHECK(issued.error().message().find("chain does not verify") != std::string::npos);
  CHECK(issued.error().message().find("not signed by the next one") != std::string::npos);
}

TEST_CASE("fake CA: a stored order the CA already fulfilled is resumed by downloading its certificate",
          "[acme][issuance][fake-ca]") {
  IssuanceFixture f;
  auto client = f.connect_with_account();
  REQUIRE(client);
  IssuanceRequest first = f.request({"resume.example.com"});
  auto issued = issue_certificate(**client, f.solver, first);
  REQUIRE(issued);
  const int orders = f.ca.count("new-order");
  const int finalizes = f.ca.count("finalize");
  const int downloads = f.ca.count("certificate");

  // The run that ordered it died after the CA issued: the next run downloads the same
  // certificate instead of ordering (and spending) another.
  IssuanceRequest again = first;
  again.resume_order_url = issued->order_url;
  auto resumed = issue_certificate(**client, f.solver, again);
  REQUIRE(resumed);
  CHECK(resumed->leaf.serial_hex == issued->leaf.serial_hex);
  CHECK(resumed->order_url == issued->order_url);
  CHECK(f.ca.count("new-order") == orders);
  CHECK(f.ca.count("finalize") == finalizes);
  CHECK(f.ca.count("certificate") == downloads + 1);

  // With another key (the stored one was lost), the downloaded certificate is refused.
  IssuanceRequest other_key = f.request({"resume.example.com"});
  other_key.resume_order_url = issued->order_url;
  auto refused = issue_certificate(**client, f.solver, other_key);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::Protocol);

  // For other names than asked, the stored order is not resumed: a new one is made.
  IssuanceRequest other_names = f.request({"elsewhere.example.com"});
  other_names.resume_order_url = issued->order_url;
  auto fresh = issue_certificate(**client, f.solver, other_names);
  REQUIRE(fresh);
  CHECK(fresh->order_url != issued->order_url);
  CHECK(f.ca.count("new-order") == orders + 1);
}
