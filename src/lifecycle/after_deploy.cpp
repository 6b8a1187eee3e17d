// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/after_deploy.hpp"

#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "deploy/haproxy_runtime.hpp"
#include "deploy/hook_runner.hpp"
#include "lifecycle/hook_spec.hpp"
#include "lifecycle/metrics_report.hpp"
#include "lifecycle/notifier.hpp"

namespace certkeep::lifecycle {

Result<HandOverOutcome> hand_over(Services& services, const store::LineageRecord& lineage) {
  HandOverOutcome outcome;
  outcome.succeeded = true;
  std::string detail;
  auto failed = [&](Error error) {
    if (!outcome.error) outcome.error = std::move(error);
    outcome.succeeded = false;
  };
  for (const std::string& text : lineage.settings.haproxy_targets) {
    auto target = deploy::parse_haproxy_target(text);
    auto handed =
        target ? deploy::hand_to_haproxy(
                     *target, deploy::haproxy_pem(lineage.cert_pem, lineage.chain_pem, lineage.key_pem.view()))
               : Result<void>(tl::unexpected(target.error()));
    process_metrics().add(kHookRuns, {{"hook", "haproxy"}, {"result", handed ? "success" : "failure"}});
    detail +=
        "haproxy " + text + ": " + (handed ? std::string("handed over") : handed.error().message()) + "\n";
    if (!handed)
      failed(std::move(handed).error().with_context(lineage.name));
    else if (services.progress)
      services.progress("handed " + lineage.name + " to HAProxy at " + text);
  }
  if (!lineage.settings.deploy_hook.empty()) {
    core::failpoint("hook_starting");
    deploy::HookOutcome ran =
        CERTKEEP_TRY(deploy::run_deploy_hook(services.processes, hook_spec_for(services, lineage, lineage.settings.deploy_hook)));
    process_metrics().add(kHookRuns, {{"hook", "deploy"}, {"result", ran.succeeded ? "success" : "failure"}});
    detail += ran.succeeded ? "exit 0" : ran.describe();
    if (!ran.output_tail.empty()) detail += "\n" + ran.output_tail;
    if (!ran.succeeded)
      failed(Error(Errc::Hook, "deploy hook for " + lineage.name + ": " + ran.describe()));
    else if (services.progress)
      services.progress("deploy hook for " + lineage.name + " succeeded");
  }
  while (!detail.empty() && detail.back() == '\n') detail.pop_back();
  CERTKEEP_TRY(services.store.record_hook_result(lineage.name, lineage.serial, outcome.succeeded, detail));
  return outcome;
}

ConfirmState confirm_deployment(Services& services, const store::LineageRecord& lineage) {
  std::vector<std::string> unparsable;
  const std::vector<ConfirmTarget> targets =
      parse_confirm_targets(lineage.settings.confirm_targets, unparsable);
  const std::string default_sni = lineage.identifiers.empty() ? std::string() : lineage.identifiers.front();
  if (services.progress) services.progress("confirming that " + lineage.name + " is served");
  const std::vector<ConfirmResult> results = confirm_targets(
      targets, lineage.serial, default_sni, services.confirm, services.clock, services.issuance.stop);
  ConfirmState state = unparsable.empty() ? ConfirmState::Confirmed : ConfirmState::Stale;
  std::string detail;
  for (const std::string& problem : unparsable) detail += problem + "\n";
  for (const ConfirmResult& result : results) {
    process_metrics().add(kConfirmations, {{"result", std::string(to_string(result.state))}});
    detail += std::string(to_string(result.state)) + ": " + result.detail + " (" +
              std::to_string(result.attempts) + (result.attempts == 1 ? " probe" : " probes") + ")\n";
    if (result.state != ConfirmState::Confirmed) state = ConfirmState::Stale;
  }
  while (!detail.empty() && detail.back() == '\n') detail.pop_back();
  const store::ConfirmationState stored = state == ConfirmState::Confirmed
                                              ? store::ConfirmationState::Confirmed
                                              : store::ConfirmationState::Stale;
  if (auto recorded = services.store.record_confirmation(lineage.name, lineage.serial, stored, detail);
      !recorded)
    core::log::error(lineage.name + ": " + recorded.error().to_string());
  if (state == ConfirmState::Confirmed) {
    core::log::info(lineage.name + ": confirmed, every server serves " + lineage.serial);
    if (services.progress) services.progress("confirmed: every server serves " + lineage.serial);
  } else {
    core::log::warn(lineage.name + ": stale: " + detail);
    if (services.progress) services.progress("stale: " + detail);
    notify(services, lineage, NotifyEvent::Stale, detail);
  }
  return state;
}

}  // namespace certkeep::lifecycle
