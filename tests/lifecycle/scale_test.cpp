// SPDX-License-Identifier: Apache-2.0
// Behaviour at scale (ctest lifecycle.scale_100k, label "scale"): a store of 100,000 lineages
// served by a serve_all_lineages Manager. Asserts correctness and bounds, not speed: sampled
// exact and wildcard names get their own lineage's certificate through real TLS handshakes, a
// cold name is loaded once, the cache stays within its bound while thousands of names pass,
// the index stays compact, and a lineage renewed through the App in this test is served new
// after lineage_changed(). Hidden from the unit run ([.scale]); CI runs it sanitized.
//
// 200 sampled lineages (150 with a name and its www., 50 wildcard lineages {w<i>, *.w<i>}) get
// their own certificates from the store's private CA; the other 99,800 reuse eight of them
// (their names in the index are their own; nothing here checks a filler's certificate names).
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "certkeep/openssl.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/manager_impl.hpp"
#include "lifecycle/private_ca.hpp"
#include "lifecycle/serving_test_support.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

constexpr long kLineages = 100000;
constexpr long kSampled = 200;
constexpr long kWildcardFrom = 150;  // sampled lineages 150..199 are wildcard lineages
constexpr std::size_t kCacheBound = 1000;
constexpr const char* kCaName = "scale-ca";

std::vector<std::string> names_of(long i) {
  char name[48];
  if (i >= kWildcardFrom && i < kSampled) {
    std::snprintf(name, sizeof name, "w%06ld.scale.example", i);
    return {name, std::string("*.") + name};
  }
  std::snprintf(name, sizeof name, "s%06ld.scale.example", i);
  if (i < kSampled) return {name, std::string("www.") + name};
  return {name};
}

}  // namespace

TEST_CASE("scale: 100,000 lineages served by one serve-all Manager, within its bounds", "[.scale]") {
  testing::TempDir dir("scale");
  const auto state = dir.path() / "state";
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::map<std::string, std::string> serial_of;  // sampled lineage → its serial
  {
    auto store = store::Store::open(state / "certkeep.db").value();
    const auto root = lifecycle::init_private_ca(*store, {.name = kCaName}, false, now).value();
    const crypto::CaMaterial ca = crypto::load_private_ca(root.key_pem.view(), root.cert_pem).value();
    const auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
    std::vector<store::LineageRecord> sampled;
    for (long i = 0; i < kSampled; ++i) {
      const std::vector<std::string> names = names_of(i);
      store::LineageRecord record = testing::servable_lineage(ca, key, names[0], names, now);
      record.settings.ca_name = kCaName;
      serial_of[record.name] = record.serial;
      sampled.push_back(std::move(record));
    }
    REQUIRE(store->insert_lineages_bulk(sampled));
    std::vector<store::LineageRecord> batch;
    for (long first = kSampled; first < kLineages; first += 10000) {
      batch.clear();
      for (long i = first; i < std::min(kLineages, first + 10000); ++i) {
        store::LineageRecord record = sampled[static_cast<std::size_t>(i % 8)];
        record.identifiers = names_of(i);
        record.name = record.identifiers[0];
        batch.push_back(std::move(record));
      }
      REQUIRE(store->insert_lineages_bulk(batch));
    }
  }

  ManagerOptions options;
  options.state_dir = state;
  options.directory_url = "https://ca.invalid/directory";
  options.serve_all_lineages = true;
  options.verify_store = false;
  options.cache_max_certificates = kCacheBound;
  auto manager = Manager::open(options).value();
  const ServingStats opened = manager->serving_stats();
  CHECK(opened.indexed_lineages == static_cast<std::size_t>(kLineages));
  CHECK(opened.indexed_names == static_cast<std::size_t>(kLineages + kSampled));
  // A compact index: the names' own bytes plus a few dozen per name, far from a std::map's.
  CHECK(opened.index_bytes < static_cast<std::size_t>(kLineages + kSampled) * 64);
  CHECK(opened.cached == 0);

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(use_managed_certificates(ctx.get(), *manager));

  {  // sampled exact and wildcard names get their own lineage's certificate
    for (long i = 0; i < kSampled; i += 3) {
      const std::vector<std::string> names = names_of(i);
      const std::string expected = serial_of.at(names[0]);
      INFO(names[0]);
      if (i >= kWildcardFrom) {
        CHECK(testing::served_serial(ctx.get(), "host" + std::to_string(i) + "." + names[0]) == expected);
        CHECK(testing::served_serial(ctx.get(), "a.b." + names[0]).empty());  // one label only
      } else {
        CHECK(testing::served_serial(ctx.get(), names[1]) == expected);  // www.
      }
      CHECK(testing::served_serial(ctx.get(), names[0]) == expected);
    }
    CHECK(testing::served_serial(ctx.get(), "s999999.scale.example").empty());
  }

  {  // a cold name is loaded once; the cache keeps its bound while thousands of names pass
    const std::string cold = names_of(kLineages - 1)[0];
    const std::uint64_t loads = manager->serving_stats().loads;
    REQUIRE(manager->certificate(cold));
    CHECK(manager->certificate(cold)->lineage() == cold);
    CHECK(manager->serving_stats().loads == loads + 1);
    REQUIRE(manager->certificate(cold));
    CHECK(manager->serving_stats().loads == loads + 1);  // the second time from the cache

    std::mt19937_64 random(15);
    std::uniform_int_distribution<long> pick(kSampled, kLineages - 1);
    for (int n = 0; n < 3000; ++n) {
      const std::string name = names_of(pick(random))[0];
      auto served = manager->certificate(name);
      REQUIRE(served);
      REQUIRE(served->lineage() == name);
    }
    const ServingStats stats = manager->serving_stats();
    CHECK(stats.cached <= kCacheBound);
    CHECK(stats.cached > kCacheBound / 2);
    CHECK(stats.evictions > 1000);
    CHECK(stats.cache_bytes <= options.cache_max_bytes);
    CHECK(stats.failed_loads == 0);
  }

  {  // a lineage renewed through the App is served new after lineage_changed
    const std::string lineage = names_of(7)[0];
    const std::string before = serial_of.at(lineage);
    CHECK(testing::served_serial(ctx.get(), lineage) == before);  // now cached
    auto app = lifecycle::App::open(lifecycle::AppOptions{.state_dir = state}).value();
    auto renewed = app->renew(lifecycle::RenewSelection{.name = lineage, .force = true});
    REQUIRE(renewed);
    REQUIRE(renewed->renewed() == 1);
    const std::string after = app->show(lineage).value().lineage.serial;
    REQUIRE(after != before);
    CHECK(testing::served_serial(ctx.get(), lineage) == before);  // the cache has not heard yet
    REQUIRE(manager->lineage_changed(lineage));
    CHECK(testing::served_serial(ctx.get(), lineage) == after);
    CHECK(testing::served_serial(ctx.get(), names_of(7)[1]) == after);
  }
}
