// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/issuer.hpp"

#include "lifecycle/order_flow.hpp"
#include "lifecycle/private_ca.hpp"

namespace certkeep::lifecycle {

namespace {

class AcmeIssuer final : public Issuer {
 public:
  Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                          const AccountOptions& account) const override {
    return lifecycle::obtain(services, lineage, account);
  }
};

class PrivateCaIssuer final : public Issuer {
 public:
  Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                          const AccountOptions&) const override {
    return issue_from_private_ca(services, lineage);
  }
};

}  // namespace

const Issuer& issuer_for(store::IssuerKind kind) noexcept {
  static const AcmeIssuer acme;
  static const PrivateCaIssuer private_ca;
  switch (kind) {
    case store::IssuerKind::Acme: return acme;
    case store::IssuerKind::PrivateCa: return private_ca;
  }
  return acme;
}

}  // namespace certkeep::lifecycle
