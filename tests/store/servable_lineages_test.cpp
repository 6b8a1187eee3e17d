// SPDX-License-Identifier: Apache-2.0
// servable_lineages (schema v5): every write that changes whether or how a lineage is served
// keeps its narrow row, and a pass reads them all, page by page.
#include <algorithm>
#include <map>

#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

// name → the row a pass gives for it.
std::map<std::string, ServableLineageRecord> servable(Store& store, std::size_t page_rows = 10000) {
  std::map<std::string, ServableLineageRecord> rows;
  auto pass = store.for_each_servable_lineage(
      [&](const ServableLineageRecord& row) {
        const bool first = rows.emplace(row.name, row).second;
        CHECK(first);  // one visit per lineage
      },
      page_rows);
  INFO((pass ? std::string() : pass.error().to_string()));
  REQUIRE(pass);
  return rows;
}

TEST_CASE("servable lineages: each write keeps the narrow row of what is served", "[store][servable]") {
  auto store = memory_store();
  CHECK(servable(*store).empty());

  REQUIRE(store->upsert_lineage(pending_lineage("a.example.com")));
  CHECK(servable(*store).empty());  // no certificate yet

  REQUIRE(store->commit_issuance("a.example.com", issued("0A01", t0() + 24h), HistoryKind::Issued));
  auto rows = servable(*store);
  REQUIRE(rows.size() == 1);
  const ServableLineageRecord& a = rows.at("a.example.com");
  CHECK(a.identifiers == std::vector<std::string>{"a.example.com", "www.a.example.com"});
  CHECK(a.serial == "0A01");
  CHECK(a.not_after == t0() + 24h * 90);

  REQUIRE(store->commit_issuance("a.example.com", issued("0A02", t0() + 48h), HistoryKind::Renewed));
  CHECK(servable(*store).at("a.example.com").serial == "0A02");

  LineageRecord renamed = store->find_lineage("a.example.com").value().value();
  renamed.identifiers = {"a.example.com", "api.example.com"};
  REQUIRE(store->upsert_lineage(renamed));
  CHECK(servable(*store).at("a.example.com").identifiers ==
        std::vector<std::string>{"a.example.com", "api.example.com"});

  // A failure keeps a served certificate served.
  REQUIRE(store->record_failure("a.example.com", "boom", "{}", t0() + 1h));
  CHECK(servable(*store).size() == 1);

  REQUIRE(store->set_status("a.example.com", LineageStatus::Revoked));
  CHECK(servable(*store).empty());

  REQUIRE(store->insert_lineages_bulk({valid_lineage("b.example.com", t0() + 24h),
                                       pending_lineage("c.example.com")}));
  rows = servable(*store);
  REQUIRE(rows.size() == 1);
  CHECK(rows.count("b.example.com") == 1);

  REQUIRE(store->remove_lineage("b.example.com"));
  CHECK(servable(*store).empty());
}

TEST_CASE("servable lineages: a pass reads every row once, one page at a time", "[store][servable]") {
  auto store = memory_store();
  std::vector<LineageRecord> lineages;
  for (int i = 0; i < 25; ++i) lineages.push_back(valid_lineage("l" + std::to_string(i) + ".example.com", t0()));
  LineageRecord revoked = valid_lineage("revoked.example.com", t0());
  revoked.status = LineageStatus::Revoked;
  lineages.push_back(revoked);
  REQUIRE(store->insert_lineages_bulk(lineages));
  for (std::size_t page : {1u, 7u, 25u, 26u, 1000u}) {
    INFO("page of " << page);
    const auto rows = servable(*store, page);
    CHECK(rows.size() == 25);
    CHECK(rows.count("revoked.example.com") == 0);
  }
  // A lineage removed and another added between two passes: the next pass says so.
  REQUIRE(store->remove_lineage("l3.example.com"));
  REQUIRE(store->insert_lineages_bulk({valid_lineage("late.example.com", t0())}));
  const auto rows = servable(*store, 4);
  CHECK(rows.size() == 25);
  CHECK(rows.count("l3.example.com") == 0);
  CHECK(rows.count("late.example.com") == 1);
}

}  // namespace
}  // namespace certkeep::store
