// SPDX-License-Identifier: Apache-2.0
// The first issuance of a lineage (`certkeep issue`, Manager::manage): creates or updates the
// lineage with its names and settings and gets it a certificate now, through the same order
// flow and commit as a renewal (order_flow.hpp).
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/account_service.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct IssueRequest {
  std::string lineage;
  std::vector<std::string> names;
  store::LineageSettings settings;
  AccountOptions account;
  // Deploy a placeholder from the private CA first when the lineage has no certificate yet, so
  // a terminator reading live/<name>/ can start before the CA answers (`issue --placeholder`).
  bool placeholder = false;
  // `issue --dry-run`: the caller runs it on an in-memory store and a temporary state
  // directory, with no hook; the request only says so for the output.
  bool dry_run = false;
};

// Errc::Busy when another process is renewing the same lineage. A run killed after its
// certificate was committed is finished (deployed) instead of ordering another one.
Result<store::LineageRecord> issue(Services& services, const IssueRequest& request);

}  // namespace certkeep::lifecycle
