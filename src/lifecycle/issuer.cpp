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

// Nobody renews an imported certificate: its owner imports the next one.
class ImportedIssuer final : public Issuer {
 public:
  Result<store::IssuedCertificate> obtain(Services&, const store::LineageRecord& lineage,
                                          const AccountOptions&) const override {
    return fail(Errc::InvalidArgument, lineage.name +
                                           " is an imported certificate, which certkeep does not renew; "
                                           "`certkeep import " +
                                           lineage.name + " --cert … --key …` replaces it");
  }
};

}  // namespace

const Issuer& issuer_for(store::IssuerKind kind) noexcept {
  static const AcmeIssuer acme;
  static const PrivateCaIssuer private_ca;
  static const ImportedIssuer imported;
  switch (kind) {
    case store::IssuerKind::Acme: return acme;
    case store::IssuerKind::PrivateCa: return private_ca;
    case store::IssuerKind::Imported: return imported;
  }
  return acme;
}

}  // namespace certkeep::lifecycle
