// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/renewer.hpp"

#include <unistd.h>

#include "acme/issuance.hpp"
#include "acme/renewal_info.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/problem_json.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"
#include "crypto/private_key.hpp"
#include "lifecycle/deployer.hpp"
#include "lifecycle/lease.hpp"
#include "lifecycle/renewal_policy.hpp"
#include "lifecycle/retry_policy.hpp"

namespace certkeep::lifecycle {

namespace {

// Longer than any order flow, so a live holder never loses its lease; a crashed holder's lease
// lapses by itself.
std::chrono::seconds lease_ttl(const Services& services) {
  return services.issuance.poll_deadline + std::chrono::seconds(300);
}

Result<crypto::PrivateKey> choose_certificate_key(const store::LineageRecord& lineage,
                                                  const std::optional<store::OrderRecord>& order) {
  if (order && !order->key_pem.empty()) return crypto::PrivateKey::from_pem(order->key_pem.view());
  if (lineage.settings.reuse_key && !lineage.key_pem.empty())
    return crypto::PrivateKey::from_pem(lineage.key_pem.view());
  return crypto::PrivateKey::generate(lineage.settings.key_type);
}

// A renewalInfo poll that failed is tried again this much later; ARI problems never block the
// expiry-based schedule (certbot's rule).
constexpr std::chrono::hours kRenewalInfoRetryAfterError{1};

// The CA's window for `cert_id` of `lineage` (named in the warning when the CA fails to answer).
std::optional<acme::RenewalInfo> renewal_info(acme::Client& client, const std::string& lineage,
                                              const std::string& cert_id) {
  if (!client.directory().has_renewal_info() || cert_id.empty()) return std::nullopt;
  auto info = acme::fetch_renewal_info(client, cert_id);
  if (!info) {
    core::log::warn(lineage + ": renewal info: " + info.error().to_string());
    return std::nullopt;
  }
  return std::move(*info);
}

std::optional<RenewalWindow> window_of(const std::optional<acme::RenewalInfo>& info) {
  if (!info) return std::nullopt;
  return RenewalWindow{info->window_start, info->window_end};
}

// RFC 9773 §4.3: asks the CA again, at the time it named, whether it moved the renewal window
// (it does so before a mass revocation, for instance), and records the new renewal time and
// the next poll; `lineage` is updated to match. An error is logged and asked again later.
void refresh_renewal_info(Services& services, store::LineageRecord& lineage) {
  const core::SystemTime now = services.clock.now();
  std::optional<core::SystemTime> renew_at;
  core::SystemTime next_check = now + kRenewalInfoRetryAfterError;
  auto client = services.clients->get(services.make_transport, lineage.settings, services.clock);
  if (!client) {
    core::log::warn(lineage.name + ": renewal info: " + client.error().to_string());
  } else if (auto info = renewal_info(**client, lineage.name, lineage.ari_cert_id)) {
    next_check = now + info->retry_after;
    if (lineage.not_before && lineage.not_after)
      renew_at =
          compute_renew_at(lineage.name, *lineage.not_before, *lineage.not_after, window_of(info), now);
    if (renew_at && renew_at != lineage.renew_at)
      core::log::info(lineage.name + ": the CA moved its renewal window; renewal now at " +
                      core::format_rfc3339(*renew_at));
  }
  if (auto saved = services.store.record_renewal_info(lineage.name, lineage.serial, renew_at, next_check);
      !saved) {
    core::log::warn(lineage.name + ": " + saved.error().to_string());
    return;
  }
  if (renew_at) lineage.renew_at = renew_at;
  lineage.ari_check_at = next_check;
}

// One order flow for `lineage`, with the account re-registered once if the CA forgot it.
Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                        const AccountOptions& account_options) {
  const store::LineageSettings& settings = lineage.settings;
  acme::Client* client =
      CERTKEEP_TRY(services.clients->get(services.make_transport, settings, services.clock));
  store::AccountRecord account =
      CERTKEEP_TRY(ensure_account(services.store, *client, account_options, services.progress));

  auto pending_order = CERTKEEP_TRY(services.store.find_order(lineage.name));
  crypto::PrivateKey key = CERTKEEP_TRY(choose_certificate_key(lineage, pending_order));
  core::failpoint("key_chosen");
  core::Secret key_pem = CERTKEEP_TRY(key.to_pem());
  std::shared_ptr<Solver> solver = CERTKEEP_TRY(services.make_solver(settings));

  acme::IssuanceRequest request{
      .names = lineage.identifiers,
      .certificate_key = key,
      .preferred_chain = settings.preferred_chain,
      .replaces = client->directory().has_renewal_info() ? lineage.ari_cert_id : std::string(),
      .resume_order_url = pending_order ? pending_order->order_url : std::string()};

  acme::IssuanceObserver observer;
  observer.progress = [&](acme::IssuanceStep, std::string_view line) {
    if (services.progress) services.progress(line);
  };
  observer.order_created = [&](const std::string& url) {
    // The new key lives only in the orders row until the certificate is committed.
    store::OrderRecord order{lineage.name, url, "pending", key_pem, services.clock.now()};
    if (auto saved = services.store.save_order(order); !saved)
      core::log::warn("save order: " + saved.error().to_string());
    core::failpoint("order_created");
  };

  auto issued = acme::issue_certificate(*client, *solver, request, services.issuance, observer);
  if (!issued && is_unknown_account(issued.error())) {
    CERTKEEP_TRY(reregister_account(services.store, *client, account));
    request.resume_order_url.clear();  // orders belong to the forgotten account
    issued = acme::issue_certificate(*client, *solver, request, services.issuance, observer);
  }
  if (!issued) {
    // An order that cannot be completed must not be resumed forever; one held up by a
    // temporary refusal (429, 503) is resumed next time instead of spending a new order.
    const bool order_is_dead = issued.error().code() == Errc::Protocol ||
                               (issued.error().code() == Errc::CaProblem && !issued.error().is_transient());
    if (order_is_dead) (void)services.store.delete_order(lineage.name);
    return fail(std::move(issued).error());
  }
  core::failpoint("certificate_downloaded");

  store::IssuedCertificate cert;
  cert.key_pem = std::move(key_pem);
  cert.cert_pem = issued->chain.leaf_pem;
  cert.chain_pem = issued->chain.chain_pem;
  cert.serial = issued->leaf.serial_hex;
  cert.issuer = issued->leaf.issuer_cn;
  cert.not_before = issued->leaf.not_before;
  cert.not_after = issued->leaf.not_after;
  cert.ari_cert_id = issued->leaf.ari_cert_id;
  const auto info = renewal_info(*client, lineage.name, cert.ari_cert_id);
  cert.renew_at =
      compute_renew_at(lineage.name, cert.not_before, cert.not_after, window_of(info), services.clock.now());
  if (client->directory().has_renewal_info() && !cert.ari_cert_id.empty())
    cert.ari_check_at = services.clock.now() + (info ? info->retry_after : kRenewalInfoRetryAfterError);
  return cert;
}

// Deploys the lineage's committed certificate and returns the lineage as deployment left it
// (deployed_serial, hook state).
Result<store::LineageRecord> deploy_and_reload(Services& services, const store::LineageRecord& lineage) {
  CERTKEEP_TRY(deploy_lineage(services, lineage));
  auto deployed = CERTKEEP_TRY(services.store.find_lineage(lineage.name));
  if (!deployed) return fail(Errc::Internal, lineage.name + ": lineage vanished after deploy");
  return std::move(*deployed);
}

// Commits a new certificate and deploys it. Returns the stored lineage.
Result<store::LineageRecord> commit_and_deploy(Services& services, const std::string& name,
                                               const store::IssuedCertificate& cert,
                                               store::HistoryKind kind) {
  // certbot #10655: never replace a certificate with one that expires earlier.
  auto before = CERTKEEP_TRY(services.store.find_lineage(name));
  if (before && before->not_after && cert.not_after < *before->not_after && !before->serial.empty())
    core::log::warn(name + ": the new certificate expires before the current one");
  CERTKEEP_TRY(services.store.commit_issuance(name, cert, kind));
  core::failpoint("store_committed");
  auto stored = CERTKEEP_TRY(services.store.find_lineage(name));
  if (!stored) return fail(Errc::Internal, name + ": lineage vanished after commit");
  if (services.progress) services.progress("certificate " + cert.serial + " stored for " + name);
  return deploy_and_reload(services, *stored);
}

Error record_failed_attempt(Services& services, const store::LineageRecord& lineage, Error error) {
  // A stop request is not the lineage's fault: no failure, no backoff; the order resumes.
  if (error.code() == Errc::Cancelled) return error;
  const int attempts = lineage.attempts + 1;
  const core::SystemTime retry_at = next_attempt_at(services.clock.now(), attempts, error);
  auto recorded =
      services.store.record_failure(lineage.name, error.to_string(), core::failure_detail(error), retry_at);
  if (!recorded) core::log::error("record failure of " + lineage.name + ": " + recorded.error().to_string());
  return error;
}

}  // namespace

