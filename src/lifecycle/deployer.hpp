// SPDX-License-Identifier: Apache-2.0
// Deployer: makes live/<lineage>/ match the store and runs the deploy hook. The store is the
// source of truth, so a deploy that failed (full disk, read-only dir, crash) is simply done
// again on the next run, without asking the CA for anything.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/confirmation.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct DeployReport {
  bool files_written = false;
  bool hook_ran = false;                     // the hand-overs ran: HAProxy targets, the deploy hook
  std::optional<ConfirmState> confirmation;  // when the lineage has confirm targets
};

// Writes the four files when deployed_serial differs from serial (recording it), then the
// hand-overs (HAProxy targets, the deploy hook; lifecycle/after_deploy.hpp) when they have not
// yet succeeded for this serial, then confirms with the lineage's confirm targets. Errc::Io when
// the files cannot be written (nothing else runs); Errc::Hook when a hand-over fails (recorded,
// retried next time); a stale confirmation is recorded and notified, not an error.
Result<DeployReport> deploy_lineage(Services& services, const store::LineageRecord& lineage);

// The environment variables certkeep sets for deploy, notify and DNS-01 hooks (CERTKEEP_NAME, …).
std::vector<std::string_view> hook_variable_names();

}  // namespace certkeep::lifecycle
