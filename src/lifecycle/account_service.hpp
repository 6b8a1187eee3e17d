// SPDX-License-Identifier: Apache-2.0
// The ACME account an order signs with: the one the lineage names (or uses, or the CA's default
// one) loaded from the store, or registered on first use (with External Account Binding when
// the CA wants it), and registered again when the CA has forgotten it (accountDoesNotExist
// after a CA reset). A key rollover left pending by a crash is finished first.
#pragma once

#include <cstdint>
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
  // request without it); stored with the account; ignored once it exists. Never logged.
  std::optional<acme::ExternalAccountBinding> external_account;
};

// Which account at which CA: how to reach the CA (the account keeps it) and the account's name
// ("" for the lineage's or the CA's default one).
struct AccountChoice {
  std::string name;
  std::string directory_url;
  std::string ca_bundle;
  std::string server_ca_checksum;
};

// Sets the client's account (signer and kid) to the one `choice` and `current_id` select
// (accounts.hpp, find_account_for), registering it when the store has none (or only its key,
// saved by a run that died before registering): Errc::InvalidArgument when the CA has terms of
// service that were not agreed to, or requires EAB and none was given or stored. A deactivated
// account is refused before any request, naming it. `progress` gets a line when an account is
// registered.
Result<store::AccountRecord> ensure_account(store::Store& store, acme::Client& client,
                                            const AccountChoice& choice, std::int64_t current_id,
                                            const AccountOptions& options,
                                            const std::function<void(std::string_view)>& progress);

// Registers the stored key again (the CA lost its state), with the stored binding, and saves
// the new account URL.
Result<store::AccountRecord> reregister_account(store::Store& store, acme::Client& client,
                                                store::AccountRecord account);

// True when `error` says the CA does not know the account.
bool is_unknown_account(const Error& error);

// `error` as the user should read it when the CA refused a deactivated account: naming the
// account and what to do; any other error unchanged.
Error explain_account_error(Error error, const store::AccountRecord& account);

// The stored binding of `account`, decoded; nullopt without one.
Result<std::optional<acme::ExternalAccountBinding>> stored_binding(const store::AccountRecord& account);

}  // namespace certkeep::lifecycle
