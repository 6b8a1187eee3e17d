// SPDX-License-Identifier: Apache-2.0
// FakeAcmeCa: an in-process ACME CA behind http::Transport, for what Pebble cannot produce
// (ARI windows, Retry-After, 429/503, malformed or hostile answers, a CA that dies mid-order).
// Tests that use it say "fake CA" in their names and carry the [fake-ca] tag.
//
// It follows RFC 8555's state machine (nonces, accounts, orders, authorizations, http-01,
// finalize, download, revoke, ARI) closely enough to drive the real engine. It checks every
// request's nonce (single use) and URL from the JWS protected header; it does not verify JWS
// signatures (tests/acme/jws_test.cpp and Pebble do).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <utility>

#include <rapidjson/document.h>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_ca.hpp"
#include "http/transport.hpp"

namespace certkeep::testing {

struct FakeCaOptions {
  bool renewal_info = false;  // advertise renewalInfo
  std::string ari_window_start = "2020-01-01T00:00:00Z";
  std::string ari_window_end = "2020-01-02T00:00:00Z";
  std::string terms_of_service;        // meta.termsOfService when set
  int bad_nonces = 0;                  // answer this many signed requests with badNonce
  int finalize_processing_polls = 0;   // order stays "processing" for this many polls
  std::string processing_retry_after;  // Retry-After header while processing
  bool validation_fails = false;       // every http-01 validation fails
  bool authorizations_valid = false;   // authorizations start valid (reused)
  // The challenge types each authorization offers, in order (a wildcard gets dns-01 only, as
  // Let's Encrypt and Pebble do).
  std::vector<std::string> challenge_types{"http-01"};
  std::chrono::hours validity{24 * 90};
  // External Account Binding (RFC 8555 §7.3.4): the MAC keys (kid → raw key bytes) it
  // verifies bindings with, and whether the directory says a binding is required.
  std::map<std::string, std::string> eab_keys;
  bool external_account_required = false;
  // meta.profiles (name → description); a newOrder naming another profile gets invalidProfile.
  std::vector<std::pair<std::string, std::string>> profiles;
  bool key_change = true;  // advertise keyChange
  // Called on every response before it is returned: tests corrupt answers here. `kind` is
  // the resource: directory, new-nonce, new-account, new-order, order, authorization,
  // challenge, finalize, certificate, revoke, renewal-info.
  std::function<void(std::string_view kind, http::Response&)> tamper;
  // Called before a request is handled; returning a value answers with it instead (429, 503,
  // a dropped connection as an Error, …).
  std::function<std::optional<Result<http::Response>>(std::string_view kind, const http::Request&)> intercept;
};

class FakeAcmeCa final : public http::Transport {
 public:
  static constexpr const char* kDirectoryUrl = "https://ca.fake.test/dir";

  explicit FakeAcmeCa(FakeCaOptions options = {});
  Result<http::Response> send(const http::Request& request) override;
  http::TransportStats stats() const override { return stats_; }

  // How the CA's validator "fetches" http://<identifier>/.well-known/acme-challenge/<token>:
  // the test wires it to its solver. Unset: validation fails.
  std::function<std::optional<std::string>(const std::string& identifier, const std::string& token)> serve;
  // How it "looks up" the TXT values of a dns-01 record name ("_acme-challenge.<identifier>").
  std::function<std::vector<std::string>(const std::string& record_name)> serve_dns;
  // How it "handshakes" with acme-tls/1 for tls-alpn-01: the certificate (PEM) presented for
  // the identifier, whose acmeIdentifier must hold SHA-256 of the key authorization.
  std::function<std::optional<std::string>(const std::string& identifier)> serve_tls_alpn;
  // The challenge types answered, in order ("dns-01 *.example.com").
  const std::vector<std::string>& validated() const noexcept { return validated_; }

  // Requests seen per resource kind.
  int count(std::string_view kind) const;
  const std::vector<std::string>& replaces_seen() const noexcept { return replaces_seen_; }
  // The "profile" of every newOrder ("" when it had none), and each identifier as "type:value".
  const std::vector<std::string>& profiles_seen() const noexcept { return profiles_seen_; }
  const std::vector<std::string>& identifiers_seen() const noexcept { return identifiers_seen_; }
  // The EAB key id each account was bound with ("" when none).
  std::string binding_of(const std::string& kid) const;
  // The account registered for this RFC 7638 canonical JWK, or "".
  std::string account_of_key(const std::string& canonical_jwk) const;
  // "valid" or "deactivated"; "" for an unknown account.
  std::string account_status(const std::string& kid) const;
  int key_changes() const noexcept { return key_changes_; }
  const std::string& root_pem() const noexcept { return ca_.cert_pem; }
  // Forget every account and order, as a restarted Pebble does.
  void forget_state();
  FakeCaOptions& options() noexcept { return options_; }

 private:
  struct Account {
    std::string canonical_jwk;
    std::string thumbprint;
    std::string status = "valid";
    std::vector<std::string> contact;
    std::string binding;  // EAB kid
  };
  struct Order {
    std::vector<std::string> names;
    std::vector<std::string> types;  // "dns" or "ip", per name
    std::vector<int> authorizations;
    std::string status = "pending";
    int processing_polls_left = 0;
    std::string certificate_pem;
    std::string account;
  };
  struct Authorization {
    std::string name;  // the identifier, without "*."
    bool wildcard = false;
    std::string type = "dns";
    std::string status = "pending";
    std::string token;
    std::string challenge_status = "pending";
    std::string error_json;
  };

  http::Response handle(const http::Request& request, std::string& kind);
  http::Response handle_signed(const http::Request& request, std::string& kind);
  http::Response problem(int status, std::string_view type, std::string_view detail);
  http::Response json(int status, std::string body);
  std::string new_nonce();
  std::string order_json(int id) const;
  std::string authorization_json(int id) const;
  void refresh_order(int id);
  http::Response handle_new_account(const rapidjson::Value& header, const rapidjson::Value& body,
                                    const http::Request& request);
  http::Response handle_account(const std::string& kid, const rapidjson::Value& body, bool post_as_get);
  http::Response handle_key_change(const std::string& kid, const rapidjson::Value& body,
                                   const http::Request& request);
  std::optional<http::Response> check_binding(const rapidjson::Value& binding,
                                              const std::string& canonical_jwk, const std::string& url,
                                              std::string& bound_kid);
  std::string account_json(const std::string& kid) const;

  FakeCaOptions options_;
  crypto::CaMaterial ca_;
  http::TransportStats stats_;
  std::map<std::string, int, std::less<>> counts_;
  std::set<std::string> nonces_;
  int nonce_counter_ = 0;
  std::map<std::string, Account> accounts_;  // kid → account
  std::map<std::string, std::string> jwk_to_kid_;
  std::map<int, Order> orders_;
  std::map<int, Authorization> authorizations_;
  std::vector<std::string> replaces_seen_;
  std::vector<std::string> validated_;
  std::vector<std::string> profiles_seen_;
  std::vector<std::string> identifiers_seen_;
  int next_id_ = 1;
  int key_changes_ = 0;
};

// A Transport handing each request to `ca`, one at a time (the fake CA is not thread-safe): what a
// Manager or renewer owns as its transport while the test keeps the CA to look at.
class ForwardingTransport final : public http::Transport {
 public:
  explicit ForwardingTransport(FakeAcmeCa& ca) : ca_(ca) {}
  Result<http::Response> send(const http::Request& request) override;
  http::TransportStats stats() const override { return {}; }

 private:
  FakeAcmeCa& ca_;
};

}  // namespace certkeep::testing
