// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/ca_directory.hpp"

#include "acme/client.hpp"
#include "core/result_macros.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::lifecycle {

Result<CaDescription> describe_ca(const std::string& directory_url, const std::string& ca_bundle,
                                  const std::string& server_ca_checksum, core::Clock& clock) {
  std::unique_ptr<http::Transport> transport = CERTKEEP_TRY(make_ca_transport(ca_bundle, server_ca_checksum));
  std::unique_ptr<acme::Client> client =
      CERTKEEP_TRY(acme::Client::connect(*transport, directory_url, clock));
  const acme::Directory& directory = client->directory();
  return CaDescription{.directory_url = directory_url,
                       .profiles = directory.profiles,
                       .external_account_required = directory.external_account_required,
                       .terms_of_service = directory.terms_of_service,
                       .renewal_info = directory.has_renewal_info(),
                       .key_change = !directory.key_change.empty()};
}

}  // namespace certkeep::lifecycle
