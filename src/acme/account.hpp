// SPDX-License-Identifier: Apache-2.0
// ACME accounts (RFC 8555 §7.3): create (with External Account Binding when the CA wants it),
// look up by key, fetch, update the contact, change the key (§7.3.5) and deactivate (§7.3.6).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/client.hpp"
#include "acme/external_account.hpp"
#include "certkeep/result.hpp"
#include "crypto/signer.hpp"

namespace certkeep::acme {

// RFC 8555 §7.1.6.
enum class AccountStatus { Valid, Deactivated, Revoked };
std::string_view to_string(AccountStatus status) noexcept;

struct Account {
  std::string url;  // the kid
  AccountStatus status = AccountStatus::Valid;
  std::vector<std::string> contact;
};

struct NewAccountRequest {
  std::vector<std::string> contact;  // "mailto:…"
  bool terms_of_service_agreed = false;
  // §7.3.1: only look up the account of this key; Errc::CaProblem accountDoesNotExist if none.
  bool only_return_existing = false;
  // §7.3.4: sent when set. A CA whose directory says externalAccountRequired gets nothing
  // without one: Errc::InvalidArgument before any request.
  std::optional<ExternalAccountBinding> external_account;
};

// POSTs newAccount signed with the client's key as jwk. On success the client's kid is set.
// Errc::CaProblem with the CA's problem (agreement required, invalid contact, a refused or
// unknown EAB key, a deactivated account's key: unauthorized).
Result<Account> new_account(Client& client, const NewAccountRequest& request);

// POST-as-GET of the client's account (§7.3.3 without changes).
Result<Account> fetch_account(Client& client);

// Replaces the account's contact list (§7.3.2); an empty list removes every contact.
Result<Account> update_account_contact(Client& client, const std::vector<std::string>& contact);

// §7.3.6: the CA stops accepting the account; irreversible. Returns the account as the CA
// answered (status deactivated).
Result<Account> deactivate_account(Client& client);

// §7.3.5: binds the account to `new_key`. The outer JWS is signed by the client's (old) key
// with its kid, the inner one by the new key with its jwk, over {"account", "oldKey"}, with the
// same url and no nonce. On success the client signs with the new key from then on. When the
// CA answers 409, the new key already belongs to another account: Errc::CaProblem naming that
// account (its Location). Errc::InvalidArgument when the CA has no keyChange or the keys are
// the same.
Result<void> change_account_key(Client& client, std::shared_ptr<const crypto::Signer> new_key);

// True when `error` is the CA refusing a deactivated account (Pebble and Boulder answer
// "unauthorized", with "deactivated" in the detail).
bool is_deactivated_account(const Error& error);

}  // namespace certkeep::acme
