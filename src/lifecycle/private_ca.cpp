// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/private_ca.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_ca.hpp"
#include "lifecycle/order_flow.hpp"
#include "lifecycle/renewal_policy.hpp"

namespace certkeep::lifecycle {

namespace {

Result<store::PrivateCaRecord> make_generation(const CaOptions& options, store::CaState state) {
  CERTKEEP_TRY(check_ca_name(options.name));
  const std::string common_name = options.common_name.empty() ? options.name : options.common_name;
  crypto::CaMaterial material =
      CERTKEEP_TRY(crypto::create_private_ca(common_name, options.validity, options.key_type));
  store::PrivateCaRecord record{.name = options.name, .state = state, .key_type = options.key_type};
  record.key_pem = CERTKEEP_TRY(material.key.to_pem());
  record.cert_pem = std::move(material.cert_pem);
  return record;
}

Result<std::vector<store::PrivateCaRecord>> existing_ca(store::Store& store, const std::string& name) {
  auto generations = CERTKEEP_TRY(store.private_ca_generations(name));
  if (generations.empty())
    return fail(Errc::NotFound, "no private CA named " + name + " (create it with `certkeep ca init`)");
  return generations;
}

}  // namespace

Result<void> check_ca_name(const std::string& name) {
  if (!core::is_valid_lineage_name(name))
    return fail(Errc::InvalidArgument, "invalid CA name \"" + name + "\" (letters, digits, '.', '_', '-')");
  return {};
}

Result<void> require_private_ca(store::Store& store, const std::string& name) {
  CERTKEEP_TRY(check_ca_name(name));
  CERTKEEP_TRY(existing_ca(store, name));
  return {};
}

Result<std::vector<CaGeneration>> list_private_cas(store::Store& store) {
  std::vector<CaGeneration> listed;
  for (const std::string& name : CERTKEEP_TRY(store.private_ca_names())) {
    for (const store::PrivateCaRecord& generation : CERTKEEP_TRY(store.private_ca_generations(name))) {
      const crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(generation.cert_pem));
      listed.push_back({.name = name,
                        .generation = generation.generation,
                        .state = generation.state,
                        .key_type = generation.key_type,
                        .common_name = info.subject_cn,
                        .serial = info.serial_hex,
                        .not_after = info.not_after});
    }
  }
  return listed;
}

Result<store::PrivateCaRecord> init_private_ca(store::Store& store, const CaOptions& options, bool replace,
                                               core::SystemTime now) {
  CERTKEEP_TRY(check_ca_name(options.name));
  const bool exists = !CERTKEEP_TRY(store.private_ca_generations(options.name)).empty();
  if (exists && !replace)
    return fail(Errc::InvalidArgument,
                "private CA " + options.name +
                    " exists (--force replaces it; `ca rotate` moves clients without an outage)");
  store::PrivateCaRecord added =
      CERTKEEP_TRY(store.add_private_ca(CERTKEEP_TRY(make_generation(options, store::CaState::Active))));
  if (exists) CERTKEEP_TRY(make_leaves_due(store, options.name, now));
  return added;
}

Result<store::PrivateCaRecord> rotate_private_ca(store::Store& store, const CaOptions& options) {
  CERTKEEP_TRY(check_ca_name(options.name));
  CERTKEEP_TRY(existing_ca(store, options.name));
  return store.add_private_ca(CERTKEEP_TRY(make_generation(options, store::CaState::Next)));
}

Result<std::size_t> activate_private_ca(store::Store& store, const std::string& name, core::SystemTime now) {
  CERTKEEP_TRY(store.activate_next_private_ca(name));
  return make_leaves_due(store, name, now);
}

Result<std::size_t> make_leaves_due(store::Store& store, const std::string& name, core::SystemTime now) {
  std::size_t due = 0;
  for (const store::LineageRecord& lineage : CERTKEEP_TRY(store.list_lineage_summaries())) {
    if (lineage.settings.issuer_kind != store::IssuerKind::PrivateCa || lineage.settings.ca_name != name)
      continue;
    if (lineage.serial.empty()) continue;
    CERTKEEP_TRY(store.set_renew_at(lineage.name, now));
    ++due;
  }
  return due;
}

