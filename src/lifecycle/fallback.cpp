// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/fallback.hpp"

#include "core/log.hpp"
#include "lifecycle/issuer.hpp"
#include "lifecycle/issuer_spec.hpp"

namespace certkeep::lifecycle {

namespace {

// The lineage as issuer `entry` sees it: its settings in place of the lineage's own issuer's.
store::LineageRecord as_issued_by(const store::LineageRecord& lineage, const store::IssuerEntry& entry) {
  store::LineageRecord alternative = lineage;
  store::LineageSettings& settings = alternative.settings;
  settings.issuer_kind = entry.kind;
  settings.directory_url = entry.directory_url;
  settings.ca_bundle = entry.ca_bundle;
  settings.server_ca_checksum = entry.server_ca_checksum;
  settings.account = entry.account;
  settings.profile = entry.profile;
  settings.ca_name = entry.ca_name;
  settings.fallback_issuers.clear();
  alternative.ari_cert_id.clear();  // RFC 9773 "replaces" names a certificate of the same CA only
  return alternative;
}

store::IssuerEntry own_issuer(const store::LineageSettings& settings) {
  return store::IssuerEntry{
      settings.issuer_kind, settings.directory_url, settings.ca_bundle, settings.server_ca_checksum,
      settings.account,     settings.profile,       settings.ca_name};
}

}  // namespace

bool should_fall_over(const Error& error, std::optional<core::SystemTime> failing_since,
                      std::chrono::seconds fallback_after, core::SystemTime now) {
  // A rate limit is the CA asking to wait: the retry goes to the same CA at its Retry-After.
  if (error.problem() && (error.problem()->is("rateLimited") || error.problem()->status == 429)) return false;
  switch (error.code()) {
    case Errc::CaProblem:
    case Errc::Network:
    case Errc::Timeout: break;
    case Errc::Protocol:         // a malformed or hostile answer
    case Errc::InvalidArgument:  // a setting this CA does not take (a profile, a binding, terms)
    case Errc::Crypto: return true;
    default: return false;  // the store, the disk, a stop request: another CA would not help
  }
  if (!error.is_transient()) return true;  // the CA refused for good
  // Unreachable or failing for now: only once that has lasted past the limit.
  return now - failing_since.value_or(now) >= fallback_after;
}

Result<store::IssuedCertificate> obtain_with_fallback(Services& services, const store::LineageRecord& lineage,
                                                      const AccountOptions& account) {
  auto issued = issuer_for(lineage.settings.issuer_kind).obtain(services, lineage, account);
  if (issued || lineage.settings.fallback_issuers.empty()) return issued;
  std::string failed_issuer = describe_issuer(own_issuer(lineage.settings));
  // A fallback CA never gets the binding given for the lineage's own CA: its account is its own.
  const AccountOptions fallback_account{.email = account.email,
                                        .agree_terms_of_service = account.agree_terms_of_service};
  for (const store::IssuerEntry& entry : lineage.settings.fallback_issuers) {
    if (!should_fall_over(issued.error(), lineage.failing_since, lineage.settings.fallback_after,
                          services.clock.now()))
      return issued;
    const std::string next_issuer = describe_issuer(entry);
    const std::string detail =
        failed_issuer + " failed (" + issued.error().to_string() + "); trying " + next_issuer;
    core::log::warn(lineage.name + ": " + detail);
    if (services.progress) services.progress("falling back: " + detail);
    if (auto recorded = services.store.append_event(store::EventRecord{.lineage = lineage.name,
                                                                       .kind = store::HistoryKind::FellBack,
                                                                       .serial = lineage.serial,
                                                                       .detail = detail,
                                                                       .at = services.clock.now()});
        !recorded)
      core::log::warn(recorded.error().to_string());
    issued = issuer_for(entry.kind).obtain(services, as_issued_by(lineage, entry), fallback_account);
    if (issued) return issued;
    issued = fail(std::move(issued).error().with_context("fallback " + next_issuer));
    failed_issuer = next_issuer;
  }
  return issued;
}

}  // namespace certkeep::lifecycle
