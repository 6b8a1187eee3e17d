// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/order_flow.hpp"

#include "acme/account.hpp"
#include "acme/issuance.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/problem_json.hpp"
#include "core/result_macros.hpp"
#include "crypto/csr_file.hpp"
#include "crypto/private_key.hpp"
#include "lifecycle/accounts.hpp"
#include "lifecycle/deployer.hpp"
#include "lifecycle/lineage_solvers.hpp"
#include "lifecycle/retry_policy.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::lifecycle {

namespace {

// The certificate key of a new order: the stored order's (a run that died mid-order), the
// lineage's own when it reuses its key, else a new one. None for a CSR's lineage.
Result<std::optional<crypto::PrivateKey>> choose_certificate_key(
    const store::LineageRecord& lineage, const std::optional<store::OrderRecord>& order) {
  if (!lineage.settings.csr_pem.empty()) return std::optional<crypto::PrivateKey>{};
  if (order && !order->key_pem.empty())
    return std::optional(CERTKEEP_TRY(crypto::PrivateKey::from_pem(order->key_pem.view())));
  if (lineage.settings.reuse_key && !lineage.key_pem.empty())
    return std::optional(CERTKEEP_TRY(crypto::PrivateKey::from_pem(lineage.key_pem.view())));
  return std::optional(CERTKEEP_TRY(crypto::PrivateKey::generate(lineage.settings.key_type)));
}

}  // namespace

std::chrono::seconds renewal_deadline(const Services& services, const store::LineageSettings& settings) {
  std::chrono::seconds ttl = services.issuance.poll_deadline + std::chrono::seconds(300);
  // DNS-01 waits for propagation (and hooks) before the CA's validation starts.
  if (settings.dns.method != store::DnsMethod::None)
    ttl += settings.dns.propagation_timeout + 2 * settings.dns.hook_timeout;
  return ttl;
}

std::chrono::seconds lease_ttl(const Services& services, const store::LineageSettings& settings) {
  if (services.lease_ttl.count() > 0) return services.lease_ttl;
  return renewal_deadline(services, settings);
}

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

Result<store::IssuedCertificate> obtain(Services& services, const store::LineageRecord& lineage,
                                        const AccountOptions& account_options) {
  const store::LineageSettings& settings = lineage.settings;
  acme::Client* client =
      CERTKEEP_TRY(services.clients->get(services.make_transport, settings, services.clock));
  const AccountChoice choice{settings.account, settings.directory_url, settings.ca_bundle,
                             settings.server_ca_checksum};
  store::AccountRecord account = CERTKEEP_TRY(ensure_account(
      services.store, *client, choice, lineage.account_id, account_options, services.progress));

  auto pending_order = CERTKEEP_TRY(services.store.find_order(lineage.name));
  // An order left at another of the lineage's issuers (before it fell over) is not this CA's.
  if (pending_order && acme::url_origin(pending_order->order_url) != acme::url_origin(settings.directory_url))
    pending_order.reset();
  std::optional<crypto::PrivateKey> key = CERTKEEP_TRY(choose_certificate_key(lineage, pending_order));
  core::failpoint("key_chosen");
  core::Secret key_pem = key ? CERTKEEP_TRY(key->to_pem()) : core::Secret();
  const LineageSolvers solvers = CERTKEEP_TRY(make_lineage_solvers(services, lineage));

  acme::IssuanceRequest request{
      .names = lineage.identifiers,
      .certificate_key = key,
      .preferred_chain = settings.preferred_chain,
      .replaces = client->directory().has_renewal_info() ? lineage.ari_cert_id : std::string(),
      .profile = settings.profile,
      .resume_order_url = pending_order ? pending_order->order_url : std::string()};
  // Bring your own CSR: finalized as given at every renewal; its key never reaches certkeep.
  if (!settings.csr_pem.empty()) request.csr = CERTKEEP_TRY(crypto::read_csr(settings.csr_pem));

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

  auto issued = acme::issue_certificate(*client, solvers.by_name, request, services.issuance, observer);
  if (!issued && is_unknown_account(issued.error())) {
    account = CERTKEEP_TRY(reregister_account(services.store, *client, account));
    request.resume_order_url.clear();  // orders belong to the forgotten account
    issued = acme::issue_certificate(*client, solvers.by_name, request, services.issuance, observer);
  }
  if (!issued) {
    // An order that cannot be completed must not be resumed forever; one held up by a
    // temporary refusal (429, 503) is resumed next time instead of spending a new order.
    const bool order_is_dead = issued.error().code() == Errc::Protocol ||
                               (issued.error().code() == Errc::CaProblem && !issued.error().is_transient());
    if (order_is_dead) (void)services.store.delete_order(lineage.name);
    // The CA deactivated the account (elsewhere): the store learns it, and its lineages are told.
    if (acme::is_deactivated_account(issued.error())) {
      account.status = store::AccountStatus::Deactivated;
      if (auto marked = services.store.record_account_deactivated(
              account.id, deactivated_account_error(account).message());
          !marked)
        core::log::warn(marked.error().to_string());
    }
    return fail(explain_account_error(std::move(issued).error(), account));
  }
  core::failpoint("certificate_downloaded");

  store::IssuedCertificate cert;
  cert.key_pem = std::move(key_pem);
  cert.key_held_elsewhere = request.csr.has_value();
  cert.issued_by = settings.directory_url;
  cert.account_id = account.id;
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

Result<store::LineageRecord> deploy_committed(Services& services, const store::LineageRecord& lineage) {
  CERTKEEP_TRY(deploy_lineage(services, lineage));
  auto deployed = CERTKEEP_TRY(services.store.find_lineage(lineage.name));
  if (!deployed) return fail(Errc::Internal, lineage.name + ": lineage vanished after deploy");
  return std::move(*deployed);
}

Result<store::LineageRecord> commit_and_deploy(Services& services, const std::string& name,
                                               const store::IssuedCertificate& cert,
                                               store::HistoryKind kind) {
  // certbot #10655: never replace a certificate with one that expires earlier.
  auto before = CERTKEEP_TRY(services.store.find_lineage(name));
  if (before && before->not_after && cert.not_after < *before->not_after && !before->serial.empty())
    core::log::warn(name + ": the new certificate expires before the current one");
  CERTKEEP_TRY(services.store.commit_issuance(name, cert, kind));
  core::failpoint("store_committed");
  // Alternate chains, an intermediate's rotation, a new root: worth a line in the history.
  if (before && !before->chain_pem.empty() &&
      chain_root_checksum(before->chain_pem) != chain_root_checksum(cert.chain_pem)) {
    const std::string detail = "the chain now ends in " + describe_chain_root(cert.chain_pem) +
                               ", before in " + describe_chain_root(before->chain_pem);
    core::log::info(name + ": " + detail);
    CERTKEEP_TRY(services.store.append_event(store::EventRecord{.lineage = name,
                                                                .kind = store::HistoryKind::RootChanged,
                                                                .serial = cert.serial,
                                                                .detail = detail,
                                                                .at = services.clock.now()}));
  }
  auto stored = CERTKEEP_TRY(services.store.find_lineage(name));
  if (!stored) return fail(Errc::Internal, name + ": lineage vanished after commit");
  if (services.progress) services.progress("certificate " + cert.serial + " stored for " + name);
  return deploy_committed(services, *stored);
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

}  // namespace certkeep::lifecycle
