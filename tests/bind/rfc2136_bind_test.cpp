// SPDX-License-Identifier: Apache-2.0
// The RFC 2136 solver and the dns module against a real BIND 9 (pebble-test/bind.sh): records
// added and removed as dig sees them, one UPDATE per zone, each refusal named with the server's
// rcode, a server stopped mid-flow, and propagation to a second authoritative server on
// 127.0.0.2. CTest: bind.dns_module (label bind).
#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <set>

#include "bind/bind_server.hpp"
#include "dns/client.hpp"
#include "dns/rfc2136_solver.hpp"
#include "dns/zone.hpp"
#include "support/dns01_challenge.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::testing::dns01;
using certkeep::testing::BindServer;

namespace {

// What the solver noted in its ledger, as the store would keep it.
class RecordingLedger final : public dns::RecordLedger {
 public:
  Result<void> adding(const std::vector<dns::LedgerRecord>& records) override {
    std::lock_guard lock(mutex_);
    for (const auto& record : records) held_.insert(record.zone + " " + record.name + " " + record.value);
    return {};
  }
  void removed(const std::vector<dns::LedgerRecord>& records) noexcept override {
    std::lock_guard lock(mutex_);
    for (const auto& record : records) held_.erase(record.zone + " " + record.name + " " + record.value);
  }
  std::set<std::string> held() const {
    std::lock_guard lock(mutex_);
    return held_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> held_;
};

dns::Rfc2136Options options_for(const BindServer& bind, std::shared_ptr<dns::RecordLedger> ledger = nullptr) {
  dns::Rfc2136Options options;
  options.server = bind.address();
  options.key = dns::read_tsig_key_file(bind.key_file()).value();
  options.propagation_timeout = 10s;
  options.query_timeout = 1000ms;
  options.ledger = std::move(ledger);
  return options;
}

// A key file (0600) holding `name` with `secret`.
std::filesystem::path write_key(const BindServer& bind, const std::string& name, const std::string& secret) {
  const auto path = bind.dir() / (name + ".key");
  std::ofstream(path) << "key \"" << name << "\" {\n\talgorithm hmac-sha256;\n\tsecret \"" << secret << "\";\n};\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

}  // namespace

TEST_CASE("bind: one UPDATE per zone adds every record, cleanup removes exactly them", "[bind][dns]") {
  BindServer& bind = testing::shared_bind();
  auto ledger = std::make_shared<RecordingLedger>();
  dns::Rfc2136Solver solver(options_for(bind, ledger));
  // Someone else's record at the same name must survive our cleanup.
  REQUIRE(bind.nsupdate("a.test", "update add _acme-challenge.a.test 60 TXT \"not-ours\"") == 0);
  const long a_serial = bind.serial("a.test");
  const long b_serial = bind.serial("b.test");

  // The apex and its wildcard share one record name with two values; www and b.test add more.
  const std::vector<Challenge> batch{dns01("a.test", "apex"), dns01("a.test", "wild", true),
                                     dns01("www.a.test", "www"), dns01("b.test", "bee")};
  REQUIRE(solver.check({"a.test", "*.a.test", "www.a.test", "b.test"}));
  CHECK(bind.serial("a.test") == a_serial);  // the check changed nothing
  REQUIRE(solver.present(batch));
  CHECK(bind.serial("a.test") == a_serial + 1);  // one UPDATE for the three a.test records
  CHECK(bind.serial("b.test") == b_serial + 1);
  CHECK(bind.txt("_acme-challenge.a.test") ==
        std::vector<std::string>{batch[0].dns_txt_value, batch[1].dns_txt_value, "not-ours"});
  CHECK(bind.txt("_acme-challenge.www.a.test") == std::vector<std::string>{batch[2].dns_txt_value});
  CHECK(bind.txt("_acme-challenge.b.test") == std::vector<std::string>{batch[3].dns_txt_value});
  CHECK(ledger->held().size() == 4);
  REQUIRE(solver.wait_until_ready(batch, {}));

  solver.cleanup(batch);
  CHECK(bind.txt("_acme-challenge.a.test") == std::vector<std::string>{"not-ours"});
  CHECK(bind.txt("_acme-challenge.www.a.test").empty());
  CHECK(bind.txt("_acme-challenge.b.test").empty());
  CHECK(ledger->held().empty());
  CHECK(bind.serial("a.test") == a_serial + 2);
}

TEST_CASE("bind: zone discovery by SOA names the zone, or the server and its answers", "[bind][dns]") {
  BindServer& bind = testing::shared_bind();
  dns::ExchangeOptions options;
  options.timeout = 1000ms;
  CHECK(dns::find_zone(bind.address(), "_acme-challenge.deep.www.a.test", options).value() == "a.test");
  CHECK(dns::find_zone(bind.address(), "_acme-challenge.b.test", options).value() == "b.test");
  auto unknown = dns::find_zone(bind.address(), "_acme-challenge.example.org", options);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == Errc::Dns);
  CHECK_THAT(unknown.error().message(), Catch::Contains("127.0.0.1:" + std::to_string(bind.port())) &&
                                            Catch::Contains("example.org: REFUSED"));
}

TEST_CASE("bind: a wrong secret is BADSIG naming the key, an unknown key is BADKEY", "[bind][dns]") {
  BindServer& bind = testing::shared_bind();
  dns::Rfc2136Options options = options_for(bind);
  SECTION("wrong secret") {
    options.key = dns::read_tsig_key_file(
                      write_key(bind, bind.key_name(), "ZmFrZXNlY3JldGZha2VzZWNyZXRmYWtlc2VjcmV0MTI="))
                      .value();
    dns::Rfc2136Solver solver(options);
    auto checked = solver.check({"www.a.test"});
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code() == Errc::Dns);
    CHECK_THAT(checked.error().message(),
               Catch::Contains("BADSIG") && Catch::Contains("\"" + bind.key_name() + "\"") &&
                   Catch::Contains(bind.key_name() + ".key"));
  }
  SECTION("unknown key") {
    options.key = dns::read_tsig_key_file(
                      write_key(bind, "nobody-knows-me", "AcDkevQC2uTJyr5kaR7bx1s8d9QXj45t4HlwCswGrJU="))
                      .value();
    dns::Rfc2136Solver solver(options);
    auto presented = solver.present(std::vector<Challenge>{dns01("www.a.test", "k")});
    REQUIRE_FALSE(presented);
    CHECK_THAT(presented.error().message(), Catch::Contains("BADKEY") && Catch::Contains("nobody-knows-me"));
    CHECK(bind.txt("_acme-challenge.www.a.test").empty());
  }
}

