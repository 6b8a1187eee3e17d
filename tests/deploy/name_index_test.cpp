// SPDX-License-Identifier: Apache-2.0
// NameIndex: exact and one-label wildcard look-ups in the built base, changes on top of it,
// merges, resynchronization, its memory per name, and look-ups racing changes.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "deploy/name_index.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using deploy::NameIndex;

namespace {

const NameIndex::TimePoint kNow = std::chrono::system_clock::now();

void add(NameIndex::Builder& builder, std::string_view lineage, std::vector<std::string_view> names,
         NameIndex::TimePoint not_after = kNow + 24h) {
  builder.add(lineage, names, not_after);
}

void update(NameIndex& index, std::string_view lineage, std::vector<std::string_view> names,
            NameIndex::TimePoint not_after = kNow + 24h) {
  index.update(lineage, names, not_after);
}

}  // namespace

TEST_CASE("name index: exact names, then a one-label wildcard, exact preferred", "[deploy][index]") {
  NameIndex::Builder builder;
  add(builder, "shop", {"Shop.Example.com", "www.shop.example.com."});
  add(builder, "wild", {"*.example.com", "example.com"});
  add(builder, "api", {"api.example.com"});
  NameIndex index(builder.finish());

  CHECK(index.lookup("shop.example.com") == "shop");
  CHECK(index.lookup("WWW.SHOP.example.com.") == "shop");
  CHECK(index.lookup("api.example.com") == "api");  // exact beats the wildcard
  CHECK(index.lookup("other.example.com") == "wild");
  CHECK(index.lookup("example.com") == "wild");
  CHECK(index.lookup("a.b.example.com").empty());  // one label only
  CHECK(index.lookup("x.shop.example.com").empty());
  CHECK(index.lookup("example.org").empty());
  CHECK(index.lookup("").empty());
  CHECK(index.lookup(std::string(300, 'a')).empty());
  const NameIndex::Stats stats = index.stats();
  CHECK(stats.lineages == 3);
  CHECK(stats.names == 5);
  CHECK(stats.delta_lineages == 0);
}

TEST_CASE("name index: when lineages share a name the later expiry wins", "[deploy][index]") {
  NameIndex::Builder builder;
  add(builder, "old", {"dup.example.com"}, kNow + 24h);
  add(builder, "new", {"dup.example.com"}, kNow + 48h);
  NameIndex index(builder.finish());
  CHECK(index.lookup("dup.example.com") == "new");
  index.remove("new");
  CHECK(index.lookup("dup.example.com") == "old");
  update(index, "newest", {"dup.example.com"}, kNow + 72h);
  CHECK(index.lookup("dup.example.com") == "newest");
}

TEST_CASE("name index: a change replaces the lineage's names, new and removed lineages", "[deploy][index]") {
  NameIndex::Builder builder;
  add(builder, "site", {"a.example.com", "b.example.com"});
  add(builder, "keep", {"keep.example.com"});
  NameIndex index(builder.finish());

  update(index, "site", {"b.example.com", "c.example.com"});
  CHECK(index.lookup("a.example.com").empty());
  CHECK(index.lookup("b.example.com") == "site");
  CHECK(index.lookup("c.example.com") == "site");
  update(index, "fresh", {"*.fresh.example.com"});
  CHECK(index.lookup("x.fresh.example.com") == "fresh");
  update(index, "fresh", {"fresh.example.com"});  // changed again: the delta's old names go
  CHECK(index.lookup("x.fresh.example.com").empty());
  CHECK(index.lookup("fresh.example.com") == "fresh");
  index.remove("site");
  CHECK(index.lookup("b.example.com").empty());
  CHECK(index.lookup("keep.example.com") == "keep");
  CHECK(index.stats().delta_lineages == 2);
  CHECK(index.change_count() == 4);
}

