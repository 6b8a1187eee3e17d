// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/account_rollover.hpp"

#include "acme/account.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"

namespace certkeep::lifecycle {

namespace {

Result<std::shared_ptr<const crypto::Signer>> signer_of(const core::Secret& key_pem) {
  crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::from_pem(key_pem.view()));
  return std::make_shared<const crypto::Signer>(CERTKEEP_TRY(crypto::Signer::create(std::move(key))));
}

// Does the CA bind `key` to `account_url`? newAccount with onlyReturnExisting, signed by the
// key (jwk), answers the account of that key, or accountDoesNotExist (RFC 8555 §7.3.1).
Result<bool> key_is_accepted(acme::Client& client, std::shared_ptr<const crypto::Signer> key,
                             const std::string& account_url) {
  client.set_account(std::move(key), "");
  auto found = acme::new_account(client, {.only_return_existing = true});
  if (found) return found->url == account_url;
  if (found.error().problem() && found.error().problem()->is("accountDoesNotExist")) return false;
  return fail(std::move(found).error());
}

// The new key becomes the account's key: one store write, after the CA confirmed.
Result<store::AccountRecord> commit_new_key(store::Store& store, store::AccountRecord account) {
  account.key_pem = account.next_key_pem;
  account.next_key_pem = core::Secret();
  account = CERTKEEP_TRY(store.save_account(std::move(account)));
  core::failpoint("rollover_committed");
  return account;
}

// keyChange from the old key to the stored new one; on success the new key is committed.
Result<store::AccountRecord> send_key_change(store::Store& store, acme::Client& client,
                                             store::AccountRecord account) {
  auto old_key = CERTKEEP_TRY(signer_of(account.key_pem));
  auto new_key = CERTKEEP_TRY(signer_of(account.next_key_pem));
  client.set_account(old_key, account.account_url);
  if (auto changed = acme::change_account_key(client, new_key); !changed) {
    Error error = std::move(changed).error();
    // The CA will never take this key (it belongs to another account, or it is refused as
    // malformed): drop it, so later runs use the old key without asking again.
    if (!error.is_transient()) {
      core::log::warn("account " + account.name + ": the CA refused the new key; keeping the old one");
      account.next_key_pem = core::Secret();
      if (auto saved = store.save_account(account); !saved) core::log::error(saved.error().to_string());
    }
    client.set_account(old_key, account.account_url);
    return fail(std::move(error).with_context("roll over the key of account " + account.name));
  }
  core::failpoint("rollover_key_changed");
  return commit_new_key(store, std::move(account));
}

}  // namespace

Result<store::AccountRecord> settle_pending_rollover(store::Store& store, acme::Client& client,
                                                     store::AccountRecord account) {
  if (account.next_key_pem.empty()) {
    client.set_account(CERTKEEP_TRY(signer_of(account.key_pem)), account.account_url);
    return account;
  }
  core::log::info("account " + account.name + ": a key rollover was interrupted; finishing it");
  auto new_key = CERTKEEP_TRY(signer_of(account.next_key_pem));
  // The CA may have switched before the run that asked it died.
  if (CERTKEEP_TRY(key_is_accepted(client, new_key, account.account_url))) {
    account = CERTKEEP_TRY(commit_new_key(store, std::move(account)));
    client.set_account(std::move(new_key), account.account_url);
    return account;
  }
  return send_key_change(store, client, std::move(account));
}

Result<store::AccountRecord> rollover_account_key(store::Store& store, acme::Client& client,
                                                  store::AccountRecord account) {
  if (account.account_url.empty())
    return fail(Errc::InvalidArgument, "account " + account.name + " is not registered with its CA yet");
  if (!account.next_key_pem.empty()) return settle_pending_rollover(store, client, std::move(account));
  const crypto::PrivateKey old_key = CERTKEEP_TRY(crypto::PrivateKey::from_pem(account.key_pem.view()));
  const crypto::PrivateKey new_key = CERTKEEP_TRY(crypto::PrivateKey::generate(old_key.type()));
  // Stored before the CA hears of it: a crash from here on leaves both keys in the store.
  account.next_key_pem = CERTKEEP_TRY(new_key.to_pem());
  store::AccountRecord stored = CERTKEEP_TRY(store.save_account(std::move(account)));
  core::failpoint("rollover_key_stored");
  return send_key_change(store, client, std::move(stored));
}

}  // namespace certkeep::lifecycle
