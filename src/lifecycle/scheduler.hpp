// SPDX-License-Identifier: Apache-2.0
// Scheduler: the daemon's loop. Renews what is due, then sleeps until the earliest renew_at /
// next_attempt_at (or the recheck interval, whichever is sooner), wakes early on rescan(), and
// stops at a safe point on stop(): an interrupted order stays in the store to be resumed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "certkeep/result.hpp"
#include "lifecycle/app.hpp"

namespace certkeep::lifecycle {

struct SchedulerOptions {
  // Longest sleep between passes, so clock jumps and edits by other processes are noticed.
  // Default 1 h.
  std::chrono::seconds recheck_interval{3600};
  // Shortest sleep between passes, so a lineage failing in a loop cannot spin (a failure's
  // backoff also moves its due time). Default 5 s; recheck_interval when that is shorter (a
  // fleet's renewer checking every second retries a lineage another holds that often).
  std::chrono::seconds min_interval{5};
  int concurrency = 4;
  // "renewed 2, failed 0; next check 2026-…" after each pass (sd_notify STATUS).
  std::function<void(const std::string&)> status;
  // After each pass, on the scheduler's thread (the metrics endpoint refreshes its snapshot).
  std::function<void(const RenewSummary&)> after_pass;
};

// Thread-safe: rescan() and stop() may be called from any thread (e.g. a signal thread).
class Scheduler {
 public:
  Scheduler(App& app, SchedulerOptions options) : app_(app), options_(std::move(options)) {}

  // Runs passes until stop(). Returns the error that made a pass impossible (e.g. the store
  // is corrupt); per-lineage failures are recorded and retried, not returned.
  Result<void> run();
  // One pass: renew what is due. Returns the summary.
  Result<RenewSummary> run_once();
  void rescan();
  void stop();
  // The stop token renewals watch, so stop() interrupts polling at once.
  std::stop_token stop_token() const { return stop_source_.get_token(); }

 private:
  std::chrono::milliseconds sleep_duration();

  App& app_;
  SchedulerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool rescan_requested_ = false;
  std::stop_source stop_source_;
};

}  // namespace certkeep::lifecycle
