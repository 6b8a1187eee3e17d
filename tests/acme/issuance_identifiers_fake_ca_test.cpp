// SPDX-License-Identifier: Apache-2.0
// What an order asks for beyond DNS names and a key of certkeep's: IP identifiers (RFC 8738),
// a CSR brought by the caller, and an ACME profile — against the fake CA, which offers profiles
// (Debian's Pebble 2.4.0 does not) and records what each newOrder carried.
#include <catch2/catch.hpp>

#include "acme/account.hpp"
#include "acme/fake_acme_ca.hpp"
#include "acme/issuance.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/token.hpp"
#include "crypto/csr.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::acme;

namespace {

struct IdentifiersFixture {
  explicit IdentifiersFixture(testing::FakeCaOptions options = {}) : ca(std::move(options)) {
    ca.serve = [this](const std::string& identifier, const std::string& token) {
      served_for.push_back(identifier);
      return solver.answer(std::string(challenge::kChallengePathPrefix) + token);
    };
    auto connected = Client::connect(ca, testing::FakeAcmeCa::kDirectoryUrl, clock);
    REQUIRE(connected);
    client = std::move(*connected);
    auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
    client->set_account(std::make_shared<const crypto::Signer>(crypto::Signer::create(key).value()), "");
    REQUIRE(new_account(*client, {.terms_of_service_agreed = true}));
  }

  static IssuanceRequest request(std::vector<std::string> names) {
    return IssuanceRequest{.names = std::move(names),
                           .certificate_key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value()};
  }

  // A request for a CSR (the certificate key is never used then).
  static IssuanceRequest csr_request(std::vector<std::string> names, crypto::CsrInfo csr) {
    IssuanceRequest request{.names = std::move(names)};
    request.csr = std::move(csr);
    return request;
  }

  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
  challenge::MemorySolver solver;
  std::unique_ptr<Client> client;
  std::vector<std::string> served_for;
};

testing::FakeCaOptions with_profiles() {
  testing::FakeCaOptions options;
  options.profiles = {{"classic", "the usual"}, {"shortlived", "six days"}};
  return options;
}

}  // namespace

TEST_CASE("fake CA: IP addresses are ordered as ip identifiers and certified as iPAddress SANs",
          "[acme][issuance][ip][fake-ca]") {
  IdentifiersFixture f;
  auto issued = issue_certificate(*f.client, f.solver,
                                  IdentifiersFixture::request({"192.0.2.1", "2001:db8::1", "a.example.com"}));
  REQUIRE(issued);
  CHECK(f.ca.identifiers_seen() ==
        std::vector<std::string>{"ip:192.0.2.1", "ip:2001:db8::1", "dns:a.example.com"});
  CHECK(issued->leaf.ip_addresses == std::vector<std::string>{"192.0.2.1", "2001:db8::1"});
  CHECK(issued->leaf.dns_names == std::vector<std::string>{"a.example.com"});
  CHECK(f.served_for == std::vector<std::string>{"192.0.2.1", "2001:db8::1", "a.example.com"});
}

TEST_CASE("fake CA: a certificate missing an IP address that was asked for is refused",
          "[acme][issuance][ip][fake-ca]") {
  IdentifiersFixture f;
  // The CA answers a certificate for the DNS name only.
  auto other = IdentifiersFixture::request({"a.example.com"});
  std::string csr_for_less = crypto::make_csr_der(*other.certificate_key, {"a.example.com"}).value();
  IssuanceRequest request = IdentifiersFixture::request({"a.example.com", "192.0.2.1"});
  request.certificate_key.reset();  // a CSR instead
  request.csr = crypto::CsrInfo{.der = csr_for_less,
                                .names = {"a.example.com", "192.0.2.1"},
                                .public_key_der = other.certificate_key->public_key_der()};
  auto issued = issue_certificate(*f.client, f.solver, request);
  REQUIRE_FALSE(issued);
  CHECK_THAT(issued.error().message(), Catch::Contains("differ from the requested names"));
}

TEST_CASE("fake CA: a CSR is finalized as given and the certificate checked against its key",
          "[acme][issuance][csr][fake-ca]") {
  IdentifiersFixture f;
  const auto held_elsewhere = crypto::PrivateKey::generate(KeyType::EcdsaP384).value();
  auto csr = crypto::read_csr(crypto::make_csr_der(held_elsewhere, {"csr.example.com", "192.0.2.7"}).value());
  REQUIRE(csr);
  IssuanceRequest request = IdentifiersFixture::csr_request({"csr.example.com", "192.0.2.7"}, *csr);
  auto issued = issue_certificate(*f.client, f.solver, request);
  REQUIRE(issued);
  CHECK(issued->leaf.public_key_der == held_elsewhere.public_key_der());
}

TEST_CASE("fake CA: a CSR for other names or for the account key is refused before any order",
          "[acme][issuance][csr][fake-ca]") {
  IdentifiersFixture f;
  const auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  auto csr = crypto::read_csr(crypto::make_csr_der(key, {"one.example.com"}).value()).value();
  auto other_names =
      issue_certificate(*f.client, f.solver, IdentifiersFixture::csr_request({"two.example.com"}, csr));
  REQUIRE_FALSE(other_names);
  CHECK(other_names.error().code() == Errc::InvalidArgument);
  auto account_csr =
      crypto::read_csr(crypto::make_csr_der(f.client->signer()->key(), {"one.example.com"}).value()).value();
  auto account_key = issue_certificate(*f.client, f.solver,
                                       IdentifiersFixture::csr_request({"one.example.com"}, account_csr));
  REQUIRE_FALSE(account_key);
  CHECK_THAT(account_key.error().message(), Catch::Contains("account key"));
  CHECK(f.ca.count("new-order") == 0);
}

TEST_CASE("fake CA: an offered profile is sent in newOrder", "[acme][issuance][profile][fake-ca]") {
  IdentifiersFixture f(with_profiles());
  IssuanceRequest request = IdentifiersFixture::request({"p.example.com"});
  request.profile = "shortlived";
  REQUIRE(issue_certificate(*f.client, f.solver, request));
  CHECK(f.ca.profiles_seen() == std::vector<std::string>{"shortlived"});
  // Without a profile none is sent.
  REQUIRE(issue_certificate(*f.client, f.solver, IdentifiersFixture::request({"q.example.com"})));
  CHECK(f.ca.profiles_seen() == std::vector<std::string>{"shortlived", ""});
}

TEST_CASE("fake CA: a profile the CA does not offer is refused before ordering, listing the offered ones",
          "[acme][issuance][profile][fake-ca]") {
  SECTION("the CA offers others") {
    IdentifiersFixture f(with_profiles());
    IssuanceRequest request = IdentifiersFixture::request({"p.example.com"});
    request.profile = "tlsserver";
    auto issued = issue_certificate(*f.client, f.solver, request);
    REQUIRE_FALSE(issued);
    CHECK(issued.error().code() == Errc::InvalidArgument);
    CHECK_THAT(issued.error().message(),
               Catch::Contains("\"tlsserver\"") && Catch::Contains("classic, shortlived"));
    CHECK(f.ca.count("new-order") == 0);
  }
  SECTION("the CA offers none") {
    IdentifiersFixture f;
    IssuanceRequest request = IdentifiersFixture::request({"p.example.com"});
    request.profile = "classic";
    auto issued = issue_certificate(*f.client, f.solver, request);
    REQUIRE_FALSE(issued);
    CHECK_THAT(issued.error().message(), Catch::Contains("offers no profiles"));
    CHECK(f.ca.count("new-order") == 0);
  }
}
