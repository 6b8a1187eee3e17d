// SPDX-License-Identifier: Apache-2.0
#include "acme/issuance.hpp"

#include <set>

#include "acme/authorization.hpp"
#include "acme/order.hpp"
#include "core/backoff.hpp"
#include "core/failpoint.hpp"
#include "core/ip_address.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/csr.hpp"

namespace certkeep::acme {

namespace {

// Cleans up every presented challenge when the flow ends, however it ends.
class PresentedChallenges {
 public:
  explicit PresentedChallenges(Solver& solver) : solver_(solver) {}
  PresentedChallenges(const PresentedChallenges&) = delete;
  PresentedChallenges& operator=(const PresentedChallenges&) = delete;
  ~PresentedChallenges() {
    for (const Http01Challenge& challenge : presented_) solver_.cleanup(challenge);
  }
  Result<void> present(Http01Challenge challenge) {
    CERTKEEP_TRY(solver_.present(challenge));
    presented_.push_back(std::move(challenge));
    return {};
  }
  void cleanup(const std::string& token) {
    for (auto it = presented_.begin(); it != presented_.end(); ++it) {
      if (it->token == token) {
        solver_.cleanup(*it);
        presented_.erase(it);
        return;
      }
    }
  }

 private:
  Solver& solver_;
  std::vector<Http01Challenge> presented_;
};

class Flow {
 public:
  Flow(Client& client, Solver& solver, const IssuanceRequest& request, const IssuanceOptions& options,
       const IssuanceObserver& observer)
      : client_(client),
        request_(request),
        options_(options),
        observer_(observer),
        presented_(solver),
        deadline_(client.clock().now() + options.poll_deadline) {}

  Result<IssuedChain> run() {
    Order order = CERTKEEP_TRY(open_order());
    if (order.status == OrderStatus::Pending) {
      CERTKEEP_TRY(authorize(order));
      order = CERTKEEP_TRY(poll_order(order, {OrderStatus::Pending}));
    }
    if (order.status == OrderStatus::Ready) {
      say(IssuanceStep::Finalize, "finalize " + order.url);
      std::string csr = request_.csr
                            ? request_.csr->der
                            : CERTKEEP_TRY(crypto::make_csr_der(*request_.certificate_key, request_.names));
      core::failpoint("finalize_started");
      order = CERTKEEP_TRY(finalize_order(client_, order, csr));
    }
    order = CERTKEEP_TRY(poll_order(order, {OrderStatus::Processing, OrderStatus::Ready}));
    if (order.status != OrderStatus::Valid || order.certificate.empty()) return order_failed(order);

    say(IssuanceStep::Download, "download " + order.certificate);
    core::failpoint("download_started");
    IssuedChain issued;
    issued.order_url = order.url;
    issued.chain = CERTKEEP_TRY(download_certificate(client_, order.certificate, request_.preferred_chain));
    issued.leaf = request_.csr ? CERTKEEP_TRY(verify_issued_certificate_for_csr(issued.chain, request_.names,
                                                                                request_.csr->public_key_der))
                               : CERTKEEP_TRY(verify_issued_certificate(issued.chain, request_.names,
                                                                        *request_.certificate_key));
    return issued;
  }

 private:
  void say(IssuanceStep step, const std::string& text) {
    core::log::info(text);
    if (observer_.progress) observer_.progress(step, text);
  }

  Result<Order> open_order() {
    if (!request_.resume_order_url.empty()) {
      auto resumed = fetch_order(client_, request_.resume_order_url);
      std::set<std::string> asked(request_.names.begin(), request_.names.end());
      // A valid order too: its certificate was issued for the stored key before the run that
      // ordered it ended, and downloading it spends no new issuance (Let's Encrypt counts
      // duplicate certificates against a weekly limit). The key check after the download
      // refuses it if it does not match.
      if (resumed && resumed->status != OrderStatus::Invalid &&
          std::set<std::string>(resumed->identifiers.begin(), resumed->identifiers.end()) == asked) {
        say(IssuanceStep::Order,
            "resume order " + resumed->url + " (" + std::string(to_string(resumed->status)) + ")");
        return resumed;
      }
      // A CA that restarted (or expired the order) forgets it: a fresh order is the safe path.
      core::log::info("stored order " + request_.resume_order_url + " cannot be resumed; new order");
    }
    NewOrderRequest order_request{request_.names, request_.replaces, request_.profile};
    auto order = new_order(client_, order_request);
    if (!order && !request_.replaces.empty() && order.error().problem() &&
        order.error().problem()->is("alreadyReplaced")) {
      // RFC 9773 §5: another order already replaced that certificate; order without it (lego).
      order_request.replaces.clear();
      order = new_order(client_, order_request);
    }
    if (!order) return fail(std::move(order).error());
    if (observer_.order_created) observer_.order_created(order->url);
    say(IssuanceStep::Order, "order " + order->url + ": " + std::to_string(order->authorizations.size()) +
                                 " authorization(s), " + std::string(to_string(order->status)));
    return order;
  }

