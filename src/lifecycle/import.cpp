// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/import.hpp"

#include <limits>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/small_file.hpp"
#include "core/strings.hpp"
#include "core/time_format.hpp"
#include "crypto/certificate.hpp"
#include "lifecycle/lease.hpp"
#include "lifecycle/order_flow.hpp"

namespace certkeep::lifecycle {

namespace {

Error bad_input(const std::string& flag, const std::filesystem::path& file, const std::string& what) {
  return Error(Errc::InvalidArgument, flag + " " + file.string() + ": " + what);
}

Result<std::string> read_input(const std::string& flag, const std::filesystem::path& file) {
  auto text = core::read_small_file(file);
  if (!text) return fail(bad_input(flag, file, text.error().message()));
  return std::move(*text);
}

Result<std::vector<std::string>> read_certificates(const std::string& flag,
                                                   const std::filesystem::path& file) {
  const std::string text = CERTKEEP_TRY(read_input(flag, file));
  auto certificates = crypto::split_pem_chain(text);
  if (!certificates)
    return fail(bad_input(flag, file, "no PEM certificate (" + certificates.error().message() + ")"));
  return std::move(*certificates);
}

Result<crypto::PrivateKey> read_key(const std::filesystem::path& file) {
  core::Secret text(CERTKEEP_TRY(read_input("--key", file)));
  if (text.view().find("ENCRYPTED") != std::string_view::npos)
    return fail(bad_input("--key", file,
                          "the key is encrypted; certkeep needs it unencrypted (`openssl pkey -in " +
                              file.string() + " -out NEW.pem`, kept 0600)"));
  auto key = crypto::PrivateKey::from_pem(text.view());
  if (!key) return fail(bad_input("--key", file, "not a PEM private key (" + key.error().message() + ")"));
  return std::move(*key);
}

// The names a lineage of this certificate covers: its SAN DNS names, else its CN.
std::vector<std::string> names_of(const crypto::CertificateInfo& info) {
  if (!info.dns_names.empty()) return info.dns_names;
  if (!info.subject_cn.empty()) return {info.subject_cn};
  return {};
}

Result<store::IssuedCertificate> checked_certificate(const ImportRequest& request, core::SystemTime now,
                                                     std::vector<std::string>& names) {
  std::vector<std::string> certificates = CERTKEEP_TRY(read_certificates("--cert", request.cert_file));
  const std::string leaf = certificates.front();
  std::string chain;
  for (std::size_t i = 1; i < certificates.size(); ++i) chain += certificates[i];
  if (!request.chain_file.empty())
    for (const std::string& pem : CERTKEEP_TRY(read_certificates("--chain", request.chain_file)))
      chain += pem;
  const crypto::PrivateKey key = CERTKEEP_TRY(read_key(request.key_file));

  const crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(leaf));
  if (!crypto::check_key_matches_certificate(key, leaf))
    return fail(bad_input("--key", request.key_file,
                          "not the key of the certificate in " + request.cert_file.string() + " (serial " +
                              info.serial_hex + ")"));
  if (auto linked = crypto::verify_chain_links(leaf, chain); !linked) {
    const std::filesystem::path& file = request.chain_file.empty() ? request.cert_file : request.chain_file;
    return fail(bad_input(request.chain_file.empty() ? "--cert" : "--chain", file,
                          "the chain is out of order or does not link up: " + linked.error().message() +
                              " (the leaf's issuer comes first, then its issuer, and so on)"));
  }
  if (info.not_after <= now)
    return fail(bad_input("--cert", request.cert_file,
                          "the certificate expired on " + core::format_rfc3339(info.not_after)));
  names = names_of(info);
  if (names.empty()) return fail(bad_input("--cert", request.cert_file, "the certificate names no host"));

  store::IssuedCertificate cert;
  cert.key_pem = CERTKEEP_TRY(key.to_pem());
  cert.cert_pem = leaf;
  cert.chain_pem = std::move(chain);
  cert.serial = info.serial_hex;
  cert.issuer = info.issuer_cn;
  cert.not_before = info.not_before;
  cert.not_after = info.not_after;
  return cert;  // no renew_at: nobody renews it
}

}  // namespace

