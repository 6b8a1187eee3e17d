// SPDX-License-Identifier: Apache-2.0
// A Manager with serve_all_lineages over a real store (SQLite in a temporary directory) and
// real certificates from a private CA: every servable lineage is served without manage(),
// exact before wildcard, loaded once per cold name, bounded, corrected when the store changed,
// failing cleanly (and logging once) when the store cannot be read.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "certkeep/openssl.hpp"
#include "lifecycle/manager_impl.hpp"
#include "lifecycle/serving_test_support.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

// Counts the lines written to stderr (where the log goes) while alive.
class StderrCapture {
 public:
  explicit StderrCapture(const std::filesystem::path& file) : file_(file) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    std::ifstream in(file_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path file_;
  int saved_ = -1;
};

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

struct ServeAllFixture {
  ServeAllFixture()
      : dir("serve-all"),
        clock(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())),
        ca(crypto::create_private_ca("serve-all test root", 24h * 365).value()),
        key(crypto::PrivateKey::generate(KeyType::EcdsaP256).value()) {
    auto store = open_store();
    std::vector<store::LineageRecord> rows = {
        row("shop", {"shop.example.com", "www.shop.example.com"}),
        row("wild", {"w.example.com", "*.w.example.com"}),
        row("api", {"api.w.example.com"}),  // exact beats the wildcard above
    };
    store::LineageRecord revoked = row("revoked", {"revoked.example.com"});
    revoked.status = store::LineageStatus::Revoked;
    rows.push_back(revoked);
    store::LineageRecord pending = row("pending", {"pending.example.com"});
    pending.cert_pem.clear();
    pending.key_pem = core::Secret();
    pending.chain_pem.clear();
    pending.serial.clear();
    pending.status = store::LineageStatus::Pending;
    rows.push_back(pending);
    REQUIRE(store->insert_lineages_bulk(rows));
  }

  std::unique_ptr<store::Store> open_store() const {
    return store::Store::open(dir.path() / "state" / "certkeep.db").value();
  }
  store::LineageRecord row(const std::string& lineage, const std::vector<std::string>& names) const {
    return testing::servable_lineage(ca, key, lineage, names, clock.now());
  }
  // A renewal committed by someone else (another process, another node).
  std::string renew_in_store(const std::string& lineage, const std::vector<std::string>& names) const {
    const store::LineageRecord fresh = row(lineage, names);
    store::IssuedCertificate issued{.key_pem = core::Secret(std::string(fresh.key_pem.view())),
                                    .cert_pem = fresh.cert_pem,
                                    .chain_pem = fresh.chain_pem,
                                    .serial = fresh.serial,
                                    .issuer = fresh.issuer,
                                    .not_before = *fresh.not_before,
                                    .not_after = *fresh.not_after,
                                    .renew_at = *fresh.renew_at};
    auto store = open_store();
    REQUIRE(store->commit_issuance(lineage, issued, store::HistoryKind::Renewed));
    return fresh.serial;
  }

  std::unique_ptr<Manager> open(std::size_t cache = 100, std::function<void(ManagerOptions&)> tweak = {}) {
    ManagerOptions options;
    options.state_dir = dir.path() / "state";
    options.directory_url = "https://ca.invalid/directory";
    options.serve_all_lineages = true;
    options.cache_max_certificates = cache;
    if (tweak) tweak(options);
    ManagerSeams seams;
    seams.clock = &clock;
    const auto db = dir.path() / "state" / "certkeep.db";
    auto real = std::make_unique<lifecycle::StoreLineageReader>([db] { return store::Store::open(db); }, 2);
    auto controlled = std::make_unique<testing::ControlledReader>(std::move(real));
    reader = controlled.get();
    seams.reader = std::move(controlled);
    auto opened = open_manager(std::move(options), std::move(seams));
    REQUIRE(opened);
    return std::move(*opened);
  }

  std::string stored_serial(const std::string& lineage) const {
    return open_store()->find_lineage(lineage).value()->serial;
  }

  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::CaMaterial ca;
  crypto::PrivateKey key;
  testing::ControlledReader* reader = nullptr;
};

}  // namespace

