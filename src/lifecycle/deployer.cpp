// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/deployer.hpp"

#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "core/time_format.hpp"
#include "deploy/hook_runner.hpp"
#include "deploy/live_dir.hpp"

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

  const bool hook_pending = lineage.hook_pending_serial == lineage.serial ||
                            (report.files_written && lineage.hook_pending_serial.empty());
  if (lineage.settings.deploy_hook.empty() || !hook_pending) return report;

  deploy::HookSpec hook;
  hook.command = lineage.settings.deploy_hook;
  hook.lineage = lineage.name;
  hook.domains = lineage.identifiers;
  hook.cert_path = (live / "cert.pem").string();
  hook.chain_path = (live / "chain.pem").string();
  hook.fullchain_path = (live / "fullchain.pem").string();
  // A CSR's lineage has no key here (its owner holds it): the hook is told so.
  if (!lineage.key_pem.empty()) hook.key_path = (live / "privkey.pem").string();
  hook.serial = lineage.serial;
  hook.not_after = lineage.not_after ? core::format_rfc3339(*lineage.not_after) : "";
  hook.timeout = services.hook_timeout;
  core::failpoint("hook_starting");
  deploy::HookOutcome outcome = CERTKEEP_TRY(deploy::run_deploy_hook(services.processes, hook));
  report.hook_ran = true;
  std::string detail = outcome.succeeded ? "exit 0" : outcome.describe();
  if (!outcome.output_tail.empty()) detail += "\n" + outcome.output_tail;
  CERTKEEP_TRY(services.store.record_hook_result(lineage.name, lineage.serial, outcome.succeeded, detail));
  if (!outcome.succeeded)
    return fail(Errc::Hook, "deploy hook for " + lineage.name + ": " + outcome.describe());
  if (services.progress) services.progress("deploy hook for " + lineage.name + " succeeded");
  return report;
}

}  // namespace certkeep::lifecycle
