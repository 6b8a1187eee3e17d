// SPDX-License-Identifier: Apache-2.0
// The ACME directory (RFC 8555 §7.1.1): the CA's resource URLs and metadata.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::acme {

// An ACME profile the CA offers (draft-aaron-acme-profiles): its name and the CA's
// description (often a URL), as the directory's meta.profiles maps them.
struct Profile {
  std::string name;
  std::string description;
  friend bool operator==(const Profile&, const Profile&) = default;
};

inline constexpr std::size_t kMaxProfiles = 32;

struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;
  std::string key_change;
  std::string renewal_info;  // RFC 9773 ARI; empty when the CA has none
  std::string terms_of_service;
  bool external_account_required = false;
  std::vector<Profile> profiles;  // meta.profiles, in the CA's order (at most kMaxProfiles)

  bool has_renewal_info() const noexcept { return !renewal_info.empty(); }
  bool offers_profile(std::string_view name) const noexcept;
  // "classic, shortlived, tlsserver", or "none" when the CA offers no profiles.
  std::string profile_names() const;
};

// Errc::Protocol when a required URL is missing or any URL is not https.
Result<Directory> parse_directory(std::string_view body);

// True for an absolute "https://host…" URL without control characters or spaces.
bool is_https_url(std::string_view url) noexcept;

// The well-known CA names the CLI accepts for --server.
inline constexpr std::string_view kLetsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory";
inline constexpr std::string_view kLetsEncryptStaging =
    "https://acme-staging-v02.api.letsencrypt.org/directory";
// CAs that require External Account Binding.
inline constexpr std::string_view kZeroSsl = "https://acme.zerossl.com/v2/DV90";
inline constexpr std::string_view kGoogleTrustServices = "https://dv.acme-v02.api.pki.goog/directory";
inline constexpr std::string_view kGoogleTrustServicesStaging =
    "https://dv.acme-v02.test-api.pki.goog/directory";

}  // namespace certkeep::acme