TEST_CASE("serve-all: every servable lineage is served without manage(), exact before wildcard",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open();
  CHECK(manager->lineages().empty());
  const ServingStats before = manager->serving_stats();
  CHECK(before.indexed_lineages == 3);  // not the revoked one, not the one without a certificate
  CHECK(before.indexed_names == 5);
  CHECK(before.cached == 0);

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(use_managed_certificates(ctx.get(), *manager));
  CHECK(testing::served_serial(ctx.get(), "www.shop.example.com") == f.stored_serial("shop"));
  CHECK(testing::served_serial(ctx.get(), "SHOP.example.com.") == f.stored_serial("shop"));
  CHECK(testing::served_serial(ctx.get(), "anything.w.example.com") == f.stored_serial("wild"));
  CHECK(testing::served_serial(ctx.get(), "api.w.example.com") == f.stored_serial("api"));
  CHECK(testing::served_serial(ctx.get(), "a.b.w.example.com").empty());  // one label only
  CHECK(testing::served_serial(ctx.get(), "revoked.example.com").empty());
  CHECK(testing::served_serial(ctx.get(), "pending.example.com").empty());
  CHECK(testing::served_serial(ctx.get(), "nobody.example.com").empty());
  CHECK(manager->certificate("") == nullptr);  // no managed lineage, no default

  const ServingStats after = manager->serving_stats();
  CHECK(after.loads == 3);  // shop, wild and api, each read once
  CHECK(after.cached == 3);
  CHECK(after.cache_hits >= 1);
  CHECK(f.reader->reads.load() == 3);
}

TEST_CASE("serve-all: concurrent handshakes for one cold name wait for one read, other names go on",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open();
  REQUIRE(manager->certificate("shop.example.com"));  // warm
  f.reader->hold();
  std::vector<std::future<std::shared_ptr<const CertifiedKey>>> cold;
  for (int i = 0; i < 6; ++i)
    cold.push_back(std::async(std::launch::async, [&] { return manager->certificate("x.w.example.com"); }));
  REQUIRE(f.reader->wait_for_waiting(1));
  // The warm name is answered while the cold one's read is held.
  auto warm = std::async(std::launch::async, [&] { return manager->certificate("www.shop.example.com"); });
  REQUIRE(warm.wait_for(10s) == std::future_status::ready);
  CHECK(warm.get()->lineage() == "shop");
  f.reader->release();
  for (auto& result : cold) {
    auto snapshot = result.get();
    REQUIRE(snapshot);
    CHECK(snapshot->lineage() == "wild");
  }
  CHECK(f.reader->reads.load() == 2);  // shop once, wild once for six handshakes
}

TEST_CASE("serve-all: a store error fails that handshake, is logged once, and the next read recovers",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open();
  REQUIRE(manager->certificate("shop.example.com"));
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(use_managed_certificates(ctx.get(), *manager));
  f.reader->failing = true;
  std::string log;
  {
    StderrCapture capture(f.dir.path() / "stderr.txt");
    for (int i = 0; i < 5; ++i) CHECK(testing::served_serial(ctx.get(), "w.example.com").empty());
    CHECK(manager->certificate("api.w.example.com") == nullptr);
    // What is cached keeps being served.
    CHECK(testing::served_serial(ctx.get(), "shop.example.com") == f.stored_serial("shop"));
    log = capture.text();
  }
  CHECK(count_of(log, "cannot read it from the store") == 1);
  CHECK(manager->serving_stats().failed_loads == 6);
  f.reader->failing = false;
  CHECK(testing::served_serial(ctx.get(), "w.example.com") == f.stored_serial("wild"));
}

