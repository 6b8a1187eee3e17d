// SPDX-License-Identifier: Apache-2.0
// ChangeFollower: brings a process's view up to date with the store's change feed
// (store::Store::changes_since), so a certificate renewed by any node of a fleet is served by
// every node within a second. On its own thread and store connection:
//  - PostgreSQL: it waits on the store's change signal (LISTEN on a dedicated connection) and
//    reads the changes after its cursor as soon as one is announced; a lost signal connection
//    (a server restart, pg_terminate_backend) is opened again with backoff, and the changes
//    missed meanwhile are read from the cursor, so none is lost. It also reads at
//    `safety_interval` without a signal, should one ever be dropped.
//  - SQLite: no signal; it reads the change counter every `poll_interval` (one indexed read),
//    which lets several processes on one host see each other's changes.
// Changes are applied in commit order, after a short debounce that gathers a burst (a mass
// renewal) into one read; a lineage changed several times in one read is applied once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certkeep/result.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

struct ChangeFollowerOptions {
  std::string store_location;  // store::Store::open's location
  std::chrono::milliseconds poll_interval{250};      // SQLite, and PostgreSQL between signals
  std::chrono::milliseconds safety_interval{5000};   // PostgreSQL: a read even without a signal
  std::chrono::milliseconds debounce{20};            // after a signal, before reading
  std::chrono::milliseconds max_backoff{5000};       // reconnecting
  std::size_t batch = 1000;                          // changes per read
};

// What the follower calls, on its own thread, never concurrently.
struct ChangeHandlers {
  // The changes after the cursor, deduplicated (a lineage once, with its last kind), oldest
  // first. The store connection is the follower's, for reading what changed.
  std::function<void(const std::vector<store::ChangeRecord>&, store::Store&)> apply;
  // The feed was pruned past the cursor: read everything again.
  std::function<void(store::Store&)> resync;
};

class ChangeFollower {
 public:
  // Opens the follower's connection and reads the cursor (the newest change: the caller has
  // just read the store whole), then starts the thread. Errc::Store when the store cannot be
  // opened.
  static Result<std::unique_ptr<ChangeFollower>> start(ChangeFollowerOptions options, ChangeHandlers handlers);
  ~ChangeFollower();  // stops and joins
  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

  // The id of the last change applied.
  std::int64_t cursor() const;
  // Times the signal connection was opened: once at start, then once after each loss.
  std::size_t reconnects() const;

 private:
  ChangeFollower(ChangeFollowerOptions options, ChangeHandlers handlers, std::unique_ptr<store::Store> store,
                 std::int64_t cursor);
  void run(std::stop_token stop);
  // Reads and applies every change after the cursor. Errc::Store when the store is unreachable.
  Result<void> catch_up();
  // Waits for a reason to read (a signal, a poll interval): false when stop was requested.
  bool wait_for_work(std::stop_token stop);
  void sleep(std::stop_token stop, std::chrono::milliseconds duration);

  ChangeFollowerOptions options_;
  ChangeHandlers handlers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::ChangeSignal> signal_;
  bool wants_signal_ = false;
  std::chrono::steady_clock::time_point last_read_;
  mutable std::mutex mutex_;  // cursor_, reconnects_
  std::int64_t cursor_ = 0;
  std::size_t reconnects_ = 0;
  std::mutex sleep_mutex_;
  std::condition_variable_any sleep_wake_;
  std::jthread thread_;
};

}  // namespace certkeep::lifecycle
