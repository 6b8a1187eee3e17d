// SPDX-License-Identifier: Apache-2.0
// What follows a deployment of live/<name>/: the hand-overs (the certificate given to each
// HAProxy over its runtime API, then the deploy hook), and the confirmation that the servers
// the lineage names really serve it. A failed hand-over is owed and retried by the next run; a
// failed confirmation is recorded (stale) and notified, and never undoes the renewal.
#pragma once

#include <optional>
#include <string>

#include "certkeep/result.hpp"
#include "lifecycle/confirmation.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct HandOverOutcome {
  bool succeeded = false;
  std::optional<Error> error;  // the first failure: Errc::Hook naming the socket or the hook
};

// Every HAProxy target (lineage.settings.haproxy_targets), then the deploy hook, for the
// lineage's current serial; one hook-result event records them all, and the serial stays owed
// (hook_pending_serial) until all succeed. Errc::Io only when the hook cannot be started.
Result<HandOverOutcome> hand_over(Services& services, const store::LineageRecord& lineage);

// Probes every confirm target until all serve the lineage's serial or services.confirm_budget
// is spent; records Confirmed or Stale (an event, the lineage's confirmation columns), counts
// it, and runs the notify hook when stale. Errors of the store are logged: the deployment
// already happened, and a probe's verdict must not turn it into a failure.
ConfirmState confirm_deployment(Services& services, const store::LineageRecord& lineage);

}  // namespace certkeep::lifecycle
