// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/change_follower.hpp"

#include <map>

#include "core/backoff.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"

namespace certkeep::lifecycle {
namespace {

// One entry per subject, at the position of its last change, so a lineage renewed and then
// removed within one read is removed, and one changed ten times is read once.
std::vector<store::ChangeRecord> last_per_subject(const std::vector<store::ChangeRecord>& changes) {
  std::map<std::pair<bool, std::string>, std::size_t> last;
  for (std::size_t i = 0; i < changes.size(); ++i)
    last[{changes[i].kind == store::ChangeKind::Challenge, changes[i].subject}] = i;
  std::vector<store::ChangeRecord> kept;
  for (std::size_t i = 0; i < changes.size(); ++i)
    if (last[{changes[i].kind == store::ChangeKind::Challenge, changes[i].subject}] == i)
      kept.push_back(changes[i]);
  return kept;
}

}  // namespace

Result<std::unique_ptr<ChangeFollower>> ChangeFollower::start(ChangeFollowerOptions options,
                                                              ChangeHandlers handlers) {
  std::unique_ptr<store::Store> store = CERTKEEP_TRY(store::Store::open(options.store_location));
  const std::int64_t cursor = CERTKEEP_TRY(store->latest_change());
  std::unique_ptr<ChangeFollower> follower(
      new ChangeFollower(std::move(options), std::move(handlers), std::move(store), cursor));
  follower->wants_signal_ = store::is_postgres_location(follower->options_.store_location);
  ChangeFollower* self = follower.get();
  try {
    follower->thread_ = std::jthread([self](std::stop_token stop) { self->run(stop); });
  } catch (const std::system_error& error) {
    return fail(Errc::Io, std::string("change feed: start thread: ") + error.what());
  }
  return follower;
}

ChangeFollower::ChangeFollower(ChangeFollowerOptions options, ChangeHandlers handlers,
                               std::unique_ptr<store::Store> store, std::int64_t cursor)
    : options_(std::move(options)), handlers_(std::move(handlers)), store_(std::move(store)), cursor_(cursor) {}

ChangeFollower::~ChangeFollower() {
  if (thread_.joinable()) {
    thread_.request_stop();
    sleep_wake_.notify_all();
    thread_.join();
  }
}

std::int64_t ChangeFollower::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

std::size_t ChangeFollower::reconnects() const {
  std::lock_guard lock(mutex_);
  return reconnects_;
}

void ChangeFollower::sleep(std::stop_token stop, std::chrono::milliseconds duration) {
  std::unique_lock lock(sleep_mutex_);
  sleep_wake_.wait_for(lock, stop, duration, [] { return false; });
}

Result<void> ChangeFollower::catch_up() {
  last_read_ = std::chrono::steady_clock::now();
  for (;;) {
    const std::int64_t from = cursor();
    store::ChangeBatch batch = CERTKEEP_TRY(store_->changes_since(from, options_.batch));
    if (batch.resync_needed) {
      core::log::warn("change feed: changes after " + std::to_string(from) +
                      " were pruned already; reading the store whole");
      const std::int64_t newest = CERTKEEP_TRY(store_->latest_change());
      if (handlers_.resync) handlers_.resync(*store_);
      std::lock_guard lock(mutex_);
      cursor_ = newest;
      continue;
    }
    if (batch.changes.empty()) return {};
    if (handlers_.apply) handlers_.apply(last_per_subject(batch.changes), *store_);
    {
      std::lock_guard lock(mutex_);
      cursor_ = batch.changes.back().id;
    }
    if (batch.changes.size() < options_.batch) return {};
  }
}

bool ChangeFollower::wait_for_work(std::stop_token stop) {
  if (!signal_) {
    sleep(stop, options_.poll_interval);
    return !stop.stop_requested();
  }
  // Wake at least every poll interval to notice a stop request; read at the safety interval.
  for (;;) {
    if (stop.stop_requested()) return false;
    auto waited = signal_->wait(options_.poll_interval);
    if (!waited) {
      core::log::warn("change feed: " + waited.error().to_string() + "; reconnecting");
      signal_.reset();
      return true;  // reconnect, then read from the cursor
    }
    if (*waited) {
      // A burst (a mass renewal) arrives as many notifications: gather it into one read.
      sleep(stop, options_.debounce);
      (void)signal_->wait(std::chrono::milliseconds(0));
      return !stop.stop_requested();
    }
    if (std::chrono::steady_clock::now() - last_read_ >= options_.safety_interval) return true;
  }
}

void ChangeFollower::run(std::stop_token stop) {
  core::Backoff backoff(std::chrono::milliseconds(100), options_.max_backoff);
  bool failing = false;
  while (!stop.stop_requested()) {
    if (wants_signal_ && !signal_) {
      auto opened = store::open_change_signal(options_.store_location);
      if (!opened) {
        if (!failing) core::log::warn("change feed: " + opened.error().to_string() + "; retrying");
        failing = true;
        sleep(stop, backoff.next());
        continue;
      }
      signal_ = std::move(*opened);
      std::lock_guard lock(mutex_);
      ++reconnects_;
    }
    // Listening from here on, so a change committed from now wakes us; read what came before.
    if (auto caught_up = catch_up(); !caught_up) {
      if (!failing) core::log::warn("change feed: " + caught_up.error().to_string() + "; retrying");
      failing = true;
      signal_.reset();
      sleep(stop, backoff.next());
      continue;
    }
    if (failing) core::log::info("change feed: reading the store again");
    failing = false;
    backoff = core::Backoff(std::chrono::milliseconds(100), options_.max_backoff);
    if (!wait_for_work(stop)) break;
  }
}

}  // namespace certkeep::lifecycle
