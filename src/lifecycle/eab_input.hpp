// SPDX-License-Identifier: Apache-2.0
// External Account Binding as an operator gives it (a key id, a MAC key from a flag, a file
// or the environment, an algorithm name), checked into an acme::ExternalAccountBinding before
// anything changes. Shared by `certkeep issue` and `certkeep account register`.
#pragma once

#include <optional>
#include <string>

#include "acme/external_account.hpp"
#include "certkeep/result.hpp"
#include "core/secret.hpp"

namespace certkeep::lifecycle {

struct EabInput {
  std::string key_id;                   // --eab-kid
  std::optional<core::Secret> mac_key;  // the MAC key text, from wherever it came
  std::string mac_key_source;           // how to name its source in an error ("--eab-hmac-key-file F")
  std::string algorithm;                // --eab-alg: hs256 (default), hs384, hs512
};

// nullopt when neither a key id nor a key was given. Errc::InvalidArgument for a key id
// without a key or a key without a key id, an unknown algorithm, or a key that is not
// base64url (naming its source, never quoting the key).
Result<std::optional<acme::ExternalAccountBinding>> parse_eab_input(const EabInput& input);

}  // namespace certkeep::lifecycle