  // Presents and answers every pending authorization, then polls them together: the CA
  // validates them in parallel, so one slow name does not serialize the others.
  Result<void> authorize(const Order& order) {
    const crypto::Signer* signer = client_.signer();
    std::vector<Authorization> pending;
    for (const std::string& url : order.authorizations) {
      Authorization authorization = CERTKEEP_TRY(fetch_authorization(client_, url));
      if (authorization.status == AuthorizationStatus::Valid) {
        say(IssuanceStep::Challenge, authorization.identifier + ": already authorized");
        continue;  // never answer a challenge of a valid authorization (docs/reliability.md)
      }
      if (authorization.status != AuthorizationStatus::Pending) return authorization_failed(authorization);
      const Challenge* challenge = authorization.http01();
      if (challenge == nullptr)
        return fail(Errc::Protocol, authorization.identifier + ": the CA offers no http-01 challenge");
      CERTKEEP_TRY(presented_.present({authorization.identifier, challenge->token,
                                       key_authorization(challenge->token, signer->thumbprint())}));
      if (challenge->status == ChallengeStatus::Pending) {
        CERTKEEP_TRY(respond_to_challenge(client_, *challenge));
        say(IssuanceStep::Challenge, authorization.identifier + ": http-01 challenge answered");
        core::failpoint("challenge_answered");
      }
      pending.push_back(std::move(authorization));
    }

    core::Backoff backoff(options_.first_poll, options_.max_poll_interval);
    std::optional<std::chrono::seconds> retry_after;
    while (!pending.empty()) {
      CERTKEEP_TRY(wait(backoff.next(retry_after), "validation"));
      retry_after.reset();
      for (auto it = pending.begin(); it != pending.end();) {
        auto response = client_.post_as_get(it->url);
        if (!response) return fail(std::move(response).error().with_context("poll authorization"));
        Authorization current = CERTKEEP_TRY(parse_json_answer(*response, it->url, "authorization", [&] {
          return parse_authorization(response->body, it->url, &client_);
        }));
        if (response->retry_after) retry_after = response->retry_after;
        if (current.status == AuthorizationStatus::Pending) {
          ++it;
          continue;
        }
        if (const Challenge* challenge = current.http01()) presented_.cleanup(challenge->token);
        if (current.status != AuthorizationStatus::Valid) return authorization_failed(current);
        say(IssuanceStep::Validated, current.identifier + ": valid");
        core::failpoint("authorization_valid");
        it = pending.erase(it);
      }
    }
    return {};
  }

  Result<Order> poll_order(Order order, const std::set<OrderStatus>& waiting) {
    core::Backoff backoff(options_.first_poll, options_.max_poll_interval);
    std::optional<std::chrono::seconds> retry_after;
    while (waiting.count(order.status) != 0) {
      CERTKEEP_TRY(wait(backoff.next(retry_after), "order " + std::string(to_string(order.status))));
      auto response = client_.post_as_get(order.url);
      if (!response) return fail(std::move(response).error().with_context("poll order"));
      retry_after = response->retry_after;
      order = CERTKEEP_TRY(parse_json_answer(
          *response, order.url, "order", [&] { return parse_order(response->body, order.url, &client_); }));
    }
    if (order.status == OrderStatus::Invalid) return order_failed(order);
    return order;
  }

  Result<void> wait(std::chrono::milliseconds interval, const std::string& what) {
    if (client_.clock().now() + interval > deadline_) {
      return fail(Errc::Timeout, "gave up waiting for " + what + " after " +
                                     std::to_string(options_.poll_deadline.count()) + " s");
    }
    core::log::debug("poll " + what + " in " + std::to_string(interval.count()) + " ms");
    if (!client_.clock().sleep_for(interval, options_.stop) || options_.stop.stop_requested())
      return fail(Errc::Cancelled, "stopped while waiting for " + what);
    return {};
  }

  tl::unexpected<Error> authorization_failed(const Authorization& authorization) {
    std::optional<Problem> problem = authorization.failure();
    std::string context = "authorization for " + authorization.identifier + " is " +
                          std::string(to_string(authorization.status));
    if (problem) return fail(Error::from_problem(std::move(*problem)).with_context(context));
    return fail(Errc::CaProblem, context);
  }

  tl::unexpected<Error> order_failed(const Order& order) {
    std::string context = "order " + order.url + " is " + std::string(to_string(order.status));
    if (order.error) return fail(Error::from_problem(*order.error).with_context(context));
    return fail(Errc::CaProblem, context);
  }

