// SPDX-License-Identifier: Apache-2.0
#include "acme/issuance.hpp"

#include <set>

#include "acme/authorization.hpp"
#include "acme/order.hpp"
#include "acme/presented_challenges.hpp"
#include "core/backoff.hpp"
#include "core/failpoint.hpp"
#include "core/ip_address.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/csr.hpp"

namespace certkeep::acme {

namespace {

class Flow {
 public:
  Flow(Client& client, const SolverMap& solvers, const IssuanceRequest& request, const IssuanceOptions& options,
       const IssuanceObserver& observer)
      : client_(client),
        solvers_(solvers),
        request_(request),
        options_(options),
        observer_(observer),
        deadline_(client.clock().now() + options.poll_deadline) {}

  Result<IssuedChain> run() {
    CERTKEEP_TRY(check_solvers());
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

  // Every solver checks its names before the CA is asked for anything, so a setup that cannot
  // work (a wrong TSIG key, a refused zone) leaves no order behind.
  Result<void> check_solvers() {
    std::map<Solver*, std::vector<std::string>> names_of;
    for (const std::string& name : request_.names) {
      Solver* solver = CERTKEEP_TRY(solver_for(name));
      names_of[solver].push_back(name);
    }
    for (auto& [solver, names] : names_of) CERTKEEP_TRY(solver->check(names));
    return {};
  }

  Result<Solver*> solver_for(std::string_view ordered_name) const {
    auto it = solvers_.find(ordered_name);
    if (it == solvers_.end() || it->second == nullptr)
      return fail(Errc::InvalidArgument,
                  "no challenge method for " + core::sanitize_for_terminal(ordered_name, 80));
    return it->second;
  }

  // Presents every pending authorization's challenge (one batch per solver), waits until each
  // solver is ready, answers them, then polls them together: the CA validates them in
  // parallel, so one slow name does not serialize the others. Cleans up before returning.
  Result<void> authorize(const Order& order) {
    const crypto::Signer* signer = client_.signer();
    std::vector<std::pair<Authorization, Challenge>> pending;
    for (const std::string& url : order.authorizations) {
      Authorization authorization = CERTKEEP_TRY(fetch_authorization(client_, url));
      if (authorization.status == AuthorizationStatus::Valid) {
        say(IssuanceStep::Challenge, authorization.identifier + ": already authorized");
        continue;  // never answer a challenge of a valid authorization (docs/reliability.md)
      }
      if (authorization.status != AuthorizationStatus::Pending) return authorization_failed(authorization);
      const std::string ordered = (authorization.wildcard ? "*." : "") + core::to_lower(authorization.identifier);
      Solver* solver = CERTKEEP_TRY(solver_for(ordered));
      const Challenge* challenge = authorization.find(solver->type());
      if (challenge == nullptr)
        return fail(Errc::CaProblem, core::sanitize_for_terminal(ordered, 80) + ": the CA offers no " +
                                         std::string(to_string(solver->type())) + " challenge (it offers " +
                                         authorization.offered_types() + ")");
      presented_.add(*solver, solver_challenge(authorization, *challenge, signer->thumbprint()));
      pending.emplace_back(std::move(authorization), *challenge);
    }
    CERTKEEP_TRY(presented_.present_and_wait(options_.stop));
    for (const auto& [authorization, challenge] : pending) {
      if (challenge.status != ChallengeStatus::Pending) continue;  // a resumed order: already answered
      CERTKEEP_TRY(respond_to_challenge(client_, challenge));
      say(IssuanceStep::Challenge, authorization.identifier + ": " + challenge.type + " challenge answered");
      core::failpoint("challenge_answered");
    }

    core::Backoff backoff(options_.first_poll, options_.max_poll_interval);
    std::optional<std::chrono::seconds> retry_after;
    while (!pending.empty()) {
      CERTKEEP_TRY(wait(backoff.next(retry_after), "validation"));
      retry_after.reset();
      for (auto it = pending.begin(); it != pending.end();) {
        const std::string& url = it->first.url;
        auto response = client_.post_as_get(url);
        if (!response) return fail(std::move(response).error().with_context("poll authorization"));
        Authorization current = CERTKEEP_TRY(parse_json_answer(
            *response, url, "authorization", [&] { return parse_authorization(response->body, url, &client_); }));
        if (response->retry_after) retry_after = response->retry_after;
        if (current.status == AuthorizationStatus::Pending) {
          ++it;
          continue;
        }
        if (current.status != AuthorizationStatus::Valid) return authorization_failed(current);
        say(IssuanceStep::Validated, current.identifier + ": valid");
        core::failpoint("authorization_valid");
        it = pending.erase(it);
      }
    }
    presented_.cleanup_all();
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
  const SolverMap& solvers_;
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

SolverMap one_solver_for(const std::vector<std::string>& names, Solver& solver) {
  SolverMap solvers;
  for (const std::string& name : names) solvers.emplace(name, &solver);
  return solvers;
}

Result<IssuedChain> issue_certificate(Client& client, Solver& solver, const IssuanceRequest& request,
                                      const IssuanceOptions& options, const IssuanceObserver& observer) {
  return issue_certificate(client, one_solver_for(request.names, solver), request, options, observer);
}

Result<IssuedChain> issue_certificate(Client& client, const SolverMap& solvers, const IssuanceRequest& request,
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
  Flow flow(client, solvers, request, options, observer);
  return flow.run();
}

}  // namespace certkeep::acme
