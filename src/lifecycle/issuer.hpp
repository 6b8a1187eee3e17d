// SPDX-License-Identifier: Apache-2.0
// Issuer: who makes a lineage's certificates. The first issuance and every renewal ask the
// lineage's issuer (its settings name the kind) and then commit and deploy what it returns
// the same way, so renewal, hooks, events and the library need no case per issuer.
#pragma once

#include "certkeep/result.hpp"
#include "lifecycle/account_service.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

class Issuer {
 public:
  virtual ~Issuer() = default;
  // A new certificate, key and chain for `lineage`, with its renewal time; nothing committed.
  virtual Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                                  const AccountOptions& account) const = 0;
};

// The issuer of `kind`: the ACME order flow, or certkeep's private CA.
const Issuer& issuer_for(store::IssuerKind kind) noexcept;

}  // namespace certkeep::lifecycle