TEST_CASE("bind: REFUSED and NOTAUTH are named with the zone, nothing is left in the ledger", "[bind][dns]") {
  BindServer& bind = testing::shared_bind();
  auto ledger = std::make_shared<RecordingLedger>();
  dns::Rfc2136Solver solver(options_for(bind, ledger));
  auto refused = solver.check({"refused.test"});
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message(), Catch::Contains("REFUSED") && Catch::Contains("zone refused.test"));
  auto refused_present = solver.present(std::vector<Challenge>{dns01("refused.test", "r")});
  REQUIRE_FALSE(refused_present);
  CHECK(refused_present.error().code() == Errc::Dns);
  CHECK(ledger->held().empty());  // refused: nothing was added, nothing to repair

  // notauth.test is answered to plain queries, but the key's view does not have it.
  auto notauth = solver.check({"www.notauth.test"});
  REQUIRE_FALSE(notauth);
  CHECK_THAT(notauth.error().message(), Catch::Contains("NOTAUTH") && Catch::Contains("notauth.test"));
}

TEST_CASE("bind: a server that refuses every update is REFUSED", "[bind][dns]") {
  BindServer bind("--refuse-updates");
  dns::Rfc2136Solver solver(options_for(bind));
  auto checked = solver.check({"a.test"});
  REQUIRE_FALSE(checked);
  CHECK_THAT(checked.error().message(), Catch::Contains("REFUSED"));
}

TEST_CASE("bind: BIND stopped mid-flow: errors name the server, the ledger keeps the records, the next run removes them",
          "[bind][dns]") {
  BindServer bind;
  auto ledger = std::make_shared<RecordingLedger>();
  dns::Rfc2136Options options = options_for(bind, ledger);
  options.propagation_timeout = 2s;
  const std::vector<Challenge> batch{dns01("www.a.test", "stop")};
  {
    dns::Rfc2136Solver solver(options);
    REQUIRE(solver.present(batch));
    bind.stop();
    auto ready = solver.wait_until_ready(batch, {});
    REQUIRE_FALSE(ready);
    CHECK_THAT(ready.error().message(), Catch::Contains("127.0.0.1:" + std::to_string(bind.port())));
    solver.cleanup(batch);  // fails: logged, the record stays noted
    CHECK(ledger->held().size() == 1);
  }
  bind.restart();
  CHECK(bind.txt("_acme-challenge.www.a.test") == std::vector<std::string>{batch[0].dns_txt_value});
  // The next run: a new solver removes what the ledger holds, and nothing else.
  dns::Rfc2136Solver next(options);
  REQUIRE(next.remove("a.test", {{"a.test", batch[0].dns_record_name(), batch[0].dns_txt_value}}));
  CHECK(bind.txt("_acme-challenge.www.a.test").empty());
  CHECK(ledger->held().empty());
}

TEST_CASE("bind: a nameserver that never gets the record times out, naming it", "[bind][dns]") {
  BindServer bind("--second stale");
  dns::Rfc2136Options options = options_for(bind);
  options.propagation_timeout = 3s;
  dns::Rfc2136Solver solver(options);
  const std::vector<Challenge> batch{dns01("www.a.test", "stale")};
  REQUIRE(solver.present(batch));
  const auto started = std::chrono::steady_clock::now();
  auto ready = solver.wait_until_ready(batch, {});
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(ready);
  CHECK(ready.error().code() == Errc::Timeout);
  const std::string second = "ns2.a.test (127.0.0.2:" + std::to_string(bind.port()) + ")";
  CHECK_THAT(ready.error().message(), Catch::Contains(second) && !Catch::Contains("ns1.a.test"));
  CHECK(waited < 8s);  // bounded by the propagation timeout
  solver.cleanup(batch);
  CHECK(bind.txt("_acme-challenge.www.a.test").empty());
}

TEST_CASE("bind: a record that reaches both authoritative servers is ready", "[bind][dns]") {
  BindServer bind("--second secondary");
  dns::Rfc2136Solver solver(options_for(bind));
  const std::vector<Challenge> batch{dns01("www.a.test", "both")};
  REQUIRE(solver.present(batch));
  REQUIRE(solver.wait_until_ready(batch, {}));
  CHECK(bind.txt("_acme-challenge.www.a.test", "127.0.0.2") == std::vector<std::string>{batch[0].dns_txt_value});
  solver.cleanup(batch);
}

TEST_CASE("bind: nothing listening is a network error naming the server", "[bind][dns]") {
  BindServer bind;
  bind.stop();
  dns::Rfc2136Solver solver(options_for(bind));
  auto checked = solver.check({"a.test"});
  REQUIRE_FALSE(checked);
  CHECK((checked.error().code() == Errc::Network || checked.error().code() == Errc::Timeout));
  CHECK_THAT(checked.error().message(), Catch::Contains("127.0.0.1:" + std::to_string(bind.port())));
}
