// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/scheduler.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"

namespace certkeep::lifecycle {

Result<RenewSummary> Scheduler::run_once() {
  RenewSelection selection;
  selection.concurrency = options_.concurrency;
  RenewSummary summary = CERTKEEP_TRY(app_.renew(selection));
  for (const RenewResult& result : summary.results) {
    if (result.error)
      core::log::error(result.lineage + ": " + result.error->to_string());
    else if (result.outcome == RenewOutcome::Renewed)
      core::log::info(result.lineage + ": renewed, serial " + result.serial);
  }
  return summary;
}

std::chrono::milliseconds Scheduler::sleep_duration() {
  const auto& clock = app_.services().clock;
  const core::SystemTime now = clock.now();
  std::chrono::milliseconds sleep = options_.recheck_interval;
  auto next = app_.services().store.next_due_time();
  if (!next) {
    core::log::error("next due time: " + next.error().to_string());
  } else if (*next) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(**next - now);
    sleep = std::min(sleep, std::max<std::chrono::milliseconds>(until, std::chrono::milliseconds(0)));
  }
  // The floor never exceeds the ceiling: a daemon told to check every second does.
  return std::max<std::chrono::milliseconds>(sleep, std::min(options_.min_interval, options_.recheck_interval));
}

Result<void> Scheduler::run() {
  app_.set_stop_token(stop_source_.get_token());
  while (!stop_source_.stop_requested()) {
    auto summary = run_once();
    if (!summary) return fail(std::move(summary).error().with_context("renewal pass"));
    if (options_.after_pass) options_.after_pass(*summary);
    if (stop_source_.stop_requested()) break;
    std::chrono::milliseconds sleep = sleep_duration();
    if (options_.status) {
      options_.status("renewed " + std::to_string(summary->renewed()) + ", failed " +
                      std::to_string(summary->failed()) + "; next check " +
                      core::format_rfc3339(app_.services().clock.now() +
                                           std::chrono::duration_cast<std::chrono::seconds>(sleep)));
    }
    std::unique_lock lock(mutex_);
    // A steady-clock wait: a wall-clock jump cannot stretch it past recheck_interval.
    wake_.wait_for(lock, sleep, [&] { return rescan_requested_ || stop_source_.stop_requested(); });
    rescan_requested_ = false;
  }
  return {};
}

void Scheduler::rescan() {
  std::lock_guard lock(mutex_);
  rescan_requested_ = true;
  wake_.notify_all();
}

void Scheduler::stop() {
  std::lock_guard lock(mutex_);
  stop_source_.request_stop();
  wake_.notify_all();
}

}  // namespace certkeep::lifecycle
