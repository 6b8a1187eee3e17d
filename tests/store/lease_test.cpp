// SPDX-License-Identifier: Apache-2.0
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("leases: a second process is refused while the lease is valid and served after it expires",
          "[store][lease]") {
  TempDir dir;
  auto first = open_store(dir.store());
  auto second = open_store(dir.store());  // another connection, as another process would have

  CHECK(first->try_acquire_lease("example.com", "owner-a", t0(), 60s).value());
  CHECK_FALSE(second->try_acquire_lease("example.com", "owner-b", t0() + 30s, 60s).value());
  CHECK_FALSE(second->try_acquire_lease("example.com", "owner-b", t0() + 59s, 60s).value());
  // The holder may renew its own lease, which pushes the expiry out.
  CHECK(first->try_acquire_lease("example.com", "owner-a", t0() + 50s, 60s).value());
  CHECK_FALSE(second->try_acquire_lease("example.com", "owner-b", t0() + 100s, 60s).value());
  // Other names are independent.
  CHECK(second->try_acquire_lease("other.example.com", "owner-b", t0(), 60s).value());
  // Expired (the holder crashed): taken over.
  CHECK(second->try_acquire_lease("example.com", "owner-b", t0() + 110s, 60s).value());
  CHECK_FALSE(first->try_acquire_lease("example.com", "owner-a", t0() + 111s, 60s).value());
}

TEST_CASE("leases: release frees the lease, but only the holder can release it", "[store][lease]") {
  TempDir dir;
  auto first = open_store(dir.store());
  auto second = open_store(dir.store());
  REQUIRE(first->try_acquire_lease("example.com", "owner-a", t0(), 3600s).value());
  REQUIRE(second->release_lease("example.com", "owner-b"));  // not its lease: no effect
  CHECK_FALSE(second->try_acquire_lease("example.com", "owner-b", t0() + 1s, 60s).value());
  REQUIRE(first->release_lease("example.com", "owner-a"));
  CHECK(second->try_acquire_lease("example.com", "owner-b", t0() + 2s, 60s).value());
  CHECK(first->release_lease("never-held", "owner-a"));
}

TEST_CASE("leases: an owner and a positive ttl are required", "[store][lease]") {
  auto store = memory_store();
  CHECK(store->try_acquire_lease("example.com", "", t0(), 60s).error().code() == Errc::InvalidArgument);
  CHECK(store->try_acquire_lease("example.com", "me", t0(), 0s).error().code() == Errc::InvalidArgument);
}

TEST_CASE("a lease whose holder is gone is taken over before it expires", "[store][lease]") {
  TempDir dir;
  auto first = open_store(dir.store());
  auto second = open_store(dir.store());
  REQUIRE(first->try_acquire_lease("example.com", "crashed-owner", t0(), 600s).value());
  auto alive = [](std::string_view) { return false; };
  auto gone = [](std::string_view owner) { return owner == "crashed-owner"; };
  CHECK_FALSE(second->try_acquire_lease("example.com", "owner-b", t0() + 1s, 600s, alive).value());
  CHECK(second->try_acquire_lease("example.com", "owner-b", t0() + 1s, 600s, gone).value());
  // Now owner-b holds it, and owner-b is not gone.
  CHECK_FALSE(first->try_acquire_lease("example.com", "owner-c", t0() + 2s, 600s, gone).value());
}

}  // namespace
}  // namespace certkeep::store
