// SPDX-License-Identifier: Apache-2.0
// Whole CA responses through the ACME Client, as the transport hands them over: status line,
// headers (Location, Replay-Nonce, Retry-After, Link, Content-Type) and body, for each kind
// of request a flow makes. Covers Client::to_acme_response, the nonce pool, the problem →
// Error path, and the resource parsers behind new_account, fetch_order, fetch_authorization,
// fetch_renewal_info, download_certificate and Client::connect.
//
// Input: one byte choosing the request, then an HTTP/1.1 response as text:
//   "\x01HTTP/1.1 201 Created\r\nLocation: https://…\r\n\r\n{…}"
#include <cstdint>
#include <memory>

#include "acme/account.hpp"
#include "acme/authorization.hpp"
#include "acme/certificate_download.hpp"
#include "acme/order.hpp"
#include "acme/renewal_info.hpp"
#include "crypto/signer.hpp"
#include "fuzz_check.hpp"
#include "fuzz_client.hpp"

using namespace certkeep;

namespace {

constexpr std::string_view kNonce = "ZnV6ei1ub25jZQ";

// Harness only (not under test): splits the input into status, headers and body.
http::Response parse_response_text(std::string_view text) {
  http::Response response;
  auto next_line = [&text]() {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::string_view status_line = next_line();
  if (std::size_t space = status_line.find(' '); space != std::string_view::npos) {
    for (std::size_t i = space + 1; i < status_line.size() && i < space + 4; ++i) {
      if (status_line[i] < '0' || status_line[i] > '9') break;
      response.status = response.status * 10 + (status_line[i] - '0');
    }
  }
  while (!text.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  response.body = std::string(text);
  return response;
}

// Every HEAD newNonce gets a fresh nonce; every other request gets the fuzzed response, with
// the real transport's body cap. A bounded number of requests stops any retry loop.
class ScriptedTransport final : public http::Transport {
 public:
  explicit ScriptedTransport(http::Response reply) : reply_(std::move(reply)) {}
  Result<http::Response> send(const http::Request& request) override {
    FUZZ_CHECK(request.url.starts_with("https://"), "the client only ever asks for https URLs");
    if (++requests_ > 64) return fail(Errc::Network, "fuzz: request budget spent");
    if (request.method == "HEAD") {
      http::Response nonce;
      nonce.status = 200;
      nonce.headers.add("Replay-Nonce", std::string(kNonce));
      return nonce;
    }
    if (reply_.body.size() > request.max_body_bytes)
      return fail(Errc::Protocol, "body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
    return reply_;
  }
  http::TransportStats stats() const override { return {static_cast<std::size_t>(requests_), 1}; }
  int requests() const { return requests_; }

 private:
  http::Response reply_;
  int requests_ = 0;
};

std::shared_ptr<const crypto::Signer> account_signer() {
  static const std::shared_ptr<const crypto::Signer> signer = [] {
    auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256);
    FUZZ_CHECK(key.has_value(), "generate the account key");
    auto created = crypto::Signer::create(*key);
    FUZZ_CHECK(created.has_value(), "create the signer");
    return std::make_shared<const crypto::Signer>(std::move(*created));
  }();
  return signer;
}

void check_error(const Error& error) {
  FUZZ_CHECK_BUG("raw-ca-text", fuzz::terminal_safe(error.to_string()),
                 "the error the CLI prints escapes the CA's control characters");
  if (error.problem()) {
    FUZZ_CHECK(error.code() == Errc::CaProblem, "a problem document is Errc::CaProblem");
    FUZZ_CHECK(error.problem()->subproblems.size() <= 100, "subproblems are bounded");
  }
  if (auto retry = error.retry_after()) {
    FUZZ_CHECK(*retry >= std::chrono::seconds(0) && *retry <= std::chrono::seconds(86400),
               "Retry-After is clamped to [0, 1 day]");
  }
}

bool on_ca_origin(std::string_view url) {
  return acme::url_origin(url) == acme::url_origin(fuzz::kDirectoryUrl);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (fuzz::skip_unrepresentable_years(fuzz::as_text(data, size))) return 0;
  const int operation = data[0] % 7;
  ScriptedTransport transport(parse_response_text(fuzz::as_text(data + 1, size - 1)));
  fuzz::FixedClock clock;
  acme::ClientOptions options;
  options.max_bad_nonce_retries = 2;  // each retry repeats the same reply: two show the loop ends
  acme::Client client(transport, std::string(fuzz::kDirectoryUrl), fuzz::fixed_directory(), clock, options);
  client.set_account(account_signer(), "https://ca.example:14000/my-account/7");
  const std::string order_url = "https://ca.example:14000/my-order/1";

  switch (operation) {
    case 0: {
      client.set_kid("");
      auto account = acme::new_account(client, {{"mailto:ops@example.com"}, true, false});
      if (!account) {
        check_error(account.error());
        break;
      }
      FUZZ_CHECK(on_ca_origin(account->url), "the account URL (kid) is on the CA's origin");
      FUZZ_CHECK(client.kid() == account->url, "a new account sets the client's kid");
      FUZZ_CHECK(account->contact.size() <= 16, "contacts are bounded");
      break;
    }
    case 1: {
      auto order = acme::fetch_order(client, order_url);
      if (!order) {
        check_error(order.error());
        break;
      }
      FUZZ_CHECK(order->url == order_url, "a fetched order keeps its URL");
      FUZZ_CHECK(on_ca_origin(order->finalize), "finalize is on the CA's origin");
      break;
    }
    case 2: {
      auto authorization = acme::fetch_authorization(client, "https://ca.example:14000/authz/1");
      if (!authorization) {
        check_error(authorization.error());
        break;
      }
      if (const acme::Challenge* http01 = authorization->find(certkeep::ChallengeType::Http01))
        FUZZ_CHECK(http01->token.size() >= 22 && fuzz::all_base64url(http01->token),
                   "an http-01 token is base64url");
      break;
    }
    case 3: {
      auto info = acme::fetch_renewal_info(client, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
      if (!info) {
        check_error(info.error());
        break;
      }
      FUZZ_CHECK(info->window_start <= info->window_end, "the window is ordered");
      FUZZ_CHECK(
          info->retry_after >= std::chrono::seconds(3600) && info->retry_after <= std::chrono::seconds(86400),
          "ARI Retry-After is clamped to [1 h, 1 day]");
      break;
    }
    case 4: {
      auto chain = acme::download_certificate(client, "https://ca.example:14000/certZ/1", "Pebble Root CA");
      if (!chain) {
        check_error(chain.error());
        break;
      }
      FUZZ_CHECK(chain->leaf_pem.starts_with("-----BEGIN CERTIFICATE-----\n"),
                 "the leaf is a re-encoded PEM block");
      FUZZ_CHECK(on_ca_origin(chain->url), "every chain we follow is on the CA's origin");
      // The default chain plus at most kMaxAlternateChains alternates, each fetched once.
      FUZZ_CHECK(transport.requests() <= 2 * (1 + static_cast<int>(acme::kMaxAlternateChains)),
                 "alternate chains are bounded");
      break;
    }
    case 5: {
      acme::Challenge challenge;
      challenge.type = "http-01";
      challenge.url = "https://ca.example:14000/chal/1";
      auto responded = acme::respond_to_challenge(client, challenge);
      if (!responded) check_error(responded.error());
      break;
    }
    case 6: {
      auto connected = acme::Client::connect(transport, std::string(fuzz::kDirectoryUrl), clock);
      if (!connected) {
        check_error(connected.error());
        break;
      }
      const acme::Directory& directory = (*connected)->directory();
      FUZZ_CHECK(on_ca_origin(directory.new_nonce) && on_ca_origin(directory.new_account) &&
                     on_ca_origin(directory.new_order),
                 "a connected client's directory URLs are on the directory's origin");
      break;
    }
  }
  FUZZ_CHECK(client.stats().bad_nonce_retries <= 2, "badNonce retries stop at the limit");
  return 0;
}
