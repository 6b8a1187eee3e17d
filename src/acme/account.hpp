// SPDX-License-Identifier: Apache-2.0
// ACME accounts (RFC 8555 §7.3): create, or look up an existing one by key.
#pragma once

#include <string>
#include <vector>

#include "acme/client.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

// An account the CA answered is "valid" (new_account refuses any other status).
struct Account {
  std::string url;  // the kid
  std::vector<std::string> contact;
};

struct NewAccountRequest {
  std::vector<std::string> contact;  // "mailto:…"
  bool terms_of_service_agreed = false;
  // §7.3.1: only look up the account of this key; Errc::CaProblem accountDoesNotExist if none.
  bool only_return_existing = false;
};

// POSTs newAccount signed with the client's key as jwk. On success the client's kid is set.
// Errc::CaProblem with the CA's problem (e.g. agreement required, invalid contact).
Result<Account> new_account(Client& client, const NewAccountRequest& request);

}  // namespace certkeep::acme
