// SPDX-License-Identifier: Apache-2.0
// The ACME account of a directory: loaded from the store, or registered on first use, and
// registered again when the CA has forgotten it (accountDoesNotExist after a CA reset).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "acme/client.hpp"
#include "acme/external_account.hpp"
#include "certkeep/result.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

struct AccountOptions {
  std::string email;  // may be empty
  bool agree_terms_of_service = false;
  // External Account Binding for a new account (RFC 8555 §7.3.4): the key id and MAC key the
  // CA gave. Required when the directory says externalAccountRequired (an error before any
  // request without it); ignored once the account exists. The key is never logged.
  std::optional<acme::ExternalAccountBinding> external_account;
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

// `error` as the user should read it when the CA refused a deactivated account: naming the
// account (its URL) and what to do; any other error unchanged.
Error explain_account_error(Error error, const std::string& account_url);

}  // namespace certkeep::lifecycle
