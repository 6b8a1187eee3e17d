// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/issue.hpp"

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "lifecycle/dns_solvers.hpp"
#include "lifecycle/fallback.hpp"
#include "lifecycle/issuer.hpp"
#include "lifecycle/lease.hpp"
#include "lifecycle/order_flow.hpp"
#include "lifecycle/private_ca.hpp"

namespace certkeep::lifecycle {

Result<store::LineageRecord> issue(Services& services, const IssueRequest& request) {
  Lease lease(services.store, request.lineage, lease_owner_id(), services.lease_keeper.get());
  if (!CERTKEEP_TRY(lease.acquire(services.clock.now(), lease_ttl(services, request.settings))))
    return fail(Errc::Busy, request.lineage + " is being renewed by another certkeep process");

  // A lineage of a CA that does not exist is refused before anything is stored.
  if (request.settings.issuer_kind == store::IssuerKind::PrivateCa)
    CERTKEEP_TRY(require_private_ca(services.store, request.settings.ca_name));
  auto existing = CERTKEEP_TRY(services.store.find_lineage(request.lineage));
  store::LineageRecord lineage = existing ? std::move(*existing) : store::LineageRecord{};
  if (existing && lineage.identifiers != request.names) {
    // A different name set needs a fresh order, not the stored one.
    CERTKEEP_TRY(services.store.delete_order(request.lineage));
  }
  // The same command run again after a run that was killed once its certificate was committed:
  // finish deploying that certificate (files, hook) rather than order (and spend) another one.
  const bool finish_deployment = existing && lineage.identifiers == request.names &&
                                 lineage.deployment_owed() && lineage.not_after &&
                                 *lineage.not_after > services.clock.now();
  lineage.name = request.lineage;
  lineage.identifiers = request.names;
  lineage.settings = request.settings;
  CERTKEEP_TRY(services.store.upsert_lineage(lineage));
  lineage = *CERTKEEP_TRY(services.store.find_lineage(request.lineage));
  if (finish_deployment) {
    core::log::info(lineage.name + ": certificate " + lineage.serial +
                    " was committed by an interrupted run; deploying it instead of ordering again");
    if (services.progress)
      services.progress("deploying certificate " + lineage.serial + ", committed by an interrupted run");
    return deploy_committed(services, lineage);
  }

  // Records a killed run of this lineage left in DNS go first; a failure to remove them is
  // logged and tried again next time: they do not stop this issuance.
  (void)repair_dns_records(services, lineage.name);
  if (request.placeholder && lineage.serial.empty())
    lineage = CERTKEEP_TRY(deploy_placeholder(services, lineage));
  auto cert = obtain_with_fallback(services, lineage, request.account);
  if (!cert) return fail(record_failed_attempt(services, lineage, std::move(cert).error()));
  const bool first = lineage.serial.empty() || lineage.serves_placeholder();
  return commit_and_deploy(services, lineage.name, *cert,
                           first ? store::HistoryKind::Issued : store::HistoryKind::Renewed);
}

}  // namespace certkeep::lifecycle