Result<std::vector<std::string>> exported_roots(store::Store& store, const std::string& name) {
  const auto generations = CERTKEEP_TRY(existing_ca(store, name));
  // A retired root is still needed while some lineage's chain is that root.
  std::vector<std::string> chains;
  for (const store::LineageRecord& lineage : CERTKEEP_TRY(store.list_lineages())) {
    if (lineage.settings.issuer_kind == store::IssuerKind::PrivateCa && lineage.settings.ca_name == name)
      chains.push_back(lineage.chain_pem);
  }
  std::vector<std::string> roots;
  for (const store::PrivateCaRecord& generation : generations) {
    const bool needed = generation.state != store::CaState::Retired ||
                        std::find(chains.begin(), chains.end(), generation.cert_pem) != chains.end();
    if (needed) roots.push_back(generation.cert_pem);
  }
  return roots;
}

Result<store::IssuedCertificate> issue_from_private_ca(Services& services,
                                                       const store::LineageRecord& lineage) {
  const std::chrono::seconds lifetime = lineage.settings.leaf_lifetime > std::chrono::seconds::zero()
                                            ? lineage.settings.leaf_lifetime
                                            : std::chrono::seconds(kDefaultLeafLifetime);
  return sign_for_lineage(services, lineage.settings.ca_name, lineage, lifetime);
}

Result<store::IssuedCertificate> sign_for_lineage(Services& services, const std::string& ca_name,
                                                  const store::LineageRecord& lineage,
                                                  std::chrono::seconds lifetime) {
  const auto generations = CERTKEEP_TRY(existing_ca(services.store, ca_name));
  auto active = std::find_if(generations.begin(), generations.end(), [](const store::PrivateCaRecord& g) {
    return g.state == store::CaState::Active;
  });
  if (active == generations.end())
    return fail(Errc::Store, "private CA " + ca_name + " has no active generation");
  const crypto::CaMaterial ca =
      CERTKEEP_TRY(crypto::load_private_ca(active->key_pem.view(), active->cert_pem));

  crypto::PrivateKey key = lineage.settings.reuse_key && !lineage.key_pem.empty()
                               ? CERTKEEP_TRY(crypto::PrivateKey::from_pem(lineage.key_pem.view()))
                               : CERTKEEP_TRY(crypto::PrivateKey::generate(lineage.settings.key_type));
  const core::SystemTime now = services.clock.now();
  // A minute of slack: a client whose clock runs a little behind accepts the leaf at once.
  const core::SystemTime not_before = now - std::chrono::minutes(1);
  std::string leaf_pem =
      CERTKEEP_TRY(crypto::issue_leaf_certificate(ca, key, lineage.identifiers, not_before, now + lifetime));
  const crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(leaf_pem));
  if (services.progress)
    services.progress("certificate " + info.serial_hex + " signed by private CA " + ca_name);

  store::IssuedCertificate cert;
  cert.key_pem = CERTKEEP_TRY(key.to_pem());
  cert.cert_pem = std::move(leaf_pem);
  cert.chain_pem = active->cert_pem;
  cert.serial = info.serial_hex;
  cert.issuer = info.issuer_cn;
  cert.not_before = info.not_before;
  cert.not_after = info.not_after;
  cert.renew_at = compute_renew_at(lineage.name, cert.not_before, cert.not_after, std::nullopt, now);
  cert.issued_by = "private CA " + ca_name;
  return cert;
}

Result<store::LineageRecord> deploy_placeholder(Services& services, const store::LineageRecord& lineage) {
  const std::string ca_name(kDefaultCaName);
  if (CERTKEEP_TRY(services.store.private_ca_generations(ca_name)).empty()) {
    CERTKEEP_TRY(init_private_ca(services.store, CaOptions{}, false, services.clock.now()));
    core::log::info("created private CA " + ca_name + " for placeholder certificates");
  }
  store::IssuedCertificate cert =
      CERTKEEP_TRY(sign_for_lineage(services, ca_name, lineage, kPlaceholderLifetime));
  cert.renew_at = services.clock.now();  // the real certificate is wanted at once
  if (services.progress) services.progress("placeholder " + cert.serial + " deployed for " + lineage.name);
  return commit_and_deploy(services, lineage.name, cert, store::HistoryKind::Placeholder);
}

}  // namespace certkeep::lifecycle