TEST_CASE("name index: a large delta is merged into a new base and every answer stays", "[deploy][index]") {
  NameIndex::Builder builder;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "base" + std::to_string(i) + ".example.com";
    add(builder, name, {name});
  }
  NameIndex index(builder.finish());
  for (int i = 0; i < 5000; ++i) {  // past the 4,096 lineages a delta may hold
    const std::string name = "new" + std::to_string(i) + ".example.com";
    update(index, name, {name, "www." + name});
  }
  index.remove("base7.example.com");
  update(index, "base8.example.com", {"moved8.example.com"});
  const NameIndex::Stats stats = index.stats();
  CHECK(stats.merges == 1);
  CHECK(stats.lineages == 1000 + 4097);
  CHECK(stats.delta_lineages == 5000 - 4097 + 2);
  for (int i = 0; i < 5000; i += 7) {
    const std::string name = "new" + std::to_string(i) + ".example.com";
    CHECK(index.lookup("www." + name) == name);
  }
  CHECK(index.lookup("base6.example.com") == "base6.example.com");
  CHECK(index.lookup("base7.example.com").empty());
  CHECK(index.lookup("base8.example.com").empty());
  CHECK(index.lookup("moved8.example.com") == "base8.example.com");
}

TEST_CASE("name index: a resync corrects what differs and keeps the changes made during its pass",
          "[deploy][index]") {
  NameIndex::Builder builder;
  add(builder, "same", {"same.example.com", "www.same.example.com"});
  add(builder, "renamed", {"old.example.com"});
  add(builder, "gone", {"gone.example.com"});
  add(builder, "touched", {"touched.example.com"});
  NameIndex index(builder.finish());
  update(index, "before", {"before.example.com"});  // a change the pass will see as it is

  NameIndex::Resync resync(index);
  update(index, "touched", {"touched.example.com", "new.touched.example.com"});  // during the pass
  resync.row("same", std::vector<std::string_view>{"www.same.example.com", "same.example.com"}, kNow + 24h);
  resync.row("renamed", std::vector<std::string_view>{"new.example.com"}, kNow + 24h);
  resync.row("before", std::vector<std::string_view>{"before.example.com"}, kNow + 24h);
  resync.row("touched", std::vector<std::string_view>{"touched.example.com"}, kNow + 24h);  // older
  resync.row("added", std::vector<std::string_view>{"added.example.com"}, kNow + 24h);
  CHECK(resync.finish() == 3);  // renamed, added, gone

  CHECK(index.lookup("same.example.com") == "same");
  CHECK(index.lookup("new.example.com") == "renamed");
  CHECK(index.lookup("old.example.com").empty());
  CHECK(index.lookup("added.example.com") == "added");
  CHECK(index.lookup("gone.example.com").empty());
  CHECK(index.lookup("before.example.com") == "before");
  CHECK(index.lookup("new.touched.example.com") == "touched");  // the newer change stayed
  CHECK(index.stats().delta_lineages == 5);  // before, touched, renamed, added, gone
}

TEST_CASE("name index: 100,000 names cost their bytes plus ~20, and a lineage named like its name shares them",
          "[deploy][index]") {
  NameIndex::Builder builder;
  std::size_t text = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::string name = "customer" + std::to_string(i) + ".hosting.example.net";
    text += name.size();
    add(builder, name, {name});
  }
  NameIndex index(builder.finish());
  const NameIndex::Stats stats = index.stats();
  CHECK(stats.names == 100000);
  INFO("bytes per name: " << static_cast<double>(stats.bytes) / 100000);
  CHECK(stats.bytes < text + 100000 * 30);
  CHECK(index.lookup("customer99999.hosting.example.net") == "customer99999.hosting.example.net");
}

TEST_CASE("name index: look-ups on four threads while another thread changes and merges", "[deploy][index]") {
  NameIndex::Builder builder;
  for (int i = 0; i < 2000; ++i) {
    const std::string name = "s" + std::to_string(i) + ".example.com";
    add(builder, name, {name});
  }
  NameIndex index(builder.finish());
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int round = 0; !done.load(); ++round) {
        const int i = (round * 4 + t) % 2000;
        const std::string name = "s" + std::to_string(i) + ".example.com";
        if (index.lookup(name) != name) ++wrong;  // base names never change in this test
      }
    });
  }
  for (int i = 0; i < 6000; ++i) {
    const std::string name = "d" + std::to_string(i) + ".example.com";
    update(index, name, {name});
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  CHECK(wrong.load() == 0);
  CHECK(index.stats().merges >= 1);
  CHECK(index.lookup("d5999.example.com") == "d5999.example.com");
}
