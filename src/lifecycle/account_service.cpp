// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/account_service.hpp"

#include "acme/account.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"

namespace certkeep::lifecycle {

namespace {

Result<std::shared_ptr<const crypto::Signer>> signer_from_pem(const core::Secret& key_pem) {
  crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::from_pem(key_pem.view()));
  crypto::Signer signer = CERTKEEP_TRY(crypto::Signer::create(std::move(key)));
  return std::make_shared<const crypto::Signer>(std::move(signer));
}

std::vector<std::string> contacts(const std::string& email) {
  if (email.empty()) return {};
  return {email.starts_with("mailto:") ? email : "mailto:" + email};
}

}  // namespace

bool is_unknown_account(const Error& error) {
  return error.problem() && error.problem()->is("accountDoesNotExist");
}

Result<store::AccountRecord> ensure_account(store::Store& store, acme::Client& client,
                                            const AccountOptions& options,
                                            const std::function<void(std::string_view)>& progress) {
  auto existing = CERTKEEP_TRY(store.find_account(client.directory_url()));
  if (existing && !existing->account_url.empty()) {
    // A client kept across flows already signs as this account: skip parsing its key again.
    if (client.signer() != nullptr && client.kid() == existing->account_url) return std::move(*existing);
    client.set_account(CERTKEEP_TRY(signer_from_pem(existing->key_pem)), existing->account_url);
    return std::move(*existing);
  }
  if (!client.directory().terms_of_service.empty() && !options.agree_terms_of_service) {
    return fail(Errc::InvalidArgument, "the CA requires agreeing to its terms of service (" +
                                           client.directory().terms_of_service + "): pass --agree-tos");
  }
  if (client.directory().external_account_required)
    return fail(Errc::InvalidArgument,
                "the CA requires external account binding, which certkeep does not support yet");

  store::AccountRecord account;
  if (existing) {
    account = std::move(*existing);  // a key saved by a run that died before registering
  } else {
    crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::generate(KeyType::EcdsaP256));
    account.directory_url = client.directory_url();
    account.key_pem = CERTKEEP_TRY(key.to_pem());
    account.contact = options.email.empty() ? "" : contacts(options.email).front();
    // Saved before registering, so a crash cannot orphan an account the CA knows.
    account = CERTKEEP_TRY(store.save_account(std::move(account)));
  }
  client.set_account(CERTKEEP_TRY(signer_from_pem(account.key_pem)), "");
  const acme::NewAccountRequest request{.contact = contacts(options.email),
                                        .terms_of_service_agreed = options.agree_terms_of_service};
  acme::Account created = CERTKEEP_TRY(acme::new_account(client, request));
  account.account_url = created.url;
  account.status = store::AccountStatus::Valid;  // new_account refuses any other
  account = CERTKEEP_TRY(store.save_account(std::move(account)));
  if (progress) progress("account " + account.account_url + " registered");
  return account;
}

Result<store::AccountRecord> reregister_account(store::Store& store, acme::Client& client,
                                                store::AccountRecord account) {
  core::log::warn("the CA does not know account " + account.account_url + "; registering it again");
  client.set_account(CERTKEEP_TRY(signer_from_pem(account.key_pem)), "");
  std::vector<std::string> contact;
  if (!account.contact.empty()) contact.push_back(account.contact);
  // Terms were agreed when the account was first created.
  acme::Account created =
      CERTKEEP_TRY(acme::new_account(client, {.contact = contact, .terms_of_service_agreed = true}));
  account.account_url = created.url;
  return store.save_account(std::move(account));
}

}  // namespace certkeep::lifecycle
