// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/notifier.hpp"

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"
#include "deploy/hook_runner.hpp"
#include "lifecycle/hook_spec.hpp"
#include "lifecycle/metrics_report.hpp"

namespace certkeep::lifecycle {

std::string_view to_string(NotifyEvent event) noexcept {
  switch (event) {
    case NotifyEvent::RenewalFailed: return "renewal_failed";
    case NotifyEvent::Expiring: return "expiring";
    case NotifyEvent::Stale: return "stale";
  }
  return "renewal_failed";
}

bool notify(Services& services, const store::LineageRecord& lineage, NotifyEvent event,
            std::string_view reason) {
  if (services.notify_hook.empty()) return false;
  deploy::HookSpec hook = hook_spec_for(services, lineage, services.notify_hook);
  hook.event = std::string(to_string(event));
  // One line: a hook reads it with `$CERTKEEP_REASON` and a newline would surprise it.
  std::string line(reason.substr(0, 2000));
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  hook.reason = line;
  auto ran = deploy::run_deploy_hook(services.processes, hook);
  const bool succeeded = ran && ran->succeeded;
  process_metrics().add(kHookRuns, {{"hook", "notify"}, {"result", succeeded ? "success" : "failure"}});
  std::string outcome = !ran ? ran.error().to_string() : ran->succeeded ? "exit 0" : ran->describe();
  if (!succeeded)
    core::log::warn(lineage.name + ": notify hook (" + hook.event + "): " + outcome);
  else
    core::log::info(lineage.name + ": notify hook ran for " + hook.event);
  // The history says who was told what (and whether the telling worked).
  store::EventRecord notified;
  notified.lineage = lineage.name;
  notified.kind = store::HistoryKind::Notified;
  notified.serial = lineage.serial;
  notified.detail = hook.event + ": " + hook.reason + "\nnotify hook: " + outcome;
  if (ran && !ran->output_tail.empty()) notified.detail += "\n" + ran->output_tail;
  notified.at = services.clock.now();
  if (auto recorded = services.store.append_event(notified); !recorded)
    core::log::error(lineage.name + ": " + recorded.error().to_string());
  return succeeded;
}

Result<void> notify_expiring(Services& services, core::SystemTime now, const std::optional<std::string>& only,
                             const std::function<bool(const std::string&)>& include) {
  if (services.notify_hook.empty()) return {};
  // An index on not_after keeps this cheap: only certificates in their last days are read.
  const std::vector<store::LineageRecord> due =
      CERTKEEP_TRY(services.store.expiry_notice_due(now + kExpiringNotice));
  for (const store::LineageRecord& lineage : due) {
    if (only && lineage.name != *only) continue;
    if (include && !include(lineage.name)) continue;
    if (!lineage.not_after) continue;
    const auto left = std::chrono::duration_cast<std::chrono::hours>(*lineage.not_after - now);
    const std::string reason = left.count() <= 0
                                   ? "expired at " + core::format_rfc3339(*lineage.not_after)
                                   : "expires in " + std::to_string(left.count() / 24) + " days " +
                                         std::to_string(left.count() % 24) + " hours (not after " +
                                         core::format_rfc3339(*lineage.not_after) + ")";
    if (notify(services, lineage, NotifyEvent::Expiring, reason))
      CERTKEEP_TRY(services.store.mark_expiry_notified(lineage.name, lineage.serial));
  }
  return {};
}

}  // namespace certkeep::lifecycle
