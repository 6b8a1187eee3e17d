// SPDX-License-Identifier: Apache-2.0
// Lease: the store-held lock that keeps two certkeep processes (two `renew` runs, a run and the
// daemon, the library) from renewing one lineage at once. Owners are named so that a lease left
// by a crashed process on this machine can be recognised and taken over at once, rather than
// blocking renewals until it expires.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "lifecycle/lease_keeper.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

// "<boot id>:<pid>:<process start time>:<random>" for this process (one per call).
std::string lease_owner_id();

// True when `owner` names a process of this boot that no longer runs (its pid is gone or now
// belongs to a process started at another time). Owners from another boot or in another
// format are never called abandoned: their leases only expire.
bool lease_owner_abandoned(std::string_view owner);

// Held from a successful acquire() until destruction. While held, the store fences every write
// of this renewal to the lineage (store::Store::acquire_lease), and `keeper` (when given)
// extends the lease every third of its TTL.
class Lease {
 public:
  Lease(store::Store& store, std::string lineage, std::string owner, LeaseKeeper* keeper = nullptr)
      : store_(store), lineage_(std::move(lineage)), owner_(std::move(owner)), keeper_(keeper) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  // False when a live process holds it.
  Result<bool> acquire(core::SystemTime now, std::chrono::seconds ttl);
  const std::string& owner() const noexcept { return owner_; }

 private:
  store::Store& store_;
  std::string lineage_;
  std::string owner_;
  LeaseKeeper* keeper_;
  bool held_ = false;
};

}  // namespace certkeep::lifecycle
