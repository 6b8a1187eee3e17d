// SPDX-License-Identifier: Apache-2.0
// The ACME accounts of a store, by name: several per CA and per store, the one an order uses,
// registering one (with External Account Binding when its CA wants it), rolling its key over
// (account_rollover.hpp) and deactivating it. `certkeep account …` and the order flow share
// these. Keys and MAC keys never leave the store through here: details carry a thumbprint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/client.hpp"
#include "certkeep/result.hpp"
#include "lifecycle/account_service.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// An account name: 1 to 64 of [a-z0-9._-], not starting with '.' or '-'. Errc::InvalidArgument.
Result<std::string> check_account_name(std::string_view name);

// The name a new account of `directory_url` gets when none was asked for: the CA's host
// ("acme-v02.api.letsencrypt.org"; "127.0.0.1-14000" with a port), "-2", "-3", … when taken.
Result<std::string> default_account_name(store::Store& store, const std::string& directory_url);

// The account an order at `choice`'s CA uses: the named one (Errc::InvalidArgument when it is
// another CA's), else `current_id` when it is this CA's, else the CA's newest valid account;
// nullopt when there is none yet (then one is registered, named `choice.name` when given).
// Accounts of stores older than names get their default name here.
Result<std::optional<store::AccountRecord>> find_account_for(store::Store& store, const AccountChoice& choice,
                                                             std::int64_t current_id);

// The account by name. Errc::NotFound naming `account list`.
Result<store::AccountRecord> named_account(store::Store& store, const std::string& name);

// A client for the account's CA (its directory, trust root and pin).
Result<acme::Client*> client_for(Services& services, const store::AccountRecord& account);

struct AccountDetails {
  store::AccountRecord account;  // key_pem, next_key_pem and eab_mac_key cleared
  std::string key_thumbprint;    // RFC 7638 thumbprint of the account key (public)
  bool rollover_pending = false;
  std::vector<std::string> lineages;  // that use it
};
Result<std::vector<AccountDetails>> list_accounts(store::Store& store);
Result<AccountDetails> show_account(store::Store& store, const std::string& name);

struct RegisterRequest {
  AccountChoice where;  // name "" = default_account_name
  AccountOptions options;
};
// Registers a new account with its CA and stores it (its key before the CA is asked, then its
// URL). Errc::InvalidArgument when the name is taken or the CA wants a binding none was given.
Result<store::AccountRecord> register_account(Services& services, const RegisterRequest& request);

// Rolls the named account's key over and returns it (account_rollover.hpp).
Result<store::AccountRecord> rollover_account(Services& services, const std::string& name);

struct Deactivation {
  store::AccountRecord account;
  std::vector<std::string> lineages;  // marked: an event each; their renewals fail naming the account
};
// Deactivates the named account at its CA (irreversible), records it, and marks the lineages
// that used it. Errc::InvalidArgument when it is deactivated already.
Result<Deactivation> deactivate_account(Services& services, const std::string& name);

// "account NAME (URL) is deactivated …": the error every later use of such an account gets,
// before any request.
Error deactivated_account_error(const store::AccountRecord& account);

}  // namespace certkeep::lifecycle
