// SPDX-License-Identifier: Apache-2.0
// The steps the first issuance (issue.cpp) and every renewal (renewer.cpp) share: one order
// flow with the CA, the commit of its certificate in one store transaction, the deployment
// from the store, and the record of a failure with the CA's problem document and a backoff.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "acme/client.hpp"
#include "acme/renewal_info.hpp"
#include "certkeep/result.hpp"
#include "lifecycle/account_service.hpp"
#include "lifecycle/renewal_policy.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// How long a lineage's lease is held: longer than any order flow (with the lineage's DNS
// propagation and hook timeouts), so a live holder never loses it; a crashed holder's lease
// lapses by itself.
std::chrono::seconds lease_ttl(const Services& services, const store::LineageSettings& settings = {});

// A renewalInfo poll that failed is tried again this much later; ARI problems never block the
// expiry-based schedule (certbot's rule).
inline constexpr std::chrono::hours kRenewalInfoRetryAfterError{1};

// The CA's renewal window for `cert_id` (RFC 9773), or nullopt when the CA has no renewalInfo
// or did not answer (logged, naming `lineage`).
std::optional<acme::RenewalInfo> renewal_info(acme::Client& client, const std::string& lineage,
                                              const std::string& cert_id);
std::optional<RenewalWindow> window_of(const std::optional<acme::RenewalInfo>& info);

// One order flow for `lineage`, with the account re-registered once if the CA forgot it. The
// new key lives only in the orders row until commit_and_deploy stores the certificate.
Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                        const AccountOptions& account_options);

// Commits a new certificate (one transaction) and deploys it. Returns the stored lineage.
Result<store::LineageRecord> commit_and_deploy(Services& services, const std::string& name,
                                               const store::IssuedCertificate& cert, store::HistoryKind kind);

// Deploys the lineage's committed certificate (live files, hook) and returns the lineage as
// the deployment left it (deployed_serial, hook state), read again from the store.
Result<store::LineageRecord> deploy_committed(Services& services, const store::LineageRecord& lineage);

// Records a failed attempt (attempts, backoff, last error, the problem document in the event)
// and returns `error`. A cancellation is not recorded: it is not the lineage's fault.
Error record_failed_attempt(Services& services, const store::LineageRecord& lineage, Error error);

}  // namespace certkeep::lifecycle
