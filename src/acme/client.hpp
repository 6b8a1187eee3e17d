// SPDX-License-Identifier: Apache-2.0
// Client: signed requests to one ACME CA over one Transport. Owns the nonce pool and the
// badNonce retry; turns CA errors into Error::from_problem with the CA's problem document.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/directory.hpp"
#include "acme/nonce_pool.hpp"
#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "crypto/signer.hpp"
#include "http/header_parsing.hpp"
#include "http/transport.hpp"

namespace certkeep::acme {

inline constexpr std::size_t kMaxJsonBody = 256 * 1024;
inline constexpr std::size_t kMaxCertificateBody = 1024 * 1024;

struct AcmeResponse {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::string location;  // Location header, checked to be https
  std::optional<std::chrono::seconds> retry_after;
  std::vector<http::Link> links;
};

struct ClientOptions {
  // badNonce is retried with a fresh nonce up to this many times per request, within the
  // time budget. Pebble rejects 5% of nonces by default and tests run it at 50%.
  int max_bad_nonce_retries = 25;
  std::chrono::seconds bad_nonce_budget{60};
};

struct ClientStats {
  std::size_t signed_requests = 0;
  std::size_t nonce_fetches = 0;
  std::size_t bad_nonce_retries = 0;
};

// Not thread-safe (one Transport). Use one Client per concurrent flow; they may share a
// Directory and an account Signer.
class Client {
 public:
  // GETs the directory at `directory_url` (https only). Errc::Protocol for a malformed one.
  static Result<std::unique_ptr<Client>> connect(http::Transport& transport, std::string directory_url,
                                                 core::Clock& clock, ClientOptions options = {});
  // With an already-fetched directory (bulk renewal reuses it).
  Client(http::Transport& transport, std::string directory_url, Directory directory, core::Clock& clock,
         ClientOptions options = {});

  const Directory& directory() const noexcept { return directory_; }
  const std::string& directory_url() const noexcept { return directory_url_; }
  core::Clock& clock() const noexcept { return clock_; }
  const ClientStats& stats() const noexcept { return stats_; }

  // The account that signs requests. `kid` empty until the account exists.
  void set_account(std::shared_ptr<const crypto::Signer> signer, std::string kid);
  void set_kid(std::string kid) { kid_ = std::move(kid); }
  const crypto::Signer* signer() const noexcept { return signer_.get(); }
  const std::string& kid() const noexcept { return kid_; }

  // Signed POST with the account's kid (or its jwk when `use_jwk`). A 4xx/5xx answer becomes
  // Errc::CaProblem with the parsed problem document and Retry-After. Redirects are errors.
  Result<AcmeResponse> post(std::string_view url, std::string_view payload,
                            std::size_t max_body = kMaxJsonBody, bool use_jwk = false);
  // The same, except that an answer with status `passed_status` (e.g. keyChange's 409, whose
  // Location names the other account) is returned instead of turned into an error.
  Result<AcmeResponse> post_passing(std::string_view url, std::string_view payload, int passed_status);
  // RFC 8555 §6.3 POST-as-GET.
  Result<AcmeResponse> post_as_get(std::string_view url, std::size_t max_body = kMaxJsonBody);
  // Unauthenticated GET (directory, ARI renewalInfo).
  Result<AcmeResponse> get(std::string_view url, std::size_t max_body = kMaxJsonBody);

  // Refuses URLs that are not https or not on the directory's origin (scheme, host, port).
  Result<void> check_url(std::string_view url) const;

 private:
  Result<std::string> next_nonce();
  Result<AcmeResponse> signed_post(std::string_view url, std::string_view payload, std::size_t max_body,
                                   bool use_jwk, int passed_status);
  Result<AcmeResponse> to_acme_response(const std::string& method, std::string_view url,
                                        http::Response response);

  http::Transport& transport_;
  std::string directory_url_;
  std::string origin_;
  Directory directory_;
  core::Clock& clock_;
  ClientOptions options_;
  NoncePool nonces_;
  std::shared_ptr<const crypto::Signer> signer_;
  std::string kid_;
  ClientStats stats_;
};

// The "scheme://host[:port]" part of an https URL, lowercased; empty when not https.
std::string url_origin(std::string_view url);

// Errc::Protocol unless the Content-Type's media type is `expected` (parameters ignored).
Result<void> expect_content_type(const AcmeResponse& response, std::string_view expected,
                                 std::string_view what);

// `parse()` of a JSON answer from `url`, once its Content-Type is checked. A refusal names the
// URL, so two malformed answers of the same kind (an order from new-order, from finalize, from
// a poll) say which request they came from.
template <class Parse>
auto parse_json_answer(const AcmeResponse& response, std::string_view url, std::string_view what,
                       Parse&& parse) -> decltype(parse()) {
  auto parsed = [&]() -> decltype(parse()) {
    if (auto checked = expect_content_type(response, "application/json", what); !checked)
      return tl::unexpected(std::move(checked).error());
    return parse();
  }();
  if (!parsed)
    return tl::unexpected(std::move(parsed).error().with_context("answer from " + std::string(url)));
  return parsed;
}

}  // namespace certkeep::acme