std::chrono::seconds expiry_warning_of(const store::LineageSettings& settings) noexcept {
  return settings.expiry_warning > std::chrono::seconds::zero() ? settings.expiry_warning
                                                                : std::chrono::seconds(kDefaultExpiryWarning);
}

Result<store::LineageRecord> import_certificate(Services& services, const ImportRequest& request) {
  if (!core::is_valid_lineage_name(request.lineage))
    return fail(Errc::InvalidArgument,
                "invalid lineage name \"" + request.lineage + "\" (letters, digits, '.', '_', '-')");
  std::vector<std::string> names;
  const store::IssuedCertificate cert =
      CERTKEEP_TRY(checked_certificate(request, services.clock.now(), names));

  Lease lease(services.store, request.lineage, lease_owner_id());
  if (!CERTKEEP_TRY(lease.acquire(services.clock.now(), lease_ttl(services))))
    return fail(Errc::Busy, request.lineage + " is being renewed by another certkeep process");
  auto existing = CERTKEEP_TRY(services.store.find_lineage(request.lineage));
  if (existing && existing->settings.issuer_kind != store::IssuerKind::Imported)
    return fail(Errc::InvalidArgument, request.lineage + " is issued by " +
                                           std::string(store::to_string(existing->settings.issuer_kind)) +
                                           "; `certkeep remove " + request.lineage +
                                           "` before importing over it");
  store::LineageRecord lineage = existing ? std::move(*existing) : store::LineageRecord{};
  lineage.name = request.lineage;
  lineage.identifiers = names;
  store::LineageSettings settings;
  settings.issuer_kind = store::IssuerKind::Imported;
  settings.deploy_hook = request.deploy_hook.value_or(lineage.settings.deploy_hook);
  settings.expiry_warning = request.expiry_warning.value_or(lineage.settings.expiry_warning);
  lineage.settings = std::move(settings);
  CERTKEEP_TRY(services.store.upsert_lineage(lineage));
  auto committed = commit_and_deploy(services, lineage.name, cert, store::HistoryKind::Imported);
  if (!committed && !existing) {
    // Nothing half-imported: a new lineage whose certificate was not committed goes again.
    auto stored = services.store.find_lineage(lineage.name);
    if (stored && *stored && (*stored)->serial.empty()) (void)services.store.remove_lineage(lineage.name);
  }
  return committed;
}

bool imported_expiring(const store::LineageRecord& lineage, core::SystemTime now) noexcept {
  return lineage.settings.issuer_kind == store::IssuerKind::Imported && lineage.not_after &&
         *lineage.not_after - now < expiry_warning_of(lineage.settings);
}

Result<std::vector<ExpiringCertificate>> check_imported_expiry(Services& services, core::SystemTime now,
                                                               const std::optional<std::string>& name,
                                                               bool record,
                                                               const std::function<bool(const std::string&)>& include) {
  std::vector<ExpiringCertificate> expiring;
  for (const store::LineageRecord& lineage : CERTKEEP_TRY(services.store.imported_lineages())) {
    if (name && lineage.name != *name) continue;
    if (include && !include(lineage.name)) continue;
    if (!imported_expiring(lineage, now)) continue;
    expiring.push_back({lineage.name, lineage.serial, *lineage.not_after});
    const std::string text = "imported certificate " + lineage.serial +
                             (*lineage.not_after <= now ? " expired at " : " expires at ") +
                             core::format_rfc3339(*lineage.not_after) +
                             "; certkeep does not renew it: import a new one";
    core::log::warn(lineage.name + ": " + text);
    if (!record) continue;
    bool warned = false;
    for (const store::EventRecord& event :
         CERTKEEP_TRY(services.store.events(lineage.name, std::numeric_limits<std::size_t>::max())))
      warned = warned || (event.kind == store::HistoryKind::ExpiryWarning && event.serial == lineage.serial);
    if (!warned)
      CERTKEEP_TRY(services.store.append_event(store::EventRecord{.lineage = lineage.name,
                                                                  .kind = store::HistoryKind::ExpiryWarning,
                                                                  .serial = lineage.serial,
                                                                  .detail = text,
                                                                  .at = now}));
  }
  return expiring;
}

}  // namespace certkeep::lifecycle
