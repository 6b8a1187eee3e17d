// SPDX-License-Identifier: Apache-2.0
#include "store/lineage_rows.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

std::vector<std::string> sorted_names_of(const std::vector<LineageRecord>& lineages) {
  std::vector<std::string> names = names_of(lineages);
  std::sort(names.begin(), names.end());
  return names;
}

// The query plan's detail lines, e.g. "SEARCH certificates USING INDEX certificates_by_due_at (due_at<?)".
std::vector<std::string> query_plan(const std::filesystem::path& db, const std::string& sql) {
  auto raw = raw_connection(db.string());
  auto plan = raw->prepare("EXPLAIN QUERY PLAN " + sql).value();
  if (sql.find("?1") != std::string::npos)
    plan->bind_int64(1, static_cast<std::int64_t>(core::to_unix(t0())));
  std::vector<std::string> details;
  while (plan->step().value()) details.push_back(plan->text(3));
  return details;
}

bool uses_index(const std::vector<std::string>& plan, const std::string& index) {
  bool found = false;
  for (const std::string& line : plan) {
    if (line.find("USING INDEX " + index) != std::string::npos ||
        line.find("USING COVERING INDEX " + index) != std::string::npos)
      found = true;
    // A full scan of the table would make the check grow with the whole store.
    if (line == "SCAN certificates") return false;
  }
  return found;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + " | ";
  return text;
}

void add(Store& store, LineageRecord lineage) { REQUIRE(store.insert_lineages_bulk({std::move(lineage)})); }

TEST_CASE(
    "due_lineages returns what is due now: planned renewals and ended backoffs, never revoked or imported",
    "[store][due]") {
  auto store = memory_store();
  add(*store, valid_lineage("due.example.com", t0() - 1h));
  add(*store, valid_lineage("due-exactly-now.example.com", t0()));
  add(*store, valid_lineage("later.example.com", t0() + 1h));
  LineageRecord backing_off = valid_lineage("backoff.example.com", t0() - 24h);
  backing_off.next_attempt_at = t0() + 1h;  // failed recently: wait even though renew_at passed
  add(*store, backing_off);
  LineageRecord retry = pending_lineage("retry.example.com");
  retry.status = LineageStatus::Failed;
  retry.next_attempt_at = t0() - 1min;
  add(*store, retry);
  LineageRecord revoked = valid_lineage("revoked.example.com", t0() - 24h);
  revoked.status = LineageStatus::Revoked;
  add(*store, revoked);
  LineageRecord imported = valid_lineage("imported.example.com", t0() - 24h);
  imported.status = LineageStatus::Imported;
  add(*store, imported);
  LineageRecord expired = valid_lineage("expired.example.com", t0() - 24h);  // past renew_at and not_after
  add(*store, expired);

  CHECK(sorted_names_of(store->due_lineages(t0()).value()) ==
        std::vector<std::string>{"due-exactly-now.example.com", "due.example.com", "expired.example.com",
                                 "retry.example.com"});
  CHECK(sorted_names_of(store->due_lineages(t0() + 2h).value()).size() == 6);  // + later, backoff
  CHECK(store->next_due_time().value() == t0() - 24h);                  // the expired one

  // Writes keep the due time current: a commit clears the backoff, a failure sets one.
  REQUIRE(store->commit_issuance("backoff.example.com", issued("05", t0() + 30 * 24h), HistoryKind::Renewed));
  REQUIRE(store->record_failure("due.example.com", "timeout", "", t0() + 3h));
  REQUIRE(store->set_status("expired.example.com", LineageStatus::Revoked));
  CHECK(sorted_names_of(store->due_lineages(t0()).value()) ==
        std::vector<std::string>{"due-exactly-now.example.com", "retry.example.com"});
  CHECK(store->next_due_time().value() == t0() - 1min);
}

TEST_CASE("a lineage registered but never attempted is due (a crash between register and order)",
          "[store][due]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.created_at = t0() - 1min;
  REQUIRE(store->upsert_lineage(lineage));
  CHECK(sorted_names_of(store->due_lineages(t0()).value()) == std::vector<std::string>{"example.com"});
  CHECK(store->due_lineages(t0() - 2min).value().empty());
}

TEST_CASE("next_due_time is empty when nothing is renewable", "[store][due]") {
  auto store = memory_store();
  CHECK_FALSE(store->next_due_time().value().has_value());
  LineageRecord revoked = valid_lineage("revoked.example.com", t0());
  revoked.status = LineageStatus::Revoked;
  add(*store, revoked);
  CHECK_FALSE(store->next_due_time().value().has_value());
}

TEST_CASE("due and deploy checks use their indexes, not a table scan (EXPLAIN QUERY PLAN)",
          "[store][due][index][sqlite]") {
  TempDir dir;
  auto store = open_store(dir.db());
  add(*store, valid_lineage("a.example.com", t0() + 24h));
  auto due_plan = query_plan(dir.db(), due_lineages_sql());
  INFO(joined(due_plan));
  CHECK(uses_index(due_plan, "certificates_by_due_at"));
  auto deploy_plan = query_plan(dir.db(), deploy_pending_sql());
  INFO(joined(deploy_plan));
  CHECK(uses_index(deploy_plan, "certificates_deploy_owed"));
  auto min_plan = query_plan(dir.db(), "SELECT MIN(due_at) FROM certificates");
  INFO(joined(min_plan));
  CHECK(uses_index(min_plan, "certificates_by_due_at"));
}

// The same at 100,000 rows, timed: bench/store_bulk_bench.
TEST_CASE("1,000 lineages in one bulk insert, then the everyday check finds none due", "[store][due][bulk]") {
  TempDir dir;
  constexpr int kCount = 1'000;
  std::vector<LineageRecord> lineages;
  lineages.reserve(kCount);
  const LineageRecord model = valid_lineage("model.example.com", t0());
  for (int i = 0; i < kCount; ++i) {
    LineageRecord lineage = model;
    lineage.name = "host" + std::to_string(i) + ".example.com";
    lineage.identifiers = {lineage.name};
    lineage.renew_at = t0() + 24h * 30 + std::chrono::seconds(i);
    lineages.push_back(std::move(lineage));
  }
  {
    auto store = open_store(dir.store());
    REQUIRE(store->insert_lineages_bulk(lineages));
  }
  auto store = open_store(dir.store(), StoreOptions{.verify_integrity = true});
  auto due = store->due_lineages(t0());
  REQUIRE(due);
  CHECK(due->empty());
  auto owed = store->deploy_pending_lineages();
  REQUIRE(owed);
  CHECK(owed->empty());
  CHECK(store->next_due_time().value() == t0() + 24h * 30);
  CHECK(store->list_lineages().value().size() == kCount);
  CHECK(store->due_lineages(t0() + 24h * 30 + 9s).value().size() == 10);
}

TEST_CASE("a bulk insert with one bad row inserts nothing", "[store][bulk]") {
  auto store = memory_store();
  std::vector<LineageRecord> batch{valid_lineage("a.example.com", t0()), valid_lineage("b.example.com", t0()),
                                   valid_lineage("a.example.com", t0())};  // duplicate name
  auto inserted = store->insert_lineages_bulk(batch);
  REQUIRE_FALSE(inserted);
  CHECK(inserted.error().code() == Errc::Store);
  CHECK(store->list_lineages().value().empty());
}

}  // namespace
}  // namespace certkeep::store
