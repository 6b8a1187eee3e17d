// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/deployer.hpp"

#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "deploy/hook_runner.hpp"
#include "deploy/live_dir.hpp"
#include "lifecycle/after_deploy.hpp"
#include "lifecycle/dns_hook_solver.hpp"

namespace certkeep::lifecycle {

Result<DeployReport> deploy_lineage(Services& services, const store::LineageRecord& lineage) {
  DeployReport report;
  if (lineage.serial.empty()) return report;
  const std::filesystem::path live = services.state_dir / "live" / lineage.name;

  if (lineage.deployed_serial != lineage.serial) {
    deploy::LiveFiles files;
    files.cert = lineage.cert_pem;
    files.chain = lineage.chain_pem;
    files.fullchain = lineage.cert_pem + lineage.chain_pem;
    files.privkey = lineage.key_pem;
    auto published = deploy::publish_live_files(services.state_dir, lineage.name, lineage.serial, files);
    if (!published) {
      Error error = std::move(published).error().with_context("deploy " + lineage.name);
      // Best effort: the store may be what failed (a full disk); the error is returned anyway.
      if (auto recorded =
              services.store.record_deploy_failure(lineage.name, lineage.serial, error.to_string());
          !recorded)
        core::log::error(recorded.error().to_string());
      return fail(std::move(error));
    }
    if (auto recorded = services.store.record_deployed(lineage.name, lineage.serial); !recorded)
      // The files already serve the new certificate (it is committed, so nothing is mixed);
      // only the bookkeeping is behind, and the next run redoes it.
      return fail(std::move(recorded).error().with_context(
          "deploy " + lineage.name + ": live files now serve serial " + lineage.serial +
          ", but the store could not record it (the next run will)"));
    core::failpoint("deploy_recorded");
    report.files_written = true;
    if (services.progress) services.progress("deployed " + live.string());
  }

  // The hand-overs (HAProxy, the deploy hook) are owed from the commit until they succeed.
  const bool hand_over_pending = lineage.hook_pending_serial == lineage.serial ||
                                 (report.files_written && lineage.hook_pending_serial.empty());
  const bool has_hand_over =
      !lineage.settings.deploy_hook.empty() || !lineage.settings.haproxy_targets.empty();
  std::optional<Error> hand_over_error;
  if (has_hand_over && hand_over_pending) {
    HandOverOutcome handed = CERTKEEP_TRY(hand_over(services, lineage));
    report.hook_ran = true;
    hand_over_error = std::move(handed.error);
  }
  // Whatever the hand-overs did (a failed reload is what confirmation is there to catch).
  if (!lineage.settings.confirm_targets.empty() && (report.files_written || report.hook_ran))
    report.confirmation = confirm_deployment(services, lineage);
  if (hand_over_error) return fail(std::move(*hand_over_error));
  return report;
}

std::vector<std::string_view> hook_variable_names() {
  std::vector<std::string_view> names(deploy::kHookVariables.begin(), deploy::kHookVariables.end());
  names.insert(names.end(), kDnsHookVariables.begin(), kDnsHookVariables.end());
  return names;
}

}  // namespace certkeep::lifecycle
