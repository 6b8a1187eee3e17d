// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lease_keeper.hpp"

#include <algorithm>
#include <vector>

#include "core/log.hpp"

namespace certkeep::lifecycle {

LeaseKeeper::LeaseKeeper(StoreOpener open, std::chrono::seconds ttl, core::Clock& clock)
    : open_(std::move(open)), ttl_(ttl), clock_(clock) {}

LeaseKeeper::~LeaseKeeper() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

void LeaseKeeper::hold(const std::string& lineage, const store::LeaseGrant& grant) {
  std::lock_guard lock(mutex_);
  held_[lineage] = grant;
  if (!thread_.joinable()) {
    try {
      thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    } catch (const std::system_error& error) {
      // No heartbeat: the lease still holds for its TTL, as it did before there was one.
      core::log::warn(std::string("lease heartbeat: start thread: ") + error.what());
    }
  }
}

void LeaseKeeper::drop(const std::string& lineage, const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto held = held_.find(lineage);
  if (held != held_.end() && held->second.owner == owner) held_.erase(held);
}

std::size_t LeaseKeeper::lost() const {
  std::lock_guard lock(mutex_);
  return lost_;
}

Result<void> LeaseKeeper::beat() {
  std::lock_guard lock(mutex_);
  if (held_.empty()) return {};
  if (!store_) {
    auto opened = open_();
    if (!opened) return fail(std::move(opened).error().with_context("lease heartbeat"));
    store_ = std::move(*opened);
  }
  std::vector<std::string> lost;
  for (const auto& [lineage, grant] : held_) {
    auto extended = store_->extend_lease(lineage, grant.owner, grant.token, clock_.now(), ttl_);
    if (!extended) return fail(std::move(extended).error().with_context("lease heartbeat"));
    if (!*extended) lost.push_back(lineage);
  }
  for (const std::string& lineage : lost) {
    core::log::warn("lease on " + lineage + " was lost (expired and taken over by another renewer); "
                    "this renewal's writes will be refused");
    held_.erase(lineage);
    ++lost_;
  }
  return {};
}

void LeaseKeeper::run(std::stop_token stop) {
  const auto interval = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(200), ttl_ / 3);
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, interval, [] { return false; });
    if (stop.stop_requested()) break;
    lock.unlock();
    if (auto beaten = beat(); !beaten) core::log::warn(beaten.error().to_string());
    lock.lock();
  }
}

}  // namespace certkeep::lifecycle