std::string_view to_string(RenewOutcome outcome) noexcept {
  switch (outcome) {
    case RenewOutcome::Renewed: return "renewed";
    case RenewOutcome::NotDue: return "not due";
    case RenewOutcome::RenewedElsewhere: return "renewed by another process";
    case RenewOutcome::Busy: return "busy in another process";
    case RenewOutcome::Failed: return "failed";
    case RenewOutcome::DeployFailed: return "deploy failed";
  }
  return "failed";
}

Result<store::LineageRecord> issue(Services& services, const IssueRequest& request) {
  Lease lease(services.store, request.lineage, lease_owner_id());
  if (!CERTKEEP_TRY(lease.acquire(services.clock.now(), lease_ttl(services))))
    return fail(Errc::Busy, request.lineage + " is being renewed by another certkeep process");

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
    return deploy_and_reload(services, lineage);
  }

  auto cert = obtain(services, lineage, request.account);
  if (!cert) return fail(record_failed_attempt(services, lineage, std::move(cert).error()));
  return commit_and_deploy(services, lineage.name, *cert,
                           lineage.serial.empty() ? store::HistoryKind::Issued : store::HistoryKind::Renewed);
}

RenewResult renew_lineage(Services& services, const std::string& name, const RenewOptions& options) {
  RenewResult result;
  result.lineage = name;
  auto failed = [&](Error error, RenewOutcome outcome = RenewOutcome::Failed) {
    result.outcome = outcome;
    result.error = std::move(error);
    return result;
  };

  Lease lease(services.store, name, lease_owner_id());
  auto held = lease.acquire(services.clock.now(), lease_ttl(services));
  if (!held) return failed(std::move(held).error());
  if (!*held) {
    result.outcome = RenewOutcome::Busy;
    return result;
  }
  auto found = services.store.find_lineage(name);
  if (!found) return failed(std::move(found).error());
  if (!*found) return failed(Error(Errc::NotFound, "no lineage named " + name));
  store::LineageRecord lineage = std::move(**found);
  result.serial = lineage.serial;

  if (!options.expected_serial.empty() && lineage.serial != options.expected_serial) {
    result.outcome = RenewOutcome::RenewedElsewhere;
    return result;
  }
  const bool has_cert = !lineage.serial.empty();
  if (!options.force && !options.dry_run && has_cert && lineage.ari_check_at &&
      *lineage.ari_check_at <= services.clock.now())
    refresh_renewal_info(services, lineage);
  const core::SystemTime now = services.clock.now();
  const bool due = !has_cert || (lineage.renew_at && *lineage.renew_at <= now);
  const bool backing_off = lineage.next_attempt_at && *lineage.next_attempt_at > now;
  if (!options.force && (!due || backing_off)) {
    // Not due, but an earlier deploy or hook may still be owed.
    if (!options.dry_run && has_cert) {
      if (auto deployed = deploy_lineage(services, lineage); !deployed)
        return failed(std::move(deployed).error(), RenewOutcome::DeployFailed);
    }
    result.outcome = RenewOutcome::NotDue;
    return result;
  }
  if (options.dry_run) {
    result.outcome = RenewOutcome::Renewed;
    return result;
  }
  if (services.progress) services.progress("renewing " + name);
  // Renewal never creates an account with new terms: they were agreed at the first issuance.
  auto cert = obtain(services, lineage,
                     AccountOptions{.email = lineage.settings.email, .agree_terms_of_service = true});
  if (!cert) return failed(record_failed_attempt(services, lineage, std::move(cert).error()));
  auto stored = commit_and_deploy(services, name, *cert,
                                  has_cert ? store::HistoryKind::Renewed : store::HistoryKind::Issued);
  result.serial = cert->serial;
  if (!stored) return failed(std::move(stored).error(), RenewOutcome::DeployFailed);
  result.outcome = RenewOutcome::Renewed;
  return result;
}

}  // namespace certkeep::lifecycle
