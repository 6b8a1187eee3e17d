// SPDX-License-Identifier: Apache-2.0
// LeaseKeeper, the heartbeat of a renewal's lease, and the Lease that fences the renewal's
// writes (issue 15, "renewed once per fleet"). Tagged [fleet]: they run on SQLite here and
// again on a real PostgreSQL (ctest lifecycle.fleet_postgres).
#include <catch2/catch.hpp>

#include <thread>

#include "lifecycle/lease.hpp"
#include "lifecycle/lease_keeper.hpp"
#include "store/store_test_support.hpp"
#include "support/fake_clock.hpp"

namespace certkeep::lifecycle {
namespace {

using namespace store::testing;
using certkeep::testing::FakeClock;

LeaseKeeper::StoreOpener opener(const std::string& location) {
  return [location] { return store::Store::open(location); };
}

TEST_CASE("lease keeper: beats keep a renewal's lease past its TTL, once lost, its commit is fenced out",
          "[lifecycle][lease][fleet]") {
  TempDir dir;
  FakeClock clock(t0());
  auto renewer = open_store(dir.store());
  auto rival = open_store(dir.store());
  REQUIRE(renewer->upsert_lineage(pending_lineage("example.com")));
  LeaseKeeper keeper(opener(dir.store()), 60s, clock);

  Lease lease(*renewer, "example.com", "renewer-1", &keeper);
  REQUIRE(lease.acquire(clock.now(), 60s).value());
  // Two beats 50 s apart carry the lease past its first expiry: the rival cannot take it.
  for (int beat = 0; beat < 2; ++beat) {
    clock.advance(50s);
    REQUIRE(keeper.beat());
  }
  CHECK_FALSE(rival->acquire_lease("example.com", "renewer-2", clock.now(), 60s).value());
  CHECK(rival->lease_of("example.com").value()->expires_at == clock.now() + 60s);

  // The renewer stops beating (SIGSTOP) past its expiry; the rival takes over and commits.
  clock.advance(61s);
  auto taken = rival->acquire_lease("example.com", "renewer-2", clock.now(), 60s).value();
  REQUIRE(taken);
  CHECK(taken->token == 2);
  REQUIRE(rival->commit_issuance("example.com", issued("02", clock.now() + 24h), store::HistoryKind::Renewed));

  // Resumed, the next beat finds the lease lost and stops beating it...
  REQUIRE(keeper.beat());
  CHECK(keeper.lost() == 1);
  CHECK(rival->lease_of("example.com").value()->owner == "renewer-2");
  // ...and the renewal's commit is refused inside its transaction: the rival's stands.
  auto stale = renewer->commit_issuance("example.com", issued("01", clock.now() + 24h), store::HistoryKind::Renewed);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code() == Errc::FencedOut);
  CHECK(rival->find_lineage("example.com").value()->serial == "02");
}

TEST_CASE("lease keeper: its thread beats on its own while the renewal runs, and stops at release",
          "[lifecycle][lease][fleet]") {
  TempDir dir;
  auto renewer = open_store(dir.store());
  auto rival = open_store(dir.store());
  // Real time here: a 2 s TTL is beaten every 667 ms, so a beat may come 1.3 s late (a loaded
  // CI machine) before the lease lapses.
  LeaseKeeper keeper(opener(dir.store()), 2s, core::system_clock());
  const std::string owner = lease_owner_id();
  {
    Lease lease(*renewer, "example.com", owner, &keeper);
    REQUIRE(lease.acquire(core::system_clock().now(), 2s).value());
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
      // Past the first expiry the lease is still this renewal's.
      auto grant = rival->lease_of("example.com").value();
      REQUIRE(grant);
      CHECK(grant->owner == owner);
      CHECK(grant->expires_at > core::system_clock().now() - 1s);
      std::this_thread::sleep_for(100ms);
    }
    CHECK_FALSE(rival->acquire_lease("example.com", "renewer-2", core::system_clock().now(), 1s).value());
  }
  // Released by the Lease: free at once, and the keeper has nothing left to beat.
  CHECK(rival->lease_of("example.com").value()->owner.empty());
  CHECK(rival->acquire_lease("example.com", "renewer-2", core::system_clock().now(), 60s).value());
  CHECK(keeper.lost() == 0);
}

TEST_CASE("lease keeper: a store it cannot reach is an error of that beat, named, and the next beat retries",
          "[lifecycle][lease][fleet]") {
  FakeClock clock(t0());
  int opens = 0;
  LeaseKeeper keeper(
      [&opens]() -> Result<std::unique_ptr<store::Store>> {
        ++opens;
        return fail(Errc::Store, "connect to 127.0.0.1:1: refused");
      },
      60s, clock);
  CHECK(keeper.beat());  // nothing held: nothing to do, no connection
  CHECK(opens == 0);
  keeper.hold("example.com", store::LeaseGrant{"renewer-1", 1, t0() + 60s});
  auto beaten = keeper.beat();
  REQUIRE_FALSE(beaten);
  CHECK(beaten.error().code() == Errc::Store);
  CHECK_THAT(beaten.error().to_string(), Catch::Contains("lease heartbeat") && Catch::Contains("refused"));
  CHECK_FALSE(keeper.beat());
  CHECK(opens == 2);
  keeper.drop("example.com", "renewer-1");
}

}  // namespace
}  // namespace certkeep::lifecycle
