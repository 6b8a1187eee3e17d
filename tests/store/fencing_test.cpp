// SPDX-License-Identifier: Apache-2.0
// Fencing tokens and the heartbeat: a renewer that lost its lease can never write over the one
// that took over (issue 15, "renewed once per fleet"). Runs on both engines.
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

LineageRecord stored_lineage(Store& store, const std::string& name) {
  LineageRecord lineage = pending_lineage(name);
  REQUIRE(store.upsert_lineage(lineage));
  return lineage;
}

TEST_CASE("fencing: each new holder gets a larger token, the same holder keeps its own", "[store][lease][fence]") {
  TempDir dir;
  auto first = open_store(dir.store());
  auto second = open_store(dir.store());
  auto a = first->acquire_lease("example.com", "owner-a", t0(), 60s).value();
  REQUIRE(a);
  CHECK(a->token == 1);
  CHECK(first->acquire_lease("example.com", "owner-a", t0() + 10s, 60s).value()->token == 1);
  REQUIRE(first->release_lease("example.com", "owner-a"));
  // Released: the row keeps its token, so the next holder's is larger, never a reuse.
  auto released = first->lease_of("example.com").value();
  REQUIRE(released);
  CHECK(released->owner.empty());
  CHECK(released->token == 1);
  auto b = second->acquire_lease("example.com", "owner-b", t0() + 20s, 60s).value();
  REQUIRE(b);
  CHECK(b->token == 2);
  // Expired and taken over: larger again.
  auto c = first->acquire_lease("example.com", "owner-c", t0() + 200s, 60s).value();
  REQUIRE(c);
  CHECK(c->token == 3);
}

TEST_CASE("fencing: a renewer paused past its lease cannot commit over the one that took over",
          "[store][lease][fence]") {
  TempDir dir;
  auto paused = open_store(dir.store());
  auto successor = open_store(dir.store());
  stored_lineage(*paused, "example.com");
  REQUIRE(paused->acquire_lease("example.com", "renewer-1", t0(), 60s).value());

  // renewer-1 stops (SIGSTOP) past its expiry; renewer-2 takes over and commits.
  auto taken = successor->acquire_lease("example.com", "renewer-2", t0() + 61s, 60s).value();
  REQUIRE(taken);
  CHECK(taken->token == 2);
  REQUIRE(successor->commit_issuance("example.com", issued("02", t0() + 60 * 24h), HistoryKind::Renewed));

  // renewer-1 resumes: every write of its renewal is refused inside its transaction.
  auto stale = paused->commit_issuance("example.com", issued("01", t0() + 60 * 24h), HistoryKind::Renewed);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code() == Errc::FencedOut);
  CHECK_THAT(stale.error().message(), Catch::Contains("renewer-1") && Catch::Contains("renewer-2") &&
                                          Catch::Contains("token 2") && Catch::Contains("nothing was written"));
  CHECK(paused->record_failure("example.com", "x", "{}", t0() + 1h).error().code() == Errc::FencedOut);
  OrderRecord order{"example.com", "https://ca/order/1", "pending", core::Secret("key"), t0()};
  CHECK(paused->save_order(order).error().code() == Errc::FencedOut);
  CHECK(paused->record_renewal_info("example.com", "02", t0() + 1h, t0() + 2h).error().code() ==
        Errc::FencedOut);
  CHECK(paused->extend_lease("example.com", "renewer-1", 1, t0() + 62s, 60s).value() == false);

  // Nothing of renewer-1's changed the lineage: the successor's certificate stands.
  auto lineage = successor->find_lineage("example.com").value();
  REQUIRE(lineage);
  CHECK(lineage->serial == "02");
  CHECK(lineage->attempts == 0);
  CHECK_FALSE(successor->find_order("example.com").value());
  // And each refusal is on record.
  std::size_t fenced = 0, renewed = 0;
  const std::vector<EventRecord> history = successor->events("example.com").value();
  for (const EventRecord& event : history) {
    fenced += event.kind == HistoryKind::FencedOut;
    renewed += event.kind == HistoryKind::Renewed;
    if (event.kind == HistoryKind::FencedOut) CHECK_THAT(event.detail, Catch::Contains("renewer-1"));
  }
  CHECK(fenced == 4);
  CHECK(renewed == 1);
}

TEST_CASE("fencing: a lease that merely expired, taken by nobody, still lets its holder commit",
          "[store][lease][fence]") {
  TempDir dir;
  auto store = open_store(dir.store());
  stored_lineage(*store, "example.com");
  REQUIRE(store->acquire_lease("example.com", "renewer-1", t0(), 60s).value());
  CHECK(store->commit_issuance("example.com", issued("01", t0() + 60 * 24h), HistoryKind::Issued));
  // Released, a later write of this Store is no longer fenced (nor checked).
  REQUIRE(store->release_lease("example.com", "renewer-1"));
  auto other = open_store(dir.store());
  REQUIRE(other->acquire_lease("example.com", "renewer-2", t0() + 1s, 60s).value());
  CHECK(store->record_renewal_info("example.com", "01", t0() + 1h, t0() + 2h));
}

TEST_CASE("heartbeat: extending keeps the lease from a second renewer past its first expiry",
          "[store][lease][fence]") {
  TempDir dir;
  auto holder = open_store(dir.store());
  auto other = open_store(dir.store());
  auto grant = holder->acquire_lease("example.com", "renewer-1", t0(), 30s).value();
  REQUIRE(grant);
  // A long DNS-01 propagation wait: the heartbeat extends every 10 s.
  for (int beat = 1; beat <= 6; ++beat)
    REQUIRE(holder->extend_lease("example.com", "renewer-1", grant->token, t0() + beat * 10s, 30s).value());
  CHECK_FALSE(other->acquire_lease("example.com", "renewer-2", t0() + 65s, 30s).value());
  CHECK(holder->lease_of("example.com").value()->expires_at == t0() + 90s);
  // A wrong token or owner extends nothing.
  CHECK_FALSE(holder->extend_lease("example.com", "renewer-1", grant->token + 1, t0() + 70s, 30s).value());
  CHECK_FALSE(other->extend_lease("example.com", "renewer-2", grant->token, t0() + 70s, 30s).value());
  CHECK(other->acquire_lease("example.com", "renewer-2", t0() + 91s, 30s).value());
}

}  // namespace
}  // namespace certkeep::store
