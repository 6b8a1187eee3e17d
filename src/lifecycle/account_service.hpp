// SPDX-License-Identifier: Apache-2.0
// The ACME account of a directory: loaded from the store, or registered on first use, and
// registered again when the CA has forgotten it (accountDoesNotExist after a CA reset).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "acme/client.hpp"
#include "certkeep/result.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

struct AccountOptions {
  std::string email;  // may be empty
  bool agree_terms_of_service = false;
};

// Sets the client's account (signer and kid). Registers a new ES256 account when the store has
// none for the client's directory; Errc::InvalidArgument when the CA has terms of service and
// they were not agreed to. `progress` gets one line when an account is created.
Result<store::AccountRecord> ensure_account(store::Store& store, acme::Client& client,
                                            const AccountOptions& options,
                                            const std::function<void(std::string_view)>& progress);

// Registers the stored key again (the CA lost its state) and saves the new account URL.
Result<store::AccountRecord> reregister_account(store::Store& store, acme::Client& client,
                                                store::AccountRecord account);

// True when `error` says the CA does not know the account.
bool is_unknown_account(const Error& error);

}  // namespace certkeep::lifecycle
