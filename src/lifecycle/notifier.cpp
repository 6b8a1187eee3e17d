// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/notifier.hpp"

#include "core/log.hpp"
#include "core/time_format.hpp"
#include "deploy/hook_runner.hpp"
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
  const std::filesystem::path live = services.state_dir / "live" / lineage.name;
  deploy::HookSpec hook;
  hook.command = services.notify_hook;
  hook.lineage = lineage.name;
  hook.domains = lineage.identifiers;
  hook.cert_path = (live / "cert.pem").string();
  hook.chain_path = (live / "chain.pem").string();
  hook.fullchain_path = (live / "fullchain.pem").string();
  hook.key_path = (live / "privkey.pem").string();
  hook.serial = lineage.serial;
  hook.not_after = lineage.not_after ? core::format_rfc3339(*lineage.not_after) : "";
  hook.event = std::string(to_string(event));
  // One line: a hook reads it with `$CERTKEEP_REASON` and a newline would surprise it.
  std::string line(reason.substr(0, 2000));
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  hook.reason = line;
  hook.timeout = services.hook_timeout;
  auto ran = deploy::run_deploy_hook(services.processes, hook);
  const bool succeeded = ran && ran->succeeded;
  process_metrics().add(kHookRuns, {{"hook", "notify"}, {"result", succeeded ? "success" : "failure"}});
  if (!ran)
    core::log::warn(lineage.name + ": notify hook (" + hook.event + "): " + ran.error().to_string());
  else if (!ran->succeeded)
    core::log::warn(lineage.name + ": notify hook (" + hook.event + ") failed: " + ran->describe());
  else
    core::log::info(lineage.name + ": notify hook ran for " + hook.event);
  return succeeded;
}

}  // namespace certkeep::lifecycle
