// SPDX-License-Identifier: Apache-2.0
// CertificateCache: hits and loads, both bounds, least recently used out, one load shared by
// concurrent callers while other lineages proceed, errors not cached, and a refresh or erase
// during a load keeping the loaded (older) certificate out.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deploy/certificate_cache.hpp"

using namespace certkeep;
using deploy::CertificateCache;

namespace {

// A snapshot with facts only (the cache never touches the parsed objects).
std::shared_ptr<const CertifiedKey> snapshot(const std::string& lineage, const std::string& serial,
                                             std::size_t pem_bytes = 100) {
  CertifiedKey::Facts facts;
  facts.lineage = lineage;
  facts.names = {lineage};
  facts.serial = serial;
  facts.certificate_pem = std::string(pem_bytes, 'C');
  return std::make_shared<const CertifiedKey>(std::move(facts), nullptr);
}

// Counts loads; each returns a snapshot with serial "1".
struct CountingLoader {
  Result<std::shared_ptr<const CertifiedKey>> operator()(const std::string& lineage) {
    ++calls;
    return snapshot(lineage, "1");
  }
  int calls = 0;
};

// Lets a test hold a load until it says so.
struct Gate {
  void open() {
    {
      std::lock_guard lock(mutex);
      opened = true;
    }
    changed.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return opened; });
  }
  std::mutex mutex;
  std::condition_variable changed;
  bool opened = false;
};

template <class Predicate>
bool eventually(Predicate predicate) {
  for (int i = 0; i < 2000 && !predicate(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return predicate();
}

}  // namespace

TEST_CASE("certificate cache: a miss loads once, then hits", "[deploy][cache]") {
  CertificateCache cache({.max_certificates = 10, .max_bytes = 1 << 20});
  CountingLoader loader;
  auto load = [&](const std::string& lineage) { return loader(lineage); };
  auto first = cache.get("a", load);
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->lineage() == "a");
  CHECK(cache.get("a", load).value() == *first);
  CHECK(loader.calls == 1);
  CHECK(cache.peek("a") == *first);
  CHECK(cache.peek("b") == nullptr);
  const auto stats = cache.stats();
  CHECK(stats.hits == 1);
  CHECK(stats.loads == 1);
  CHECK(stats.cached == 1);
  CHECK(stats.bytes == CertificateCache::estimated_bytes(**first));
}

TEST_CASE("certificate cache: the count bound holds and the least recently used goes first", "[deploy][cache]") {
  CertificateCache cache({.max_certificates = 3, .max_bytes = 1 << 20});
  CountingLoader loader;
  auto load = [&](const std::string& lineage) { return loader(lineage); };
  for (int i = 0; i < 40; ++i) REQUIRE(cache.get("l" + std::to_string(i), load));
  CHECK(cache.stats().cached <= 3);
  CHECK(cache.stats().evictions >= 37);
  // Three shards of one: the most recent stays.
  CHECK(cache.peek("l39") != nullptr);

  CertificateCache one_shard({.max_certificates = 1, .max_bytes = 1 << 20});
  REQUIRE(one_shard.get("x", load));
  REQUIRE(one_shard.get("y", load));
  CHECK(one_shard.peek("x") == nullptr);
  CHECK(one_shard.peek("y") != nullptr);
}

TEST_CASE("certificate cache: the byte bound holds, a snapshot too big is served, not cached", "[deploy][cache]") {
  const std::size_t one = CertificateCache::estimated_bytes(*snapshot("z", "1", 1000));
  CertificateCache cache({.max_certificates = 1000, .max_bytes = 16 * 4 * one});  // 4 per shard
  auto load = [&](const std::string& lineage) -> Result<std::shared_ptr<const CertifiedKey>> {
    return snapshot(lineage, "1", 1000);
  };
  for (int i = 0; i < 500; ++i) REQUIRE(cache.get("l" + std::to_string(i), load));
  CHECK(cache.stats().bytes <= 16 * 4 * one);
  CHECK(cache.stats().cached <= 64);
  CHECK(cache.stats().cached > 16);

  auto huge = [&](const std::string& lineage) -> Result<std::shared_ptr<const CertifiedKey>> {
    return snapshot(lineage, "1", 100 * one);
  };
  auto served = cache.get("huge", huge);
  REQUIRE(served);
  CHECK(*served != nullptr);
  CHECK(cache.peek("huge") == nullptr);
}

