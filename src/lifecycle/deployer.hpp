// SPDX-License-Identifier: Apache-2.0
// Deployer: makes live/<lineage>/ match the store and runs the deploy hook. The store is the
// source of truth, so a deploy that failed (full disk, read-only dir, crash) is simply done
// again on the next run, without asking the CA for anything.
#pragma once

#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct DeployReport {
  bool files_written = false;
  bool hook_ran = false;
};

// Writes the four files when deployed_serial differs from serial (recording it), then runs the
// hook when one is set and has not yet succeeded for this serial. Errc::Io when the files
// cannot be written (the hook then does not run); Errc::Hook when the hook fails (recorded with
// its exit code and output, retried next time).
Result<DeployReport> deploy_lineage(Services& services, const store::LineageRecord& lineage);

// The environment variables certkeep sets for deploy and notify hooks (CERTKEEP_NAME, …).
std::vector<std::string_view> hook_variable_names();

}  // namespace certkeep::lifecycle
