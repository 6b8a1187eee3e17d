// SPDX-License-Identifier: Apache-2.0
#include "acme/client.hpp"

#include "acme/jws.hpp"
#include "acme/problem.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::acme {

namespace {

constexpr std::string_view kJoseJson = "application/jose+json";

std::string describe(std::string_view method, std::string_view url) {
  return std::string(method) + " " + std::string(url.substr(0, 300));
}

}  // namespace

std::string url_origin(std::string_view url) {
  if (!is_https_url(url)) return {};
  std::size_t end = url.find_first_of("/?#", 8);
  return core::to_lower(url.substr(0, end));
}

Result<void> expect_content_type(const AcmeResponse& response, std::string_view expected,
                                 std::string_view what) {
  std::string_view type = response.headers.get("Content-Type").value_or("");
  type = core::trim(type.substr(0, type.find(';')));
  if (!core::iequals(type, expected)) {
    return fail(Errc::Protocol, "malformed response from CA: " + std::string(what) + ": Content-Type is \"" +
                                    core::sanitize_for_terminal(type, 100) + "\", expected " +
                                    std::string(expected));
  }
  return {};
}

Result<std::unique_ptr<Client>> Client::connect(http::Transport& transport, std::string directory_url,
                                                core::Clock& clock, ClientOptions options) {
  if (!is_https_url(directory_url))
    return fail(Errc::InvalidArgument, "ACME directory URL must be https: " + directory_url);
  http::Request request;
  request.url = directory_url;
  auto response = transport.send(request);
  if (!response) return fail(std::move(response).error().with_context("fetch directory"));
  if (response->status != 200) {
    // The CA's Retry-After schedules the next attempt, as for any other request.
    auto retry_after =
        http::parse_retry_after(response->headers.get("Retry-After").value_or(""), clock.now());
    return fail(Error::from_problem(parse_problem(response->body, response->status), retry_after)
                    .with_context("fetch directory " + directory_url));
  }
  auto directory = parse_directory(response->body);
  if (!directory) return fail(std::move(directory).error().with_context(directory_url));
  auto client =
      std::make_unique<Client>(transport, std::move(directory_url), std::move(*directory), clock, options);
  if (auto nonce = response->headers.get("Replay-Nonce")) client->nonces_.add(*nonce);
  // Every URL of the directory must share its origin (docs/reliability.md C).
  for (const std::string* url :
       {&client->directory_.new_nonce, &client->directory_.new_account, &client->directory_.new_order}) {
    CERTKEEP_TRY(client->check_url(*url));
  }
  return client;
}

Client::Client(http::Transport& transport, std::string directory_url, Directory directory, core::Clock& clock,
               ClientOptions options)
    : transport_(transport),
      directory_url_(std::move(directory_url)),
      origin_(url_origin(directory_url_)),
      directory_(std::move(directory)),
      clock_(clock),
      options_(options) {}

void Client::set_account(std::shared_ptr<const crypto::Signer> signer, std::string kid) {
  signer_ = std::move(signer);
  kid_ = std::move(kid);
}

Result<void> Client::check_url(std::string_view url) const {
  if (!is_https_url(url))
    return fail(Errc::Protocol,
                "malformed response from CA: URL is not https: " + core::sanitize_for_terminal(url, 200));
  if (url_origin(url) != origin_) {
    return fail(Errc::Protocol, "CA sent a URL on another host: " + core::sanitize_for_terminal(url, 200) +
                                    " (directory is " + origin_ + ")");
  }
  return {};
}

Result<std::string> Client::next_nonce() {
  if (auto nonce = nonces_.take()) return *nonce;
  // RFC 8555 §7.2: HEAD newNonce, only when the pool has run dry.
  ++stats_.nonce_fetches;
  http::Request request;
  request.method = "HEAD";
  request.url = directory_.new_nonce;
  auto response = transport_.send(request);
  if (!response) return fail(std::move(response).error().with_context("new-nonce"));
  auto nonce = response->headers.get("Replay-Nonce");
  if (!nonce || !nonces_.add(*nonce)) {
    return fail(Errc::Protocol, "malformed response from CA: new-nonce: HTTP " +
                                    std::to_string(response->status) + " without a valid Replay-Nonce");
  }
  return *nonces_.take();
}

