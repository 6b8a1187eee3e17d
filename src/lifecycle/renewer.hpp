// SPDX-License-Identifier: Apache-2.0
// Renewer: renews one lineage when it is due (renew_at, the CA's ARI window) or forced,
// through the order flow the first issuance also uses (order_flow.hpp). The new key and
// certificate reach the store in one transaction; live files are written from the store
// afterwards; a failure never touches the live files and is recorded with a backoff.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// FencedOut: this renewer's lease passed to another while it worked (it was paused or cut off
// past the lease's expiry); its result was refused by the store and nothing of it was kept.
enum class RenewOutcome { Renewed, NotDue, RenewedElsewhere, Busy, Failed, DeployFailed, FencedOut };
std::string_view to_string(RenewOutcome outcome) noexcept;

struct RenewResult {
  std::string lineage;
  RenewOutcome outcome = RenewOutcome::NotDue;
  std::string serial;
  std::optional<Error> error;
};

struct RenewOptions {
  bool force = false;    // renew even when not due
  bool dry_run = false;  // report what would be renewed, touch nothing
  // The serial seen when this run chose the lineage: if it changed by the time the lease is
  // held, another process renewed it meanwhile and this run leaves it alone.
  std::string expected_serial;
};

// Renews one lineage if due (or forced), under the lineage's lease. Also finishes a deploy
// that an earlier run could not complete.
RenewResult renew_lineage(Services& services, const std::string& lineage, const RenewOptions& options);

}  // namespace certkeep::lifecycle
