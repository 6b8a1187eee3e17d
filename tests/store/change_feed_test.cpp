// SPDX-License-Identifier: Apache-2.0
// The change feed (a row per write that changes what a terminator serves, read after a
// cursor) and the shared challenge answers. Runs on both engines; the PostgreSQL signal
// (LISTEN/NOTIFY) is in postgres_engine_test.cpp.
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

std::vector<std::pair<ChangeKind, std::string>> kinds_of(const ChangeBatch& batch) {
  std::vector<std::pair<ChangeKind, std::string>> kinds;
  for (const ChangeRecord& change : batch.changes) kinds.emplace_back(change.kind, change.subject);
  return kinds;
}

TEST_CASE("change feed: what a terminator serves is recorded in commit order, read after a cursor",
          "[store][changes]") {
  TempDir dir;
  auto writer = open_store(dir.store());
  auto follower = open_store(dir.store());
  CHECK(follower->latest_change().value() == 0);

  REQUIRE(writer->upsert_lineage(pending_lineage("a.example")));
  REQUIRE(writer->upsert_lineage(pending_lineage("b.example")));
  const std::int64_t cursor = follower->latest_change().value();
  CHECK(cursor > 0);

  REQUIRE(writer->commit_issuance("a.example", issued("0A", t0() + 60 * 24h), HistoryKind::Issued));
  // Bookkeeping that serves nothing new records no change.
  REQUIRE(writer->record_deployed("a.example", "0A"));
  REQUIRE(writer->record_failure("b.example", "x", "{}", t0() + 1h));
  REQUIRE(writer->remove_lineage("b.example"));

  ChangeBatch batch = follower->changes_since(cursor).value();
  CHECK_FALSE(batch.resync_needed);
  using enum ChangeKind;
  CHECK(kinds_of(batch) == std::vector<std::pair<ChangeKind, std::string>>{{Lineage, "a.example"},
                                                                             {LineageRemoved, "b.example"}});
  CHECK(batch.changes[0].id > cursor);
  CHECK(batch.changes[1].id > batch.changes[0].id);
  CHECK(follower->latest_change().value() == batch.changes[1].id);
  CHECK(follower->changes_since(batch.changes[1].id).value().changes.empty());
  // The limit bounds one read; the next read goes on from the last id returned.
  ChangeBatch first = follower->changes_since(0, 1).value();
  REQUIRE(first.changes.size() == 1);
  CHECK(follower->changes_since(first.changes[0].id).value().changes.size() == 3);
}

TEST_CASE("change feed: a failed write records no change", "[store][changes]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("a.example")));
  const std::int64_t cursor = store->latest_change().value();
  CHECK_FALSE(store->commit_issuance("missing.example", issued("01", t0()), HistoryKind::Issued));
  CHECK_FALSE(store->remove_lineage("missing.example"));
  CHECK(store->changes_since(cursor).value().changes.empty());
}

TEST_CASE("change feed: pruning keeps the newest change and tells a cursor behind it to read everything",
          "[store][changes]") {
  auto store = memory_store();
  for (const char* name : {"a.example", "b.example", "c.example"}) REQUIRE(store->upsert_lineage(pending_lineage(name)));
  const std::int64_t newest = store->latest_change().value();
  // Every change is older than "tomorrow": all but the newest go.
  CHECK(store->prune_changes(core::system_clock().now() + 24h).value() == 2);
  CHECK(store->latest_change().value() == newest);
  CHECK(store->changes_since(newest - 2).value().resync_needed);
  CHECK_FALSE(store->changes_since(newest - 1).value().resync_needed);
  CHECK_FALSE(store->changes_since(0).value().resync_needed);  // a reader starting afresh reads everything anyway
}

ChallengeRecord http01(const std::string& host, const std::string& token, core::SystemTime expires) {
  return ChallengeRecord{ChallengeKind::Http01, host, token, token + ".thumbprint", host, "boot:1:2:3", expires};
}

TEST_CASE("shared challenges: any connection finds an answer another presented, until removed or expired",
          "[store][challenges]") {
  TempDir dir;
  auto orderer = open_store(dir.store());
  auto responder = open_store(dir.store());
  const auto now = t0();
  const std::int64_t cursor = responder->latest_change().value();
  REQUIRE(orderer->save_challenge(http01("a.example", "tok1", now + 600s)));
  REQUIRE(orderer->save_challenge(http01("b.example", "tok2", now + 600s)));

  auto found = responder->find_challenge(ChallengeKind::Http01, "a.example", "tok1", now).value();
  REQUIRE(found);
  CHECK(found->response == "tok1.thumbprint");
  CHECK_FALSE(responder->find_challenge(ChallengeKind::Http01, "b.example", "tok1", now).value());
  CHECK_FALSE(responder->find_challenge(ChallengeKind::TlsAlpn01, "a.example", "tok1", now).value());
  CHECK_FALSE(responder->find_challenge(ChallengeKind::Http01, "a.example", "tok1", now + 600s).value());
  CHECK(responder->pending_challenges(ChallengeKind::Http01, now).value().size() == 2);
  CHECK(responder->changes_since(cursor).value().changes.size() == 2);

  REQUIRE(orderer->remove_challenge(ChallengeKind::Http01, "a.example", "tok1"));
  CHECK_FALSE(responder->find_challenge(ChallengeKind::Http01, "a.example", "tok1", now).value());
  CHECK(responder->changes_since(cursor).value().changes.back().kind == ChangeKind::Challenge);
  REQUIRE(orderer->remove_challenge(ChallengeKind::Http01, "a.example", "tok1"));  // gone already: fine
}

TEST_CASE("shared challenges: the sweep removes expired answers and those of a crashed owner", "[store][challenges]") {
  auto store = memory_store();
  const auto now = t0();
  REQUIRE(store->save_challenge(http01("expired.example", "t1", now - 1s)));
  ChallengeRecord crashed = http01("crashed.example", "t2", now + 600s);
  crashed.owner = "boot:999:1:1";
  REQUIRE(store->save_challenge(crashed));
  REQUIRE(store->save_challenge(http01("live.example", "t3", now + 600s)));
  auto gone = [](std::string_view owner) { return owner == "boot:999:1:1"; };
  auto swept = store->sweep_challenges(now, gone).value();
  REQUIRE(swept.size() == 2);
  auto left = store->pending_challenges(ChallengeKind::Http01, now).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].identifier == "live.example");
}

}  // namespace
}  // namespace certkeep::store
