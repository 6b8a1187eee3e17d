// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/server_ca_pin.hpp"

#include <cctype>

#include "core/result_macros.hpp"
#include "crypto/ca_checksum.hpp"
#include "crypto/certificate.hpp"
#include "crypto/trust_roots.hpp"
#include "http/curl_transport.hpp"

namespace certkeep::lifecycle {

namespace {

// Turns the handshake failure a pin caused into an error naming both checksums.
class PinnedTransport final : public http::Transport {
 public:
  PinnedTransport(std::unique_ptr<http::Transport> inner, std::shared_ptr<crypto::ServerCaPin> pin)
      : inner_(std::move(inner)), pin_(std::move(pin)) {}

  Result<http::Response> send(const http::Request& request) override {
    auto response = inner_->send(request);
    if (response || !pin_->take_mismatch()) return response;
    const std::string top = pin_->last_top().value_or("");
    std::string seen = crypto::ca_checksum(top);
    if (auto info = crypto::inspect_certificate(top)) seen += " (" + info->subject_cn + ")";
    return fail(Errc::Network, "TLS to " + request.url +
                                   ": the server's chain ends in the CA with checksum " + seen +
                                   ", not the pinned " + pin_->expected() + " (--server-ca-checksum)");
  }
  http::TransportStats stats() const override { return inner_->stats(); }

 private:
  std::unique_ptr<http::Transport> inner_;
  std::shared_ptr<crypto::ServerCaPin> pin_;
};

Result<http::CurlOptions> curl_options(const std::filesystem::path& ca_bundle,
                                       const std::shared_ptr<crypto::ServerCaPin>& pin) {
  http::CurlOptions options;
  std::shared_ptr<const crypto::TrustRoots> roots;
  // Added to the system roots of each TLS context, not in their place (crypto/trust_roots.hpp).
  if (!ca_bundle.empty())
    roots = std::make_shared<const crypto::TrustRoots>(CERTKEEP_TRY(crypto::TrustRoots::load(ca_bundle)));
  if (roots || pin)
    options.configure_tls_context = [roots, pin](void* ssl_ctx) {
      return (!roots || roots->add_to(ssl_ctx)) && (!pin || pin->install(ssl_ctx));
    };
  return options;
}

}  // namespace

Result<std::string> check_server_ca_checksum(const std::string& text) {
  if (!crypto::is_ca_checksum(text))
    return fail(Errc::InvalidArgument,
                "--server-ca-checksum must be 64 hex digits (`certkeep ca checksum`), not \"" + text + "\"");
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string ca_checksum_of(std::string_view pem_text) { return crypto::ca_checksum(pem_text); }
std::string kubeconfig_data_of(std::string_view pem_text) { return crypto::kubeconfig_ca_data(pem_text); }

Result<std::unique_ptr<http::Transport>> make_ca_transport(const std::filesystem::path& ca_bundle,
                                                           const std::string& server_ca_checksum) {
  std::shared_ptr<crypto::ServerCaPin> pin;
  if (!server_ca_checksum.empty())
    pin = std::make_shared<crypto::ServerCaPin>(CERTKEEP_TRY(check_server_ca_checksum(server_ca_checksum)));
  std::unique_ptr<http::Transport> transport =
      CERTKEEP_TRY(http::make_curl_transport(CERTKEEP_TRY(curl_options(ca_bundle, pin))));
  if (!pin) return transport;
  return std::unique_ptr<http::Transport>(std::make_unique<PinnedTransport>(std::move(transport), pin));
}

std::string last_chain_certificate(std::string_view chain_pem) { return crypto::last_certificate(chain_pem); }

std::string chain_root_checksum(std::string_view chain_pem) {
  const std::string top = crypto::last_certificate(chain_pem);
  return top.empty() ? std::string() : crypto::ca_checksum(top);
}

std::string describe_chain_root(std::string_view chain_pem) {
  const std::string top = crypto::last_certificate(chain_pem);
  if (top.empty()) return {};
  auto info = crypto::inspect_certificate(top);
  return (info ? "\"" + info->subject_cn + "\" " : std::string()) + "(sha256 " + crypto::ca_checksum(top) +
         ")";
}

Result<std::string> server_ca_certificate(const std::string& url, const std::filesystem::path& ca_bundle) {
  auto recorder = std::make_shared<crypto::ServerCaPin>("");
  std::unique_ptr<http::Transport> transport =
      CERTKEEP_TRY(http::make_curl_transport(CERTKEEP_TRY(curl_options(ca_bundle, recorder))));
  http::Request request;
  request.url = url;
  if (auto response = transport->send(request); !response) return fail(std::move(response).error());
  auto top = recorder->last_top();
  if (!top) return fail(Errc::Network, url + ": no verified TLS chain");
  return *top;
}

}  // namespace certkeep::lifecycle
