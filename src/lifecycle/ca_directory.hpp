// SPDX-License-Identifier: Apache-2.0
// What an ACME CA says about itself in its directory, for `certkeep profiles` and the checks
// before an issuance: its profiles, whether it requires External Account Binding, its terms.
#pragma once

#include <string>
#include <vector>

#include "acme/directory.hpp"
#include "certkeep/result.hpp"
#include "core/clock.hpp"

namespace certkeep::lifecycle {

struct CaDescription {
  std::string directory_url;
  std::vector<acme::Profile> profiles;
  bool external_account_required = false;
  std::string terms_of_service;
  bool renewal_info = false;  // ARI
  bool key_change = false;
};

// GETs the directory at `directory_url` over a transport trusting `ca_bundle` besides the system
// roots and pinned to `server_ca_checksum` when set. The CA's errors as for any request.
Result<CaDescription> describe_ca(const std::string& directory_url, const std::string& ca_bundle,
                                  const std::string& server_ca_checksum, core::Clock& clock);

}  // namespace certkeep::lifecycle