  Client& client_;
  const IssuanceRequest& request_;
  const IssuanceOptions& options_;
  const IssuanceObserver& observer_;
  PresentedChallenges presented_;
  core::SystemTime deadline_;
};

}  // namespace

namespace {

// The checks of both verify_issued_certificate variants; `key_matches` checks the public key.
Result<crypto::CertificateInfo> verify_issued(const CertificateChain& chain,
                                              const std::vector<std::string>& names,
                                              const std::function<Result<void>()>& key_matches) {
  crypto::CertificateInfo leaf = CERTKEEP_TRY(crypto::inspect_certificate(chain.leaf_pem));
  const std::string downloaded_from = chain.url.empty() ? "" : " (" + chain.url + ")";
  std::vector<std::string> certified = leaf.dns_names;
  certified.insert(certified.end(), leaf.ip_addresses.begin(), leaf.ip_addresses.end());
  std::set<std::string> asked(names.begin(), names.end());
  std::set<std::string> got(certified.begin(), certified.end());
  if (asked != got)
    return fail(Errc::Protocol, "the CA's certificate names (" + core::join(certified, ", ") +
                                    ") differ from the requested names (" + core::join(names, ", ") + ")" +
                                    downloaded_from);
  if (!key_matches())
    return fail(Errc::Protocol, "the CA's certificate is not for our key" + downloaded_from);
  if (leaf.not_after <= leaf.not_before)
    return fail(Errc::Protocol, "the CA's certificate expires before it starts");
  if (auto linked = crypto::verify_chain_links(chain.leaf_pem, chain.chain_pem); !linked)
    return fail(std::move(linked).error().with_context("the CA's chain does not verify"));
  return leaf;
}

}  // namespace

Result<crypto::CertificateInfo> verify_issued_certificate(const CertificateChain& chain,
                                                          const std::vector<std::string>& names,
                                                          const crypto::PrivateKey& key) {
  return verify_issued(chain, names,
                       [&] { return crypto::check_key_matches_certificate(key, chain.leaf_pem); });
}

Result<crypto::CertificateInfo> verify_issued_certificate_for_csr(const CertificateChain& chain,
                                                                  const std::vector<std::string>& names,
                                                                  std::string_view public_key_der) {
  return verify_issued(chain, names, [&] {
    return crypto::check_public_key_matches_certificate(public_key_der, chain.leaf_pem);
  });
}

Result<void> check_profile(const Directory& directory, std::string_view profile) {
  if (profile.empty() || directory.offers_profile(profile)) return {};
  if (directory.profiles.empty())
    return fail(Errc::InvalidArgument, "the CA offers no profiles, so profile \"" +
                                           core::sanitize_for_terminal(profile, 64) +
                                           "\" cannot be asked for");
  return fail(Errc::InvalidArgument, "the CA does not offer profile \"" +
                                         core::sanitize_for_terminal(profile, 64) +
                                         "\"; it offers: " + directory.profile_names());
}

Result<IssuedChain> issue_certificate(Client& client, Solver& solver, const IssuanceRequest& request,
                                      const IssuanceOptions& options, const IssuanceObserver& observer) {
  if (client.signer() == nullptr || client.kid().empty())
    return fail(Errc::Internal, "issue: the client has no account");
  if (request.csr.has_value() == request.certificate_key.has_value())
    return fail(Errc::Internal, "issue: give either a certificate key or a CSR");
  // The account key must never be the certificate key (LE guide; Pebble rejects it too).
  const bool key_is_account_key =
      request.csr
          ? crypto::same_public_key(client.signer()->key().public_key_der(), request.csr->public_key_der)
          : client.signer()->key().same_public_key(*request.certificate_key);
  if (key_is_account_key) return fail(Errc::InvalidArgument, "issue: the certificate key is the account key");
  for (const std::string& name : request.names)
    if (!core::is_valid_dns_name(name, true) && !core::is_ip_address(name))
      return fail(Errc::InvalidArgument,
                  "issue: invalid DNS name \"" + core::sanitize_for_terminal(name, 80) + "\"");
  if (request.csr && std::set<std::string>(request.csr->names.begin(), request.csr->names.end()) !=
                         std::set<std::string>(request.names.begin(), request.names.end()))
    return fail(Errc::InvalidArgument, "issue: the CSR's names (" + core::join(request.csr->names, ", ") +
                                           ") are not the requested names");
  // Checked before the order, so a profile the CA does not offer costs no request.
  if (auto offered = check_profile(client.directory(), request.profile); !offered)
    return fail(std::move(offered).error().with_context("issue"));
  Flow flow(client, solver, request, options, observer);
  return flow.run();
}

}  // namespace certkeep::acme