TEST_CASE("certificate cache: errors and empty answers are not cached", "[deploy][cache]") {
  CertificateCache cache({});
  int calls = 0;
  auto failing = [&](const std::string&) -> Result<std::shared_ptr<const CertifiedKey>> {
    ++calls;
    return fail(Errc::Store, "database is locked");
  };
  CHECK(cache.get("a", failing).error().code() == Errc::Store);
  CHECK(cache.get("a", failing).error().code() == Errc::Store);
  CHECK(calls == 2);
  CHECK(cache.stats().failed_loads == 2);
  auto none = [&](const std::string&) -> Result<std::shared_ptr<const CertifiedKey>> {
    return std::shared_ptr<const CertifiedKey>();
  };
  CHECK(cache.get("b", none).value() == nullptr);
  CHECK(cache.stats().cached == 0);
}

TEST_CASE("certificate cache: concurrent callers of one lineage share one load, others go on",
          "[deploy][cache]") {
  CertificateCache cache({});
  Gate gate;
  std::atomic<int> slow_calls{0};
  auto slow = [&](const std::string& lineage) -> Result<std::shared_ptr<const CertifiedKey>> {
    ++slow_calls;
    gate.wait();
    return snapshot(lineage, "1");
  };
  std::vector<std::future<Result<std::shared_ptr<const CertifiedKey>>>> waiting;
  for (int i = 0; i < 4; ++i)
    waiting.push_back(std::async(std::launch::async, [&] { return cache.get("cold", slow); }));
  REQUIRE(eventually([&] { return cache.stats().shared_loads == 3; }));
  // Another lineage is served while "cold" is still loading.
  CountingLoader other;
  auto quick = cache.get("warm", [&](const std::string& lineage) { return other(lineage); });
  REQUIRE(quick);
  CHECK((*quick)->lineage() == "warm");
  gate.open();
  std::shared_ptr<const CertifiedKey> first;
  for (auto& result : waiting) {
    auto got = result.get();
    REQUIRE(got);
    if (!first) first = *got;
    CHECK(*got == first);  // the same snapshot for all four
  }
  CHECK(slow_calls.load() == 1);
  CHECK(cache.peek("cold") == first);
}

TEST_CASE("certificate cache: a refresh or erase during a load keeps the older load out", "[deploy][cache]") {
  CertificateCache cache({});
  for (bool erase : {false, true}) {
    Gate gate;
    auto old_row = [&](const std::string& lineage) -> Result<std::shared_ptr<const CertifiedKey>> {
      gate.wait();
      return snapshot(lineage, "OLD");
    };
    auto loading = std::async(std::launch::async, [&] { return cache.get("renewed", old_row); });
    REQUIRE(eventually([&] { return cache.stats().loads >= (erase ? 2u : 1u); }));
    if (erase)
      cache.erase("renewed");
    else
      CHECK_FALSE(cache.refresh(snapshot("renewed", "NEW")));  // not cached yet: nothing replaced
    gate.open();
    CHECK(loading.get().value()->serial() == "OLD");  // that handshake gets what it read
    CHECK(cache.peek("renewed") == nullptr);          // but it is not kept
  }
  // Once cached, a refresh replaces it.
  CountingLoader loader;
  REQUIRE(cache.get("renewed", [&](const std::string& lineage) { return loader(lineage); }));
  CHECK(cache.refresh(snapshot("renewed", "NEWER")));
  CHECK(cache.peek("renewed")->serial() == "NEWER");
  cache.erase("renewed");
  CHECK(cache.peek("renewed") == nullptr);
  CHECK(cache.lineages().empty());
}
