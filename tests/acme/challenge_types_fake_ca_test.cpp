// SPDX-License-Identifier: Apache-2.0
// The order flow with one solver per challenge type against the fake CA (Pebble cannot be asked
// to leave a type out): each name proved by its lineage's type, a wildcard and its apex in one
// order, batches presented and cleaned up once, the check before any order, and a clear error
// when the CA does not offer a type.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>

#include "acme/account.hpp"
#include "acme/fake_acme_ca.hpp"
#include "acme/issuance.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/token.hpp"
#include "support/fake_clock.hpp"

using namespace certkeep;
using namespace certkeep::acme;

namespace {

// A DNS-01 solver over an in-memory "zone", counting its calls.
class FakeDnsSolver final : public Solver {
 public:
  ChallengeType type() const noexcept override { return ChallengeType::Dns01; }
  Result<void> check(const std::vector<std::string>& names) override {
    checked = names;
    if (refuse_check) return fail(Errc::Dns, "the DNS server refused the key (test)");
    return {};
  }
  Result<void> present(std::span<const Challenge> challenges) override {
    ++presents;
    batch_sizes.push_back(challenges.size());
    std::lock_guard lock(mutex);
    for (const Challenge& challenge : challenges) records.emplace(challenge.dns_record_name(), challenge.dns_txt_value);
    if (fail_present) return fail(Errc::Dns, "REFUSED (test)");
    return {};
  }
  Result<void> wait_until_ready(std::span<const Challenge>, std::stop_token) override {
    ++waits;
    return {};
  }
  void cleanup(std::span<const Challenge> challenges) noexcept override {
    ++cleanups;
    std::lock_guard lock(mutex);
    for (const Challenge& challenge : challenges) {
      auto [first, last] = records.equal_range(challenge.dns_record_name());
      for (auto it = first; it != last;) it = it->second == challenge.dns_txt_value ? records.erase(it) : std::next(it);
    }
  }
  std::vector<std::string> values(const std::string& name) {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    auto [first, last] = records.equal_range(name);
    for (auto it = first; it != last; ++it) out.push_back(it->second);
    return out;
  }

  std::mutex mutex;
  std::multimap<std::string, std::string> records;
  std::vector<std::string> checked;
  std::vector<std::size_t> batch_sizes;
  int presents = 0, waits = 0, cleanups = 0;
  bool refuse_check = false, fail_present = false;
};

struct ChallengeTypesFixture {
  explicit ChallengeTypesFixture(std::vector<std::string> types)
      : ca(testing::FakeCaOptions{.challenge_types = std::move(types)}) {
    ca.serve = [this](const std::string&, const std::string& token) {
      return http.answer(std::string(challenge::kChallengePathPrefix) + token);
    };
    ca.serve_dns = [this](const std::string& name) { return dns.values(name); };
  }
  std::unique_ptr<Client> client() {
    auto connected = Client::connect(ca, testing::FakeAcmeCa::kDirectoryUrl, clock).value();
    auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
    connected->set_account(std::make_shared<const crypto::Signer>(crypto::Signer::create(key).value()), "");
    REQUIRE(new_account(*connected, {.terms_of_service_agreed = true}));
    return connected;
  }
  IssuanceRequest request(std::vector<std::string> names) {
    return {.names = std::move(names), .certificate_key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value()};
  }
  testing::FakeAcmeCa ca;
  testing::FakeClock clock;
  challenge::MemorySolver http;
  FakeDnsSolver dns;
};

}  // namespace

TEST_CASE("fake CA: each name is proved by its solver's type, a wildcard and its apex in one order",
          "[acme][issuance][fake-ca]") {
  ChallengeTypesFixture f({"http-01", "dns-01", "tls-alpn-01"});
  auto client = f.client();
  const std::vector<std::string> names{"a.example.com", "*.a.example.com", "b.example.com"};
  const SolverMap solvers{{"a.example.com", &f.http}, {"*.a.example.com", &f.dns}, {"b.example.com", &f.dns}};
  auto issued = issue_certificate(*client, solvers, f.request(names));
  REQUIRE(issued);
  CHECK(issued->leaf.dns_names.size() == 3);
  std::vector<std::string> validated = f.ca.validated();
  std::sort(validated.begin(), validated.end());
  CHECK(validated == std::vector<std::string>{"dns-01 *.a.example.com", "dns-01 b.example.com", "http-01 a.example.com"});
  CHECK(f.dns.checked == std::vector<std::string>{"*.a.example.com", "b.example.com"});
  CHECK(f.dns.batch_sizes == std::vector<std::size_t>{2});  // both DNS names in one present()
  CHECK(f.dns.waits == 1);
  CHECK(f.dns.cleanups == 1);
  CHECK(f.dns.records.empty());
  CHECK(f.http.pending() == 0);
}

TEST_CASE("fake CA: a type the CA does not offer names the identifier and what it offers",
          "[acme][issuance][fake-ca]") {
  ChallengeTypesFixture f({"http-01", "tls-alpn-01"});
  auto client = f.client();
  auto issued = issue_certificate(*client, SolverMap{{"b.example.com", &f.dns}}, f.request({"b.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::CaProblem);
  CHECK_THAT(issued.error().message(), Catch::Contains("b.example.com") && Catch::Contains("no dns-01") &&
                                           Catch::Contains("http-01, tls-alpn-01"));
  CHECK(f.dns.presents == 0);
}

TEST_CASE("fake CA: a solver's failed check stops before any order exists", "[acme][issuance][fake-ca]") {
  ChallengeTypesFixture f({"dns-01"});
  f.dns.refuse_check = true;
  auto client = f.client();
  auto issued = issue_certificate(*client, f.dns, f.request({"b.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::Dns);
  CHECK(f.ca.count("new-order") == 0);
}

TEST_CASE("fake CA: a present() that fails part-way is cleaned up, a name without a solver is refused",
          "[acme][issuance][fake-ca]") {
  ChallengeTypesFixture f({"dns-01"});
  f.dns.fail_present = true;
  auto client = f.client();
  auto issued = issue_certificate(*client, f.dns, f.request({"b.example.com", "c.example.com"}));
  REQUIRE_FALSE(issued);
  CHECK(f.dns.presents == 1);
  CHECK(f.dns.cleanups == 1);
  CHECK(f.dns.records.empty());
  CHECK(f.ca.count("challenge") == 0);  // the CA was never told to look

  auto unassigned = issue_certificate(*client, SolverMap{{"b.example.com", &f.dns}},
                                      f.request({"b.example.com", "c.example.com"}));
  REQUIRE_FALSE(unassigned);
  CHECK(unassigned.error().code() == Errc::InvalidArgument);
  CHECK_THAT(unassigned.error().message(), Catch::Contains("no challenge method for c.example.com"));
}
