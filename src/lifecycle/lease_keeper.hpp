// SPDX-License-Identifier: Apache-2.0
// LeaseKeeper: the heartbeat of the leases one process holds. While a renewal runs (an order
// polled for minutes, a DNS-01 propagation wait) its lease is extended every third of its TTL,
// on a thread and store connection of its own, so the lease outlives the renewal however long
// it takes — and lapses within one TTL when the process stops (SIGSTOP, a partition, a crash),
// letting another renewer take over with a larger fencing token (store::Store::acquire_lease).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

class LeaseKeeper {
 public:
  using StoreOpener = std::function<Result<std::unique_ptr<store::Store>>()>;

  // `open` makes the heartbeat's own store connection (when first needed); `ttl` is what each
  // beat extends a lease to.
  LeaseKeeper(StoreOpener open, std::chrono::seconds ttl, core::Clock& clock);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  std::chrono::seconds ttl() const noexcept { return ttl_; }
  // Keeps `grant` on `lineage` alive from now until drop(). Thread-safe.
  void hold(const std::string& lineage, const store::LeaseGrant& grant);
  void drop(const std::string& lineage, const std::string& owner);
  // One beat now, on the calling thread: extends every held lease; a lease found lost is
  // logged and no longer beaten (its holder's next write is fenced out). Errc::Store when the
  // store cannot be reached (the next beat tries again).
  Result<void> beat();
  // Leases found lost by a beat since the keeper started (tests, logs).
  std::size_t lost() const;

 private:
  void run(std::stop_token stop);

  StoreOpener open_;
  const std::chrono::seconds ttl_;
  core::Clock& clock_;
  mutable std::mutex mutex_;  // held_, lost_, store_ (beats are serialized under it)
  std::condition_variable_any wake_;
  std::map<std::string, store::LeaseGrant> held_;
  std::size_t lost_ = 0;
  std::unique_ptr<store::Store> store_;
  std::jthread thread_;  // started by the first hold()
};

}  // namespace certkeep::lifecycle