TEST_CASE("serve-all: lineage_changed serves a renewal, a new lineage and new names, lineage_removed forgets",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open();
  const std::string old_serial = manager->certificate("shop.example.com")->serial();
  const std::string new_serial = f.renew_in_store("shop", {"shop.example.com", "www.shop.example.com"});
  CHECK(manager->certificate("shop.example.com")->serial() == old_serial);  // cached until told
  REQUIRE(manager->lineage_changed("shop"));
  CHECK(manager->certificate("shop.example.com")->serial() == new_serial);

  // A new lineage in the store.
  REQUIRE(f.open_store()->insert_lineages_bulk({f.row("blog", {"blog.example.com"})}));
  CHECK(manager->certificate("blog.example.com") == nullptr);  // the index does not know it yet
  REQUIRE(manager->lineage_changed("blog"));
  REQUIRE(manager->certificate("blog.example.com"));
  CHECK(manager->certificate("blog.example.com")->lineage() == "blog");

  // Removed.
  REQUIRE(f.open_store()->remove_lineage("blog"));
  manager->lineage_removed("blog");
  CHECK(manager->certificate("blog.example.com") == nullptr);
  // lineage_changed on a lineage the store no longer has removes it too.
  REQUIRE(f.open_store()->remove_lineage("api"));
  REQUIRE(manager->lineage_changed("api"));
  CHECK(manager->certificate("api.w.example.com")->lineage() == "wild");  // the wildcard now
  // Removed without a word: the load that finds it gone falls back to the wildcard at once.
  REQUIRE(f.open_store()->insert_lineages_bulk({f.row("api2", {"api2.w.example.com"})}));
  REQUIRE(manager->lineage_changed("api2"));
  REQUIRE(f.open_store()->remove_lineage("api2"));
  CHECK(manager->certificate("api2.w.example.com")->lineage() == "wild");
}

TEST_CASE("serve-all: a cold load corrects an index that missed a change of names",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open();
  // "shop" drops www. in the store, and "www.shop.example.com" moves to a new lineage; nobody
  // calls lineage_changed.
  {
    auto store = f.open_store();
    store::LineageRecord shop = store->find_lineage("shop").value().value();
    shop.identifiers = {"shop.example.com"};
    REQUIRE(store->upsert_lineage(shop));
    REQUIRE(store->insert_lineages_bulk({f.row("www", {"www.shop.example.com"})}));
  }
  // The index still says shop: the load sees shop no longer claims the name and drops it.
  CHECK(manager->certificate("www.shop.example.com") == nullptr);
  CHECK(manager->certificate("shop.example.com")->lineage() == "shop");
  // The periodic resynchronization (every check_interval) learns of the new lineage.
  f.clock.advance(std::chrono::hours(2));
  manager->impl().run_pass();
  REQUIRE(manager->certificate("www.shop.example.com"));
  CHECK(manager->certificate("www.shop.example.com")->lineage() == "www");
}

TEST_CASE("serve-all: the cache holds its bound while names keep coming", "[lifecycle][serve-all]") {
  ServeAllFixture f;
  {
    auto store = f.open_store();
    std::vector<store::LineageRecord> rows;
    for (int i = 0; i < 40; ++i)
      rows.push_back(f.row("bulk" + std::to_string(i), {"bulk" + std::to_string(i) + ".example.com"}));
    REQUIRE(store->insert_lineages_bulk(rows));
  }
  auto manager = f.open(8);
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 40; ++i)
      REQUIRE(manager->certificate("bulk" + std::to_string(i) + ".example.com"));
  const ServingStats stats = manager->serving_stats();
  CHECK(stats.cached <= 8);
  CHECK(stats.loads + stats.cache_hits == 80);
  CHECK(stats.loads >= 72);  // at most one name per shard of one can survive a round
  CHECK(stats.evictions == stats.loads - stats.cached);
  CHECK(stats.indexed_lineages == 43);
}

TEST_CASE("serve-all: managed lineages come first and their renewals reach serving",
          "[lifecycle][serve-all]") {
  ServeAllFixture f;
  auto manager = f.open(100, [](ManagerOptions& options) { options.private_ca = "test-ca"; });
  // manage() adopts the stored certificate (its names and settings are the Manager's).
  REQUIRE(manager->manage({"shop.example.com", "www.shop.example.com"}, "shop"));
  CHECK(manager->serving_stats().managed == 1);
  CHECK(manager->certificate("shop.example.com")->serial() == f.stored_serial("shop"));
  CHECK(manager->certificate("") == manager->certificate("shop.example.com"));  // the default again
  CHECK(f.reader->reads.load() == 0);  // served from the managed table, not the cache
  const std::string before = f.stored_serial("shop");
  REQUIRE(manager->renew_now("shop"));
  CHECK(f.stored_serial("shop") != before);
  CHECK(manager->certificate("www.shop.example.com")->serial() == f.stored_serial("shop"));
}