Result<AcmeResponse> Client::to_acme_response(const std::string& method, std::string_view url,
                                              http::Response response) {
  AcmeResponse out;
  out.status = response.status;
  out.retry_after = http::parse_retry_after(response.headers.get("Retry-After").value_or(""), clock_.now());
  out.links = http::parse_link_headers(response.headers.get_all("Link"));
  out.body = std::move(response.body);
  out.headers = std::move(response.headers);
  if (auto location = out.headers.get("Location")) {
    out.location = std::string(*location);
    if (out.status < 300) {
      if (auto ok = check_url(out.location); !ok)
        return fail(std::move(ok).error().with_context(describe(method, url) + ": Location"));
    }
  }
  if (out.status >= 300 && out.status < 400) {
    return fail(Errc::Protocol, describe(method, url) + ": unexpected redirect (HTTP " +
                                    std::to_string(out.status) + "), not followed");
  }
  return out;
}

Result<AcmeResponse> Client::post(std::string_view url, std::string_view payload, std::size_t max_body,
                                  bool use_jwk) {
  return signed_post(url, payload, max_body, use_jwk, 0);
}

Result<AcmeResponse> Client::post_passing(std::string_view url, std::string_view payload, int passed_status) {
  return signed_post(url, payload, kMaxJsonBody, false, passed_status);
}

Result<AcmeResponse> Client::signed_post(std::string_view url, std::string_view payload, std::size_t max_body,
                                         bool use_jwk, int passed_status) {
  if (!signer_) return fail(Errc::Internal, "POST " + std::string(url) + ": no account key");
  CERTKEEP_TRY(check_url(url));
  if (!use_jwk && kid_.empty())
    return fail(Errc::Internal, "POST " + std::string(url) + ": no account URL yet");

  const auto started = clock_.now();
  for (int attempt = 0;; ++attempt) {
    std::string nonce = CERTKEEP_TRY(next_nonce());
    http::Request request;
    request.method = "POST";
    request.url = std::string(url);
    request.max_body_bytes = max_body;
    request.headers.add("Content-Type", std::string(kJoseJson));
    request.body = CERTKEEP_TRY(sign_jws(*signer_, {url, nonce, use_jwk ? "" : kid_}, payload));
    ++stats_.signed_requests;

    auto sent = transport_.send(request);
    if (!sent) return fail(std::move(sent).error());  // the transport names the method and URL
    if (auto fresh = sent->headers.get("Replay-Nonce")) nonces_.add(*fresh);
    AcmeResponse response = CERTKEEP_TRY(to_acme_response("POST", url, std::move(*sent)));
    if (response.status < 400 || response.status == passed_status) return response;

    Problem problem = parse_problem(response.body, response.status);
    bool within_budget = clock_.now() - started < options_.bad_nonce_budget;
    // RFC 8555 §6.5: a badNonce error carries a fresh nonce; retry with it.
    if (problem.is("badNonce") && attempt < options_.max_bad_nonce_retries && within_budget) {
      ++stats_.bad_nonce_retries;
      core::log::debug("badNonce from " + std::string(url) + ", retry " + std::to_string(attempt + 1));
      continue;
    }
    return fail(
        Error::from_problem(std::move(problem), response.retry_after).with_context(describe("POST", url)));
  }
}

Result<AcmeResponse> Client::post_as_get(std::string_view url, std::size_t max_body) {
  return post(url, "", max_body);
}

Result<AcmeResponse> Client::get(std::string_view url, std::size_t max_body) {
  CERTKEEP_TRY(check_url(url));
  http::Request request;
  request.url = std::string(url);
  request.max_body_bytes = max_body;
  auto sent = transport_.send(request);
  if (!sent) return fail(std::move(sent).error());  // the transport names the method and URL
  if (auto fresh = sent->headers.get("Replay-Nonce")) nonces_.add(*fresh);
  AcmeResponse response = CERTKEEP_TRY(to_acme_response("GET", url, std::move(*sent)));
  if (response.status >= 400) {
    return fail(Error::from_problem(parse_problem(response.body, response.status), response.retry_after)
                    .with_context(describe("GET", url)));
  }
  return response;
}

}  // namespace certkeep::acme
